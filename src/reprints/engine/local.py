"""The local engine: stage functions in this process and a pool of forked workers.

Workers start only in a stage that may start them (``start=True``, the
scan's sketching), once it has a third piece of work in view: the first piece
runs here while the input is still being read, and the last piece of every
stage runs here rather than waiting in the pool's queue, so an input of one or
two batches never forks, and forking happens before this process holds much.
At most two pieces per worker are in flight (back-pressure: the input is not
read faster than it is sketched), and results come back in input order, so
answers never depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, TypeVar

R = TypeVar("R")

__all__ = ["LocalEngine"]

_NOTHING = object()


def _wanted(jobs: int) -> int:
    """Worker processes for ``jobs`` (0: one per core; 1: none), where fork exists."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    jobs = jobs or os.cpu_count() or 1
    return jobs if jobs > 1 else 0


def _threads_per_worker(workers: int) -> int:
    """Embedding threads each worker may use so that workers times threads fits the
    cores: two workers with two threads each on two cores ran 2.4 times slower."""
    cores = os.cpu_count() or 1
    asked = int(os.environ.get("REPRINTS_THREADS", "0") or 0)
    return max(1, min(asked or cores, cores // max(workers, 1)))


def _worker_threads(threads: int) -> None:
    """Worker start-up: cap the embedding threads (read by :func:`reprints.embed.embed`)."""
    os.environ["REPRINTS_THREADS"] = str(threads)


class LocalEngine:
    """Runs stage functions here and in ``jobs`` forked workers (0: one per core;
    1: none). Use as a context manager, or call :meth:`close`.

    >>> with LocalEngine(jobs=1) as engine:
    ...     list(engine.map(pow, [(2, 3), (3, 2)]))
    [8, 9]
    """

    def __init__(self, jobs: int = 0) -> None:
        self._want = _wanted(jobs)
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        """Worker processes running (0 until a stage started them)."""
        return self._want if self._pool is not None else 0

    def map(self, fn: Callable[..., R], items: Iterable[tuple[Any, ...]], *, start: bool = False) -> Iterator[R]:
        """``fn(*item)`` for each item, results in input order (see the module docstring)."""
        pending: deque[R | Future[R]] = deque()
        held: Any = _NOTHING
        sent = 0
        for item in items:
            if held is not _NOTHING:
                if start and self._pool is None and self._want and sent >= 1:
                    self._pool = ProcessPoolExecutor(self._want, mp_context=multiprocessing.get_context("fork"),
                                                     initializer=_worker_threads,
                                                     initargs=(_threads_per_worker(self._want),))
                if self._pool is None:
                    pending.append(fn(*held))
                else:
                    pending.append(self._pool.submit(fn, *held))
                    if len(pending) > 2 * self._want:
                        _result(pending[0])  # back-pressure: wait for the oldest
                sent += 1
                while pending and (not isinstance(pending[0], Future) or pending[0].done()):
                    yield _result(pending.popleft())
            held = item
        if held is not _NOTHING:
            pending.append(fn(*held))
        while pending:
            yield _result(pending.popleft())

    def close(self) -> None:
        """Stop the workers (and drop work not started)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _result(part: R | Future[R]) -> R:
    return part.result() if isinstance(part, Future) else part
