"""Header lines: the title, byline, dateline and source-URL lines that news pages print around
a story, parsed into metadata with the spans of the lines that hold them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from reprints._pickle import by_fields
from reprints.document import Document
from reprints.load.meta import looks_like_url, outlet_from_url, parse_date


@by_fields
@dataclass(frozen=True, slots=True)
class Unparsed(Document):
    """A document whose header lines are not parsed yet (``iter_load(...,
    parse_headers=False)``): ``meta`` holds only the given metadata. :func:`parsed`
    finishes it; :func:`reprints.scan` does that in its worker processes."""

    style: str = "plain"


_HEAD_LINES = 8  # header lines are only looked for in the first non-blank lines


_TAIL_LINES = 6  # ... and the source-URL label in the last non-blank lines


_MAX_TITLE = 200


_MAX_BYLINE = 80


def parsed(doc: Document) -> Document:
    """`doc` with its header lines parsed into `meta` and `header` (itself when
    that is done already, as for every document `iter_load` yields by default).

        >>> from reprints.load import iter_load
        >>> raw = next(iter_load("examples/corpus/wire/dam-breach-origin.txt", parse_headers=False))
        >>> raw.meta, parsed(raw).meta["title"]
        ({'format': 'txt'}, 'Villages evacuated after dam embankment gives way in western Romania')
    """
    if not isinstance(doc, Unparsed):
        return doc
    return make_document(doc.id, doc.text, doc.meta, doc.style)  # type: ignore[arg-type]


Style = Literal["plain", "md", "extracted"]


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


def make_document(doc_id: str, text: str, given: dict[str, str], style: Style) -> Document:
    """Parse the header of cleaned `text`, merge metadata (given wins), derive the outlet."""
    parsed, spans = _parse_header(text, style, given.get("title"))
    meta = {**parsed, **given}
    if "outlet" not in meta and "url" in meta:
        outlet = outlet_from_url(meta["url"])
        if outlet:
            meta["outlet"] = outlet
    return Document(doc_id, text, meta, tuple(sorted(spans)))


def _parse_header(text: str, style: Style, known_title: str | None) -> tuple[dict[str, str], list[_Field]]:
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


def _title(line: str, next_line: str | None, style: Style, known: str | None) -> str | None:
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
    if len(line) >= _MAX_TITLE or line.startswith("#") or looks_like_url(line):
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
