"""The terminal view: scan summaries, two versions side by side, query answers and
family lists, drawn with rich (colours on a terminal, plain text when piped)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from reprints.align import word_changes
from reprints.embed import uncovered_languages
from reprints.document import Document
from reprints.families import Family
from reprints.pipeline import ScanResult
from reprints.relate import Relation

if TYPE_CHECKING:
    from reprints.store import QueryResult

__all__ = ["print_summary", "print_comparison", "print_query", "print_families", "printable", "counted"]

#: C0 controls but tab and line feed, DEL and C1: what a terminal would obey rather than show.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def printable(text: str, lines: bool = True) -> str:
    r"""``text`` safe to print on a terminal: each control character (an escape
    sequence's ESC, a bell, a carriage return) becomes its visible picture, one
    character for one, so offsets into the text still hold. ``lines=False``
    pictures line feeds and tabs too (for ids and names on one line).

    >>> printable("\x1b[2Jred"), printable("a\nb", lines=False)
    ('\u241b[2Jred', 'a\u240ab')
    """
    return (_CONTROL if lines else _CONTROL_LINES).sub(_picture, text)


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number.

    >>> counted(1, "family", "families"), counted(3, "document")
    ('1 family', '3 documents')
    """
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _id(text: str) -> str:
    return printable(text, lines=False)

#: Every style names its own foreground and background, so that
#: it reads the same on dark and light terminals; the contrast of each pair is >= 4.5.
_STYLES = {"verbatim": "black on #afd7af", "near-verbatim": "black on #d7d787", "reworded": "black on #afd7ff",
           "translated": "black on #d7afd7", "text": "black on #ffafaf", "changed": "bold underline black on #ffd75f"}
_REMOVED_STYLE = "italic black on #dadada"
#: The gutter between the two columns of ``compare``: what each row is, readable without colour.
_MARKS = {"verbatim": "=", "near-verbatim": "~", "reworded": "\u2248", "translated": "\u21c4"}
_LEFT_ONLY, _RIGHT_ONLY, _HEADER_ONLY, _MOVED = "<", ">", "\u00b7", "\u2195"


def print_summary(result: ScanResult, console: Console, max_families: int = 20, max_problems: int = 10) -> None:
    """Counts, skipped items and the largest families, as a short rich view."""
    st = result.stats
    kinds = Counter(r.relation for r in result.related)
    n_docs, n_cand, n_fam = int(st.get("documents", 0)), int(st.get("candidates", 0)), len(result.families)
    head = Text.assemble(
        (f"{n_docs}", "bold"), " document, " if n_docs == 1 else " documents, ",
        (f"{len(result.problems)}", "bold red" if result.problems else "bold"), " skipped, ",
        (f"{n_cand}", "bold"), " candidate pair, " if n_cand == 1 else " candidate pairs, ",
        (f"{len(result.related)}", "bold"), " related pair (" if len(result.related) == 1 else " related pairs (",
        ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none", "), ",
        (f"{n_fam}", "bold"), f" {'family' if n_fam == 1 else 'families'} in {st.get('seconds_total', 0):.2f}s",
    )
    console.print(head)
    if st.get("uncovered_documents"):
        langs = uncovered_languages(d.meta.get("lang") for d in result.documents)
        console.print(Text(
            f"{counted(int(st['uncovered_documents']), 'document')} in languages the sentence encoder does not cover "
            f"({', '.join(f'{_id(k)} {n}' for k, n in langs.most_common(8))}"
            f"{', ...' if len(langs) > 8 else ''}): their meaning is not compared reliably, so they are found "
            "mostly by their words", "yellow"))
    if result.problems:
        console.print(Text(f"Skipped {counted(len(result.problems), 'item')}:", "red"))
        for p in result.problems[:max_problems]:
            console.print(f"  {_id(str(p))}", markup=False, highlight=False, soft_wrap=True)
        if len(result.problems) > max_problems:
            console.print(f"  ... and {len(result.problems) - max_problems} more")
    if not result.families:
        return
    langs = {d.id: d.meta.get("lang", "") for d in result.documents}
    for fam in result.families[:max_families]:
        why = ", ".join(r.split(" (")[0] for r in fam.reasons)
        sure = fam.confidence
        tree = Tree(Text.assemble((fam.id, "bold"), f"  {len(fam.members)} versions  origin ",
                                  (_id(fam.origin), "bold cyan" if sure != "weak" else "cyan"),
                                  (f"  [{sure}]", "bold" if sure == "strong" else "dim" if sure == "weak" else ""),
                                  f"  ({_id(why)})"))
        nodes = {fam.origin: tree}
        for edge in fam.tree:
            changed = [f"{len(x)} {name}" for x, name in ((edge.added, "added"), (edge.dropped, "dropped"),
                                                          (edge.reworded, "reworded"), (edge.quotes, "quote variants"))
                       if x]
            lang = f" [{langs[edge.child]}]" if langs.get(edge.child) else ""
            nodes[edge.child] = nodes[edge.parent].add(Text.assemble(
                _id(edge.child), _id(lang), "  ", (edge.relation, "green"),
                ("  " + ", ".join(changed), "dim") if changed else ""))
        console.print(tree)
    if len(result.families) > max_families:
        console.print(f"... and {len(result.families) - max_families} more families (see families.jsonl)")


def _flat(text: str, limit: int = 240) -> str:
    """One line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of the side-by-side view: a span of each text (None: a gap on that
    side), the gutter mark, and the kind of passage or extra it shows."""

    left: tuple[int, int] | None
    right: tuple[int, int] | None
    mark: str
    kind: str


def _increasing(values: list[int]) -> set[int]:
    """Positions of a longest strictly increasing run of ``values`` (kept in place;
    the others are passages that moved)."""
    tails: list[int] = []  # position ending the best run of each length
    tail_values: list[int] = []  # and its value, for the search
    back: list[int] = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect_left(tail_values, v)
        if k:
            back[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
            tail_values.append(v)
        else:
            tails[k] = i
            tail_values[k] = v
    keep, i = set(), tails[-1] if tails else -1
    while i >= 0:
        keep.add(i)
        i = back[i]
    return keep


def _stripped(text: str, s: int, e: int) -> tuple[int, int]:
    """``[s, e)`` without the white space at either end."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_LINE_BREAK = re.compile(r"(?<!\n)\n(?![ \t]*\n)")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def _gap_rows(text: str, lo: int, hi: int, only: Sequence[tuple[int, int, str]], skip: Sequence[tuple[int, int]],
              left: bool) -> list[_Row]:
    """Rows for ``text[lo:hi]``, which the other side lacks: one per paragraph and
    per extra span (so a byline is a row of its own), leaving out ``skip`` (moved
    passages, shown where they stand in the left text) and pieces without a word."""
    if hi <= lo:
        return []
    cuts = {lo, hi}
    for s, e, _ in only:
        if e > lo and s < hi:
            cuts.update((max(s, lo), min(e, hi)))
    for m in _BLANK_LINE.finditer(text, lo, hi):
        cuts.update((m.start(), m.end()))
    for s, e in skip:
        if e > lo and s < hi:
            cuts.update((max(s, lo), min(e, hi)))
    rows: list[_Row] = []
    points = sorted(cuts)
    for s, e in zip(points, points[1:]):
        if any(ks <= s and e <= ke for ks, ke in skip):
            continue
        s, e = _stripped(text, s, e)
        if not any(c.isalnum() for c in text[s:e]):
            continue
        kind = next((k for ks, ke, k in only if ks <= s < ke), "text")
        mark = (_LEFT_ONLY if left else _RIGHT_ONLY) if kind == "text" else _HEADER_ONLY
        rows.append(_Row((s, e), None, mark, kind) if left else _Row(None, (s, e), mark, kind))
    return rows


def _sentence_end(text: str, s: int, e: int) -> tuple[int, int]:
    """``[s, e)`` stripped of white space and grown over the punctuation that ends
    it (a passage stops at its last word; its full stop belongs to the row)."""
    s, e = _stripped(text, s, e)
    while e < len(text) and not text[e].isspace() and not text[e].isalnum():
        e += 1
    return s, e


_WORD = re.compile(r"\w+")


def _same_words(a: str, b: str) -> bool:
    return _WORD.findall(a.lower()) == _WORD.findall(b.lower())


def _passage_rows(a_text: str, a: tuple[int, int], b_text: str, b: tuple[int, int], kind: str, moved: str) -> list[_Row]:
    """A passage as rows: one per paragraph where both sides break it into as
    many paragraphs (so a copied article reads paragraph against paragraph),
    else one row. An edited passage's paragraphs with the same words are ``=``."""
    breaks_a = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(a_text, *a)]
    breaks_b = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(b_text, *b)]
    if len(breaks_a) != len(breaks_b) or kind not in ("verbatim", "near-verbatim"):
        breaks_a = breaks_b = []
    cuts_a = [a[0]] + [x for br in breaks_a for x in br] + [a[1]]
    cuts_b = [b[0]] + [x for br in breaks_b for x in br] + [b[1]]
    rows = []
    for k in range(0, len(cuts_a), 2):
        sa, sb = _sentence_end(a_text, cuts_a[k], cuts_a[k + 1]), _sentence_end(b_text, cuts_b[k], cuts_b[k + 1])
        if sa[1] <= sa[0] and sb[1] <= sb[0]:
            continue
        own = "verbatim" if kind == "near-verbatim" and _same_words(a_text[sa[0]:sa[1]], b_text[sb[0]:sb[1]]) else kind
        rows.append(_Row(sa, sb, _MARKS.get(own, "?") + moved, own))
    return rows


def _diff_rows(a_text: str, b_text: str, rel: Relation) -> list[_Row]:
    """The rows of ``compare``: ``rel``'s passages (A on the left, as in ``rel``)
    side by side in A's order, and between them what only one side has, against
    a gap, A's first. Passages out of B's order (moved paragraphs) keep A's
    place and are marked as moved, so every passage shows once and in line."""
    order = sorted(rel.alignment.passages, key=lambda p: (p.a_start, p.b_start))
    kept = _increasing([p.b_start for p in order])
    moved = [(p.b_start, p.b_end) for i, p in enumerate(order) if i not in kept]
    rows: list[_Row] = []
    a_at = b_at = 0
    for i, p in enumerate(order):
        rows += _gap_rows(a_text, a_at, p.a_start, rel.a_only, (), True)
        a0 = max(p.a_start, a_at)
        if i in kept:
            rows += _gap_rows(b_text, b_at, p.b_start, rel.b_only, moved, False)
            rows += _passage_rows(a_text, (a0, p.a_end), b_text, (max(p.b_start, b_at), p.b_end), p.kind, "")
            b_at = max(b_at, p.b_end)
        else:
            rows += _passage_rows(a_text, (a0, p.a_end), b_text, (p.b_start, p.b_end), p.kind, _MOVED)
        a_at = max(a_at, p.a_end)
    rows += _gap_rows(a_text, a_at, len(a_text), rel.a_only, (), True)
    rows += _gap_rows(b_text, b_at, len(b_text), rel.b_only, moved, False)
    return rows


def _cell(text: str, span: tuple[int, int] | None, kind: str, marks: Sequence[tuple[int, int, str]]) -> Text:
    """One side of a row: the span's text, on its passage's colour, with the
    ``marks`` (changed words, extras) that fall inside it; a header or
    boilerplate line starts with its kind in brackets. Lines of a hard-wrapped
    paragraph are joined (one space for one line break, so offsets hold)."""
    if span is None:
        return Text("")
    s, e = span
    out = Text(printable(_LINE_BREAK.sub(" ", text[s:e])), _STYLES.get(kind, _REMOVED_STYLE))
    for ms, me, mkind in marks:
        if me > s and ms < e:
            out.stylize(_STYLES.get(mkind, _REMOVED_STYLE), max(ms, s) - s, min(me, e) - s)
    if kind not in _STYLES:
        out = Text.assemble((f"[{kind}] ", _REMOVED_STYLE), out)
    return out


def _direction(rel: Relation, left: Document, right: Document) -> str | None:
    """A note on which side the relation reads as the fuller one, when the
    columns (kept in the order given) put it on the right."""
    if rel.relation in ("excerpt", "partial") and rel.a == right.id:
        what = "an excerpt of" if rel.relation == "excerpt" else "built on part of"
        return (f"note: the left version ({_id(left.id)}) is {what} the right one ({_id(right.id)}); "
                "the columns keep the order given")
    return None


def print_comparison(a: Document, b: Document, rel: Relation, console: Console, width: int | None = None) -> None:
    """Two versions side by side, like a diff: matching passages on the same rows
    with a mark between them (``=`` same words, ``~`` slightly edited, ``≈``
    reworded, ``⇄`` translated, ``↕`` moved), what one side lacks against a gap
    (``<``/``>`` story text, ``·`` header or boilerplate), changed words
    highlighted and listed. ``a`` is on the left whatever order ``rel`` has."""
    note = _direction(rel, a, b)
    if rel.a != a.id:
        rel = rel.swapped()
    ev = rel.evidence
    parts: list[str | tuple[str, str]] = [
        (rel.relation, "bold"), f"  score {rel.score:.2f}  ",
        f"left found in right: {ev.a_in_b:.0%}  right found in left: {ev.b_in_a:.0%}  ",
        f"passages {ev.passages}, shared words {ev.shared_words}",
    ]
    if ev.semantic is not None:
        sem = ev.semantic
        facts = "n/a" if sem.facts is None else f"{sem.facts:.0%}"
        parts.append(f"\nby meaning: {sem.passages} passages, similarity {sem.similarity:.2f}, "
                     f"covering {sem.a_cover:.0%} / {sem.b_cover:.0%}; facts agree {facts}; "
                     f"languages {sem.lang_a} / {sem.lang_b}")
    if note:
        parts.append(("\n" + note, "bold"))
    console.print(Panel(Text.assemble(*parts), title="reprints compare"))
    changes = word_changes(a.text, b.text, rel.alignment.passages)
    marks_a = [(c.a_start, c.a_end, "changed") for c in changes if c.a_end > c.a_start]
    marks_b = [(c.b_start, c.b_end, "changed") for c in changes if c.b_end > c.b_start]
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, expand=True, width=width, pad_edge=False)
    table.add_column(Text(_id(a.id)), ratio=1, overflow="fold")
    table.add_column("", width=2, no_wrap=True, justify="center")
    table.add_column(Text(_id(b.id)), ratio=1, overflow="fold")
    for row in _diff_rows(a.text, b.text, rel):
        table.add_row(_cell(a.text, row.left, row.kind, marks_a), Text(row.mark, "bold"),
                      _cell(b.text, row.right, row.kind, marks_b))
    console.print(table)
    console.print(Text("= same words  ~ slightly edited  \u2248 reworded  \u21c4 translated  \u2195 moved  "
                       "< only left  > only right  \u00b7 header or boilerplate (left out of the body)"))
    if console.color_system is not None:
        console.print(Text.assemble(("same words", _STYLES["verbatim"]), " ", ("slightly edited", _STYLES["near-verbatim"]),
                                    " ", ("reworded", _STYLES["reworded"]), " ", ("translated", _STYLES["translated"]),
                                    " ", ("only on one side", _STYLES["text"]), " ", ("left out of the body", _REMOVED_STYLE),
                                    " ", ("changed words", _STYLES["changed"])))
    translated = [p for p in rel.alignment.passages if p.kind == "translated"]
    if translated and not changes:
        console.print("The numbers and dates of the translated passages agree.", highlight=False)
    if changes:
        title = "Facts that differ" if len(translated) == len(rel.alignment.passages) else "Words changed"
        console.print(Text(f"{title} ({len(changes)})", "bold"))
        for c in changes:
            was, now = _id(_flat(a.text[c.a_start:c.a_end], 60)), _id(_flat(b.text[c.b_start:c.b_end], 60))
            console.print(f"  {c.kind:<7} {was or '(none)'} -> {now or '(none)'}", markup=False, highlight=False,
                          soft_wrap=True)
    variants = [q for q in rel.quotes if not q.same_wording]
    if variants:
        console.print("[bold]Quotes worded differently[/bold]", highlight=False)
        for q in variants:
            who = q.a_speaker or q.b_speaker or "unattributed"
            who = _id(who)
            console.print(f"  {who}: \"{_id(_flat(a.text[q.a_start:q.a_end]))}\"", markup=False, soft_wrap=True)
            console.print(f"  {' ' * len(who)}  \"{_id(_flat(b.text[q.b_start:q.b_end]))}\"  "
                          f"(similarity {q.similarity:.2f})", markup=False, soft_wrap=True)


def print_query(result: QueryResult, console: Console, max_passages: int = 12) -> None:
    """One document checked against a store: its family, origin, relation to the
    origin, the stored versions it matches, and its passages found in the best one."""
    doc = result.document
    fam = result.family
    if not result.relations:
        console.print(Panel(Text(f"{_id(doc.id)}: no version of this story in the store"), title="reprints query"))
        return
    parts: list[str | tuple[str, str]] = [(_id(doc.id), "bold")]
    if result.known:
        parts.append("  (already in the store)")
    if fam is not None:
        parts += [f"\nfamily {fam.id or '(new: it would pair with one stored document)'}, ",
                  f"{len(fam.members)} stored version(s); origin ", (_id(fam.origin), "bold"),
                  f" [{fam.confidence}]"]
        if fam.reasons:
            parts.append(f" ({_id('; '.join(fam.reasons))})")
    if result.origin is not None:
        parts.append(f"\nrelation to the origin: {result.origin.relation} (score {result.origin.score:.2f})")
    if result.would_be_origin:
        parts.append(("\nif added, it would become the family's origin", "bold"))
    console.print(Panel(Text.assemble(*parts), title="reprints query"))
    table = Table(title="Stored versions it matches")
    for col in ("document", "relation", "score", "passages", f"{_id(doc.id)} found there", "found in it"):
        table.add_column(Text(col), overflow="fold")
    for r in result.relations:
        mine_a = r.a == doc.id
        other = r.b if mine_a else r.a
        ev = r.evidence
        a_cov, b_cov = (ev.semantic.a_cover, ev.semantic.b_cover) if ev.semantic else (ev.a_in_b, ev.b_in_a)
        table.add_row(Text(_id(other)), r.relation, f"{r.score:.2f}", str(len(r.alignment.passages)),
                      f"{(a_cov if mine_a else b_cov):.0%}", f"{(b_cov if mine_a else a_cov):.0%}")
    console.print(table)
    best = result.relations[0]
    console.print(Text(f"Passages aligned with {_id(best.b if best.a == doc.id else best.a)}", "bold"))
    for p in best.alignment.passages[:max_passages]:
        s, e = (p.a_start, p.a_end) if best.a == doc.id else (p.b_start, p.b_end)
        console.print(Text.assemble((f"  {p.kind:<13}", _STYLES.get(p.kind, "")), f" {s}-{e}  ",
                                    _id(_flat(doc.text[s:e], 140))), soft_wrap=True)
    if len(best.alignment.passages) > max_passages:
        console.print(f"  ... and {len(best.alignment.passages) - max_passages} more", highlight=False)
    changes = result.changes.get(frozenset((best.a, best.b)), ())
    if changes:
        other_text = result.text_of(best.b if best.a == doc.id else best.a)
        console.print(Text(f"Words changed ({len(changes)})", "bold"))
        for c in changes:
            mine, theirs = ((c.a_start, c.a_end), (c.b_start, c.b_end)) if best.a == doc.id else \
                ((c.b_start, c.b_end), (c.a_start, c.a_end))
            was = _id(_flat(other_text[theirs[0]:theirs[1]], 60)) if other_text is not None else "?"
            now = _id(_flat(doc.text[mine[0]:mine[1]], 60))
            console.print(f"  {c.kind:<7} {was or '(none)'} -> {now or '(none)'}  (stored -> this)", markup=False,
                          highlight=False, soft_wrap=True)


def print_families(families: Sequence[Family], console: Console, limit: int = 50) -> None:
    """A table of families: id, size, origin, and how the others relate to it."""
    table = Table(title=f"{len(families)} families" + (f" (first {limit})" if len(families) > limit else ""))
    for col in ("family", "size", "origin", "versions"):
        table.add_column(col, overflow="fold")
    for f in families[:limit]:
        kinds = Counter(e.relation for e in f.tree)
        table.add_row(Text(_id(f.id)), str(len(f.members)), Text(_id(f.origin)), ", ".join(f"{n} {k}" for k, n in kinds.most_common()))
    console.print(table)
