"""Load documents: the first pipeline stage.

Reads a file or a folder of .txt/.md/.html, JSON Lines, CSV/TSV or Parquet into
`Document` objects, fixing encodings (cp1252 fallback, ftfy mojibake repair) and
parsing news-style header lines (title, byline, date, source URL) into metadata.
A bad item becomes a `LoadProblem` and the load goes on: nothing here raises for
bad input, only for a path that does not exist.

    >>> corpus = load_corpus("corpus/")                       # doctest: +SKIP
    >>> [str(p) for p in corpus.problems]              # doctest: +SKIP
    ['feed.jsonl:7: invalid JSON: unexpected character (col 17)']
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import errno
import io
import math
import os
import re
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import urlsplit

import ftfy
import orjson
from ftfy.badness import is_bad

from reprints._pickle import by_fields

__all__ = ["Corpus", "Document", "LoadProblem", "document_from_text", "iter_load", "load_corpus", "parse_date", "parsed"]


# --------------------------------------------------------------------------- types


@by_fields
@dataclass(frozen=True, slots=True)
class Document:
    """One text as it arrived, with its metadata and the spans of its header lines.

    `text` is the decoded, repaired text; every offset in the pipeline indexes it.
    `header` lists (start, end, field) spans of `text` holding metadata lines
    (title, byline, date, url, outlet) rather than story, sorted by start.

        >>> doc = document_from_text("a", "Talks in January\\n\\nBy AFP\\n\\nThe talks begin.")
        >>> doc.meta["title"], doc.header[1]
        ('Talks in January', (18, 24, 'byline'))
    """

    id: str
    text: str
    meta: dict[str, str]
    header: tuple[tuple[int, int, str], ...] = ()


@by_fields
@dataclass(frozen=True, slots=True)
class _Unparsed(Document):
    """A document whose header lines are not parsed yet (``iter_load(...,
    parse_headers=False)``): ``meta`` holds only the given metadata. :func:`parsed`
    finishes it; :func:`reprints.scan` does that in its worker processes."""

    style: str = "plain"


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


# ---------------------------------------------------------------- configuration

_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}

_SAMPLE_BYTES = 8192  # how much of a file the binary sniffing looks at
_HEAD_LINES = 8  # header lines are only looked for in the first non-blank lines
_TAIL_LINES = 6  # ... and the source-URL label in the last non-blank lines
_MAX_TITLE = 200
_MAX_BYLINE = 80

# Bytes that do not occur in text files (everything below 0x20 except \t \n \v \f \r, and DEL).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x20), 0x7F])
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Characters that occur in ftfy's badness patterns only next to a non-plain character
# (checked against ftfy's regex in tests/test_load.py).
_PLAIN = (
    "\x00-\x7f"  # ASCII
    "\u0391-\u03a9\u03b1-\u03c9"  # basic Greek letters
    "\u0410-\u044f"  # basic Cyrillic letters
    "\u0590-\u06ff"  # Hebrew, Arabic
    "\u0900-\u0e7f"  # Indic scripts, Sinhala, Thai
    "\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3"  # kana, CJK ideographs, Hangul
)
# Typographic punctuation that ftfy's patterns only flag next to some other
# non-ASCII character (checked in tests/test_load.py).
_TYPOGRAPHIC = (
    "\u00a0\u00a9\u00ab\u00ae\u00b7\u00bb"  # no-break space © « ® · »
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u2122"  # – — ‘ ’ ‚ “ ” „ • … ™
)
_STRONG_RE = re.compile(f"[^\\x00-\\x7f{_TYPOGRAPHIC}]")
_PLAIN_RUN_RE = re.compile(f"(?<=[{_PLAIN}]{{6}})[{_PLAIN}]{{2,}}(?=[{_PLAIN}]{{6}})")

# Only the mojibake fixes: keep curly quotes, ligatures, widths and normalization
# as they came, so `text` stays faithful to the source.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

# Metadata keys: canonical names, and aliases folded into them when the canonical
# key is not present itself.
_CANONICAL = ("title", "byline", "date", "url", "outlet", "lang", "format")
_ALIASES: dict[str, str] = {
    "author": "byline",
    "authors": "byline",
    "source": "outlet",
    "site": "outlet",
    "sitename": "outlet",
    "publisher": "outlet",
    "language": "lang",
    "published": "date",
    "published_at": "date",
    "publish_date": "date",
    "pub_date": "date",
    "link": "url",
}


# -------------------------------------------------------------------- public API


def iter_load(path: str | os.PathLike[str], *, parse_headers: bool = True) -> Iterator[Document | LoadProblem]:
    """Stream the documents and problems of a file or folder, in a stable order.

    Folders are walked recursively in sorted order; ids are paths relative to the
    folder (posix) for files and the `id` field for JSON Lines/CSV/Parquet rows.
    Raises FileNotFoundError only when `path` itself does not exist.

    With `parse_headers=False` the header lines (title, byline, date...) are
    left for later: :func:`reprints.scan` parses them in its worker processes,
    so reading is no longer the one busy process; call :func:`parsed` on a
    document before using its `meta` or `header` elsewhere.

        >>> for item in iter_load("corpus/"):        # doctest: +SKIP
        ...     print(item.id if isinstance(item, Document) else item)
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file or folder", os.fspath(path))
    return _iter_corpus(root, os.fspath(path), parse_headers)


def load_corpus(path: str | os.PathLike[str]) -> Corpus:
    """Load a file or folder into a Corpus (documents and problems, in order).

        >>> corpus = load_corpus("corpus/")                    # doctest: +SKIP
        >>> len(corpus.documents), len(corpus.problems)  # doctest: +SKIP
        (120, 2)
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
    given = _canonical_meta(meta or {})
    style: _Style = "md" if given.get("format") in ("md", "markdown") else "plain"
    return _make_document(doc_id, _clean_text(text), given, style)


def parsed(doc: Document) -> Document:
    """`doc` with its header lines parsed into `meta` and `header` (itself when
    that is done already, as for every document `iter_load` yields by default).

        >>> raw = next(iter_load("story.txt", parse_headers=False))  # doctest: +SKIP
        >>> parsed(raw).meta["title"]                                   # doctest: +SKIP
        'Talks in January'
    """
    if not isinstance(doc, _Unparsed):
        return doc
    return _make_document(doc.id, doc.text, doc.meta, doc.style)  # type: ignore[arg-type]


# ------------------------------------------------------------------- the walk

_Read = tuple[Document, int | None]  # a document and the line/row it came from


@dataclass(frozen=True, slots=True)
class _Source:
    """A file to read: where it is, how it is named in ids and problems, its format."""

    path: Path
    name: str
    ext: str


def _iter_corpus(root: Path, shown: str, parse_headers: bool) -> Iterator[Document | LoadProblem]:
    """Walk `root`, read every file, and drop duplicate ids (first one wins)."""
    is_folder = root.is_dir()
    if is_folder:
        sources: Iterable[_Source | LoadProblem] = _walk(root, "", set())
    elif root.is_file():
        sources = [_Source(root, shown, root.suffix.lower())]
    else:
        sources = [LoadProblem(shown, None, "not a regular file")]
    seen: dict[str, str] = {}
    for source in sources:
        if isinstance(source, LoadProblem):
            yield source
            continue
        file_id = source.name if is_folder else root.name
        for item in _read_source(source, file_id):
            if isinstance(item, LoadProblem):
                yield item
                continue
            doc, line = item
            where = source.name if line is None else f"{source.name}:{line}"
            first = seen.get(doc.id)
            if first is not None:
                yield LoadProblem(source.name, line, f"duplicate id {doc.id!r} (first seen in {first})")
                continue
            seen[doc.id] = where
            yield parsed(doc) if parse_headers else doc


def _walk(folder: Path, rel: str, visited: set[tuple[int, int]]) -> Iterator[_Source | LoadProblem]:
    """Yield the files under `folder` depth-first in name order; hidden entries become problems."""
    try:
        st = folder.stat()
        key = (st.st_dev, st.st_ino)
        if key in visited:
            yield LoadProblem(rel or ".", None, "folder already visited (symlink loop) skipped")
            return
        visited.add(key)
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield LoadProblem(rel or ".", None, f"cannot read folder: {_os_message(exc)}")
        return
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:
            yield LoadProblem(name, None, f"cannot read: {_os_message(exc)}")
            continue
        if entry.name.startswith("."):
            if is_dir:
                count = _count_files(Path(entry.path))
                yield LoadProblem(name, None, f"hidden folder skipped ({count} files)")
            else:
                yield LoadProblem(name, None, "hidden file skipped")
        elif is_dir:
            yield from _walk(Path(entry.path), name, visited)
        elif is_file:
            yield _Source(Path(entry.path), name, os.path.splitext(entry.name)[1].lower())
        else:
            yield LoadProblem(name, None, "not a regular file")


def _count_files(folder: Path) -> int:
    """Count the files under a skipped folder, so the problem says what was left out."""
    return sum(len(files) for _, _, files in os.walk(folder))


def _read_source(source: _Source, file_id: str) -> Iterator[_Read | LoadProblem]:
    """Dispatch one file to its reader by extension."""
    fmt = _FORMATS.get(source.ext)
    if fmt is None:
        what = f"'{source.ext}'" if source.ext else "(no extension)"
        yield LoadProblem(source.name, None, f"unsupported file type {what}")
        return
    try:
        if fmt in ("txt", "md"):
            yield from _read_plain(source, file_id, fmt)
        elif fmt == "html":
            yield from _read_html(source, file_id)
        elif fmt == "jsonl":
            yield from _read_jsonl(source)
        elif fmt in ("csv", "tsv"):
            yield from _read_csv(source, fmt)
        else:
            yield from _read_parquet(source)
    except OSError as exc:
        yield LoadProblem(source.name, None, f"cannot read file: {_os_message(exc)}")


def _os_message(exc: OSError) -> str:
    """The OS's own words for an error, without the repeated file name."""
    return exc.strerror or str(exc)


# ------------------------------------------------------------------ decoding


def _bom_encoding(data: bytes) -> str | None:
    """The encoding named by a byte-order mark at the start of `data`, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _looks_binary(sample: bytes) -> bool:
    """True for NUL bytes, or more than 10% control bytes, in a non-UTF-16/32 sample."""
    if not sample or _bom_encoding(sample) in ("utf-16", "utf-32"):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls * 10 > len(sample)


def _decode(data: bytes, declared: str | None = None) -> str:
    """Bytes to str: BOM, else UTF-8, else a declared charset, else cp1252, else latin-1.

    Raises UnicodeDecodeError only for a UTF-16/32 BOM followed by invalid data.
    """
    bom = _bom_encoding(data)
    if bom is not None:
        return data.decode(bom)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> str:
    """Decode bytes that are not UTF-8: cp1252 (what such files usually are), else latin-1."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _clean_text(text: str) -> str:
    """Normalize line endings and repair mojibake, calling ftfy only when the text looks bad."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and _looks_bad(text):
        text = ftfy.fix_text(text, _FTFY_CONFIG)
    return text


def _looks_bad(text: str) -> bool:
    """ftfy.badness.is_bad(text), made cheap for long texts.

    is_bad tries its ~40 alternatives at every position, about 0.4 ms per 2,500
    characters. Two shortcuts, both exact: (1) ASCII plus typographic punctuation
    (curly quotes, dashes, ellipsis, no-break space) never matches, since every
    pattern also needs an accented letter, symbol, C1 control or Cyrillic/Greek
    capital; (2) every pattern is at most 7 characters long and holds a character
    outside `_PLAIN`, so long runs of plain characters can be cut down to their 6
    first and 6 last characters without losing a match. The cut can only add
    matches (a false alarm costs one ftfy call, which decides for itself).
    """
    if _STRONG_RE.search(text) is None:
        return False
    return is_bad(_PLAIN_RUN_RE.sub("\n", text))


def _unescape_surrogates(value: str) -> str:
    """Re-decode a field read with errors='surrogateescape' whose bytes were not UTF-8."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _decode_legacy(value.encode("utf-8", "surrogateescape"))


# ------------------------------------------------------------------ readers


def _read_plain(source: _Source, file_id: str, fmt: str) -> Iterator[_Read | LoadProblem]:
    """A .txt/.md file is one document."""
    text = _bytes_to_text(source.path.read_bytes(), source.name)
    if isinstance(text, LoadProblem):
        yield text
        return
    style: _Style = "md" if fmt == "md" else "plain"
    yield _Unparsed(file_id, text, {"format": fmt}, (), style), None


def _bytes_to_text(data: bytes, name: str, declared: str | None = None) -> str | LoadProblem:
    """Decode and clean a whole text file, or say why it cannot be a document."""
    if not data.strip():
        return LoadProblem(name, None, "empty file")
    if _looks_binary(data[:_SAMPLE_BYTES]) or (_bom_encoding(data) is None and b"\x00" in data):
        return LoadProblem(name, None, "binary content")
    try:
        text = _clean_text(_decode(data, declared))
    except UnicodeDecodeError as exc:
        return LoadProblem(name, None, f"not valid {exc.encoding.upper()} and not repairable")
    if not text.strip():
        return LoadProblem(name, None, "empty file")
    return text


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_LANG_RE = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})\b""", re.IGNORECASE)

_trafilatura: types.ModuleType | None = None


def _import_trafilatura() -> types.ModuleType:
    """Import trafilatura lazily: it is slow to import and only HTML needs it."""
    global _trafilatura
    if _trafilatura is None:
        import trafilatura

        _trafilatura = trafilatura
    return _trafilatura


def _read_html(source: _Source, file_id: str) -> Iterator[_Read | LoadProblem]:
    """An .html page is one document: trafilatura's main text and metadata."""
    data = source.path.read_bytes()
    declared = _CHARSET_RE.search(data[:4096])
    html = _bytes_to_text(data, source.name, declared.group(1).decode("ascii") if declared else None)
    if isinstance(html, LoadProblem):
        yield html
        return
    try:
        trafilatura = _import_trafilatura()
    except ImportError as exc:
        yield LoadProblem(source.name, None, f"HTML extraction unavailable: {exc}")
        return
    try:
        result = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # an extractor bug on one page must not stop the load
        yield LoadProblem(source.name, None, f"HTML extraction failed: {type(exc).__name__}: {exc}")
        return
    extracted = _extraction_fields(result)
    lines = [line.strip() for line in (extracted.get("text") or "").split("\n")]
    text = _clean_text("\n\n".join(line for line in lines if line))
    if not text:
        yield LoadProblem(source.name, None, "no article text found in HTML")
        return
    raw: dict[str, object] = {
        "title": extracted.get("title"),
        "byline": extracted.get("author"),
        "date": extracted.get("date"),
        "url": extracted.get("url"),
        "outlet": extracted.get("sitename") or extracted.get("hostname"),
        "lang": extracted.get("language") or _html_lang(html[:4096]),
        "format": "html",
    }
    yield _Unparsed(file_id, text, _canonical_meta(raw), (), "extracted"), None


def _extraction_fields(result: object) -> dict[str, Any]:
    """trafilatura 2.x returns a Document object, 1.x a dict; give a dict either way."""
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    as_dict = getattr(result, "as_dict", None)
    return as_dict() if callable(as_dict) else dict(vars(result))


def _html_lang(head: str) -> str | None:
    """The primary language subtag of <html lang=...>, e.g. "en" for "en-US"."""
    match = _HTML_LANG_RE.search(head)
    return match.group(1).lower() if match else None


def _read_jsonl(source: _Source) -> Iterator[_Read | LoadProblem]:
    """One JSON object per line; blank lines are skipped, broken lines reported."""
    with source.path.open("rb", buffering=1 << 20) as fh:  # large reads: a third of the time of 8 KB ones
        sample = fh.read(_SAMPLE_BYTES)
        if _looks_binary(sample):
            yield LoadProblem(source.name, None, "binary content")
            return
        fh.seek(0)
        lines = _jsonl_lines(fh, sample)
        any_line = False
        for number, raw in lines:
            if not raw.strip():
                continue
            any_line = True
            try:
                record = _parse_json_line(raw)
            except orjson.JSONDecodeError as exc:
                yield LoadProblem(source.name, number, f"invalid JSON: {exc.msg} (col {exc.pos + 1})")
                continue
            if not isinstance(record, dict):
                yield LoadProblem(source.name, number, f"expected a JSON object, got {_json_type(record)}")
                continue
            yield _row_document(record, source.name, number, "jsonl")
        if not any_line:
            yield LoadProblem(source.name, None, "empty file")


def _jsonl_lines(fh: BinaryIO, sample: bytes) -> Iterator[tuple[int, bytes | str]]:
    """Numbered lines: streamed bytes normally, decoded text for UTF-16/32 files."""
    bom = _bom_encoding(sample)
    if bom in ("utf-16", "utf-32"):
        text = fh.read().decode(bom, errors="replace")
        yield from enumerate(text.split("\n"), 1)
        return
    for number, raw in enumerate(fh, 1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        yield number, raw


def _parse_json_line(raw: bytes | str) -> object:
    """orjson.loads, retrying a line that is not UTF-8 as cp1252/latin-1 text."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        if isinstance(raw, str):
            raise
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return orjson.loads(_decode_legacy(raw))
        raise


def _json_type(value: object) -> str:
    """JSON's name for the type of a parsed value."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _read_csv(source: _Source, fmt: str) -> Iterator[_Read | LoadProblem]:
    """A CSV/TSV with a header row naming at least `id` and `text`."""
    _raise_csv_field_limit()
    with source.path.open("rb", buffering=1 << 20) as fh:  # large reads: a third of the time of 8 KB ones
        sample = fh.read(_SAMPLE_BYTES)
        if not sample.strip():
            yield LoadProblem(source.name, None, "empty file")
            return
        if _looks_binary(sample):
            yield LoadProblem(source.name, None, "binary content")
            return
        fh.seek(0)
        encoding = _bom_encoding(sample) or "utf-8"
        stream = io.TextIOWrapper(fh, encoding=encoding, errors="surrogateescape", newline="")
        reader = csv.reader(stream, delimiter="\t" if fmt == "tsv" else ",", strict=True)
        try:
            header = [_unescape_surrogates(name).strip() for name in next(reader)]
        except StopIteration:
            yield LoadProblem(source.name, None, "empty file")
            return
        except csv.Error as exc:
            yield LoadProblem(source.name, 1, f"invalid CSV header: {exc}")
            return
        missing = [name for name in ("id", "text") if _find_key(header, name) is None]
        if missing:
            yield LoadProblem(source.name, 1, f"missing column {_quoted(missing)}")
            return
        width = len(header)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield LoadProblem(source.name, start, f"invalid CSV row: {exc}")
                if reader.line_num < start:  # no progress: give up on the rest
                    break
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width:
                yield LoadProblem(source.name, start, f"row has {len(row)} fields, header has {width}")
                continue
            record = {name: _unescape_surrogates(value) for name, value in zip(header, row)}
            yield _row_document(record, source.name, start, fmt)


def _raise_csv_field_limit() -> None:
    """Allow CSV fields longer than the csv module's 128 KiB default (long articles)."""
    if csv.field_size_limit() < 2**30:
        csv.field_size_limit(2**30)


def _read_parquet(source: _Source) -> Iterator[_Read | LoadProblem]:
    """A Parquet file with `id` and `text` columns, read in batches; `line` is the row index."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source.path)
        names = list(parquet.schema_arrow.names)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        yield LoadProblem(source.name, None, f"invalid Parquet file: {_first_line(str(exc))}")
        return
    missing = [name for name in ("id", "text") if _find_key(names, name) is None]
    if missing:
        yield LoadProblem(source.name, None, f"missing column {_quoted(missing)}")
        return
    index = 0
    try:
        for batch in parquet.iter_batches(batch_size=2048):
            for record in batch.to_pylist():
                yield _row_document(record, source.name, index, "parquet")
                index += 1
    except Exception as exc:
        yield LoadProblem(source.name, index, f"invalid Parquet data: {_first_line(str(exc))}")
    if index == 0:
        yield LoadProblem(source.name, None, "empty file")


def _first_line(message: str) -> str:
    """Problems are one line."""
    return message.strip().split("\n", 1)[0]


def _quoted(names: list[str]) -> str:
    """'a' or 'a', 'b' for messages."""
    return ", ".join(f"'{name}'" for name in names)


def _find_key(keys: Iterable[str], wanted: str) -> str | None:
    """The key equal to `wanted`, else the first one equal ignoring case."""
    keys = list(keys)
    if wanted in keys:
        return wanted
    return next((key for key in keys if key.strip().lower() == wanted), None)


def _row_document(record: Mapping[str, object], source: str, line: int, fmt: str) -> _Read | LoadProblem:
    """A JSON object / CSV row / Parquet row with `id` and `text` to a Document."""
    id_key = "id" if "id" in record else _find_key(record, "id")
    text_key = "text" if "text" in record else _find_key(record, "text")
    missing = [name for name, key in (("id", id_key), ("text", text_key)) if key is None]
    if missing:
        return LoadProblem(source, line, f"missing field {_quoted(missing)}")
    raw_id, raw_text = record[id_key or "id"], record[text_key or "text"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        got = _json_type(raw_id)
        return LoadProblem(source, line, f"field 'id' must be a string or an integer, got {got}")
    doc_id = str(raw_id)
    if not doc_id.strip():
        return LoadProblem(source, line, "empty id")
    if isinstance(raw_text, bytes):
        raw_text = _decode(raw_text)
    if raw_text is None or (isinstance(raw_text, str) and not raw_text.strip()):
        return LoadProblem(source, line, "empty text")
    if not isinstance(raw_text, str):
        return LoadProblem(source, line, f"field 'text' must be a string, got {_json_type(raw_text)}")
    others = {key: value for key, value in record.items() if key != id_key and key != text_key}
    meta = _canonical_meta(others)
    meta["format"] = fmt
    return _Unparsed(doc_id, _clean_text(raw_text), meta, (), "plain"), line


# ------------------------------------------------------------------ metadata


def _stringify(value: object) -> str | None:
    """A metadata value as text, or None when it carries nothing."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        text = str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    elif isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        text = value.isoformat()
    elif isinstance(value, bytes):
        text = _decode(value)
    elif isinstance(value, (list, tuple, dict)):
        text = orjson.dumps(value, default=str).decode("utf-8")
    else:
        text = str(value)
    text = _clean_text(text).strip()
    return text or None


def _canonical_meta(raw: Mapping[str, object]) -> dict[str, str]:
    """Stringify values, drop empty ones, fold aliases (author -> byline ...), ISO dates."""
    values: dict[str, str] = {}
    for key, value in raw.items():
        text = _stringify(value)
        if text is not None:
            values[str(key)] = text
    meta: dict[str, str] = {}
    lowered = {key.lower(): key for key in values}
    for key, text in values.items():
        low = key.lower()
        if low in _CANONICAL:
            meta[low] = text
            continue
        target = _ALIASES.get(low)
        if target == "outlet" and low == "source" and _looks_like_url(text):
            target = "url"
        if target is not None and target not in lowered and target not in meta:
            meta[target] = text
        else:
            meta[key] = text
    if "date" in meta:
        meta["date"] = parse_date(meta["date"]) or meta["date"]
    return meta


def _looks_like_url(text: str) -> bool:
    """True for http(s)://... or www.... strings."""
    return text.lower().startswith(("http://", "https://", "www."))


def _outlet_from_url(url: str) -> str | None:
    """The host of a URL without "www.", e.g. "themoscowtimes.com"."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


# ------------------------------------------------------------------ dates

_MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Italian, German, French, Spanish, and Russian (genitive, as dates print it)
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "décembre": 12, "decembre": 12,
    "enero": 1, "febrero": 2, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "septiembre": 9,
    "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_LABEL = r"(?:(?:published|posted|updated|last\s+updated|date|dated)(?:\s+on)?\s*:?\s*)?"
_TIME = (
    r"(?:\s*(?:,|\bat\b|-|–|—|\||/|·)?\s*"
    r"\d{1,2}(?:[:.]\d{2}){1,2}(?:\.\d+)?\s*(?:[ap]\.?\s?m\.?)?"
    r"(?:\s*\(?(?:z|utc|gmt|[a-z]{2,5})?\s*(?:[+−-]\s*\d{1,2}(?::?\d{2})?)?\)?)?)?"
)
_ISO = (
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
_MDY = rf"(?P<mon>{_MONTH_NAMES})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})"
_DMY = (rf"(?P<dd>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:of\s+|de\s+)?(?P<dmon>{_MONTH_NAMES})\.?,?\s+"
        rf"(?:de\s+)?(?P<dy>\d{{4}})(?:\s+(?:года|г\.))?")
_DATE_RE = re.compile(
    rf"{_LABEL}{_WEEKDAY}(?:{_ISO}|{_MDY}|{_DMY}){_TIME}",
    re.IGNORECASE,
)


def parse_date(text: str) -> str | None:
    """ISO YYYY-MM-DD for a string that is only a date (optionally weekday, label, time).

    Accepts "December 22, 2021", "Dec. 22, 2021", "22 December 2021",
    "Wednesday, December 22, 2021 10:15 am", "2021-12-22T10:00:00Z",
    "Published: Dec 22, 2021", and the day-month-year forms of Italian,
    German, French, Spanish and Russian ("22 dicembre 2021", "22. Dezember
    2021", "22 de diciembre de 2021", "22 декабря 2021 года"); anything else
    gives None.

        >>> parse_date("Wed, 22 Dec 2021 10:00:00 GMT")
        '2021-12-22'
        >>> parse_date("5. März 2024"), parse_date("5 марта 2024 года"), parse_date("5 de marzo de 2024")
        ('2024-03-05', '2024-03-05', '2024-03-05')
    """
    match = _DATE_RE.fullmatch(text.strip().strip("*_").strip())
    if match is None:
        return None
    groups = match.groupdict()
    if groups["y"] is not None:
        year, month, day = int(groups["y"]), int(groups["m"]), int(groups["d"])
    elif groups["my"] is not None:
        year, month, day = int(groups["my"]), _MONTHS[groups["mon"].lower()], int(groups["md"])
    else:
        year, month, day = int(groups["dy"]), _MONTHS[groups["dmon"].lower()], int(groups["dd"])
    if not 1800 <= year <= 2200:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------ header parsing

_Style = Literal["plain", "md", "extracted"]
_Span = tuple[int, int]  # stripped content of one line; start == end for a blank line
_Field = tuple[int, int, str]  # a header span: start, end, field name

_BYLINE_RE = re.compile(r"(?:(?:by|BY|By)\s+(?P<name>[A-Z].*)|(?:Di|Von|Par|Por)\s+(?P<other>\w.*))")
_BYLINE_LABEL_RE = re.compile(r"(?:byline|author|authors)\s*:\s*(?P<name>\S.*)", re.IGNORECASE)
_BYLINE_SPLIT_RE = re.compile(r"\s*(?:[|,–—·]|\s-\s|\bon\b)\s*")
_NAME_WORDS = frozenset(
    "and of the in for to at with from on staff correspondent correspondents reporter reporters "
    "writer writers editor editors contributor bureau chief senior special de da del della di "
    "du la le van von der den y e".split()
)
_MD_TITLE_RE = re.compile(r"#\s+(?P<title>.+?)(?:\s+#+)?")
_URL_LABEL_RE = re.compile(
    r"(?P<label>original\s+(?:url|link|article|source)|source\s+url|source|url)\s*:\s*(?P<rest>.*)",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"(?:https?://|www\.)\S+(?:\s+[\w\-./?=&%#~+:]+){0,2}", re.IGNORECASE)
_ABBREV_END_RE = re.compile(r"(?:\b[A-Z]\.){2,}$")


def _make_document(doc_id: str, text: str, given: dict[str, str], style: _Style) -> Document:
    """Parse the header of cleaned `text`, merge metadata (given wins), derive the outlet."""
    parsed, spans = _parse_header(text, style, given.get("title"))
    meta = {**parsed, **given}
    if "outlet" not in meta and "url" in meta:
        outlet = _outlet_from_url(meta["url"])
        if outlet:
            meta["outlet"] = outlet
    return Document(doc_id, text, meta, tuple(sorted(spans)))


def _parse_header(text: str, style: _Style, known_title: str | None) -> tuple[dict[str, str], list[_Field]]:
    """Find title/byline/date lines at the top and a source-URL label at the bottom.

    Lines are read lazily and the scan stops at the first story line, so the
    cost does not grow with the length of the text.
    """
    meta: dict[str, str] = {}
    spans: list[_Field] = []
    lines = _lines(text)
    upcoming = next(lines, None)
    rank, body_seen = 0, False
    while upcoming is not None and rank < _HEAD_LINES:
        s, e = upcoming
        upcoming = next(lines, None)
        if s == e:
            continue
        line = text[s:e]
        if "byline" not in meta and (found := _byline(line)) is not None:
            meta["byline"] = found[0]
            if found[1] and "date" not in meta:
                meta["date"] = found[1]
            spans.append((s, e, "byline"))
        elif "date" not in meta and (date := parse_date(line)) is not None:
            meta["date"] = date
            spans.append((s, e, "date"))
        elif rank == 0 and (title := _title(line, _text_of(text, upcoming), style, known_title)) is not None:
            meta["title"] = title
            spans.append((s, e, "title"))
        elif "byline" not in meta and "date" not in meta and rank > 0 and _credit_before_date(line, text, e):
            meta["byline"] = line.strip()  # a credit without "By" ("Servizio esteri"), known by the date after it
            spans.append((s, e, "byline"))
        else:
            body_seen = True
            break
        rank += 1
    if not body_seen and "title" in meta and not text[spans[-1][1] :].strip():
        # Nothing but header lines: a lone short line is more likely story than title.
        del meta["title"]
        spans = [span for span in spans if span[2] != "title"]
    tail_meta, tail_spans = _parse_tail(text, spans[-1][1] if spans else 0)
    for key, value in tail_meta.items():
        meta.setdefault(key, value)
    return meta, spans + tail_spans


def _credit_before_date(line: str, text: str, end: int) -> bool:
    """A short line that does not read like a sentence, followed by a date line."""
    line = line.strip()
    if not line or len(line) >= _MAX_BYLINE or line.endswith((".", "!", "?", ":", ";")):
        return False
    rest = text[end : end + 200].lstrip()
    return parse_date(rest.split("\n", 1)[0]) is not None


def _text_of(text: str, span: _Span | None) -> str | None:
    """The text of a line span, or None for a blank line or no line at all."""
    if span is None or span[0] == span[1]:
        return None
    return text[span[0] : span[1]]


def _title(line: str, next_line: str | None, style: _Style, known: str | None) -> str | None:
    """The title in the first non-blank line, or None when it looks like story text.

    A plain title is short, does not end like a sentence, and is followed by a
    blank line (or a byline/date line): a line followed by more text is wrapped prose.
    """
    if known and _same_text(line, known):
        return known
    if style == "md":
        match = _MD_TITLE_RE.fullmatch(line)
        if match is not None and len(line) < _MAX_TITLE:
            return match.group("title")
    if style == "extracted":
        return None
    if len(line) >= _MAX_TITLE or line.startswith("#") or _looks_like_url(line):
        return None
    bare = line.rstrip("\"'”’»)]")
    if bare.endswith((",", ";", ":")) or (bare.endswith(".") and not _ABBREV_END_RE.search(bare)):
        return None
    if not any(ch.isalpha() for ch in line[:50]):
        return None
    if next_line is not None and not _is_meta_line(next_line):
        return None
    return line


def _is_meta_line(line: str) -> bool:
    """A byline or date line may directly follow a title without a blank line."""
    return _byline(line) is not None or parse_date(line) is not None


def _same_text(a: str, b: str) -> bool:
    """Equal ignoring case and runs of whitespace (for matching a known title)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _byline(line: str) -> tuple[str, str | None] | None:
    """(name, ISO date or None) for a byline such as "By AFP" or "By Jane Doe | Dec 22, 2021"."""
    line = line.strip("*_ ")
    if len(line) >= _MAX_BYLINE:
        return None
    match = _BYLINE_RE.fullmatch(line) or _BYLINE_LABEL_RE.fullmatch(line)
    if match is None:
        return None
    name, date = (match.groupdict().get("name") or match.groupdict().get("other") or "").strip(), None
    for sep in _BYLINE_SPLIT_RE.finditer(name):
        found = parse_date(name[sep.end() :])
        if found is not None:
            name, date = name[: sep.start()].strip(), found
            break
    if not name or name.endswith((",", ";", ":")) or any(ch.isdigit() for ch in name):
        return None
    words = name.replace(",", " ").replace("&", " ").split()
    if len(words) > 12:
        return None
    if match.groupdict().get("other"):
        return name, date  # "Di/Von/Par/Por" bylines credit desks in lowercase words ("la rédaction")
    for word in words:
        if word[0].islower() and word.strip(".").lower() not in _NAME_WORDS:
            return None
    return name, date


def _parse_tail(text: str, not_before: int) -> tuple[dict[str, str], list[_Field]]:
    """An "Original url:"/"Source:" label in the last lines, the URL on it or on the next line."""
    if text.find(":", max(_tail_start(text, _TAIL_LINES), not_before)) < 0:
        return {}, []  # most texts: no label can be there, no need to cut the last lines out
    tail = [(s, e) for s, e in _scan_backward(text, _TAIL_LINES) if s < e and s >= not_before]
    if not tail or text.find(":", tail[0][0]) < 0:
        return {}, []
    for k, (s, e) in enumerate(tail):
        match = _URL_LABEL_RE.fullmatch(text[s:e])
        if match is None:
            continue
        rest = match.group("rest").strip()
        if rest:
            if _URL_RE.fullmatch(rest):
                return {"url": _join_url(rest)}, [(s, e, "url")]
            if match.group("label").lower() == "source" and _is_outlet_name(rest):
                return {"outlet": rest}, [(s, e, "outlet")]
            continue
        if k + 1 < len(tail):
            us, ue = tail[k + 1]
            candidate = text[us:ue]
            if _URL_RE.fullmatch(candidate):
                return {"url": _join_url(candidate)}, [(s, e, "url"), (us, ue, "url")]
    return {}, []


def _join_url(text: str) -> str:
    """A URL printed with stray spaces ("...-a7 5903") put back together."""
    return "".join(text.split())


def _is_outlet_name(text: str) -> bool:
    """A short name like "Reuters" or "The Moscow Times", not a sentence."""
    return len(text) < 60 and not text.endswith((".", ",", ";", ":")) and len(text.split()) <= 6


def _lines(text: str) -> Iterator[_Span]:
    """Stripped spans of the lines of `text`, lazily, first to last."""
    pos, size = 0, len(text)
    while True:
        nl = text.find("\n", pos)
        end = size if nl < 0 else nl
        yield _strip_span(text, pos, end)
        if nl < 0:
            return
        pos = nl + 1


def _scan_backward(text: str, max_nonblank: int) -> list[_Span]:
    """Stripped spans of the last lines (in text order), up to `max_nonblank` non-blank ones."""
    spans: list[_Span] = []
    count, end = 0, len(text)
    while count < max_nonblank:
        nl = text.rfind("\n", 0, end)
        span = _strip_span(text, nl + 1, end)
        spans.append(span)
        count += span[0] < span[1]
        if nl < 0:
            break
        end = nl
    spans.reverse()
    return spans


def _tail_start(text: str, max_nonblank: int) -> int:
    """Where the last `max_nonblank` non-blank lines begin (0 when there are fewer)."""
    count, end = 0, len(text)
    while count < max_nonblank:
        nl = text.rfind("\n", 0, end)
        start = nl + 1
        if start < end and (not text[start].isspace() or not text[start:end].isspace()):
            count += 1
        if nl < 0:
            return 0
        end = nl
    return end + 1


def _strip_span(text: str, start: int, end: int) -> _Span:
    """(start, end) of text[start:end] without surrounding whitespace; empty at `start` if blank."""
    if start < end and not text[start].isspace() and not text[end - 1].isspace():
        return (start, end)  # most lines: no copy of a long paragraph needed
    segment = text[start:end]
    stripped_left = segment.lstrip()
    if not stripped_left:
        return (start, start)
    left = start + len(segment) - len(stripped_left)
    return (left, start + len(segment.rstrip()))
