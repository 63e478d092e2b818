"""Fast pickling for the small frozen dataclasses that travel between processes.

A scan sends documents to its worker processes and gets relations back: tens of
thousands of objects. The dataclass default for ``slots=True`` pickles each
through Python-level ``__getstate__``/``__setstate__`` calls (about 120
microseconds for a relation with its passages, read and written); pickling them
as their constructor arguments is several times faster and gives equal objects.
"""

from __future__ import annotations

import operator
from dataclasses import fields

__all__ = ["by_fields"]


def by_fields(cls: type) -> type:
    """Class decorator (above ``@dataclass``): pickle instances as ``cls(*fields)``.

    >>> from dataclasses import dataclass
    >>> @by_fields
    ... @dataclass(frozen=True, slots=True)
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> Point(1, 2).__reduce__()[1]  # pickle stores the class and these arguments
    (1, 2)
    """
    names = [f.name for f in fields(cls)]
    if not all(f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: every field must be a constructor argument")
    get = operator.attrgetter(*names)
    if len(names) == 1:
        def __reduce__(self):
            return (cls, (get(self),))
    else:
        def __reduce__(self):
            return (cls, get(self))
    cls.__reduce__ = __reduce__
    return cls
