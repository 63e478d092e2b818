"""Engines run the stages' functions; the pipeline says which, in what order.

:class:`~reprints.engine.base.Engine` is the seam: ``map`` one stage function
over argument tuples and get the results back in order. The local engine
(:mod:`reprints.engine.local`) runs them in this process and a pool of forked
workers. Stage code never learns which engine runs it.
"""

from reprints.engine.base import Engine
from reprints.engine.local import LocalEngine

__all__ = ["Engine", "LocalEngine"]
