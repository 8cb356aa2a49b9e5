import json

import pytest

from kb.errors import KeyringError
from kb.keyring import KeyRing, encode_key, generate_key, open_keyring, read_master_key
from kb.settings import load_settings


def make_ring(tmp_path):
    master = generate_key()
    return KeyRing.create(tmp_path / "keyring.json", master, "test"), master


def test_sealed_content_opens_with_the_same_aad_only(tmp_path):
    ring, _ = make_ring(tmp_path)
    token = ring.seal("collection:a", b"patient record text", b"point=1")
    assert ring.open_sealed("collection:a", token, b"point=1") == b"patient record text"
    with pytest.raises(KeyringError, match="failed authentication"):
        ring.open_sealed("collection:a", token, b"point=2")


def test_ciphertext_sealed_for_one_collection_does_not_open_under_another(tmp_path):
    ring, _ = make_ring(tmp_path)
    token = ring.seal("collection:a", b"secret", b"x")
    with pytest.raises(KeyringError):
        ring.open_sealed("collection:b", token, b"x")


def test_wrong_master_key_fails_closed_with_a_clear_message(tmp_path):
    ring, _ = make_ring(tmp_path)
    ring.ensure("collection:a")
    before = (tmp_path / "keyring.json").read_bytes()
    with pytest.raises(KeyringError, match="wrong key"):
        KeyRing.open(tmp_path / "keyring.json", generate_key(), "elsewhere")
    assert (tmp_path / "keyring.json").read_bytes() == before


def test_missing_master_key_is_not_generated_for_an_existing_home(tmp_path):
    with pytest.raises(KeyringError, match="no master key"):
        read_master_key(None, tmp_path / "master.key", create_if_absent=False)
    assert not (tmp_path / "master.key").exists()


def test_master_key_of_wrong_length_is_rejected(tmp_path):
    with pytest.raises(KeyringError, match="32 bytes"):
        read_master_key(encode_key(b"short"), tmp_path / "k", create_if_absent=False)


def test_master_rotation_rewraps_keys_and_old_ciphertexts_still_open(tmp_path):
    ring, _ = make_ring(tmp_path)
    token = ring.seal("collection:a", b"kept", b"aad")
    new_master = generate_key()
    ring.rotate_master(new_master)
    reopened = KeyRing.open(tmp_path / "keyring.json", new_master, "new")
    assert reopened.open_sealed("collection:a", token, b"aad") == b"kept"


def test_new_data_key_version_seals_new_content_and_keeps_old_versions(tmp_path):
    ring, master = make_ring(tmp_path)
    old = ring.seal("collection:a", b"old", b"")
    assert ring.add_data_key_version("collection:a") == 2
    new = ring.seal("collection:a", b"new", b"")
    assert KeyRing.token_version(old) == 1 and KeyRing.token_version(new) == 2
    reopened = KeyRing.open(tmp_path / "keyring.json", master, "test")
    assert reopened.open_sealed("collection:a", old, b"") == b"old"


def test_derived_keys_are_stable_across_data_key_rotation(tmp_path):
    ring, _ = make_ring(tmp_path)
    before = ring.derive("index", "sparse-term-hash")
    ring.add_data_key_version("index")
    assert ring.derive("index", "sparse-term-hash") == before


def test_ring_file_holds_no_unwrapped_key(tmp_path):
    ring, _ = make_ring(tmp_path)
    ring.ensure("collection:a")
    plain = encode_key(ring.key("collection:a"))
    assert plain not in (tmp_path / "keyring.json").read_text()
    assert json.loads((tmp_path / "keyring.json").read_text())["keys"]["collection:a"]["current"] == 1


def test_interrupted_master_rotation_is_completed_on_next_open(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path))
    monkeypatch.delenv("KB_MASTER_KEY", raising=False)
    settings = load_settings()
    ring = open_keyring(settings, create=True)
    token = ring.seal("collection:a", b"kept", b"")
    new_master = generate_key()
    pending = settings.resolved_master_key_file().with_name("master.key.new")
    pending.write_text(encode_key(new_master))
    ring.rotate_master(new_master)  # killed here: key file not yet replaced
    recovered = open_keyring(settings)
    assert recovered.open_sealed("collection:a", token, b"") == b"kept"
    assert not pending.exists()
