"""The store: a reprints index in one SQLite file that grows as documents arrive (this module is its face).

``store`` (open, add, remove and expire, query, reads) · ``schema`` (the file, its tables and
migrations) · ``sqlite`` (every SQL statement) · ``incremental`` (what one
batch changes, no SQL). See :class:`Store`.
"""

from reprints.store.schema import SCHEMA_VERSION, StoreError
from reprints.store.store import AddResult, QueryResult, RemoveResult, Store

__all__ = ["Store", "StoreError", "AddResult", "QueryResult", "RemoveResult", "SCHEMA_VERSION"]
