"""The editing use cases: refresh, add (files, a URL), remove, rebuild. Each returns an :class:`IngestReport`.

The service (assistant.app.service) and the command line call these; the steps of one run are
:class:`ingest.refresh.Refresher`'s. Every run holds the index lock (and, on a shared catalog, its
writer lock), and runs at a lower priority so questions asked meanwhile go first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from assistant.core import cpu
from assistant.core.catalog import Catalog
from assistant.core.protocols import Embedder, Index
from assistant.core.settings import Settings, load_settings
from ingest.fetch import (
    Refused,
    fetch_url,
    name_for_url,
    remove_sidecar,
    safe_filename,
    url_sidecar,
    write_sidecar,
    write_source,
)
from ingest.locking import index_lock
from ingest.refresh import Refresher, origin_of
from ingest.reports import DocOutcome, IngestLocked, IngestReport, Progress

#: what a killed rebuild can leave beside the index directory: the half-built index, the previous one
REBUILD_SUFFIX, OLD_SUFFIX = ".rebuild", ".old"


class Library:
    """Editing one index. Its parts are factories, called when a run needs them (the model loads on first use)."""

    def __init__(
        self,
        settings: Settings,
        index: Callable[[], Index],
        catalog: Callable[[bool], Catalog],  # the argument: create an empty catalog when there is none
        embedder: Callable[[], Embedder],
        model_id: Callable[[], str],  # known without loading the model
    ) -> None:
        self.settings = settings
        self._index, self._catalog, self._embedder, self._model_id = index, catalog, embedder, model_id

    def refresh(
        self, paths: Sequence[Path] | None = None, *, force: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Bring the index in line with the sources folder (or the files and folders ``paths``)."""
        catalog = self._catalog(True)

        def run() -> IngestReport:
            with index_lock(self.settings.index_dir), catalog.writer_lock() as mine:
                if not mine:
                    raise IngestLocked(
                        f"another host's ingest run is writing the shared catalog at {catalog.where}; "
                        "try again when it ends"
                    )
                refresher = Refresher(self.settings, self._index(), catalog, self._embedder, self._model_id(), progress)
                return refresher.run(paths, force=force)

        # at a lower priority, so questions asked meanwhile (in this process or another) go first
        return cpu.run_lowered(run, self.settings.cpu.ingest_nice)

    def add_files(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> IngestReport:
        """Copy uploaded releases into the sources folder and index them; refused files are reported as skipped."""
        allowed = {e.lower() for e in self.settings.ingest.extensions}
        limit = int(self.settings.ui.max_upload_mb * 1e6)
        written: list[Path] = []
        refused: list[DocOutcome] = []
        for name, data in files:
            try:
                safe = safe_filename(name, allowed)
                if len(data) > limit:
                    raise Refused(
                        f"refused {safe}: {len(data) / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB upload limit"
                    )
                written.append(write_source(self.settings.sources_dir, safe, data))
            except Refused as exc:
                refused.append(DocOutcome(name, "skipped", reason=str(exc)))
        report = self.refresh(written, progress=progress) if written else IngestReport()
        report.documents.extend(refused)
        return report

    def add_url(self, url: str, progress: Progress | None = None) -> IngestReport:
        """Fetch a page into the sources folder (its URL in a sidecar) and index it."""
        cfg = self.settings.ingest
        got = fetch_url(
            url.strip(),
            timeout=cfg.url_timeout_s,
            max_bytes=int(cfg.url_max_mb * 1e6),
            allow_private=cfg.allow_private_urls,
        )
        name = name_for_url(got.url, got.extension)
        write_sidecar(self.settings.sources_dir, name, url_sidecar(got.url))
        path = write_source(self.settings.sources_dir, name, got.data)
        return self.refresh([path], progress=progress)

    def remove(self, doc_id: str, progress: Progress | None = None) -> IngestReport:
        """Delete a document's source file and drop it from the index."""
        catalog = self._catalog(False)
        if catalog.document(doc_id) is None:
            raise Refused(f"no indexed document {doc_id!r}")
        if catalog.shared:
            owner = catalog.origins([doc_id]).get(doc_id)
            if owner is not None and owner != origin_of(self.settings):
                raise Refused(  # its host's next refresh would add it back from its own sources folder
                    f"{doc_id!r} was added on another host ({owner}); remove it there"
                )
        sources = self.settings.sources_dir.resolve()
        path = (sources / doc_id).resolve()
        if sources not in path.parents:
            raise Refused(f"refused: {doc_id!r} is not inside the sources folder")
        path.unlink(missing_ok=True)
        remove_sidecar(sources, path.name)
        return self.refresh([path], progress=progress)  # just this document: the rest may be another host's


class Refreshes(Protocol):
    """What a rebuild needs of the index it fills: the service satisfies it."""

    @property
    def index(self) -> Index: ...

    def refresh(
        self, paths: Sequence[Path] | None = None, *, force: bool = False, progress: Progress | None = None
    ) -> IngestReport: ...


def rebuild(settings: Settings, open_index: Callable[[Settings], Refreshes], progress: Progress | None) -> IngestReport:
    """Re-ingest everything into a fresh index, then swap it in.

    ``open_index`` opens an index's editor for some settings (the rebuild fills another directory).
    In embedded mode the old index stays usable until the swap.
    """
    target = settings.index_dir
    if settings.catalog.url:
        # A shared catalog serves other hosts meanwhile: re-embed everything in place. The run commits
        # in one transaction at its end, so every replica answers from the old index until then.
        return open_index(settings).refresh(progress=progress, force=True)
    if settings.chroma.url:
        # A server collection cannot be swapped atomically: clear it and re-ingest in place.
        with index_lock(target):
            open_index(settings).index.reset()  # type: ignore[attr-defined]
            for f in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", "lexical.npz"):
                (target / f).unlink(missing_ok=True)
        return open_index(settings).refresh(progress=progress, force=True)
    fresh = target.with_name(target.name + REBUILD_SUFFIX)
    with index_lock(fresh):  # a rebuild still filling it holds this lock: fail fast, delete nothing of it
        shutil.rmtree(fresh, ignore_errors=True)
    data = settings.model_dump()
    data["index"]["dir"] = fresh
    report = open_index(load_settings(**data)).refresh(progress=progress, force=True)
    with index_lock(target):
        old = target.with_name(target.name + OLD_SUFFIX)
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
        shutil.rmtree(old, ignore_errors=True)
    report.index_dir = str(target)
    return report


def clean_rebuild_leftovers(index_dir: Path) -> list[str]:
    """Finish what a killed `taawun ingest --rebuild` left behind; returns what was done.

    A rebuild fills ``<index>.rebuild/`` and then swaps it in, moving the live index to
    ``<index>.old/`` for a moment. Killed while filling, the half-built folder is removed; killed
    between the two renames of the swap, the previous index is put back. A rebuild still running
    holds the locks, and then nothing is touched.
    """
    fresh = index_dir.with_name(index_dir.name + REBUILD_SUFFIX)
    old = index_dir.with_name(index_dir.name + OLD_SUFFIX)
    if not (fresh.exists() or old.exists()):
        return []
    done: list[str] = []
    try:
        with index_lock(index_dir), index_lock(fresh):
            if old.is_dir() and not index_dir.exists():
                os.replace(old, index_dir)
                done.append(f"restored {index_dir} from {old.name}/ (a rebuild was killed during its swap)")
            for leftover in (fresh, old):
                if leftover.exists():
                    shutil.rmtree(leftover)
                    done.append(f"removed {leftover.name}/ left by a killed rebuild")
    except IngestLocked:
        return []
    return done
