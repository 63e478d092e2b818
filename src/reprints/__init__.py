"""reprints: find the versions of a news story in a pile of documents.

The public API is small: load a corpus, scan it, compare two documents, or keep
a :class:`Store` that grows as documents arrive and answers one at a time.

>>> from reprints import ScanParams, load_corpus, scan
>>> result = scan(load_corpus("examples/corpus").documents, ScanParams(semantic=False))
>>> [f.origin for f in result.families][:2]
['wire/airline-collapse-origin.txt', 'wire/dam-breach-origin.txt']
"""

__version__ = "0.1.0"

from reprints.families import Family, TreeEdge
from reprints.document import Corpus, Document, LoadProblem
from reprints.load import document_from_text, iter_load, load_corpus
from reprints.config import ScanParams
from reprints.pipeline import ScanResult, compare_documents, scan
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
