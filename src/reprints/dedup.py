"""Dedup: which documents to keep and which to drop, each dropped one with the kept twin it duplicates.

What data teams that deduplicate crawls ask every tool for. Every family
keeps one representative, chosen by a rule you can change (``KEEP_RULES``):

- ``origin``: the family's origin (the likely original, see
  :func:`reprints.families.choose_origin`);
- ``longest``: the member with the most words (ties: the origin, then the id);
- ``earliest``: the member with the earliest date (undated ones last; ties: the
  origin, then the id).

Every other member is dropped, with its relation and score to the kept one
where the two were aligned, or else the path of versions through the
derivation tree that ties them. Documents in no family are kept. Pure: the
report stage writes the plan (``keep.jsonl``, ``drop.jsonl``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from reprints.families import Family
from reprints.relate import Relation

__all__ = ["KEEP_RULES", "Dropped", "DedupPlan", "plan_dedup"]

#: The rules that pick each family's representative.
KEEP_RULES = ("origin", "longest", "earliest")


@dataclass(frozen=True, slots=True)
class Dropped:
    """A dropped document, the kept one it duplicates, and how the two relate:
    ``relation`` and ``score`` of their aligned pair, or None with ``via``, the
    versions between them in the derivation tree."""

    id: str
    kept: str
    family: str
    relation: str | None
    score: float | None
    via: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of one ``drop.jsonl`` line."""
        return {"id": self.id, "kept": self.kept, "family": self.family, "relation": self.relation,
                "score": None if self.score is None else round(self.score, 4), "via": list(self.via)}


@dataclass(frozen=True, slots=True)
class DedupPlan:
    """``keep``: (id, family or None) of every kept document, families first;
    ``drop``: every dropped one; ``rule``: the rule that chose."""

    keep: tuple[tuple[str, str | None], ...]
    drop: tuple[Dropped, ...]
    rule: str


def _representative(fam: Family, rule: str, words: Mapping[str, int], dates: Mapping[str, str]) -> str:
    if rule == "origin":
        return fam.origin

    def key(m: str) -> tuple:
        first = (-words.get(m, 0),) if rule == "longest" else (dates.get(m) is None, dates.get(m) or "")
        return (*first, m != fam.origin, m)

    return min(fam.members, key=key)


def _path(fam: Family, start: str, goal: str) -> tuple[str, ...]:
    """The versions between ``start`` and ``goal`` along the family's tree (either direction)."""
    links: dict[str, list[str]] = {}
    for e in fam.tree:
        links.setdefault(e.child, []).append(e.parent)
        links.setdefault(e.parent, []).append(e.child)
    back: dict[str, str | None] = {start: None}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            break
        for nxt in links.get(node, ()):
            if nxt not in back:
                back[nxt] = node
                todo.append(nxt)
    if goal not in back:
        return ()
    path, node = [], back[goal]
    while node is not None and node != start:
        path.append(node)
        node = back[node]
    return tuple(reversed(path))


def plan_dedup(families: Sequence[Family], relations: Iterable[Relation], documents: Iterable[str],
               words: Mapping[str, int] | None = None, dates: Mapping[str, str] | None = None,
               rule: str = "origin") -> DedupPlan:
    """Keep one document per family and every document in no family; drop the others.

    ``documents``: every document id (those in no family are kept);
    ``words``/``dates``: per id, for the ``longest``/``earliest`` rules.

    >>> from reprints.families import TreeEdge
    >>> fam = Family("F1", "a", (), ("a", "b", "c"), (TreeEdge("b", "a", "reformatted"), TreeEdge("c", "b", "excerpt")))
    >>> plan = plan_dedup([fam], [], ["a", "b", "c", "d"])
    >>> plan.keep, [(x.id, x.kept, x.via) for x in plan.drop]
    ((('a', 'F1'), ('d', None)), [('b', 'a', ()), ('c', 'a', ('b',))])
    >>> plan_dedup([fam], [], "abcd", words={"a": 10, "b": 10, "c": 40}, rule="longest").keep[0]
    ('c', 'F1')
    """
    if rule not in KEEP_RULES:
        raise ValueError(f"keep rule must be one of {', '.join(KEEP_RULES)}, got {rule!r}")
    pairs = {frozenset((r.a, r.b)): r for r in relations if r.relation != "unrelated"}
    keep: list[tuple[str, str | None]] = []
    drop: list[Dropped] = []
    grouped: set[str] = set()
    for fam in families:
        kept = _representative(fam, rule, words or {}, dates or {})
        keep.append((kept, fam.id))
        grouped.update(fam.members)
        for m in fam.members:
            if m == kept:
                continue
            rel = pairs.get(frozenset((m, kept)))
            if rel is not None:
                drop.append(Dropped(m, kept, fam.id, rel.relation, rel.score))
            else:
                drop.append(Dropped(m, kept, fam.id, None, None, _path(fam, m, kept)))
    keep += [(d, None) for d in documents if d not in grouped]
    return DedupPlan(tuple(keep), tuple(drop), rule)
