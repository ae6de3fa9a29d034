"""The lexical write: bring the BM25 index file up to the catalog's generation, cheaply when it can."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.core.catalog import Catalog
from assistant.core.lexical import LexicalIndex, append_changes, catch_up


def write_lexical(
    catalog: Catalog,
    path: Path,
    since: int | None = None,
    removed: Sequence[str] = (),
    added: Sequence[tuple[str, str, str, list[str]]] = (),
) -> None:
    """Bring the BM25 index at ``path`` to the catalog's generation.

    When it reflects generation ``since`` and one commit (deleting the chunk ids ``removed``,
    adding the chunks ``added``) led from there to now, only that change is appended. When it lags
    further (commits by another replica, a killed run), it catches up with what changed since, unless
    its tokens were made by another pipeline or embedding model. Otherwise (a first run, a legacy file)
    it is rebuilt from every chunk.
    """
    gen = catalog.generation()
    key = catalog.token_key()
    if since is not None and gen == since + 1 and append_changes(path, since, gen, removed, added, key):
        return
    try:
        lex = LexicalIndex.load(path)
    except (OSError, ValueError, KeyError):
        lex = None
    if lex is not None and lex.generation <= gen:
        catch_up(lex, catalog, gen, key, path)
        return
    LexicalIndex.build(catalog.iter_tokens(), generation=gen, key=key).save(path)
