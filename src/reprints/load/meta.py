"""Metadata: the canonical keys of given metadata (title, byline, date, url, outlet, lang...),
their values as text, outlets from URLs, and dates in the many ways news pages print them."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import orjson

from reprints.load.decode import clean_text, decode_bytes

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
        text = decode_bytes(value)
    elif isinstance(value, (list, tuple, dict)):
        text = orjson.dumps(value, default=str).decode("utf-8")
    else:
        text = str(value)
    text = clean_text(text).strip()
    return text or None


def canonical_meta(raw: Mapping[str, object]) -> dict[str, str]:
    """Stringify values, drop empty ones, fold aliases (author -> byline ...), ISO dates.
    Raises ValueError for a value that cannot be kept as text (JSON nested too deeply)."""
    values: dict[str, str] = {}
    for key, value in raw.items():
        try:
            text = _stringify(value)
        except TypeError:  # orjson: "Recursion limit reached"
            raise ValueError(f"field {str(key)!r} is nested too deeply to keep (over 254 levels)") from None
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
        if target == "outlet" and low == "source" and looks_like_url(text):
            target = "url"
        if target is not None and target not in lowered and target not in meta:
            meta[target] = text
        else:
            meta[key] = text
    if "date" in meta:
        meta["date"] = parse_date(meta["date"]) or meta["date"]
    return meta


def looks_like_url(text: str) -> bool:
    """True for http(s)://... or www.... strings."""
    return text.lower().startswith(("http://", "https://", "www."))


def outlet_from_url(url: str) -> str | None:
    """The host of a URL without "www.", e.g. "themoscowtimes.com"."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


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
