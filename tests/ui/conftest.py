"""A real Ta'awun app served on 127.0.0.1 over a private copy of the indexed corpus."""

import shutil
import socket
import time
import urllib.request

import pytest

from tests.helpers import make_settings

ADMIN_TOKEN = "test-admin-token-5d1c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served_app(tmp_path_factory, corpus_index, real_embedder):
    from assistant.app.compose import build_assistant
    from ui.app import serve

    root = tmp_path_factory.mktemp("served")
    shutil.copytree(corpus_index.sources_dir, root / "sources")
    shutil.copytree(corpus_index.index_dir, root / "index")
    s = make_settings(root, root / "sources", index={"dir": root / "index"}, admin={"token": ADMIN_TOKEN})
    a = build_assistant(s, embedder=real_embedder)
    port = free_port()
    demo = serve(a, host="127.0.0.1", port=port, block=False)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield {"url": url, "assistant": a, "settings": s}
    demo.close()
