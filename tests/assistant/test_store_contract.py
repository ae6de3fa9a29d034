"""Chroma connection errors. The Index contract every backend runs is in tests/contracts.py (IndexContract)."""

import pytest

from assistant.core.errors import IndexUnavailable
from assistant.core.store import ChromaIndex
from tests.helpers import free_port


@pytest.mark.integration
def test_unreachable_server_is_a_clear_error():
    with pytest.raises(IndexUnavailable, match=r"Chroma server|cannot"):
        ChromaIndex.server(f"http://127.0.0.1:{free_port()}", "nothing")


def test_bad_server_url_is_refused():
    with pytest.raises(ValueError, match="http"):
        ChromaIndex.server("ftp://example", "x")
