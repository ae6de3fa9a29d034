"""Sharing two cores: thread counts, the OpenMP wait policy, ingest priority and the query-encode queue.

Answers collapsed beside an ingest (p50 63 ms quiet, ~1 s beside one) for two reasons this module
addresses:

* OpenMP threads spin after each parallel region by default, and a team of two threads waits at
  every barrier for whichever of them was descheduled. With another process on the cores both
  cost a scheduler slice per operator. ``OMP_WAIT_POLICY=PASSIVE`` makes idle threads sleep (read
  once, when the OpenMP runtime loads with torch, so :func:`configure_process` must run before
  torch is imported), and answering uses one thread, which has no barrier to wait at.
* An ingest competed with answers as an equal. :func:`run_lowered` runs it in a thread with a
  higher niceness (Linux niceness is per thread, and the OpenMP team that thread starts inherits
  it); its embedding batches set their own thread count (:func:`torch_threads`).

Query encodes go through one worker thread (:class:`EncodeQueue`): concurrent questions wait in
turn instead of each starting its own team of threads on the same cores.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from assistant.core.errors import EncoderBusy
from assistant.core.settings import CPUSettings

log = logging.getLogger("taawun")
T = TypeVar("T")

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_local = threading.local()


# --- process start: environment read when torch loads ------------------------------------------
def process_env(cfg: CPUSettings, threads: int) -> dict[str, str]:
    """The variables OpenMP and the BLAS libraries read at load time."""
    env: dict[str, str] = {}
    if threads:
        env.update(dict.fromkeys(THREAD_ENV, str(threads)))
    if cfg.omp_wait_policy:
        env["OMP_WAIT_POLICY"] = cfg.omp_wait_policy
        # Intel's OpenMP (some torch builds) ignores the policy for its own spin time
        env["KMP_BLOCKTIME"] = "0" if cfg.omp_wait_policy == "PASSIVE" else "200"
    return env


def configure_process(cfg: CPUSettings, threads: int) -> dict[str, str]:
    """Set :func:`process_env` in ``os.environ`` (variables already set by the user win); returns what was set."""
    if "torch" in sys.modules:
        log.debug("torch is already imported: OMP_WAIT_POLICY and *_NUM_THREADS no longer take effect")
    applied = {k: v for k, v in process_env(cfg, threads).items() if k not in os.environ}
    os.environ.update(applied)
    return applied


def configure_torch(cfg: CPUSettings, threads: int) -> None:
    """Thread counts of an imported torch (intra-op for this and new threads, inter-op once per process)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    if cfg.interop_threads:
        # allowed only before the first inter-op work; a second embedder in the process finds it set
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(cfg.interop_threads)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Intra-op threads of the calling thread for the block (0: unchanged).

    torch keeps the count per thread (OpenMP and MKL both), so this does not change what the
    encode worker uses; the previous value is restored because it is also the default that new
    threads copy.
    """
    import torch

    before = torch.get_num_threads()  # also fixes this thread's own count before the change
    if not n or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- priority ---------------------------------------------------------------------------------
def thread_nice() -> int:
    """The niceness of the calling thread (Linux: per thread; elsewhere: the process's)."""
    who = threading.get_native_id() if sys.platform.startswith("linux") else 0
    return os.getpriority(os.PRIO_PROCESS, who)


def lower_thread_priority(delta: int) -> int:
    """Raise the calling thread's niceness by ``delta`` (it cannot be lowered again); returns the new value.

    Only on Linux, where it touches this thread alone; elsewhere it would slow the whole server.
    """
    if delta <= 0 or not sys.platform.startswith("linux"):
        return thread_nice()
    target = min(19, thread_nice() + delta)
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), target)
    except OSError as exc:  # e.g. a sandbox without setpriority
        log.warning("cannot lower the ingest priority: %s", exc)
    return thread_nice()


def run_lowered(fn: Callable[[], T], nice: int) -> T:
    """Run ``fn`` in a new thread whose niceness is ``nice`` above the caller's; return or raise its result.

    A fresh thread because an unprivileged process cannot raise its priority again afterwards: the
    caller (a web worker, the CLI's main thread) keeps its own. Context variables go along (Gradio's
    progress bars use them). An interrupt of the caller (Ctrl-C in the CLI) is passed into the
    thread, so the work unwinds as it did when it ran in the caller.
    """
    if nice <= 0:
        return fn()
    out: dict[str, Any] = {}
    ctx = contextvars.copy_context()
    began, done = threading.Event(), threading.Event()

    def body() -> None:
        began.set()
        _local.lowered = True
        try:
            lower_thread_priority(nice)
            out["value"] = ctx.run(fn)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            out["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=body, name="taawun-ingest", daemon=True)
    try:
        worker.start()
        done.wait()
    except KeyboardInterrupt:
        _interrupt(worker, began, done)
        raise
    if "error" in out:
        raise out["error"]
    return out["value"]  # type: ignore[no-any-return]


def in_lowered_thread() -> bool:
    """Whether the caller runs inside :func:`run_lowered` (an ingest)."""
    return bool(getattr(_local, "lowered", False))


def _interrupt(worker: threading.Thread, began: threading.Event, done: threading.Event) -> None:
    """Raise KeyboardInterrupt in ``worker`` (at its next Python line, between batches) and wait for it to unwind.

    Waits on an Event, not Thread.join: on Python 3.11 a join interrupted by Ctrl-C marks the
    thread finished, and exiting while it still runs torch code aborts the process.
    """
    if not began.wait(5):  # interrupted before the thread was created: nothing to unwind
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident or 0), ctypes.py_object(KeyboardInterrupt))
    done.wait()


# --- the query-encode queue --------------------------------------------------------------------
class EncodeQueue:
    """One worker thread runs the encodes in turn; at most ``size`` are waiting or running.

    A caller that finds no place within ``wait_s`` gets :class:`EncoderBusy` instead of piling
    up behind the others. The worker uses ``threads`` intra-op threads whatever other threads
    (an ingest) have set for themselves.
    """

    def __init__(self, size: int, wait_s: float, threads: int = 0) -> None:
        self.size, self.wait_s, self.threads = size, wait_s, threads
        self._places = threading.BoundedSemaphore(size)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="taawun-encode", initializer=self._init_worker)

    def _init_worker(self) -> None:
        if self.threads:
            import torch

            torch.get_num_threads()  # fixes the thread's own count first: torch copies the default lazily
            torch.set_num_threads(self.threads)

    def run(self, fn: Callable[[], T]) -> T:
        if in_lowered_thread():
            # an ingest's own queries (calibration) are ingest work, at its priority; and a worker
            # thread started from here would inherit the lowered priority for good
            return fn()
        if not self._places.acquire(timeout=self.wait_s):
            raise EncoderBusy(
                f"{self.size} questions are already waiting to be encoded (waited {self.wait_s:g} s); "
                "try again in a moment"
            )
        try:
            return self._pool.submit(fn).result()
        finally:
            self._places.release()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
