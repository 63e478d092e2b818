"""The data that flows into the pipeline: documents as they arrived, and what could not be loaded.

No I/O here: :mod:`reprints.load` makes these from files, the store and the
service from rows and requests, and every stage reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reprints._pickle import by_fields

__all__ = ["Corpus", "Document", "LoadProblem"]


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
