"""Shared fixtures: deterministic fakes for unit tests, the real model and index for integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import assistant  # noqa: F401  (offline defaults before anything else loads)
from assistant.core.settings import Settings
from tests.helpers import CORPUS, HashEmbedder, make_settings


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the founding corpus."""
    dst = tmp_path / "sources"
    shutil.copytree(CORPUS, dst, ignore=shutil.ignore_patterns(".*"))
    return dst


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return make_settings(tmp_path, corpus)


# --- real model / real index (integration) -----------------------------------------
@pytest.fixture(scope="session")
def real_settings_base(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="session")
def real_embedder(real_settings_base: Settings):
    from assistant.app.compose import make_embedder

    return make_embedder(real_settings_base)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[Settings]:
    """The founding corpus ingested once with the real model into embedded Chroma (read-only for tests)."""
    from assistant.app.compose import build_assistant

    root = tmp_path_factory.mktemp("corpus-index")
    src = root / "sources"
    shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns(".*"))
    s = make_settings(root, src)
    build_assistant(s, embedder=real_embedder).refresh()
    yield s


@pytest.fixture(scope="session")
def corpus_assistant(corpus_index: Settings, real_embedder):
    from assistant.app.compose import build_assistant

    return build_assistant(corpus_index, embedder=real_embedder)


@pytest.fixture
def indexed(settings, fake_embedder):
    """The founding corpus ingested with the fake embedder into a private embedded Chroma index."""
    from assistant.app.compose import build_assistant

    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    return a


# --- PostgreSQL (a shared catalog) ------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    """A PostgreSQL server: the one `.ci/run` starts (TAAWUN_TEST_POSTGRES_URL), else a throwaway one.

    Without either, the tests that need it are skipped locally but fail in CI, where they must run.
    """
    import os
    import tempfile

    from tests.helpers import free_port, start_postgres

    url = os.environ.get("TAAWUN_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    # not under pytest's root-only temp folder: as root the server runs as the `postgres` user
    root = Path(tempfile.mkdtemp(prefix="taawun-pg-"))
    try:
        url, stop = start_postgres(root, free_port())
    except (FileNotFoundError, OSError) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server here: {exc}")
    yield url
    stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_admin: str) -> str:
    """A new, empty database for one test."""
    from tests.helpers import fresh_database

    return fresh_database(postgres_admin)
