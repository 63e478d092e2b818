"""Generate a synthetic news corpus with planted reprints, for the scan benchmark.

Writes a JSON Lines corpus, one ``{"id", "text", "title", "date", "byline"}``
object per line, and a truth file of planted pairs ``{"a", "b", "kind"}`` where
``a`` is the original and ``b`` the derived version. Everything follows from
``--seed``: the same arguments always give byte-identical files.

Base stories are 6-12 paragraphs and 300-700 words drawn from a synthetic
vocabulary (the 200 most common English function words plus 30,000
pronounceable pseudo-words, a few of them hyphenated) with a Zipf-like
frequency, so that 5-word shingles behave roughly like those of real text:
function words are shared by every document, content words are mostly rare.
Sentences are 10-30 words with capitals, commas and full stops, and carry
names, numbers and stock newswire phrases ("said in a statement on") that
unrelated stories share, as real news does.

About 15% of the documents are derived from an original (a few originals get
more than one derivative):

- ``reformatted``: the same body under another title/byline/date header, and a
  "Read more: URL" footer line;
- ``wrapped``: the body hard-wrapped at 80-95 columns, no header, a bare URL
  line inserted between two paragraphs;
- ``excerpt``: the first 50-80% of the paragraphs, under another header;
- ``edited``: 1-3% of the body's words replaced, under another header.

Documents are shuffled, so a derivative may come before its original.

    .venv/bin/python benchmarks/generate.py --docs 100000 --out benchmarks/data/corpus.jsonl --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import orjson

KINDS = ("reformatted", "wrapped", "excerpt", "edited")
DERIVED_SHARE = 0.15

# The 200 most common English words (function words first), rank order roughly
# as in large corpora; they take the top ranks of the Zipf distribution.
FUNCTION_WORDS = """
the of and to a in is that for it as was with be by on not he i this are or his
from at which but have an they you were their one all we can her has there been
if more when will would who so no she other its may these what them than some him
time into only do could new about two also then first any like my our out up should
over such after most made very through your many where before those well down being
because each did how much must own same still three under us way while between both
during even here just last might never now off since through though upon without
again against around because before below few further however later less long make
many nearly often once perhaps quite rather said says several shall since something
soon then therefore too until very whether whose within yet across along among
already although another anything became become behind beside beyond cannot could
either else enough ever every everything four five hardly hence itself least mostly
neither nobody none nothing otherwise ourselves per themselves thus toward towards
whatever whenever wherever whom why year years people percent week month today told
""".split()

SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu ha he hi ho hu "
    "ja jo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri "
    "ro ru sa se si so su ta te ti to tu va ve vi vo wa we wi ya yo za ze zo bra bre bri cra "
    "dra dre fra fre gra gre pra pre pri tra tre tri sta ste sti sto stu cha che chi sha she "
    "shi tha the thi an en in on un ar er ir or ur al el il ol ul"
).split()
CODAS = ["", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "rk", "x", "th", "ck"]

AGENCIES = [
    "Associated Press", "Reuters", "AFP", "Bloomberg", "Press Association", "DPA",
    "Canadian Press", "Australian Associated Press", "Kyodo", "ANSA", "EFE", "Xinhua",
]
OUTLETS = [
    "Staff", "Staff Writer", "Our Correspondent", "Web Desk", "News Desk", "Metro Desk",
    "Business Desk", "Online Staff", "Wire Services", "City Desk",
]
DOMAINS = [
    "dailyherald.example", "thecourier.example", "morningpost.example", "citynews.example",
    "eveningstar.example", "valleytimes.example", "coastgazette.example", "northernecho.example",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
STOCK_PHRASES = """
said in a statement on
according to a spokesperson for the
declined to comment on the
did not immediately respond to a request for comment
the company said in a filing
officials said on
told reporters at a news conference
in an interview with
said on condition of anonymity because
it was not immediately clear whether
the ministry said in a statement
local media reported
a spokesman for the
is expected to be announced later this week
the announcement came after
for the first time since
according to figures released by the
at least
more than
in a statement released on
the decision was welcomed by
critics said the move would
the plan was approved by the
police said they were investigating
it is the latest in a series of
a final decision is expected
the report said
analysts said the
the vote is scheduled for
in the coming weeks
on Monday
on Tuesday
on Wednesday
on Thursday
on Friday
on Saturday
on Sunday
last year
earlier this month
the government said
""".strip().splitlines()


def _pseudo_words(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct lowercase pseudo-words of 1-4 syllables; about 2% hyphenated."""
    out: list[str] = []
    syl = np.array(SYLLABLES, dtype=object)
    while len(out) < n:
        k = int(rng.choice([1, 2, 2, 3, 3, 3, 4]))
        w = "".join(syl[rng.integers(0, len(syl), k)]) + CODAS[int(rng.integers(0, len(CODAS)))]
        if len(w) < 3 or w in taken:
            continue
        taken.add(w)
        out.append(w)
    for i in rng.choice(n, size=n // 50, replace=False):  # hyphenated compounds
        out[i] = out[i] + "-" + out[(i + 7) % n]
    return out


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


class Vocabulary:
    """Token table (words, names, numbers, stock phrases) and the Zipf sampler.

    A token is one string, possibly several words long (a name, a phrase). Each
    token exists in four written forms: plain, with a comma, with a full stop,
    capitalised; ``table[form * n + id]`` is the string.
    """

    def __init__(self, rng: np.random.Generator, n_words: int = 30_000) -> None:
        taken: set[str] = set(FUNCTION_WORDS)
        fw = list(dict.fromkeys(FUNCTION_WORDS))
        pw = _pseudo_words(rng, n_words, taken)
        # Zipf-Mandelbrot over function words then pseudo-words
        self.words = fw + pw
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        p = 1.0 / (ranks + 2.7) ** 1.05
        self.word_cdf = np.cumsum(p / p.sum())
        first = [_cap(w) for w in _pseudo_words(rng, 1500, taken)]
        last = [_cap(w) for w in _pseudo_words(rng, 3000, taken)]
        self.names = [f"{first[i % len(first)]} {last[(i * 7919) % len(last)]}" for i in range(4000)]
        self.places = [_cap(w) for w in _pseudo_words(rng, 800, taken)]
        nums = [str(x) for x in rng.integers(2, 100, 300)]
        nums += [f"{x:,}" for x in rng.integers(100, 2_000_000, 600)]
        nums += [f"{x / 10:.1f} percent" for x in rng.integers(1, 400, 300)]
        nums += [f"${x} million" for x in rng.integers(1, 900, 200)]
        nums += [str(x) for x in range(1990, 2025)]
        self.numbers = nums
        self.phrases = STOCK_PHRASES
        base = self.words + self.names + self.places + self.numbers + self.phrases
        self.n = len(base)
        self.off_names = len(self.words)
        self.off_places = self.off_names + len(self.names)
        self.off_numbers = self.off_places + len(self.places)
        self.off_phrases = self.off_numbers + len(self.numbers)
        forms = [base, [t + "," for t in base], [t + "." for t in base], [_cap(t) for t in base]]
        self.table = np.array([t for f in forms for t in f], dtype=object)
        self.plain_words = np.array(pw, dtype=object)  # for edits and titles

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Token ids: 93.2% Zipf words, 2.5% names, 1.5% places, 2% numbers, 0.8% phrases."""
        ids = np.searchsorted(self.word_cdf, rng.random(size), side="right")
        np.minimum(ids, len(self.words) - 1, out=ids)
        cat = rng.random(size)
        for lo, hi, off, count in (
            (0.932, 0.957, self.off_names, len(self.names)),
            (0.957, 0.972, self.off_places, len(self.places)),
            (0.972, 0.992, self.off_numbers, len(self.numbers)),
            (0.992, 1.000, self.off_phrases, len(self.phrases)),
        ):
            m = (cat >= lo) & (cat < hi)
            k = int(m.sum())
            # names, places and phrases are themselves Zipf-ish: a few are frequent
            r = rng.random(k)
            ids[m] = off + np.minimum((count * r**1.5).astype(np.int64), count - 1)
        return ids


def _date(day: int) -> dt.date:
    return dt.date(2022, 1, 1) + dt.timedelta(days=int(day))


def _long_date(d: dt.date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def _header(title: str, byline: str, date: dt.date) -> str:
    return f"{title}\n\nBy {byline}\n\n{_long_date(date)}\n\n"


def _slug(title: str) -> str:
    return "-".join(w.strip(",.").lower() for w in title.split()[:6])


class Generator:
    """Builds base stories in bulk (vectorised sampling, one join per paragraph)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = Vocabulary(self.rng)

    def stories(self, n: int) -> list[tuple[str, list[str]]]:
        """``n`` base stories as (title, paragraphs)."""
        rng, v = self.rng, self.vocab
        # tokens, not words: names, numbers and phrases are several words (about 1.18 on average)
        target = np.round(rng.integers(300, 701, n) / 1.18).astype(np.int64)
        n_par = rng.integers(6, 13, n)
        out = []
        # sentence lengths for all stories at once: story i takes sentences
        # [first[i], first[i] + count[i]), enough to reach its word target
        est = int(target.sum() / 15) + 12 * n + 1000
        sent_len = rng.integers(10, 31, est)
        ends = np.cumsum(sent_len)
        first = np.zeros(n, dtype=np.int64)
        count = np.zeros(n, dtype=np.int64)
        s_pos = 0
        for i in range(n):
            base = int(ends[s_pos - 1]) if s_pos else 0
            k = int(np.searchsorted(ends, base + target[i])) - s_pos + 1
            k = max(k, int(n_par[i]))
            first[i], count[i] = s_pos, k
            s_pos += k
        total_words = int(ends[s_pos - 1])
        ids = v.sample(rng, total_words)
        form = np.where(rng.random(total_words) < 0.06, 1, 0)  # commas
        title_ids = v.plain_words[rng.integers(0, len(v.plain_words), 12 * n)]
        title_len = rng.integers(5, 11, n)
        for i in range(n):
            k = int(count[i])
            lens = sent_len[first[i] : first[i] + k]
            w0 = int(ends[first[i] - 1]) if first[i] else 0
            nw = int(lens.sum())
            tok = ids[w0 : w0 + nw]
            f = form[w0 : w0 + nw].copy()
            se = np.cumsum(lens)
            f[se - 1] = 2  # full stop at sentence end
            f[se - lens] = 3  # capital at sentence start
            strings = v.table[f * v.n + tok]
            # paragraphs: split the k sentences into n_par roughly equal runs
            cuts = np.linspace(0, k, n_par[i] + 1).round().astype(int)
            cuts[1:-1] += rng.integers(-1, 2, n_par[i] - 1)
            cuts = np.maximum.accumulate(np.clip(cuts, 0, k))
            bounds = np.concatenate([[0], se])[cuts]
            paras = [" ".join(strings[a:b].tolist()) for a, b in pairwise(bounds.tolist()) if b > a]
            t = title_ids[12 * i : 12 * i + title_len[i]].tolist()
            title = " ".join([_cap(t[0])] + t[1:])
            out.append((title, paras))
        return out

    # ---- derivations -----------------------------------------------------------------

    def url(self, title: str) -> str:
        d = DOMAINS[int(self.rng.integers(0, len(DOMAINS)))]
        return f"https://www.{d}/news/{int(self.rng.integers(10**5, 10**6))}/{_slug(title)}"

    def other_header(self, title: str) -> tuple[str, str]:
        """Another outlet's (title, byline) for the same story."""
        rng = self.rng
        if rng.random() < 0.5:
            new_title = title
        else:  # a rewritten headline sharing a few words
            extra = self.vocab.plain_words[rng.integers(0, len(self.vocab.plain_words), 3)].tolist()
            words = title.split()
            new_title = " ".join([_cap(extra[0])] + words[1 : 1 + len(words) // 2] + extra[1:])
        return new_title, OUTLETS[int(rng.integers(0, len(OUTLETS)))]

    def derive(self, kind: str, title: str, paras: list[str], date: dt.date) -> tuple[str, str, str, dt.date]:
        """(text, title, byline, date) of a derivative; ``title``/``byline`` may be ''."""
        rng = self.rng
        d = date + dt.timedelta(days=int(rng.integers(0, 4)))
        if kind == "reformatted":
            t, b = self.other_header(title)
            body = "\n\n".join(paras)
            return _header(t, b, d) + body + f"\n\nRead more: {self.url(t)}\n", t, b, d
        if kind == "wrapped":
            width = int(rng.integers(80, 96))
            wrapped = [textwrap.fill(p, width=width) for p in paras]
            at = int(rng.integers(1, len(wrapped)))
            wrapped.insert(at, self.url(title))
            return "\n\n".join(wrapped) + "\n", "", "", d
        if kind == "excerpt":
            t, b = self.other_header(title)
            keep = max(1, int(round(len(paras) * rng.uniform(0.5, 0.8))))
            return _header(t, b, d) + "\n\n".join(paras[:keep]), t, b, d
        if kind == "edited":
            t, b = self.other_header(title)
            body = "\n\n".join(paras)
            return _header(t, b, d) + self.edit(body), t, b, d
        raise ValueError(kind)

    def edit(self, body: str) -> str:
        """Replace 1-3% of the words (keeping their punctuation and paragraph breaks)."""
        rng = self.rng
        parts = body.split(" ")
        n = len(parts)
        inner = np.flatnonzero(np.fromiter(("\n" not in p for p in parts), dtype=bool, count=n))
        k = min(len(inner), max(1, int(round(n * rng.uniform(0.01, 0.03)))))
        pw = self.vocab.plain_words
        for i in rng.choice(inner, size=k, replace=False):
            old = parts[i]
            core = old.rstrip(",.")
            new = pw[int(rng.integers(0, len(pw)))]
            parts[i] = (_cap(new) if core[:1].isupper() else new) + old[len(core):]
        return " ".join(parts)


def generate(n_docs: int, out: Path, seed: int = 1, truth: Path | None = None) -> tuple[Path, Path]:
    """Write ``n_docs`` documents to ``out`` and the planted pairs to ``truth``."""
    truth = truth or out.with_name(out.stem + ".truth.jsonl")
    g = Generator(seed)
    rng = g.rng
    n_derived = int(round(n_docs * DERIVED_SHARE))
    n_orig = n_docs - n_derived
    stories = g.stories(n_orig)
    days = rng.integers(0, 3 * 365, n_orig)
    agencies = rng.integers(0, len(AGENCIES), n_orig)
    # parents: originals drawn with replacement (some get two or more derivatives)
    parents = rng.integers(0, n_orig, n_derived)
    kinds = rng.integers(0, len(KINDS), n_derived)
    ids = [f"doc{x:07d}" for x in rng.permutation(n_docs)]  # shuffled: ids carry no hint

    records: list[dict[str, str]] = []
    for i, (title, paras) in enumerate(stories):
        d = _date(days[i])
        byline = AGENCIES[agencies[i]]
        text = _header(title, byline, d) + "\n\n".join(paras)
        records.append({"id": ids[i], "text": text, "title": title, "date": d.isoformat(), "byline": byline})
    pairs = []
    for j in range(n_derived):
        p = int(parents[j])
        title, paras = stories[p]
        kind = KINDS[kinds[j]]
        text, t, b, d = g.derive(kind, title, paras, _date(days[p]))
        k = n_orig + j
        records.append({"id": ids[k], "text": text, "title": t, "date": d.isoformat(), "byline": b})
        pairs.append({"a": ids[p], "b": ids[k], "kind": kind})

    order = rng.permutation(n_docs)  # documents in random order
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as fh:
        for k in order:
            fh.write(orjson.dumps(records[k]) + b"\n")
    tmp.replace(out)
    with open(truth, "wb") as fh:
        fh.writelines(orjson.dumps(pr) + b"\n" for pr in pairs)
    return out, truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="number of documents (default 100000)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/data/corpus.jsonl"), help="corpus JSONL path")
    ap.add_argument("--truth", type=Path, default=None, help="truth JSONL path (default OUT stem + .truth.jsonl)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out, truth = generate(args.docs, args.out, args.seed, args.truth)
    size = out.stat().st_size / 2**20
    print(f"wrote {args.docs} documents ({size:.1f} MiB) to {out} and planted pairs to {truth} "
          f"in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
