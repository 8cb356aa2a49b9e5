import pytest

from kb.errors import ConfigError
from kb.settings import load_settings


def test_bad_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("KB_STORE__BACKEND", "sqlite")
    with pytest.raises(ConfigError, match="KB_STORE__BACKEND"):
        load_settings()


def test_missing_corpus_config_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="KB_CONFIG.*does not exist"):
        load_settings()


def test_nested_settings_come_from_double_underscore_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_HOME", str(tmp_path))
    monkeypatch.setenv("KB_ANSWER__BACKEND", "openai")
    settings = load_settings()
    assert settings.answer.backend == "openai" and settings.store_dir == tmp_path / "store"
