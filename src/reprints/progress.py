"""The progress callback that every long-running call takes (scan, store adds, calibrate).

``progress(stage, done, total)`` is called as work advances, with ``total`` 0
while it is not known yet; the command line draws it as a bar on a terminal.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["Progress"]

Progress = Callable[[str, int, int], None]
