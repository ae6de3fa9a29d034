"""BM25 over normalised, stemmed Arabic and English tokens, kept in append-only segments.

Refreshing one document must cost O(document), not O(index). So segments hold raw term
frequencies and chunk lengths, never BM25 weights: a change of N, a document frequency or
the average length rewrites nothing, because the weights are computed at query time for the
query's terms only. A later segment tombstones chunk ids of earlier ones (a replaced or
removed document). After each append the smallest trailing segments are merged (the
logarithmic method), so a merge into the base, which is O(index), is rare and its cost is
amortised over the changes that caused it.

On disk, ``lexical.npz`` is a small manifest (the catalog generation it reflects, the segment
files in order) and the segments live in ``lexical.segments/``. A writer writes new segment
files under fresh names, fsyncs them, then renames a new manifest over the old one: a reader
sees the old set or the new one, and a run killed in between leaves the old manifest, whose
generation then lags behind the catalog's (readers detect that and rebuild).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from assistant.core.files import atomic_write

Item = tuple[str, str, str, Sequence[str]]  # (chunk id, doc id, language, tokens)
FORMAT = 2  # 1 was the precomputed weight matrix in one file
#: merge trailing segments while the one before them is at most this many times their size
MERGE_RATIO = 2.0
#: merge everything into the base once tombstones reach this fraction of its chunks
DEAD_FRACTION = 0.25


class LexicalFormatError(ValueError):
    """The file is not a lexical index this code can read (missing, legacy or damaged)."""


@dataclass
class Segment:
    """A batch of chunks with their own small vocabulary, and the earlier chunk ids it removes."""

    ids: list[str]
    docs: list[str]
    langs: np.ndarray
    lengths: np.ndarray  # tokens per chunk
    terms: list[str]
    tf: sparse.csr_matrix  # (len(terms), len(ids)) raw term counts
    removes: list[str] = field(default_factory=list)
    name: str | None = None  # its file, once stored; files are immutable, so a reader may keep it
    _vocab: dict[str, int] | None = field(default=None, repr=False)

    @classmethod
    def from_items(cls, items: Iterable[Item], removes: Sequence[str] = ()) -> Segment:
        ids: list[str] = []
        docs: list[str] = []
        langs: list[str] = []
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        lengths: list[int] = []
        setdefault = vocab.setdefault
        for cid, doc_id, lang, tokens in items:
            ids.append(cid)
            docs.append(doc_id)
            langs.append(lang)
            lengths.append(len(tokens))
            term_ids.extend([setdefault(t, len(vocab)) for t in tokens])
        n = len(ids)
        # duplicate (term, chunk) entries are summed by the sparse conversion
        tf = sparse.coo_matrix(
            (np.ones(len(term_ids), np.float32), (np.asarray(term_ids, np.int64), np.repeat(np.arange(n), lengths))),
            shape=(len(vocab), n),
        ).tocsr()
        tf.sum_duplicates()
        return cls(
            ids, docs, np.asarray(langs, dtype="U8"), np.asarray(lengths, np.int64), list(vocab), tf, list(removes)
        )

    @property
    def size(self) -> int:
        """What merging it costs (chunks plus tombstones)."""
        return len(self.ids) + len(self.removes)

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = {t: i for i, t in enumerate(self.terms)}
        return self._vocab

    def write(self, path: Path) -> None:
        atomic_write(
            path,
            lambda fh: np.savez(
                fh,
                ids=np.asarray(json.dumps(self.ids)),
                docs=np.asarray(json.dumps(self.docs)),
                langs=self.langs,
                lengths=self.lengths,
                terms=np.asarray(json.dumps(self.terms, ensure_ascii=False)),
                data=self.tf.data,
                indices=self.tf.indices,
                indptr=self.tf.indptr,
                removes=np.asarray(json.dumps(self.removes)),
            ),
        )

    @classmethod
    def read(cls, path: Path) -> Segment:
        with np.load(path, allow_pickle=False) as z:
            ids, terms = json.loads(str(z["ids"])), json.loads(str(z["terms"]))
            tf = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(len(terms), len(ids)))
            docs, removes = json.loads(str(z["docs"])), json.loads(str(z["removes"]))
            return cls(ids, docs, z["langs"], z["lengths"], terms, tf, removes, path.name)


def merge(segments: Sequence[Segment], base: bool) -> Segment:
    """One segment equivalent to applying ``segments`` in order.

    Tombstones that hit a chunk inside the run are resolved; the others are kept, unless the
    result is the ``base`` (nothing precedes it), whose chunks are then sorted by id as a full
    build orders them.
    """
    where: dict[str, tuple[int, int]] = {}
    removes: dict[str, None] = {}  # an ordered set
    for si, s in enumerate(segments):
        for r in s.removes:
            if where.pop(r, None) is None and not base:
                removes[r] = None
        for j, cid in enumerate(s.ids):
            where[cid] = (si, j)  # a repeated id replaces the older chunk, as the loader does
    order = sorted(where) if base else list(where)
    return _gather(segments, [where[c] for c in order], list(removes))


def _gather(segments: Sequence[Segment], keep: list[tuple[int, int]], removes: list[str]) -> Segment:
    """The chunks ``keep`` ((segment, column) in their new order) as one segment with one vocabulary."""
    vocab: dict[str, int] = {}
    rows, cols, data = [], [], []
    new_col = [np.full(len(s.ids), -1, np.int64) for s in segments]
    for k, (si, j) in enumerate(keep):
        new_col[si][j] = k
    for s, nc in zip(segments, new_col, strict=True):
        coo = s.tf.tocoo()
        c = nc[coo.col]
        live = c >= 0
        r = coo.row[live]
        used = np.unique(r)
        to_merged = np.full(len(s.terms), -1, np.int64)
        to_merged[used] = [vocab.setdefault(s.terms[t], len(vocab)) for t in used]
        rows.append(to_merged[r])
        cols.append(c[live])
        data.append(coo.data[live])
    n, empty = len(keep), np.zeros(0, np.int64)
    tf = sparse.csr_matrix(
        (
            np.concatenate([np.zeros(0, np.float32), *data]),
            (np.concatenate([empty, *rows]), np.concatenate([empty, *cols])),
        ),
        shape=(len(vocab), n),
    )

    def pick(attr: str) -> list[Any]:
        return [getattr(segments[si], attr)[j] for si, j in keep]

    langs = np.asarray(pick("langs"), dtype="U8")
    return Segment(pick("ids"), pick("docs"), langs, np.asarray(pick("lengths"), np.int64), list(vocab), tf, removes)


class LexicalIndex:
    """The live chunks of a sequence of segments, searchable with BM25 (Okapi, k1 and b)."""

    def __init__(
        self, segments: Sequence[Segment], generation: int = 0, k1: float = 1.2, b: float = 0.75, key: str = ""
    ) -> None:
        self.segments = list(segments)
        self.generation = generation
        # what the tokens were made by (the catalog's pipeline and embedding model): chunk ids name the
        # content, and the same content cut by another tokenizer keeps its ids, so a change of key
        # means a rebuild, never a catch-up
        self.key = key
        self.k1, self.b = k1, b
        self._offsets = np.cumsum([0] + [len(s.ids) for s in self.segments])
        alive = self._alive()
        self._live = None if alive.all() else np.flatnonzero(alive)
        self._live_view(alive)
        self._statistics(alive)
        self._masks: dict[str, np.ndarray] = {}
        self._row: dict[str, int] | None = None

    @classmethod
    def build(
        cls, items: Iterable[Item], generation: int = 0, k1: float = 1.2, b: float = 0.75, key: str = ""
    ) -> LexicalIndex:
        """Build from (chunk id, doc id, language, tokens)."""
        return cls([Segment.from_items(items)], generation, k1, b, key)

    # --- assembly (once per load) ---------------------------------------------------
    def _alive(self) -> np.ndarray:
        """Which slots survive the tombstones and id replacements of later segments."""
        alive = np.ones(int(self._offsets[-1]), bool)
        where: dict[str, int] = {}
        for s, off in zip(self.segments, self._offsets.tolist(), strict=False):
            for r in s.removes:
                slot = where.pop(r, None)
                if slot is not None:
                    alive[slot] = False
            if where:
                for j, cid in enumerate(s.ids):
                    old = where.get(cid)
                    if old is not None:
                        alive[old] = False
                    where[cid] = off + j
            else:
                where = dict(zip(s.ids, range(off, off + len(s.ids)), strict=True))
        return alive

    def _live_view(self, alive: np.ndarray) -> None:
        ids = [c for s in self.segments for c in s.ids]
        docs = [d for s in self.segments for d in s.docs]
        langs = np.concatenate([np.zeros(0, "U8"), *(s.langs for s in self.segments)])
        self._lengths = np.concatenate([np.zeros(0, np.int64), *(s.lengths for s in self.segments)])
        if self._live is not None:
            ids = [ids[i] for i in self._live.tolist()]
            docs = [docs[i] for i in self._live.tolist()]
            langs = langs[self._live]
        self.ids = ids
        self.docs = np.asarray(docs, dtype=object)  # document id per chunk
        self.langs = langs

    def _statistics(self, alive: np.ndarray) -> None:
        """Document frequencies, N and the average length, over live chunks only."""
        n = len(self.ids)
        total = int(self._lengths[alive].sum())
        avg = total / n if n else 1.0
        dl = self._lengths.astype(np.float32)
        self._norm = (self.k1 * (1 - self.b + self.b * dl / max(avg, 1e-6))).astype(np.float32)
        # term ids: the base's own (its vocabulary is not copied), then terms new in later segments
        self._base_vocab = self.segments[0].vocab if self.segments else {}
        self._extra: dict[str, int] = {}
        n_base = len(self._base_vocab)
        gids = [np.arange(n_base)] + [self._term_ids(s.terms) for s in self.segments[1:]]
        df = np.zeros(n_base + len(self._extra), np.int64)
        for s, off, gid in zip(self.segments, self._offsets.tolist(), gids, strict=False):
            seg_alive = alive[off : off + len(s.ids)]
            if seg_alive.all():
                local = np.diff(s.tf.indptr)
            else:  # live postings per term: a running count over the posting lists
                ran = np.concatenate([[0], np.cumsum(seg_alive[s.tf.indices])])
                local = ran[s.tf.indptr[1:]] - ran[s.tf.indptr[:-1]]
            df[gid] += local  # a segment's terms are distinct
        self.df = df
        dff = df.astype(np.float32)
        self.idf = np.log1p((n - dff + 0.5) / (dff + 0.5)).astype(np.float32)
        known = df > 0
        self._top_idf = float(self.idf[known].max()) if known.any() else 1.0

    def _term_ids(self, terms: list[str]) -> np.ndarray:
        """Global ids of a later segment's terms, giving the new ones ids after the base's."""
        base, extra, n_base = self._base_vocab, self._extra, len(self._base_vocab)
        out = np.empty(len(terms), np.int64)
        for i, t in enumerate(terms):
            g = base.get(t)
            out[i] = extra.setdefault(t, n_base + len(extra)) if g is None else g
        return out

    # --- queries ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    def lang_mask(self, lang: str) -> np.ndarray:
        """Which chunks are in ``lang`` (computed once per language)."""
        if lang not in self._masks:
            self._masks[lang] = self.langs == lang
        return self._masks[lang]

    def _term(self, token: str) -> int | None:
        """The token's term id when a live chunk has it (a term only removed chunks had is unknown)."""
        g = self._base_vocab.get(token)
        if g is None:
            g = self._extra.get(token)
        return g if g is not None and self.df[g] > 0 else None

    def _query_terms(self, tokens: Sequence[str]) -> list[tuple[str, int, int]]:
        """(token, term id, count in the query) for the query's known terms, in first-seen order."""
        known = {t: g for t in dict.fromkeys(tokens) if (g := self._term(t)) is not None}
        counts = Counter(t for t in tokens if t in known)
        return [(t, known[t], q) for t, q in counts.items()]

    def idf_of(self, tokens: Sequence[str]) -> np.ndarray:
        """IDF per token; a token the index has never seen weighs as much as the rarest one."""
        ids = [self._term(t) for t in tokens]
        return np.asarray([float(self.idf[g]) if g is not None else self._top_idf for g in ids])

    def max_score(self, tokens: Sequence[str]) -> float:
        """An upper bound of any chunk's score for this query, to normalise scores to [0, 1)."""
        q = self._query_terms(tokens)
        if not q:
            return 0.0
        qtf = np.asarray([n for *_, n in q], np.float32)
        return float((self.idf[[g for _, g, _ in q]] * qtf).sum() * (self.k1 + 1))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every live chunk, aligned with ``ids``.

        Each posting's weight is idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)),
        summed over query terms in query order whatever the segment layout, so an index
        grown by appends scores exactly as one built in one go.
        """
        s = np.zeros(int(self._offsets[-1]), np.float32)
        terms = self._query_terms(tokens)
        k1p = np.float32(self.k1 + 1)
        for seg, off in zip(self.segments, self._offsets.tolist(), strict=False):
            indptr, indices, data = seg.tf.indptr, seg.tf.indices, seg.tf.data
            for term, g, qtf in terms:
                r = seg.vocab.get(term)
                if r is None:
                    continue
                a, z = indptr[r], indptr[r + 1]
                cols = indices[a:z] + off
                tf = data[a:z]
                s[cols] += np.float32(qtf) * (self.idf[g] * tf * k1p / (tf + self._norm[cols]))
        return s if self._live is None else s[self._live]

    def search(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) with positive score, ties by chunk id; ``mask`` (bool per chunk) limits the pool."""
        s = self.scores(tokens)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        pos = np.flatnonzero(s > 0)
        if not len(pos) or k <= 0:
            return []
        if len(pos) > k:  # keep every chunk tied with the k-th, so the tie-break by id sees them all
            kth = np.partition(s[pos], len(pos) - k)[len(pos) - k]
            pos = pos[s[pos] >= kth]
        ids = self.ids
        top = sorted(zip((-s[pos]).tolist(), [ids[j] for j in pos.tolist()], strict=True))[:k]
        return [(cid, -neg) for neg, cid in top]

    def row(self, chunk_id: str) -> int | None:
        if self._row is None:
            self._row = {cid: i for i, cid in enumerate(self.ids)}
        return self._row.get(chunk_id)

    # --- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write as one base segment (a full rebuild), atomically: a reader sees the old index or this one."""
        segs = self.segments
        base = segs[0] if len(segs) == 1 and not segs[0].removes else merge(segs, base=True)
        _Store(path).replace([base], self.generation, self.k1, self.b, self.key)

    @classmethod
    def load(cls, path: Path, reuse: LexicalIndex | None = None) -> LexicalIndex:
        """Read the index at ``path``; segments ``reuse`` (an index loaded before) already holds are not read again."""
        return _Store(path).load({s.name: s for s in reuse.segments if s.name} if reuse else {})


def stored_generation(path: Path) -> int | None:
    """The catalog generation the index at ``path`` reflects; None when there is no readable one."""
    try:
        return int(_Store(path).manifest()["generation"])
    except (OSError, ValueError):
        return None


class TokenSource(Protocol):
    """Where the chunks' tokens live (the catalog)."""

    def chunk_ids(self) -> set[str]: ...

    def iter_tokens(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str, str, list[str]]]: ...


MAX_MEMORY_SEGMENTS = 8  # an index caught up in memory only is merged back into one base past this


def catch_up(
    lex: LexicalIndex, source: TokenSource, generation: int, key: str, path: Path | None = None
) -> LexicalIndex:
    """``lex`` brought to the chunks ``source`` holds now, labelled ``generation``.

    For an index that lags behind commits made elsewhere (another host's ingest, or a killed run):
    the change is found by comparing chunk ids, which name their content, so only the new chunks'
    tokens are read, not the index's. That equals a full rebuild only while the tokens were made the
    same way: when ``key`` (the catalog's pipeline and model) differs from the index's, it rebuilds.
    With ``path`` (the copy on disk, reflecting ``lex``; only its one writer, the ingest, passes it),
    the change is appended there too.
    """
    if lex.key != key:
        fresh = LexicalIndex.build(source.iter_tokens(), generation, lex.k1, lex.b, key)
        if path is not None:
            fresh.save(path)
        return fresh
    live = source.chunk_ids()
    removed = sorted(set(lex.ids) - live)
    added = list(source.iter_tokens(sorted(live - set(lex.ids))))
    if path is not None and append_changes(path, lex.generation, generation, removed, added, key):
        with contextlib.suppress(OSError, ValueError):
            return LexicalIndex.load(path, reuse=lex)
    segs = [*lex.segments, Segment.from_items(added, removes=removed)]
    if len(segs) > MAX_MEMORY_SEGMENTS:
        segs = [merge(segs, base=True)]
    return LexicalIndex(segs, generation, lex.k1, lex.b, key)


def append_changes(
    path: Path, since: int, generation: int, removed: Sequence[str], added: Iterable[Item], key: str | None = None
) -> bool:
    """Apply one catalog commit (generation ``since`` -> ``generation``) to the index at ``path``.

    ``removed`` are the chunk ids the commit deleted or replaced, ``added`` its new chunks. Costs
    O(change) plus, now and then, a merge. False (and nothing written) when the index does not
    reflect generation ``since`` (or, given ``key``, tokens made by another pipeline or model): the
    caller must rebuild it.
    """
    store = _Store(path)
    try:
        m = store.manifest()
    except (OSError, ValueError):
        return False
    if int(m["generation"]) != since or (key is not None and str(m.get("key", "")) != key):
        return False
    store.append(m, Segment.from_items(added, removes=removed), generation)
    return True


class _Store:
    """The manifest at ``path`` and its segment files; see the module docstring for the protocol."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dir = path.with_suffix(".segments")

    def manifest(self) -> dict[str, Any]:
        try:
            with np.load(self.path, allow_pickle=False) as z:
                m: dict[str, Any] = json.loads(str(z["manifest"]))
        except (KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise LexicalFormatError(f"{self.path}: not a lexical index manifest") from exc
        if not isinstance(m, dict) or m.get("format") != FORMAT or not {"generation", "k1", "b", "segments"} <= set(m):
            raise LexicalFormatError(f"{self.path}: not a lexical index manifest of format {FORMAT}")
        return m

    def load(self, known: dict[str, Segment]) -> LexicalIndex:
        for attempt in (0, 1):
            m = self.manifest()
            try:
                segs = [known.get(e["file"]) or Segment.read(self.dir / e["file"]) for e in m["segments"]]
            except FileNotFoundError:
                if attempt:
                    raise
                continue  # a writer merged them away after we read the manifest: read the new one
            except (KeyError, zipfile.BadZipFile, EOFError) as exc:
                raise LexicalFormatError(f"{self.dir}: damaged segment") from exc
            return LexicalIndex(segs, int(m["generation"]), float(m["k1"]), float(m["b"]), str(m.get("key", "")))
        raise AssertionError("unreachable")

    def append(self, m: dict[str, Any], seg: Segment, generation: int) -> None:
        entries = list(m["segments"])
        if seg.size:
            start = _merge_start(entries, seg)
            if start < len(entries):
                run = [Segment.read(self.dir / e["file"]) for e in entries[start:]]
                seg = merge([*run, seg], base=start == 0)
            entries = [*entries[:start], self._write(seg, generation)]
        self._commit(entries, generation, float(m["k1"]), float(m["b"]), str(m.get("key", "")))

    def replace(self, segments: Sequence[Segment], generation: int, k1: float, b: float, key: str = "") -> None:
        self._commit([self._write(s, generation) for s in segments], generation, k1, b, key)

    def _write(self, seg: Segment, generation: int) -> dict[str, Any]:
        name = f"seg-g{generation}-{secrets.token_hex(6)}.npz"  # fresh: a live file is never overwritten
        seg.write(self.dir / name)
        return {"file": name, "chunks": len(seg.ids), "removes": len(seg.removes)}

    def _commit(self, entries: list[dict[str, Any]], generation: int, k1: float, b: float, key: str = "") -> None:
        """Make the segment files durable, switch the manifest, then delete what it no longer names."""
        self.dir.mkdir(parents=True, exist_ok=True)
        _fsync_dir(self.dir)  # the manifest must never name a file a crash could lose
        m = {"format": FORMAT, "generation": generation, "k1": k1, "b": b, "key": key, "segments": entries}
        atomic_write(self.path, lambda fh: np.savez(fh, manifest=np.asarray(json.dumps(m))))
        keep = {e["file"] for e in entries}
        for f in self.dir.iterdir():
            if f.name not in keep:
                f.unlink(missing_ok=True)


def _merge_start(entries: list[dict[str, Any]], seg: Segment) -> int:
    """Index of the first stored segment to merge with the new one; len(entries) for none.

    The logarithmic method: trailing segments merge while the one before them is not much
    larger, so sizes shrink geometrically towards the tail (O(log n) segments, each chunk
    rewritten O(log n) times). Everything merges into the base when tombstones pile up,
    because dead postings still cost query time.
    """
    sizes = [e["chunks"] + e["removes"] for e in entries] + [seg.size]
    j, acc = len(sizes) - 1, sizes[-1]
    while j > 0 and sizes[j - 1] <= MERGE_RATIO * acc:
        j -= 1
        acc += sizes[j]
    dead = sum(e["removes"] for e in entries[1:]) + len(seg.removes)
    return 0 if entries and dead > DEAD_FRACTION * entries[0]["chunks"] else j


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
