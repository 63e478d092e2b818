"""The engine interface: what :func:`reprints.pipeline.scan` asks of whoever runs its stages."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

R = TypeVar("R")

__all__ = ["Engine"]


class Engine(Protocol):
    """Runs stage functions over pieces of work.

    ``map(fn, items, start=...)`` calls ``fn(*item)`` for each argument tuple in
    ``items`` and yields the results in input order, consuming ``items`` as it
    goes (the scan's input is read while earlier batches are sketched).
    ``fn`` is a pure, module-level stage function, so an engine may run it
    anywhere. ``start`` lets the engine bring up its workers for this stage
    (the first stage of a scan, once its input proves large enough); stages
    after it use what is running. ``workers`` is how many ran (0: none).
    ``close`` releases them.
    """

    workers: int

    def map(self, fn: Callable[..., R], items: Iterable[tuple[Any, ...]], *, start: bool = False) -> Iterator[R]:
        ...

    def close(self) -> None:
        ...
