"""reprints: find the versions of a news story in a pile of documents.

The public API is small: load a corpus, scan it, compare two documents, or keep
a :class:`Store` that grows as documents arrive and answers one at a time.

>>> from reprints import load_corpus, scan
>>> result = scan(load_corpus("examples/corpus").documents)  # doctest: +SKIP
>>> [f.origin for f in result.families]  # doctest: +SKIP
"""

__version__ = "0.1.0"

from reprints.families import Family, TreeEdge
from reprints.load import Corpus, Document, LoadProblem, document_from_text, iter_load, load_corpus
from reprints.pipeline import ScanParams, ScanResult, compare_documents, scan
from reprints.relate import Relation
from reprints.store import Store, StoreError

__all__ = [
    "Corpus",
    "Document",
    "Family",
    "LoadProblem",
    "Relation",
    "ScanParams",
    "ScanResult",
    "Store",
    "StoreError",
    "TreeEdge",
    "compare_documents",
    "document_from_text",
    "iter_load",
    "load_corpus",
    "scan",
]
