"""Facts: the names, numbers and quotations a passage states, in a form that
survives rewording and translation.

Two passages with similar embeddings may still tell different stories ("the
same minister, another visit"); agreeing names and numbers are what make them
versions of one story. Names are capitalised words (not the first word of a
sentence) and acronyms, transliterated from Cyrillic and cut to a five-letter
stem, so "Lavrov", "Lavrova", "Lawrow" and "Лавров" meet; numbers lose their thousands
separators, so "35,000", "35.000" and "35 000" meet; month names become the
month's number (``m:12``), so "December", "dicembre", "Dezember" and "декабря"
meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reprints._pickle import by_fields

__all__ = ["change_kind", "fact_changes", "fact_spans", "Quote", "anchors", "agreement", "quotations"]

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
))
_STEM = 5
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.U)
#: A figure: digits, with the thousands or decimal separators of any locale inside
#: ("35,000", "35.000", "35 000", "3'500") but never a separator followed by a space,
#: so "July 26, 2021" holds two numbers, 26 and 2021, as "26 July 2021" does.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f'\u2019](?=\d)\d+| (?=\d{3}(?!\d))\d{3})*")
#: A month written with its number, as Chinese, Japanese and Korean do ("7月", "7 월").
_CJK_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s?[月월]")
#: What ends just before a word that starts a sentence: a full stop (quote or bracket
#: after it) and space, an opening quote, or a line break (a paragraph, a list item,
#: a post that starts after an emoji).
_SENT_START = re.compile(r'(?:^|[.!?:]["\')]?\s+|"\s*|\n\s*)$')
#: Capitalised words that start clauses or name days and months in several languages.
_STOP = frozenset(
    "the a an he she it they we i his her their its our my your this that these those in on at after before but and "
    "when while as if by for from with monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november december "
    "il la le lo gli i un una der die das ein eine el los las les une des ce cette и в на".split()
)


#: Month names in the languages the embedding model covers best, by month number.
#: Russian forms are matched on their stem (январь, января, январе), in lower case only.
_MONTHS = {
    1: "january gennaio januar jänner janvier enero январ",
    2: "february febbraio februar février fevrier febrero феврал",
    3: "march marzo märz marz mars март",
    4: "april aprile avril abril апрел",
    5: "may maggio mai mayo май мая мае",
    6: "june giugno juni juin junio июн",
    7: "july luglio juli juillet julio июл",
    8: "august agosto août aout август",
    9: "september settembre septembre septiembre setiembre сентябр",
    10: "october ottobre oktober octobre octubre октябр",
    11: "november novembre noviembre ноябр",
    12: "december dicembre dezember décembre decembre diciembre декабр",
}
_MONTH = {name: n for n, names in _MONTHS.items() for name in names.split()}
_MONTH_STEMS = tuple((name, n) for name, n in _MONTH.items() if name[0] > "z" and name[:2] != "ма" or name == "март")
#: Month names that are also common words: English ones are months only when
#: capitalised ("may", "march"), French "mars" only in lower case (not the planet).
_MONTH_CAPITAL = frozenset({"may", "march", "august"})
_MONTH_LOWER = frozenset({"mars"})


def _month(word: str) -> int | None:
    """The month a word names, or None.

    >>> _month("dicembre"), _month("декабря"), _month("марта"), _month("Марта"), _month("May"), _month("may")
    (12, 12, 3, None, 5, None)
    """
    low = word.lower()
    if low[:1] > "z" and word != low:  # Russian months are written in lower case; "Марта" is a name
        return None
    n = _MONTH.get(low)
    if n is not None:
        if (low in _MONTH_CAPITAL and not word[0].isupper()) or (low in _MONTH_LOWER and word != low):
            return None
        return n
    if low[:1] > "z":
        for stem, n in _MONTH_STEMS:
            if low.startswith(stem) and len(low) <= len(stem) + 2:
                return n
    return None


#: Numbers written as words (English): a change among them is a changed figure.
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions trillion dozen dozens half quarter third twice double triple percent "
    "first second fifth sixth seventh eighth ninth tenth".split())
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_CHANGE_WORD = re.compile(r"\w+")
_QUOTE_MARKS = "\"\u201c\u201d\u00ab\u00bb\u201e"


def change_kind(a: str, b: str, before_a: str = "", before_b: str = "") -> str:
    """What a word-level change between two versions changed: ``number`` (a
    figure), ``date`` (a month or weekday), ``name`` (a capitalised word that
    does not start a sentence), ``quote`` (words inside quotation marks), or
    ``word``. ``before_a``/``before_b``: the text of the paragraph before each
    side's change (sentence starts and open quotations are read from it).

    >>> change_kind("3,000", "3,500"), change_kind("Wednesday", "Thursday"), change_kind("Popescu", "Ionescu", "by M. ")
    ('number', 'date', 'name')
    >>> change_kind("sixteen", "eighteen"), change_kind("a dozen", "scores of")
    ('number', 'number')
    >>> change_kind("toughly", "resolutely", "he said: \u201cwe will ", "he said: \u201cwe will act "), change_kind("big", "large")
    ('quote', 'word')
    """
    words_a, words_b = _CHANGE_WORD.findall(a), _CHANGE_WORD.findall(b)
    if any(c.isdigit() for c in a + b) or any(w.lower() in _NUMBER_WORDS for w in words_a + words_b):
        return "number"
    if any(_month(w) or w.lower() in _WEEKDAYS for w in words_a + words_b):
        return "date"
    for side, before in ((words_a, before_a), (words_b, before_b)):
        for k, w in enumerate(side):
            if w[:1].isupper() and not (k == 0 and _sentence_starts(before)):
                return "name"
    if _in_quotation(before_a) or _in_quotation(before_b):
        return "quote"
    return "word"


_INITIAL = re.compile(r"\b[A-Z]\.\s*$")


def _sentence_starts(before: str) -> bool:
    """Whether a word after ``before`` starts a sentence (an initial such as "M." does not end one)."""
    tail = before.rstrip()
    return not tail or (tail[-1] in ".!?:" + _QUOTE_MARKS and not _INITIAL.search(tail))


def _in_quotation(before: str) -> bool:
    """Whether the text after ``before`` is inside a quotation opened in it."""
    if before.count('"') % 2 == 1:
        return True
    opened = max(before.rfind(q) for q in "\u201c\u00ab\u201e")
    return opened >= 0 and opened > max(before.rfind(q) for q in "\u201d\u00bb")


def _latin(word: str) -> str:
    return "".join(_CYRILLIC.get(c, c) for c in word.lower()).replace("_", "")


def _name_key(word: str) -> str:
    # w as v: German transliterates Лавров as "Lawrow" where English writes "Lavrov"
    w = _latin(word).replace("'", "").replace("-", "").replace("w", "v")
    return w[:_STEM]


def _digits(text: str) -> str:
    """The decimal digits of ``text`` in ASCII, from any script (full-width "２０", Devanagari, Arabic-Indic).

    >>> _digits("２０,５"), _digits("٣٥ ٠٠٠")
    ('205', '35000')
    """
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


def fact_spans(text: str, known: frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Where ``text`` states each of its :func:`anchors`: ``(start, end, key)``
    in text order (a key may come several times).

    >>> [(s, e, k) for s, e, k in fact_spans("Lavrov met 35,000 staff in May.", frozenset({"n:lavro"}))]
    [(11, 17, '#:35000'), (0, 6, 'n:lavro'), (27, 30, 'm:5')]
    >>> sorted(k for *_, k in fact_spans("on July 26, 2021")), sorted(k for *_, k in fact_spans("2021年7月26日"))
    (['#:2021', '#:26', 'm:7'], ['#:2021', '#:26', 'm:7'])
    >>> sorted(k for *_, k in fact_spans("２０人"))
    ['#:20']
    """
    out: list[tuple[int, int, str]] = []
    months = []
    for m in _CJK_MONTH.finditer(text):
        n = _digits(m.group(1))
        if n.isdigit() and 1 <= int(n) <= 12:
            months.append((m.start(), m.end()))
            out.append((m.start(), m.end(), f"m:{int(n)}"))
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in months):
            continue  # the number of a month ("7月" is July, not 7)
        digits = _digits(m.group())
        if digits:
            out.append((m.start(), m.end(), "#:" + (digits.lstrip("0") or "0")))
    for m in _WORD.finditer(text):
        w = m.group()
        month = _month(w)
        if month is not None:
            out.append((m.start(), m.end(), f"m:{month}"))
            continue
        if not w[0].isupper() or len(w) < 3:
            continue
        if w.lower() in _STOP:
            continue
        key = "n:" + _name_key(w)
        if key not in known and (m.start() == 0 or _SENT_START.search(text[max(0, m.start() - 4) : m.start()])):
            continue  # a capital that only starts a sentence says nothing
        out.append((m.start(), m.end(), key))
    return out


def anchors(text: str, known: frozenset[str] = frozenset()) -> frozenset[str]:
    """Name stems (``n:``), numbers (``#:``) and months (``m:``) stated in ``text``.

    A capital that starts a sentence counts only when ``known`` (the anchors
    of the whole document, say) holds it, since "Later" is no name but
    "Lavrov" at the start of a sentence is.

    >>> sorted(anchors("On Monday Sergei Lavrov met 35,000 NATO staff."))
    ['#:35000', 'n:lavro', 'n:nato', 'n:serge']
    >>> sorted(anchors("Lavrov spoke.", known=frozenset({"n:lavro"})))
    ['n:lavro']
    >>> sorted(anchors("В понедельник Сергей Лавров встретил 35 000 сотрудников НАТО."))
    ['#:35000', 'n:lavro', 'n:nato', 'n:serge']
    >>> sorted(anchors("Talks open on 10 January.")), sorted(anchors("I colloqui si aprono il 10 gennaio."))
    (['#:10', 'm:1'], ['#:10', 'm:1'])
    """
    return frozenset(k for _, _, k in fact_spans(text, known))


_FACT_KIND = {"#": "number", "m": "date", "n": "name"}


def fact_changes(a: str, b: str) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """The facts two passages in different languages do not share: for each
    kind (``number``, ``date``, ``name``), where one fact on each side is
    unmatched they pair as one change; otherwise each unmatched number or date
    stands alone (an empty span on the other side, at its end), and names are
    left out. Offsets are into ``a`` and ``b``.

    >>> a, b = "Über 15.000 Menschen flohen am 3. März.", "More than 14,000 people fled on 3 March."
    >>> [(a[x:y], b[u:v], k) for (x, y), (u, v), k in fact_changes(a, b)]
    [('15.000', '14,000', 'number')]
    """
    fa, fb = fact_spans(a), fact_spans(b)
    keys_a, keys_b = {k for *_, k in fa}, {k for *_, k in fb}
    out = []
    for tag, kind in _FACT_KIND.items():
        only_a = [(s, e) for s, e, k in fa if k[0] == tag and k not in keys_b]
        only_b = [(s, e) for s, e, k in fb if k[0] == tag and k not in keys_a]
        if len(only_a) == 1 and len(only_b) == 1:
            out.append((only_a[0], only_b[0], kind))
            continue
        if tag == "n":
            continue  # a lone capital word is too often a noun (German) or a name translated ("Stati Uniti")
        out += [(x, (len(b), len(b)), kind) for x in only_a] + [((len(a), len(a)), y, kind) for y in only_b]
    return sorted(out, key=lambda c: (c[0][0], c[1][0]))


def agreement(a: frozenset[str], b: frozenset[str]) -> float | None:
    """Share of the smaller anchor set found in the other; None when either is empty.

    >>> agreement(frozenset({"n:lavro", "#:2021"}), frozenset({"n:lavro", "n:nato", "#:2021"}))
    1.0
    >>> agreement(frozenset(), frozenset({"n:lavro"})) is None
    True
    """
    if not a or not b:
        return None
    return len(a & b) / min(len(a), len(b))


@by_fields
@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation: ``[start, end)`` of the quoted words in the normalized text,
    and its speaker's name as written (empty when none is found)."""

    start: int
    end: int
    speaker: str


def _names(text: str) -> list[str]:
    """Runs of capitalised words ("Sergei Lavrov", "European Union"), stopwords left out."""
    out: list[str] = []
    run: list[str] = []
    for m in re.finditer(r"[\w'-]+|[^\w\s]", text):
        w = m.group()
        if w[0].isupper() and w.lower() not in _STOP and len(w) >= 2:
            run.append(w)
            continue
        if run:
            out.append(" ".join(run))
            run = []
    if run:
        out.append(" ".join(run))
    return [n for n in out if len(n) >= 3]


#: Verbs of saying in the languages the embedding model covers best.
_SAID = re.compile(
    r"\b(?:said|says|told|added|stated|declared|explained|warned|noted|stressed|insisted|"
    r"ha detto|ha dichiarato|ha aggiunto|sagte|erkl\u00e4rte|betonte|a dit|a d\u00e9clar\u00e9|a ajout\u00e9|"
    r"dijo|declar\u00f3|afirm\u00f3|a\u00f1adi\u00f3|\u0441\u043a\u0430\u0437\u0430\u043b|\u0437\u0430\u044f\u0432\u0438\u043b)\b",
    re.I,
)


def _attribution(quoted: str, after: str, before: str) -> str | None:
    """The speaker named next to a quote, "" for a pronoun only, None for no attribution."""
    tail = after.lstrip()
    if quoted.rstrip().endswith(",") or tail[:1] == "," or tail[:1].islower():
        clause = re.split(r"[.!?;](?:\s|$)", tail, maxsplit=1)[0]
        names = _names(clause)
        return names[0] if names else ""
    head = before.rstrip()
    sentence = re.split(r"[.!?]\s+(?=[A-Z\"])", head)[-1]
    if head.endswith((":", ",")) or head.lower().endswith(("saying", "said", "says")):
        spoke = _SAID.search(sentence)
        if spoke:  # "..., Lavrov said:" names the speaker right before the verb
            names = _names(sentence[: spoke.start()])
            return names[-1] if names else ""
        names = _names(sentence)
        return names[0] if names else ""
    # a quote inside a sentence ("Janssen called the walkout "..."): its subject
    names = _names(sentence)
    return names[0] if names else None


def quotations(text: str, paragraphs: tuple[tuple[int, int], ...] = ()) -> list[Quote]:
    """Quotations of at least three words in a normalized text, with speakers.

    Quote marks are paired in order within a paragraph. The speaker is named
    after the quote ("...," Lavrov said) or before it (Lavrov said: "...");
    a quote with only a pronoun ("he added") or no attribution goes to the
    previous speaker.

    >>> t = 'Lavrov said: "We will ensure our security." Later, "talks must not drag on," he added.'
    >>> [(t[q.start:q.end], q.speaker) for q in quotations(t)]
    [('We will ensure our security.', 'Lavrov'), ('talks must not drag on,', 'Lavrov')]
    """
    paras = paragraphs or ((0, len(text)),)
    out: list[Quote] = []
    last = ""
    for p0, p1 in paras:
        marks = []
        k = text.find('"', p0, p1)
        while k >= 0:
            marks.append(k)
            k = text.find('"', k + 1, p1)
        for o, c in zip(marks[0::2], marks[1::2]):
            if len(text[o + 1 : c].split()) < 3:
                continue
            who = _attribution(text[o + 1 : c], text[c + 1 : min(p1, c + 80)], text[max(p0, o - 160) : o])
            speaker = who or last
            last = speaker
            out.append(Quote(o + 1, c, speaker))
    return out
