import pytest

from corpus_config.schema import load_corpus_config
from kb.errors import ConfigError
from kb.settings import SAMPLE_CONFIG


def write(tmp_path, text):
    (tmp_path / "corpus").mkdir(exist_ok=True)
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_sample_config_claims_all_24_sample_files():
    config = load_corpus_config(SAMPLE_CONFIG)
    assert len(config.discover()) == 24


def test_front_desk_reaches_records_enrollment_and_billing_but_not_code_sets():
    config = load_corpus_config(SAMPLE_CONFIG)
    readable = config.collections_for_role("front_desk")
    assert config.collection_for("hhs_ocr_hipaa/hipaa_combined.pdf").name in readable
    assert config.collection_for("hhs_oig/roadmap_02payers.html").name in readable
    assert "coding_references" not in readable
    assert config.collection_for("cms_hcpcs/HCPCS_2020.csv").name == "coding_references"


def test_dated_documents_carry_their_note():
    info = load_corpus_config(SAMPLE_CONFIG).document_info("hhs_ocr_hipaa/hipaa_combined.pdf")
    assert info.dated_note and "2013" in info.dated_note


def test_unknown_role_names_file_field_and_problem(tmp_path):
    path = write(tmp_path, "corpus_root: corpus\ncollections:\n - name: a\n   roles: [nurse]\n   sources: ['*']\n")
    with pytest.raises(ConfigError) as error:
        load_corpus_config(path)
    message = str(error.value)
    assert str(path) in message and "collections.0.roles" in message and "nurse" in message


def test_invalid_yaml_is_a_one_line_error(tmp_path):
    path = write(tmp_path, "collections: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_corpus_config(path)


def test_missing_corpus_root_is_reported(tmp_path):
    path = write(tmp_path, "corpus_root: nowhere\ncollections:\n - name: a\n   roles: [admin]\n   sources: ['*']\n")
    with pytest.raises(ConfigError, match="corpus_root"):
        load_corpus_config(path)


def test_chunk_size_above_the_embedding_window_is_rejected(tmp_path):
    path = write(
        tmp_path,
        "corpus_root: corpus\nchunking: {max_tokens: 400}\ncollections:\n - name: a\n   roles: [admin]\n   sources: ['*']\n",
    )
    with pytest.raises(ConfigError, match="chunking.max_tokens"):
        load_corpus_config(path)
