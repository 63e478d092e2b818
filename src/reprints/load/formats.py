"""Formats: one reader per kind of file (plain text and Markdown, HTML through trafilatura,
JSON Lines, CSV/TSV, Parquet), each yielding documents and the problems of bad items."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import types
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from reprints.document import Document, LoadProblem
from reprints.load.decode import (
    SAMPLE_BYTES,
    bytes_to_text,
    clean_text,
    decode_bytes,
    decode_legacy,
    looks_binary,
    text_encoding,
    unescape_surrogates,
)
from reprints.load.header import Style, Unparsed
from reprints.load.meta import canonical_meta

#: Compressed files: the suffix, and the format is read from the name before it (``feed.jsonl.gz``).
COMPRESSIONS: dict[str, str] = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}

FORMATS: dict[str, str] = {
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
    ".warc": "warc",
}


Read = tuple[Document, int | None]  # a document and the line/row it came from


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to read: where it is, how it is named in ids and problems, its
    format's extension, and how it is compressed (None, "gzip" or "zstd")."""

    path: Path
    name: str
    ext: str
    compression: str | None = None

    def open(self) -> BinaryIO:
        """The file's bytes as a stream, decompressed as it is read."""
        if self.compression == "gzip":
            import gzip

            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        if self.compression == "zstd":
            import zstandard

            raw = self.path.open("rb")
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_size=1 << 20, closefd=True)
            return io.BufferedReader(reader, 1 << 20)  # type: ignore[arg-type]  # lines, as a file gives
        return self.path.open("rb", buffering=1 << 20)  # large reads: a third of the time of 8 KB ones

    def read_bytes(self) -> bytes:
        """All of the file's bytes, decompressed."""
        if self.compression is None:
            return self.path.read_bytes()
        with self.open() as fh:
            return fh.read()


def source_kind(name: str) -> tuple[str, str | None]:
    """A file name's format extension and compression.

    >>> source_kind("feed.jsonl.gz"), source_kind("Story.TXT"), source_kind("crawl.warc.zst")
    (('.jsonl', 'gzip'), ('.txt', None), ('.warc', 'zstd'))
    """
    low = name.lower()
    base, ext = os.path.splitext(low)
    compression = COMPRESSIONS.get(ext)
    if compression is not None:
        ext = os.path.splitext(base)[1]
    return ext, compression


#: File names that are not news in a data folder: they are left out, and counted.
_NOT_NEWS = re.compile(r"(readme|licen[cs]e|copying|changelog|changes|authors|contributing|notice)(\.[a-z0-9]+)*",
                       re.IGNORECASE)


def not_news(name: str) -> str | None:
    """Why a file met while walking a folder is no document, or None: README
    files and licences describe the data, they are not part of it.

    >>> not_news("README.txt"), not_news("LICENSE"), not_news("readme-of-the-court.txt")
    ('a README file', 'a licence file', None)
    """
    m = _NOT_NEWS.fullmatch(os.path.basename(name))
    if m is None:
        return None
    word = m.group(1).lower()
    return "a licence file" if word.startswith(("licen", "copying")) else f"a {word.upper()} file"


def read_plain(source: SourceFile, file_id: str, fmt: str) -> Iterator[Read | LoadProblem]:
    """A .txt/.md file is one document."""
    text = bytes_to_text(source.read_bytes(), source.name)
    if isinstance(text, LoadProblem):
        yield text
        return
    style: Style = "md" if fmt == "md" else "plain"
    yield Unparsed(file_id, text, {"format": fmt}, (), style), None


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


def read_html(source: SourceFile, file_id: str) -> Iterator[Read | LoadProblem]:
    """An .html page is one document: trafilatura's main text and metadata."""
    yield _html_document(source.read_bytes(), source.name, None, file_id)


def _html_document(data: bytes, name: str, line: int | None, file_id: str, charset: str | None = None,
                   url: str | None = None) -> Read | LoadProblem:
    """One HTML page (a file, or a WARC response) to a document, or why it is none."""
    declared = _CHARSET_RE.search(data[:4096])
    charset = declared.group(1).decode("ascii") if declared else charset
    html = bytes_to_text(data, name, charset)
    if isinstance(html, LoadProblem):
        return LoadProblem(name, line, html.message)
    try:
        trafilatura = _import_trafilatura()
    except ImportError as exc:
        return LoadProblem(name, line, f"HTML extraction unavailable: {exc}")
    try:
        with warnings.catch_warnings():
            # the date finder hands strings such as "10:00 EST" to dateutil, which warns it cannot place
            # the zone; the date is still found, and a scan's output is no place for the library's warning
            warnings.filterwarnings("ignore", message="tzname .* identified but not understood")
            result = trafilatura.bare_extraction(
                html, with_metadata=True, include_comments=False, include_tables=True
            )
    except Exception as exc:  # an extractor bug on one page must not stop the load
        return LoadProblem(name, line, f"HTML extraction failed: {type(exc).__name__}: {exc}")
    extracted = _extraction_fields(result)
    lines = [part.strip() for part in (extracted.get("text") or "").split("\n")]
    text = clean_text("\n\n".join(part for part in lines if part))
    if not text:
        return LoadProblem(name, line, "no article text found in HTML")
    failed = extraction_failure(text)
    if failed is not None:
        return LoadProblem(name, line, f"no article: {failed}")
    raw: dict[str, object] = {
        "title": extracted.get("title"),
        "byline": extracted.get("author"),
        "date": extracted.get("date"),
        "url": extracted.get("url") or url,
        "outlet": extracted.get("sitename") or extracted.get("hostname"),
        "lang": extracted.get("language") or _html_lang(html[:4096]),
        "format": "html",
    }
    return Unparsed(file_id, text, canonical_meta(raw), (), "extracted"), line


#: An article has at least this many words; an extracted page with fewer is a notice or a stub.
MIN_ARTICLE_WORDS = 25

# what a page says instead of its article: only believed of short texts (an article may mention cookies)
_NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((why, re.compile(pattern, re.IGNORECASE)) for why, pattern in (
    ("a notice that JavaScript is needed", r"\b(enable|turn on|activate|requires?)\b.{0,40}\bjavascript\b|"
                                           r"\bjavascript\b.{0,30}\b(disabled|is off|not enabled|required)"),
    ("a cookie notice", r"\b(accept|allow|consent to|use of)\b.{0,40}\bcookies\b|\bcookie (policy|settings|consent)\b"),
    ("an access-denied page", r"\b(access denied|forbidden|not authori[sz]ed|permission to access|are you a robot|"
                              r"verify (that )?you are (a )?human|captcha)\b"),
    ("a paywall", r"\b(subscribe|subscription|sign in|log in|register)\b.{0,60}\b(continue reading|read (the|this) "
                  r"(full )?(article|story)|to keep reading|unlimited access)\b|\bsubscribers only\b"),
    ("an error page", r"\b(404|page not found|not be found|no longer available|server error|something went wrong|"
                      r"500 internal|service unavailable|bad gateway)\b"),
))


def extraction_failure(text: str) -> str | None:
    """Why a page's extracted text is no article, or None: a notice about
    JavaScript, cookies, access, a paywall or an error (in a text under 120
    words), or fewer than :data:`MIN_ARTICLE_WORDS` words.

    >>> extraction_failure("JavaScript is disabled in your browser. Please enable JavaScript to view this site.")
    'a notice that JavaScript is needed'
    >>> extraction_failure("Forbidden. You don't have permission to access this resource.")
    'an access-denied page'
    >>> extraction_failure("Rail workers will strike for two days next week. " * 5) is None
    True
    """
    n = len(text.split())
    if n < 120:
        for why, pattern in _NOTICES:
            if pattern.search(text):
                return why
    if n < MIN_ARTICLE_WORDS:
        return f"too short to be an article ({n} words)"
    return None


def read_warc(source: SourceFile) -> Iterator[Read | LoadProblem]:
    """A WARC file (a crawl): each HTML response is one document, its id the
    target URL; `line` is the record's number. Other responses (images, feeds,
    errors) are reported and skipped; requests and metadata records are no items.
    Read with warcio, which also undoes the per-record gzip of ``.warc.gz``."""
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError as exc:  # pragma: no cover - a dependency
        yield LoadProblem(source.name, None, f"WARC reading unavailable: {exc}")
        return
    number = responses = 0
    with source.open() as fh:
        try:
            for record in ArchiveIterator(fh):
                number += 1
                if record.rec_type != "response":
                    continue
                responses += 1
                uri = record.rec_headers.get_header("WARC-Target-URI") or f"{source.name}#{number}"
                http = record.http_headers
                status = http.get_statuscode() if http is not None else None
                ctype = (http.get_header("Content-Type") if http is not None else None) or ""
                if status is not None and not str(status).startswith("2"):
                    yield LoadProblem(source.name, number, f"{uri}: HTTP status {status}, no article")
                    continue
                if "html" not in ctype.lower():
                    yield LoadProblem(source.name, number, f"{uri}: not HTML ({ctype or 'no content type'})")
                    continue
                charset = _HTTP_CHARSET_RE.search(ctype)
                data = record.content_stream().read()
                got = _html_document(data, source.name, number, uri, charset.group(1) if charset else None, uri)
                if isinstance(got, LoadProblem):
                    got = LoadProblem(source.name, number, f"{uri}: {got.message}")
                yield got
        except ArchiveLoadFailed as exc:
            yield LoadProblem(source.name, number + 1 if number else None, f"invalid WARC: {_first_line(str(exc))}")
            return
    if not responses:
        yield LoadProblem(source.name, None, "empty file" if not number else f"no response records ({number} records)")


_HTTP_CHARSET_RE = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


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


def read_jsonl(source: SourceFile) -> Iterator[Read | LoadProblem]:
    """One JSON object per line; blank lines are skipped, broken lines reported."""
    with source.open() as fh:
        sample = fh.read(SAMPLE_BYTES)
    if looks_binary(sample):
        yield LoadProblem(source.name, None, "binary content")
        return
    with source.open() as fh:  # again from the start (a decompressing stream cannot seek back)
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
    bom = text_encoding(sample)
    if bom is not None and bom.startswith(("utf-16", "utf-32")):
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
            return orjson.loads(decode_legacy(raw))
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


def read_csv(source: SourceFile, fmt: str) -> Iterator[Read | LoadProblem]:
    """A CSV/TSV with a header row naming at least `id` and `text`."""
    _raise_csv_field_limit()
    with source.open() as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        yield LoadProblem(source.name, None, "empty file")
        return
    if looks_binary(sample):
        yield LoadProblem(source.name, None, "binary content")
        return
    with source.open() as fh:  # again from the start (a decompressing stream cannot seek back)
        encoding = text_encoding(sample) or "utf-8"
        stream = io.TextIOWrapper(fh, encoding=encoding, errors="surrogateescape", newline="")
        reader = csv.reader(stream, delimiter="\t" if fmt == "tsv" else ",", strict=True)
        try:
            header = [unescape_surrogates(name).strip() for name in next(reader)]
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
            if len(row) < width:  # a line break in an unquoted field cuts one row in two, neither a document
                yield LoadProblem(source.name, start, f"row has {len(row)} fields, header has {width} "
                                                      f"(a line break in an unquoted field?)")
                continue
            record = {name: unescape_surrogates(value) for name, value in zip(header, row)}
            yield _row_document(record, source.name, start, fmt)


def _raise_csv_field_limit() -> None:
    """Allow CSV fields longer than the csv module's 128 KiB default (long articles)."""
    if csv.field_size_limit() < 2**30:
        csv.field_size_limit(2**30)


def read_parquet(source: SourceFile) -> Iterator[Read | LoadProblem]:
    """A Parquet file with `id` and `text` columns, read in batches; `line` is the row index."""
    import pyarrow.parquet as pq

    if source.compression is not None:
        yield LoadProblem(source.name, None, f"a {source.compression}-compressed Parquet file: Parquet compresses "
                                             f"its own columns, give the .parquet file")
        return
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


def _row_document(record: Mapping[str, object], source: str, line: int, fmt: str) -> Read | LoadProblem:
    """A JSON object / CSV row / Parquet row with `id` and `text` to a Document."""
    id_key = "id" if "id" in record else _find_key(record, "id")
    text_key = "text" if "text" in record else _find_key(record, "text")
    missing = [name for name, key in (("id", id_key), ("text", text_key)) if key is None]
    if missing:
        return LoadProblem(source, line, f"missing field {_quoted(missing)}")
    raw_id, raw_text = record[id_key or "id"], record[text_key or "text"]
    if isinstance(raw_id, float) and raw_id.is_integer() and abs(raw_id) >= 2**63:
        return LoadProblem(source, line, "field 'id' is an integer too large to keep exactly (over 64 bits); "
                                         "write it as a string")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        got = _json_type(raw_id)
        return LoadProblem(source, line, f"field 'id' must be a string or an integer, got {got}")
    doc_id = str(raw_id)
    if not doc_id.strip():
        return LoadProblem(source, line, "empty id")
    if isinstance(raw_text, bytes):
        raw_text = decode_bytes(raw_text)
    if raw_text is None or (isinstance(raw_text, str) and not raw_text.strip()):
        return LoadProblem(source, line, "empty text")
    if not isinstance(raw_text, str):
        return LoadProblem(source, line, f"field 'text' must be a string, got {_json_type(raw_text)}")
    others = {key: value for key, value in record.items() if key != id_key and key != text_key}
    try:
        meta = canonical_meta(others)
    except ValueError as exc:
        return LoadProblem(source, line, str(exc))
    meta["format"] = fmt
    return Unparsed(doc_id, clean_text(raw_text), meta, (), "plain"), line
