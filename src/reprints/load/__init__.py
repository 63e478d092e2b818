"""Load documents: the first pipeline stage (this module is its face).

``files`` walks folders, ``formats`` reads each kind of file, ``decode`` turns
bytes into clean text, ``meta`` and ``header`` turn given fields and printed
header lines into metadata.

Reads a file or a folder of .txt/.md/.html, JSON Lines, CSV/TSV, Parquet or WARC
crawls (each also gzip- or zstd-compressed, ``feed.jsonl.gz``) into
`Document` objects, fixing encodings (cp1252 fallback, ftfy mojibake repair) and
parsing news-style header lines (title, byline, date, source URL) into metadata.
A bad item becomes a `LoadProblem` and the load goes on: nothing here raises for
bad input, only for a path that does not exist.

    >>> corpus = load_corpus("examples/corpus")
    >>> len(corpus.documents), corpus.problems
    (38, [])
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from reprints.document import Corpus, Document, LoadProblem
from reprints.load.decode import clean_text
from reprints.load.files import iter_corpus
from reprints.load.header import Style, make_document, parsed
from reprints.load.meta import canonical_meta, parse_date

__all__ = ["Corpus", "Document", "LoadProblem", "document_from_text", "iter_load", "load_corpus", "parse_date", "parsed"]


def iter_load(path: str | os.PathLike[str], *, parse_headers: bool = True) -> Iterator[Document | LoadProblem]:
    """Stream the documents and problems of a file or folder, in a stable order.

    Folders are walked recursively in sorted order; ids are paths relative to the
    folder (posix) for files and the `id` field for JSON Lines/CSV/Parquet rows.
    Raises FileNotFoundError only when `path` itself does not exist.

    With `parse_headers=False` the header lines (title, byline, date...) are
    left for later: :func:`reprints.scan` parses them in its worker processes,
    so reading is no longer the one busy process; call :func:`parsed` on a
    document before using its `meta` or `header` elsewhere.

        >>> [item.id for item in iter_load("examples/corpus/wire")][:2]
        ['airline-collapse-origin.txt', 'dam-breach-origin.txt']
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file or folder", os.fspath(path))
    return iter_corpus(root, os.fspath(path), parse_headers)


def load_corpus(path: str | os.PathLike[str]) -> Corpus:
    """Load a file or folder into a Corpus (documents and problems, in order).

        >>> corpus = load_corpus("examples/corpus")
        >>> len(corpus.documents), len(corpus.problems)
        (38, 0)
    """
    corpus = Corpus()
    for item in iter_load(path):
        if isinstance(item, Document):
            corpus.documents.append(item)
        else:
            corpus.problems.append(item)
    return corpus


def document_from_text(doc_id: str, text: str, meta: Mapping[str, str] | None = None) -> Document:
    """Build a Document from plain text, parsing its news-style header lines.

    The text is cleaned like the loaders do (line endings to "\\n", mojibake
    repaired). Values in `meta` win over values parsed from the header; a
    `meta["format"]` of "md" lets a leading "# Heading" count as the title.

        >>> doc = document_from_text("x", "Title here\\n\\nBy AFP\\n\\nDecember 22, 2021\\n\\nBody.")
        >>> doc.meta == {"title": "Title here", "byline": "AFP", "date": "2021-12-22"}
        True
    """
    given = canonical_meta(meta or {})
    style: Style = "md" if given.get("format") in ("md", "markdown") else "plain"
    return make_document(doc_id, clean_text(text), given, style)
