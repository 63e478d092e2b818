"""Normalize: fold characters, drop boilerplate lines, unwrap hard-wrapped text.

The result keeps a map back to the original text, so every offset found on the
normalized text can be reported as an offset into the document as it arrived.
Folding is one character for one character (``str.translate``), and unwrapping
only joins whole lines, so the map is a short list of linear segments (one per
kept line) rather than one entry per character.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

from reprints._hashing import mix
from reprints._pickle import by_fields

try:  # the tokenizer's one-pass C loop (src/reprints/_words.c), built at install where a compiler is
    from reprints._words import scan_into as _scan_words
except ImportError:  # pragma: no cover - no compiler at install (or a stale build): NumPy does the same
    _scan_words = None

try:  # normalize_text's line loop and offset map in C (src/reprints/_normalize.c), built where a compiler is
    from reprints import _normalize as _c_normalize
except ImportError:  # pragma: no cover - no compiler at install: the Python loop does the same
    _c_normalize = None
_c_lines = getattr(_c_normalize, "lines", None)
_c_spans = getattr(_c_normalize, "spans", None)

if TYPE_CHECKING:
    from reprints.document import Document

__all__ = ["NormText", "Words", "normalize", "normalize_text", "fold", "sentences", "tokens", "words"]

# One-for-one character folding: typographic quotes, dashes and odd spaces.
_FOLD = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"',
        "\u00bb": '"', "\u2033": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'",
        "\u201b": "'", "\u2032": "'", "\u00b4": "'", "\u0060": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2007": " ", "\u2009": " ",
        "\u200a": " ", "\u202f": " ", "\u3000": " ", "\t": " ", "\u00ad": "-",
    }
)

_URL_LINE = re.compile(r"^(?:<?(?:https?://|www\.)\S+>?|\[\S+\]\((?:https?://)\S+\))$", re.I)
_LINK_LINE = re.compile(
    r"^(?:related(?:\s+(?:article|articles|story|stories|content|coverage|reading))?"
    r"|read\s+(?:more|also|next)(?:\s+about)?|see\s+also|more\s+on\s+this(?:\s+story)?"
    r"|also\s+read|recommended|top\s+stories|more\s+from\s+\w+)\s*[:\-|>]",
    re.I,
)
_LINK_BARE = re.compile(r"^(?:read\s+more|related\s+(?:articles|stories)|advertisement|ad)\.?$", re.I)
_PROMO_LINE = re.compile(
    r"^(?:subscribe\b|sign\s+up\b|follow\s+us\b|share\s+(?:this|on)\b|click\s+here\b"
    r"|download\s+(?:our|the)\s+app\b|all\s+rights\s+reserved|copyright\s+(?:\u00a9|\(c\)|\d{4})|\u00a9\s*\d{4})",
    re.I,
)
# A rule: a line of dashes, equals signs or underscores framing a wire header or a signature
_RULE_LINE = re.compile(r"^[-=_*~]{8,}$")
# An outlet describing itself ("About the Harbour Gazette: we are ..."), usually with its contacts
_ABOUT_LINE = re.compile(r"^[Aa]bout\s+(?:the\s+)?[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,4}\s*:\s")
_CREDIT_LINE = re.compile(
    r"\((?:CC\s*BY|CC0|CC-BY)[^)]*\)|^(?:photo|image|picture|pictured|credit|photograph)s?"
    r"(?:\s+credit)?\s*:|\b(?:Photo|Image)\s*:\s|\bGetty\s+Images\b|\bShutterstock\b|\bAP\s+Photo\b"
    r"|/\s*(?:flickr|Wikimedia(?:\s+Commons)?|Unsplash|Getty|AFP|Reuters|EPA|AP)\s*(?:$|\()",
    re.I,
)
_TERMINAL = ('.', '!', '?', '"', "'", ':', ')', ';')
_WORD = re.compile(r"\w+")
_SENT_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")
_ABBREV = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt rep sen gov pres no vs etc inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m".split()
)


@by_fields
@dataclass(frozen=True, slots=True)
class NormText:
    """A document body after normalization, with the way back to original offsets.

    ``text`` holds one paragraph per line. ``paragraphs`` are ``(start, end)``
    spans of ``text``; ``removed`` lists ``(start, end, why)`` spans of the
    *original* text left out of the body (header lines, URL lines, credits...).

    >>> n = normalize_text("A long line that was\\nwrapped by a PDF tool.")
    >>> n.text
    'A long line that was wrapped by a PDF tool.'
    >>> n.to_original(21)
    21
    """

    text: str
    paragraphs: tuple[tuple[int, int], ...]
    removed: tuple[tuple[int, int, str], ...]
    _seg_norm: tuple[int, ...] = field(repr=False)
    _seg_orig: tuple[int, ...] = field(repr=False)
    _seg_len: tuple[int, ...] = field(repr=False)

    def to_original(self, i: int) -> int:
        """Original offset of normalized offset ``i`` (start of a span)."""
        k = bisect.bisect_right(self._seg_norm, i) - 1
        if k < 0:
            return self._seg_orig[0] if self._seg_orig else 0
        return self._seg_orig[k] + min(i - self._seg_norm[k], self._seg_len[k])

    def to_original_end(self, j: int) -> int:
        """Original offset of normalized *end* offset ``j`` (exclusive)."""
        if j <= 0:
            return self.to_original(0)
        return self.to_original(j - 1) + 1

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized ``[start, end)`` span to original offsets."""
        return self.to_original(start), self.to_original_end(end)

    def spans_to_original(self, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """:meth:`span_to_original` for many spans at once (in C where it was built).

        >>> normalize_text("A line that was\\nwrapped.").spans_to_original([(0, 6), (16, 24)])
        [(0, 6), (16, 24)]
        """
        return _spans_to_original(self, spans, _c_spans)


def _spans_to_original(norm: NormText, spans: Sequence[tuple[int, int]], c_spans) -> list[tuple[int, int]]:
    """:meth:`NormText.spans_to_original` by ``c_spans``, or in Python when it is None."""
    if c_spans is not None:
        return c_spans(norm._seg_norm, norm._seg_orig, norm._seg_len, spans)
    return [norm.span_to_original(s, e) for s, e in spans]


def fold(text: str) -> str:
    """Fold typographic quotes, dashes and spaces to ASCII, one char for one.

    >>> fold("\u201cIt\u2019s late\u201d \u2014 he said")
    '"It\\'s late" - he said'
    """
    if text.isascii():  # most text: only a tab or a backtick can change, and translate() is slow
        return text.replace("\t", " ").replace("`", "'") if "\t" in text or "`" in text else text
    return text.translate(_FOLD)


_CREDIT_HINTS = ("(", "/", ":", "Getty", "Shutterstock", "AP Photo")


def _line_kind(line: str) -> str | None:
    """Why a stripped line is boilerplate, or None when it is story text.

    Cheap character tests run first: this is called for every line of every
    document, and most lines are story text.
    """
    if line[0] in "hHwW<[" and _URL_LINE.match(line):
        return "url"
    if line[0] in "aA" and _ABOUT_LINE.match(line):
        return "promo"
    if line[0] in "-=_*~" and _RULE_LINE.match(line):
        return "rule"
    if len(line) > 220:
        return None
    if _LINK_LINE.match(line) or _LINK_BARE.match(line):
        return "link"
    if _PROMO_LINE.match(line):
        return "promo"
    if any(h in line for h in _CREDIT_HINTS) and _CREDIT_LINE.search(line):
        return "credit"
    return None


def _is_wrapped(lengths: list[int]) -> bool:
    """Whether a block of consecutive lines looks hard-wrapped at a fixed width."""
    return len(lengths) > 1 and max(lengths) <= 130


def normalize_text(text: str, header: tuple[tuple[int, int, str], ...] = ()) -> NormText:
    """Normalize raw ``text``; ``header`` spans (from the loader) are left out.

    >>> n = normalize_text("Title\\n\\nhttps://x.org/a\\n\\nBody text here.")
    >>> n.text, [r[2] for r in n.removed]
    ('Title\\nBody text here.', ['url'])
    """
    return _normalize(fold(text), header, _c_lines)


def _normalize(folded: str, header: tuple[tuple[int, int, str], ...], c_lines) -> NormText:
    """:func:`normalize_text` of folded text, by the C loop or, when ``c_lines`` is None, in Python."""
    if c_lines is not None:
        hdr = [(s, e, f"header:{f}") for s, e, f in sorted(header)]
        body, paragraphs, removed, seg_norm, seg_orig, seg_len = c_lines(folded, hdr, _line_kind)
        return NormText(body, paragraphs, tuple(sorted(removed)), seg_norm, seg_orig, seg_len)
    removed: list[tuple[int, int, str]] = []
    hdr = sorted(header)
    # 1. lines with their original offsets, boilerplate and header lines dropped.
    blocks: list[list[tuple[int, str]]] = [[]]
    pos = 0
    h = 0
    for raw in folded.split("\n"):
        start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            if blocks[-1]:
                blocks.append([])
            continue
        lead = start if raw[0] == stripped[0] else start + raw.index(stripped[0])
        kind = None
        if hdr:
            while h < len(hdr) and hdr[h][1] <= start:
                h += 1
            if h < len(hdr) and hdr[h][0] < pos - 1 and hdr[h][1] > start:
                kind = f"header:{hdr[h][2]}"
        kind = kind or _line_kind(stripped)
        if kind:
            removed.append((lead, lead + len(stripped), kind))
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append((lead, stripped))
    # 2. unwrap each block into paragraphs, recording one segment per line.
    out: list[str] = []
    seg_norm: list[int] = []
    seg_orig: list[int] = []
    seg_len: list[int] = []
    paragraphs: list[tuple[int, int]] = []
    n = 0
    for block in blocks:
        if not block:
            continue
        lengths = [len(s) for _, s in block]
        wrapped = _is_wrapped(lengths)
        width = max(lengths)
        para_start = n
        for idx, (orig, line) in enumerate(block):
            if idx and n > para_start:
                prev = block[idx - 1][1]
                joins = wrapped and not (prev.endswith(_TERMINAL) and len(prev) < 0.8 * width)
                if not joins:
                    paragraphs.append((para_start, n))
                    out.append("\n")
                    n += 1
                    para_start = n
                elif prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and line[:1].isalpha():
                    # a word broken at the line end: "negoti-/ations" -> "negotiations",
                    # but a compound keeps its hyphen: "ex-/Soviet" -> "ex-Soviet"
                    if line[0].islower():
                        out[-1] = out[-1][:-1]
                        seg_len[-1] -= 1
                        n -= 1
                else:
                    out.append(" ")
                    n += 1
            seg_norm.append(n)
            seg_orig.append(orig)
            seg_len.append(len(line))
            out.append(line)
            n += len(line)
        paragraphs.append((para_start, n))
        out.append("\n")
        n += 1
    body = "".join(out)
    if body.endswith("\n"):
        body = body[:-1]
    return NormText(
        text=body,
        paragraphs=tuple(paragraphs),
        removed=tuple(sorted(removed)),
        _seg_norm=tuple(seg_norm),
        _seg_orig=tuple(seg_orig),
        _seg_len=tuple(seg_len),
    )


def normalize(doc: Document) -> NormText:
    """Normalize a loaded document, leaving out its parsed header lines.

    >>> from reprints.document import Document
    >>> normalize(Document("a", "Read more: x\\n\\nHe said it.", {})).text
    'He said it.'
    """
    return normalize_text(doc.text, doc.header)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of ``text`` as lowercased ``(token, start, end)``; a readable
    twin of :func:`words` for display and tests.

    >>> tokens("Well-known U.S. firm")
    [('well', 0, 4), ('known', 5, 10), ('u', 11, 12), ('s', 13, 14), ('firm', 16, 20)]
    """
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def sentences(norm: NormText) -> list[tuple[int, int]]:
    """Sentence spans of a normalized text, never crossing a paragraph.

    >>> n = normalize_text("Mr. Smith left. He said \\"no.\\" Then U.S. troops came.")
    >>> [n.text[a:b] for a, b in sentences(n)]
    ['Mr. Smith left.', 'He said "no."', 'Then U.S. troops came.']
    """
    spans: list[tuple[int, int]] = []
    text = norm.text
    for p0, p1 in norm.paragraphs:
        start = p0
        for m in _SENT_END.finditer(text, p0, p1):
            word = text[max(p0, text.rfind(" ", p0, m.start()) + 1) : m.start()].lower()
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            spans.append((start, m.end()))
            start = m.end()
            while start < p1 and text[start] == " ":
                start += 1
        if start < p1:
            spans.append((start, p1))
    return spans


# Byte classes of the vectorised tokenizer: ASCII letters, digits and "_" are word
# bytes, and so is every byte >= 0x80 (parts of non-ASCII letters); the hash of
# a byte ignores ASCII case.
_IS_WORD = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _IS_WORD[_c] = True
_IS_WORD[0x80:] = True
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A") : ord("Z") + 1] += 32
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a batch of texts: a stable 64-bit hash per word (case
    ignored), the text each belongs to, and its character span there."""

    hashes: np.ndarray
    owner: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.hashes)


def _hash_spans(b: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit hash of each byte span ``b[s:s+n]``, reading eight bytes at a time.

    A strided uint64 view gives the eight bytes at any offset; spans are read
    in 8-byte chunks, the later chunks only for the (fewer) longer words.
    """
    padded = np.concatenate([b, np.zeros(8, dtype=np.uint8)])
    window = np.ndarray(shape=(len(b) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    first = np.take(window, starts) & np.take(_MASKS, np.minimum(lengths, 8))
    out = mix(first * _K1 ^ lengths.astype(np.uint64) * _K2)
    todo = np.flatnonzero(lengths > 8)
    k = 1
    while len(todo):
        left = np.minimum(lengths[todo] - 8 * k, 8)
        chunk = np.take(window, starts[todo] + 8 * k) & np.take(_MASKS, left)
        out[todo] = mix(out[todo] ^ (chunk * _K1 + np.uint64(k)))
        k += 1
        todo = todo[lengths[todo] > 8 * k]
    return out


def words(texts: Sequence[str]) -> Words:
    """Tokenize a batch of texts at once, the same way as :func:`tokens`.

    One pass in C (``reprints._words``, compiled at install) where it was
    built, else vectorised over all bytes of the batch with NumPy; both give
    the same hashes and spans, several times faster than a regex and a dict
    lookup per word, which matters at 100,000 documents.

    >>> w = words(["Well-known U.S. firm", "WELL known"])
    >>> w.owner.tolist(), w.starts.tolist(), w.ends.tolist()
    ([0, 0, 0, 0, 0, 1, 1], [0, 5, 11, 13, 16, 0, 5], [4, 10, 12, 14, 20, 4, 10])
    >>> bool(w.hashes[0] == w.hashes[5])
    True
    """
    return _words(texts, _scan_words)


def _words(texts: Sequence[str], scan_words) -> Words:
    """:func:`words` with the C scanner, or with NumPy when ``scan_words`` is None."""
    texts = [t if t.isascii() else (lo if len(lo := t.lower()) == len(t) else t) for t in texts]
    joined = "\n".join(texts)
    raw = joined.encode("utf-8", "surrogatepass")
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    doc_start = np.cumsum(lengths) - lengths
    if scan_words is not None:
        starts_of_texts = doc_start.tobytes()
        out = np.empty((4, len(raw) // 4 + 16), dtype=np.int64)  # news has one word per 5-6 bytes
        count = scan_words(raw, len(raw) != len(joined), starts_of_texts, out)
        if count < 0:  # very short words: room for the most there can be
            out = np.empty((4, len(raw) // 2 + 1), dtype=np.int64)
            count = scan_words(raw, len(raw) != len(joined), starts_of_texts, out)
        return Words(out[0, :count].view(np.uint64), out[1, :count], out[2, :count], out[3, :count])
    b = np.frombuffer(raw, dtype=np.uint8)
    isw = np.zeros(len(b) + 2, dtype=np.int8)
    np.take(_IS_WORD, b, out=isw[1:-1].view(bool))
    changes = np.flatnonzero(np.diff(isw))  # word starts and ends alternate
    starts, ends = changes[0::2], changes[1::2]
    hashes = _hash_spans(np.take(_LOWER, b), starts, ends - starts)
    if len(raw) != len(joined):  # non-ASCII: byte offsets -> character offsets
        cidx = np.cumsum((b & 0xC0) != 0x80) - 1
        starts, ends = cidx[starts], cidx[ends - 1] + 1
    owner = np.searchsorted(doc_start, starts, side="right") - 1
    return Words(hashes, owner, starts - doc_start[owner], ends - doc_start[owner])
