"""One contract, two engines: Qdrant Edge on disk and qdrant-client (`:memory:`, the server API)."""

import warnings

import numpy as np
import pytest
from qdrant_client import QdrantClient

from kb.errors import KeyringError
from kb.keyring import KeyRing, generate_key
from kb.models import Chunk, ChunkMeta
from kb.settings import StoreSettings
from store.edge_backend import EdgeBackend
from store.encrypted import EncryptedStore, collection_key_name
from store.server_backend import ServerBackend

DIM = 8


@pytest.fixture(params=["edge", "server"])
def backend_factory(request, tmp_path):
    if request.param == "edge":
        return lambda: EdgeBackend(tmp_path / "store")
    client = QdrantClient(":memory:")
    return lambda: ServerBackend(StoreSettings(backend="server"), client=client)


@pytest.fixture
def ring(tmp_path):
    return KeyRing.create(tmp_path / "keyring.json", generate_key(), "test")


@pytest.fixture
def store(backend_factory, ring):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield EncryptedStore(backend_factory(), ring, DIM)


def chunk(doc, position, text, collection="public", file_hash="v1", section=None, keywords=()):
    return Chunk(
        meta=ChunkMeta(
            chunk_id=f"00000000-0000-4000-8000-{abs(hash((doc, position, file_hash))) % 10**12:012d}",
            doc_id=doc,
            document=f"{doc}.txt",
            collection=collection,
            roles=["admin"],
            title=doc,
            section=section,
            char_start=0,
            char_end=len(text),
            content_hash="h",
            file_hash=file_hash,
            position=position,
            keywords=list(keywords),
        ),
        text=text,
    )


def vec(seed):
    v = np.random.default_rng(seed).standard_normal((1, DIM)).astype(np.float32)
    return v / np.linalg.norm(v)


def put(store, chunks, seeds):
    store.add_pending(chunks, np.vstack([vec(s) for s in seeds]), [c.text for c in chunks])


def test_pending_chunks_are_invisible_until_activated(store):
    put(store, [chunk("d1", 0, "records request within thirty days")], [1])
    assert store.search(vec(1)[0], "records request", ["public"], 5, 20) == []
    store.activate("d1", "v1")
    found = store.search(vec(1)[0], "records request", ["public"], 5, 20)
    assert [c.text for c in found] == ["records request within thirty days"]


def test_search_is_restricted_to_the_given_collections(store):
    put(store, [chunk("d1", 0, "modifier GA waiver", collection="coding")], [1])
    store.activate("d1", "v1")
    assert store.search(vec(1)[0], "modifier GA", ["public"], 5, 20) == []
    assert len(store.search(vec(1)[0], "modifier GA", ["coding"], 5, 20)) == 1


def test_replacing_a_document_leaves_no_duplicates_or_stale_chunks(store):
    put(store, [chunk("d1", i, f"old text {i}") for i in range(3)], [1, 2, 3])
    store.activate("d1", "v1")
    put(store, [chunk("d1", i, f"new text {i}", file_hash="v2") for i in range(2)], [4, 5])
    store.activate("d1", "v2")
    texts = sorted(c.text for c in store.iter_document("d1"))
    assert texts == ["new text 0", "new text 1"]
    assert store.count("d1") == 2


def test_deleting_a_document_purges_every_point(store):
    put(store, [chunk("d1", i, f"t {i}") for i in range(4)] + [chunk("d2", 0, "other")], [1, 2, 3, 4, 5])
    store.activate("d1", "v1")
    store.activate("d2", "v1")
    assert store.delete_document("d1") == 4
    assert store.count("d1") == 0 and store.count("d2") == 1


def test_interrupted_write_is_purged_and_old_version_keeps_answering(store):
    put(store, [chunk("d1", 0, "old answer")], [1])
    store.activate("d1", "v1")
    put(store, [chunk("d1", 0, "half written", file_hash="v2")], [2])  # killed before activate
    assert [c.text for c in store.search(vec(1)[0], "answer", ["public"], 5, 20)] == ["old answer"]
    store.purge_pending()
    assert store.count("d1") == 1


def test_exact_code_match_ranks_the_coded_chunk_first(store):
    chunks = [chunk("d1", i, f"generic dressing text {i}") for i in range(6)]
    chunks.append(chunk("d1", 6, "A2 Dressing for two wounds", section="A2", keywords=["A2"]))
    put(store, chunks, [1, 1, 1, 1, 1, 1, 99])
    store.activate("d1", "v1")
    found = store.search(vec(1)[0], "dressing", ["public"], 3, 20, codes=["A2"])
    assert found[0].meta.section == "A2"


def distinct_chunks():
    return [chunk("d1", i, "text " + " ".join(["number"] * (i + 1))) for i in range(5)]


def test_data_key_rotation_reencrypts_and_search_results_stay_identical(store, ring):
    put(store, distinct_chunks(), [1, 2, 3, 4, 5])
    store.activate("d1", "v1")
    before = [(c.meta.chunk_id, c.text) for c in store.search(vec(3)[0], "text number", ["public"], 5, 20)]
    ring.add_data_key_version(collection_key_name("public"))
    assert store.reencrypt() == 5
    after = [(c.meta.chunk_id, c.text) for c in store.search(vec(3)[0], "text number", ["public"], 5, 20)]
    assert after == before
    assert store.reencrypt() == 0


def test_master_rotation_leaves_search_results_identical(store, ring, tmp_path):
    put(store, distinct_chunks(), [1, 2, 3, 4, 5])
    store.activate("d1", "v1")
    before = [c.text for c in store.search(vec(2)[0], "number", ["public"], 5, 20)]
    new_master = generate_key()
    ring.rotate_master(new_master)
    reopened = KeyRing.open(tmp_path / "keyring.json", new_master, "new")
    store._keyring = reopened
    assert [c.text for c in store.search(vec(2)[0], "number", ["public"], 5, 20)] == before


def test_sealed_payload_moved_to_another_point_fails_authentication(store):
    put(store, [chunk("d1", 0, "first"), chunk("d1", 1, "second")], [1, 2])
    store.activate("d1", "v1")
    first, second = store.iter_document("d1")
    raw = {h.id: h.payload for h in store._backend.scroll(store_where_all())}
    store._backend.set_point_payload(second.meta.chunk_id, {"sealed": raw[first.meta.chunk_id]["sealed"]})
    with pytest.raises(KeyringError, match="failed authentication"):
        store.iter_document("d1")


def store_where_all():
    from store.backend import Where

    return Where()
