"""The data that flows into the pipeline: documents as they arrived, and what could not be loaded.

No I/O here: :mod:`reprints.load` makes these from files, the store and the
service from rows and requests, and every stage reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reprints._pickle import by_fields

__all__ = ["Corpus", "Document", "LoadProblem", "MAX_ID", "ID_PATTERN", "id_problem"]

#: The longest document id, in characters.
MAX_ID = 1000
#: What an id may hold, as a (JSON Schema) pattern: no control characters.
ID_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
_CONTROL = re.compile("[\\u0000-\\u001f\\u007f-\\u009f]")


def id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot be a document id, or None. Ids are stored, printed,
    written to JSON and put in URLs, so each is non-blank UTF-8 text of at
    most :data:`MAX_ID` characters without control characters (a line break
    in an id can never be asked for again).

    >>> id_problem("wire/a.txt") is None, id_problem("a\\nb"), id_problem("caf\\udce9.txt")
    (True, 'id contains a control character (0x0a)', 'id is not valid UTF-8 (an undecodable file name?)')
    """
    if not doc_id.strip():
        return "empty id"
    if len(doc_id) > MAX_ID:
        return f"id of {len(doc_id)} characters (at most {MAX_ID})"
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        return "id is not valid UTF-8 (an undecodable file name?)"
    bad = _CONTROL.search(doc_id)
    if bad:
        return f"id contains a control character ({ord(bad.group()):#04x})"
    return None


@by_fields
@dataclass(frozen=True, slots=True)
class Document:
    """One text as it arrived, with its metadata and the spans of its header lines.

    `text` is the decoded, repaired text; every offset in the pipeline indexes it.
    `header` lists (start, end, field) spans of `text` holding metadata lines
    (title, byline, date, url, outlet) rather than story, sorted by start.

        >>> from reprints.load import document_from_text
        >>> doc = document_from_text("a", "Talks in January\\n\\nBy AFP\\n\\nThe talks begin.")
        >>> doc.meta["title"], doc.header[1]
        ('Talks in January', (18, 24, 'byline'))
    """

    id: str
    text: str
    meta: dict[str, str]
    header: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """One item that could not be loaded, and why.

    `line` is the 1-based line (JSON Lines), the 1-based physical line where
    the row starts (CSV/TSV, header row = line 1), the 0-based row index
    (Parquet), or None for whole-file problems.

        >>> str(LoadProblem("feed.jsonl", 3, "missing field 'text'"))
        "feed.jsonl:3: missing field 'text'"
    """

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class Corpus:
    """Everything one load produced: the documents and the problems, in order."""

    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
