"""Decoding: bytes to clean text (BOMs, UTF-8 or a legacy code page, mojibake repaired by ftfy,
line endings made ``\n``), and telling text files from binary ones."""

from __future__ import annotations

import codecs
import re

import ftfy
from ftfy.badness import is_bad

from reprints.document import LoadProblem

SAMPLE_BYTES = 8192  # how much of a file the binary sniffing looks at


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x20), 0x7F])


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_PLAIN = (
    "\x00-\x7f"  # ASCII
    "\u0391-\u03a9\u03b1-\u03c9"  # basic Greek letters
    "\u0410-\u044f"  # basic Cyrillic letters
    "\u0590-\u06ff"  # Hebrew, Arabic
    "\u0900-\u0e7f"  # Indic scripts, Sinhala, Thai
    "\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3"  # kana, CJK ideographs, Hangul
)


_TYPOGRAPHIC = (
    "\u00a0\u00a9\u00ab\u00ae\u00b7\u00bb"  # no-break space © « ® · »
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u2122"  # – — ‘ ’ ‚ “ ” „ • … ™
)


_STRONG_RE = re.compile(f"[^\\x00-\\x7f{_TYPOGRAPHIC}]")


_PLAIN_RUN_RE = re.compile(f"(?<=[{_PLAIN}]{{6}})[{_PLAIN}]{{2,}}(?=[{_PLAIN}]{{6}})")


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


def os_message(exc: OSError) -> str:
    """The OS's own words for an error, without the repeated file name."""
    return exc.strerror or str(exc)


def bom_encoding(data: bytes) -> str | None:
    """The encoding named by a byte-order mark at the start of `data`, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def text_encoding(sample: bytes) -> str | None:
    """The encoding a byte-order mark names, or ``utf-16-le``/``utf-16-be`` for
    UTF-16 without one (Windows tools write it): most characters of news text
    are below U+0100, so one byte of each pair is NUL, always the same one.

    >>> text_encoding("Rail strike".encode("utf-16-le")), text_encoding(b"plain")
    ('utf-16-le', None)
    """
    bom = bom_encoding(sample)
    if bom is not None:
        return bom
    n = len(sample) - len(sample) % 2
    if n < 8:
        return None
    even, odd = sample[0:n:2].count(0), sample[1:n:2].count(0)
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros * 10 >= n // 2 * 4 and other * 100 <= n // 2:  # 40% of one side NUL, under 1% of the other
            try:  # the sample may end inside a surrogate pair: then without its last code unit
                sample[:n].decode(name)
            except UnicodeDecodeError:
                try:
                    sample[:n - 2].decode(name)
                except UnicodeDecodeError:
                    continue
            return name
    return None


def looks_binary(sample: bytes) -> bool:
    """True for more than 1% NUL bytes, or more than 10% control bytes, in a
    sample that is not UTF-16/32 (a stray NUL in a text file is dropped, see
    :func:`decode_bytes`)."""
    if not sample or (text_encoding(sample) or "").startswith(("utf-16", "utf-32")):
        return False
    if sample.count(0) * 100 > len(sample):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls * 10 > len(sample)


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes to str: BOM (or BOM-less UTF-16), else UTF-8, else a declared
    charset, else cp1252, else latin-1. NUL bytes are dropped outside UTF-16/32.

    Raises UnicodeDecodeError only for UTF-16/32 followed by invalid data.
    """
    bom = text_encoding(data[:SAMPLE_BYTES])
    if bom is not None:
        return data.decode(bom)
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_legacy(data)


def decode_legacy(data: bytes) -> str:
    """Decode bytes that are not UTF-8: cp1252 (what such files usually are), else latin-1."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean_text(text: str) -> str:
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


def unescape_surrogates(value: str) -> str:
    """Re-decode a field read with errors='surrogateescape' whose bytes were not UTF-8."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return decode_legacy(value.encode("utf-8", "surrogateescape"))


def bytes_to_text(data: bytes, name: str, declared: str | None = None) -> str | LoadProblem:
    """Decode and clean a whole text file, or say why it cannot be a document."""
    if not data.strip():
        return LoadProblem(name, None, "empty file")
    if looks_binary(data[:SAMPLE_BYTES]) or (text_encoding(data[:SAMPLE_BYTES]) is None
                                             and data.count(0) * 100 > len(data)):
        return LoadProblem(name, None, "binary content")
    try:
        text = clean_text(decode_bytes(data, declared))
    except UnicodeDecodeError as exc:
        return LoadProblem(name, None, f"not valid {exc.encoding.upper()} and not repairable")
    if not text.strip():
        return LoadProblem(name, None, "empty file")
    return text
