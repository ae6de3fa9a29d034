"""A refresh run in its own process for the SIGKILL test (tests/test_replicas.py): the deterministic
fake embedder, slowed down so that the kill lands mid-run. Settings come from TAAWUN_* variables."""

from __future__ import annotations

import sys
import time

from assistant.app.compose import build_assistant
from assistant.core.settings import load_settings
from tests.helpers import HashEmbedder


class SlowEmbedder(HashEmbedder):
    def embed_passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
        out = []
        for t in texts:
            time.sleep(0.004)
            out.append(super().embed_passages([t])[0])
            if progress:
                progress(1)
        import numpy as np

        return np.stack(out) if out else np.zeros((0, self.dim), np.float32)


def main() -> None:
    a = build_assistant(load_settings(), embedder=SlowEmbedder())
    print("started", flush=True)
    a.refresh(progress=lambda stage, i, n: print(stage, i, n, flush=True))
    print("done", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
