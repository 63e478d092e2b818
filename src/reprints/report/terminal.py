"""The terminal view: scan summaries, two versions side by side, query answers and
family lists, drawn with rich (colours on a terminal, plain text when piped)."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Sequence

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from reprints.align import word_changes
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

_STYLES = {"verbatim": "on dark_green", "near-verbatim": "on dark_olive_green3", "reworded": "on dark_blue",
           "translated": "on dark_magenta", "text": "bold red", "changed": "bold underline"}
_REMOVED_STYLE = "dim italic"


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


def _marked(doc: Document, spans: list[tuple[int, int, str]]) -> Text:
    text = Text(printable(doc.text))
    for s, e, kind in spans:
        style = _STYLES.get(kind, _REMOVED_STYLE)
        text.stylize(style, s, e)
    return text


def print_comparison(a: Document, b: Document, rel: Relation, console: Console, width: int | None = None) -> None:
    """Two versions side by side: aligned passages on green, what only one side
    has in red (story text) or dim (header and boilerplate lines), then lists."""
    ev = rel.evidence
    first, second = (a, b) if rel.a == a.id else (b, a)
    parts: list[str | tuple[str, str]] = [
        (rel.relation, "bold"), f"  score {rel.score:.2f}  ",
        f"{_id(first.id)} found in {_id(second.id)}: {ev.a_in_b:.0%}  ",
        f"{_id(second.id)} found in {_id(first.id)}: {ev.b_in_a:.0%}  ",
        f"passages {ev.passages}, shared words {ev.shared_words}",
    ]
    if ev.semantic is not None:
        sem = ev.semantic
        facts = "n/a" if sem.facts is None else f"{sem.facts:.0%}"
        parts.append(f"\nby meaning: {sem.passages} passages, similarity {sem.similarity:.2f}, "
                     f"covering {sem.a_cover:.0%} / {sem.b_cover:.0%}; facts agree {facts}; "
                     f"languages {sem.lang_a} / {sem.lang_b}")
    console.print(Panel(Text.assemble(*parts), title="reprints compare"))
    changes = word_changes(first.text, second.text, rel.alignment.passages)
    spans_a = [(p.a_start, p.a_end, p.kind) for p in rel.alignment.passages] + list(rel.a_only) + \
        [(c.a_start, c.a_end, "changed") for c in changes if c.a_end > c.a_start]
    spans_b = [(p.b_start, p.b_end, p.kind) for p in rel.alignment.passages] + list(rel.b_only) + \
        [(c.b_start, c.b_end, "changed") for c in changes if c.b_end > c.b_start]
    table = Table(show_lines=False, expand=True, width=width)
    table.add_column(Text(_id(first.id)), ratio=1, overflow="fold")
    table.add_column(Text(_id(second.id)), ratio=1, overflow="fold")
    table.add_row(_marked(first, spans_a), _marked(second, spans_b))
    console.print(table)
    console.print(Text.assemble(("aligned", _STYLES["verbatim"]), " ", ("near-verbatim", _STYLES["near-verbatim"]),
                                " ", ("reworded", _STYLES["reworded"]), " ", ("translated", _STYLES["translated"]),
                                " ", ("only on this side", _STYLES["text"]), " ", ("left out of the body", _REMOVED_STYLE),
                                " ", ("changed words", _STYLES["changed"])))
    if changes:
        console.print(Text(f"Words changed ({len(changes)})", "bold"))
        for c in changes:
            was, now = _id(_flat(first.text[c.a_start:c.a_end], 60)), _id(_flat(second.text[c.b_start:c.b_end], 60))
            console.print(f"  {c.kind:<7} {was or '(none)'} -> {now or '(none)'}", markup=False, highlight=False,
                          soft_wrap=True)
    variants = [q for q in rel.quotes if not q.same_wording]
    if variants:
        console.print("[bold]Quotes worded differently[/bold]", highlight=False)
        for q in variants:
            who = q.a_speaker or q.b_speaker or "unattributed"
            who = _id(who)
            console.print(f"  {who}: \"{_id(_flat(first.text[q.a_start:q.a_end]))}\"", markup=False, soft_wrap=True)
            console.print(f"  {' ' * len(who)}  \"{_id(_flat(second.text[q.b_start:q.b_end]))}\"  "
                          f"(similarity {q.similarity:.2f})", markup=False, soft_wrap=True)
    for label, doc, only in ((f"Only in {_id(first.id)}", first, rel.a_only),
                             (f"Only in {_id(second.id)}", second, rel.b_only)):
        if not only:
            continue
        console.print(Text(label, "bold"))
        for s, e, kind in only:
            snippet = " ".join(doc.text[s:e].split())
            if len(snippet) > 160:
                snippet = snippet[:157] + "..."
            console.print(f"  [{kind}] {_id(snippet)}", markup=False, highlight=False, soft_wrap=True)


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


def print_families(families: Sequence[Family], console: Console, limit: int = 50) -> None:
    """A table of families: id, size, origin, and how the others relate to it."""
    table = Table(title=f"{len(families)} families" + (f" (first {limit})" if len(families) > limit else ""))
    for col in ("family", "size", "origin", "versions"):
        table.add_column(col, overflow="fold")
    for f in families[:limit]:
        kinds = Counter(e.relation for e in f.tree)
        table.add_row(Text(_id(f.id)), str(len(f.members)), Text(_id(f.origin)), ", ".join(f"{n} {k}" for k, n in kinds.most_common()))
    console.print(table)
