"""Families: group related versions into stories, name the origin, build the tree.

Connected components alone chain: a round-up that reprints two whole stories
links both stories' versions together. So each component is checked for
cohesion first: a version whose removal leaves two or more groups that each
hold several versions is a bridge, and is cut loose from all but the group it
is most related to. A near-clique of reprints, a crowd of duplicates and a star
of excerpts around one text have no such bridge and stay whole.
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, Sequence

import networkx as nx

from reprints.relate import Relation, directed, meta_date

__all__ = ["TreeEdge", "Family", "build_families", "rebuild_families", "settle_families", "missing_origin_pairs",
           "choose_origin", "origin_confidence", "CONFIDENCE", "AGENCIES"]

#: Bylines that credit a news agency (lowercase, matched as whole words).
AGENCIES = (
    "afp", "agence france-presse", "ap", "associated press", "reuters", "thomson reuters", "dpa",
    "deutsche presse-agentur", "ansa", "efe", "xinhua", "tass", "ria novosti", "interfax", "kyodo", "jiji",
    "yonhap", "pa media", "press association", "bloomberg", "upi", "united press international",
    "anadolu", "apa", "belga", "anp", "tt", "ntb", "ritzau", "ctk", "pap", "canadian press", "cp",
    "aap", "australian associated press", "pti", "press trust of india", "ians", "lusa", "mti", "bta",
    "tasr", "hina", "sta", "agerpres", "ukrinform", "unian", "irna", "kuna", "wam", "bernama", "antara",
    "pna", "prensa latina", "notimex", "telam", "agencia brasil", "news agency", "press agency",
    "wire service", "newswire",
)


@dataclass(frozen=True, slots=True)
class TreeEdge:
    """``child`` most likely derives from ``parent``, as ``relation``, and what
    changed on the way: story text the child ``added`` and the parent's text it
    ``dropped`` (``(start, end)`` in each one's original text), passages it
    ``reworded`` or translated (``(child_start, child_end, parent_start,
    parent_end, kind)``), and quotations worded differently
    (``(child_start, child_end, parent_start, parent_end, speaker)``)."""

    child: str
    parent: str
    relation: str
    added: tuple[tuple[int, int], ...] = ()
    dropped: tuple[tuple[int, int], ...] = ()
    reworded: tuple[tuple[int, int, int, int, str], ...] = ()
    quotes: tuple[tuple[int, int, int, int, str], ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of one tree edge in ``families.jsonl``."""
        return {
            "child": self.child, "parent": self.parent, "relation": self.relation,
            "added": [{"start": a, "end": b} for a, b in self.added],
            "dropped": [{"start": a, "end": b} for a, b in self.dropped],
            "reworded": [{"child_start": a, "child_end": b, "parent_start": c, "parent_end": d, "kind": k}
                         for a, b, c, d, k in self.reworded],
            "quote_variants": [{"child_start": a, "child_end": b, "parent_start": c, "parent_end": d,
                                "speaker": k} for a, b, c, d, k in self.quotes],
        }


def _edge(child: str, parent: str, r: Relation) -> TreeEdge:
    """The tree edge from ``parent`` to ``child`` with what changed, read off their relation."""
    child_is_a = r.a == child
    mine, theirs = (r.a_only, r.b_only) if child_is_a else (r.b_only, r.a_only)
    reworded = []
    for p in r.alignment.passages:
        if p.kind in ("reworded", "translated"):
            c0, c1, p0, p1 = (p.a_start, p.a_end, p.b_start, p.b_end) if child_is_a else \
                (p.b_start, p.b_end, p.a_start, p.a_end)
            reworded.append((c0, c1, p0, p1, p.kind))
    quotes = []
    for q in r.quotes:
        if not q.same_wording:
            c0, c1, p0, p1 = (q.a_start, q.a_end, q.b_start, q.b_end) if child_is_a else \
                (q.b_start, q.b_end, q.a_start, q.a_end)
            quotes.append((c0, c1, p0, p1, q.a_speaker or q.b_speaker))
    return TreeEdge(child, parent, r.relation,
                    tuple((s, e) for s, e, k in mine if k == "text"),
                    tuple((s, e) for s, e, k in theirs if k == "text"),
                    tuple(reworded), tuple(quotes))


@dataclass(frozen=True, slots=True)
class Family:
    """The versions of one story, with its origin, the reasons, and a derivation tree."""

    id: str
    origin: str
    reasons: tuple[str, ...]
    members: tuple[str, ...]
    tree: tuple[TreeEdge, ...]

    @property
    def confidence(self) -> str:
        """How sure the origin is, from its reasons (:func:`origin_confidence`)."""
        return origin_confidence(self.reasons)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of one ``families.jsonl`` line."""
        return {
            "family": self.id,
            "origin": self.origin,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "members": list(self.members),
            "tree": [e.as_dict() for e in self.tree],
        }


@functools.lru_cache(maxsize=4096)  # a crawl repeats the same few hundred bylines
def _is_agency(byline: str | None) -> bool:
    if not byline:
        return False
    text = " " + " ".join(byline.lower().replace(",", " ").replace("/", " ").split()) + " "
    return any(f" {a} " in text for a in AGENCIES)


#: Origin confidence levels, from most to least sure.
CONFIDENCE = ("strong", "medium", "weak")


def origin_confidence(reasons: Sequence[str]) -> str:
    """How sure an origin chosen for ``reasons`` (:func:`choose_origin`'s) is:
    ``strong`` with two independent signs of being first, ``medium`` with one,
    ``weak`` with none (only a header, fewest edits or the longest text). The
    signs: an agency credit; containing the other versions; a date earlier than
    every other version's; a date together with the source URL (a dated copy
    that says where it was published, when no other version is dated). A
    reader should not take a weak origin for a dated wire story.

    >>> origin_confidence(["earliest date (2021-12-22; no other version is dated earlier)", "agency credit (By AFP)",
    ...                    "carries the source URL (https://example.org/a)"])
    'strong'
    >>> origin_confidence(["contains the text of 2 other version(s) (containment direction)"])
    'medium'
    >>> origin_confidence(["longest text among equally likely versions"])
    'weak'
    """
    def has(prefix: str) -> bool:
        return any(r.startswith(prefix) for r in reasons)

    dated_alone = any(r.startswith("earliest date") and "no other version" in r for r in reasons)
    signs = (has("agency credit") + has("contains the text")
             + any(r.startswith("earliest date") and "no other version" not in r for r in reasons)
             + (dated_alone and has("carries the source URL")))
    return CONFIDENCE[max(0, 2 - signs)]


def choose_origin(
    members: Sequence[str],
    meta: Mapping[str, Mapping[str, str]],
    relations: Sequence[Relation],
    words: Mapping[str, int],
) -> tuple[str, tuple[str, ...]]:
    """Pick the likely original among ``members`` and say why.

    Points for the earliest date, an agency credit, a source URL, a complete
    header, containing other versions (excerpts are cut from fuller texts and
    partial reuses built on them, not the other way), and adding least text of its own (fewest edits); ties go to
    the longer text, then the smaller id.
    """
    dates = {m: meta_date(meta.get(m, {})) for m in members}
    known = [d for d in dates.values() if d]
    earliest = min(known) if known else None
    later_dates = len(set(known)) > 1
    holds = {m: 0 for m in members}
    held = {m: 0 for m in members}
    own_share: dict[str, list[float]] = {m: [] for m in members}
    for r in relations:
        if directed(r.relation):
            holds[r.a] += 1
            held[r.b] += 1
        own_share[r.a].append(r.evidence.a_in_b)
        own_share[r.b].append(r.evidence.b_in_a)
    scored = []
    for m in members:
        md = meta.get(m, {})
        score, why = 0.0, []
        if earliest and dates[m] == earliest:
            score += 3.0 if later_dates else 1.0
            why.append(f"earliest date ({earliest.isoformat()})" if later_dates
                       else f"earliest date ({earliest.isoformat()}; no other version is dated earlier)")
        if _is_agency(md.get("byline")):
            score += 2.0
            why.append(f"agency credit (By {md['byline']})")
        if md.get("url"):
            score += 1.0
            why.append(f"carries the source URL ({md['url']})")
        if md.get("title") and md.get("byline"):
            # a copy stripped of its header (a PDF clipping, a pasted text) is rarely the original
            score += 0.5
            why.append("complete header (title and byline)")
        if holds[m] and not held[m]:
            score += min(holds[m], 2)
            why.append(f"contains the text of {holds[m]} other version(s) (containment direction)")
        score -= 2.0 * held[m]
        share = sum(own_share[m]) / len(own_share[m]) if own_share[m] else 0.0
        score += share
        if share >= 0.99:
            why.append("fewest edits (all of its text appears in the versions it relates to)")
        scored.append((-score, -words.get(m, 0), m, tuple(why)))
    scored.sort()
    best = scored[0]
    reasons = best[3] or ("longest text among equally likely versions",)
    return best[2], reasons


def _tree(origin: str, members: Sequence[str], rels: Sequence[Relation],
          meta: Mapping[str, Mapping[str, str]]) -> tuple[TreeEdge, ...]:
    """Maximum spanning tree grown from the origin (Prim), parents before children.

    An edge is weighed by its relation score; taking a source as the child of
    its own excerpt or partial reuse is penalised: those are cut from, or built
    on, their source.
    Among equally good parents the one not dated after the child wins, then the
    one nearest the origin (copies of copies need evidence), then the smaller id.
    """
    adjacent: dict[str, list[tuple[str, Relation]]] = {m: [] for m in members}
    for r in rels:
        adjacent[r.a].append((r.b, r))
        adjacent[r.b].append((r.a, r))
    dates = {m: meta_date(meta.get(m, {})) for m in members}
    id_of = {id(r): k for k, r in enumerate(rels)}
    depth = {origin: 0}
    heap: list[tuple[float, int, int, str, str, int]] = []

    def offer(p: str) -> None:
        for u, r in adjacent[p]:
            k = id_of[id(r)]
            if u not in depth:
                w = r.score - (0.5 if directed(r.relation) and r.a == u else 0.0)
                later = int(bool(dates[p] and dates[u] and dates[p] > dates[u]))
                heapq.heappush(heap, (-round(w, 6), later, depth[p], u, p, k))

    offer(origin)
    edges: list[TreeEdge] = []
    while heap:
        *_, u, p, k = heapq.heappop(heap)
        if u in depth:
            continue
        depth[u] = depth[p] + 1
        edges.append(_edge(u, p, rels[k]))
        offer(u)
    return tuple(edges)


def _cut_bridges(graph: nx.Graph) -> nx.Graph:
    """Detach versions that hold two otherwise separate families together.

    A version is a bridge when taking it out splits its component into two or
    more parts of at least two versions each: two stories confirmed on their
    own, joined only through it (a round-up reprinting both, say). It stays with
    the part it is most strongly related to. A lone excerpt hanging off a text is
    not a part of two, so an origin with excerpts of different paragraphs stays
    whole; a crowd of copies (a ring of duplicates) has no such bridge at all.
    """
    graph = graph.copy()
    size = nx.get_node_attributes(graph, "size")  # versions a node stands for (1 unless set)

    def versions(nodes) -> int:
        return sum(size.get(v, 1) for v in nodes)

    changed = True
    while changed:
        changed = False
        for comp in list(nx.connected_components(graph)):
            if versions(comp) < 5:
                continue
            sub = graph.subgraph(comp)
            for x in sorted(nx.articulation_points(sub)):
                rest = sub.subgraph(comp - {x})
                parts = [p for p in nx.connected_components(rest) if versions(p) >= 2]
                if len(parts) < 2:
                    continue
                strength = [(sum(sub[x][y]["weight"] for y in p if y in sub[x]), versions(p), min(p)) for p in parts]
                keep = parts[max(range(len(parts)), key=lambda k: (strength[k][0], strength[k][1], strength[k][2]))]
                # cut from the other groups only: a lone version hanging off x stays with it
                others = set().union(*(p for p in parts if p is not keep))
                graph.remove_edges_from([(x, y) for y in list(graph[x]) if y in others])
                changed = True
                break
            if changed:
                break
    return graph


def build_families(
    relations: Sequence[Relation],
    meta: Mapping[str, Mapping[str, str]],
    words: Mapping[str, int] | None = None,
) -> list[Family]:
    """Group versions linked by non-``unrelated`` relations into families.

    ``meta`` maps document id to its metadata, ``words`` to its body length.
    Families come sorted by size (largest first), then origin id; ids are
    ``F0001``, ``F0002``...
    """
    words = words or {}
    linked = [r for r in relations if r.relation != "unrelated"]
    root = _linked_roots((r.a, r.b) for r in linked)
    by_root: dict[str, list[Relation]] = {}
    for r in linked:
        by_root.setdefault(root(r.a), []).append(r)
    groups: list[set[str]] = []
    for rels in by_root.values():  # bridges are cut component by component: most are too small to have one
        groups += _cohesive_groups(rels)
    group_of = {m: k for k, g in enumerate(groups) for m in g}
    inside: list[list[Relation]] = [[] for _ in groups]
    for r in linked:
        k = group_of.get(r.a)
        if k is not None and group_of.get(r.b) == k:
            inside[k].append(r)
    found = []
    for group, rels in zip(groups, inside):
        members = sorted(group)
        origin, reasons = choose_origin(members, meta, rels, words)
        found.append(Family("", origin, reasons, tuple(members), _tree(origin, members, rels, meta)))
    return _numbered(found)


def _cohesive_groups(rels: Sequence[Relation]) -> list[set[str]]:
    """The groups one connected component of related versions falls into once
    bridges are cut: first among the versions related by their words, as if
    meaning had not been looked at, then among those groups, each kept whole,
    with what meaning adds. So matching by meaning only ever joins groups the
    words found; it never takes a version from one (a rewrite reaching into a
    group of reprints must not change how the reprints are cut)."""
    members = {x for r in rels for x in (r.a, r.b)}
    if len(members) < 5:
        return [members]
    by_words = [r for r in rels if r.relation not in _BY_MEANING]
    words = nx.Graph()
    for r in by_words:
        words.add_edge(r.a, r.b, weight=max(r.score, 0.05))
    # _cut_bridges goes component by component and leaves those under five versions alone
    lexical = [g for g in nx.connected_components(_cut_bridges(words)) if len(g) > 1]
    if len(by_words) == len(rels):
        return lexical
    group_of = {m: min(g) for g in lexical for m in g}  # each lexical group as one node, named by its first id
    graph = nx.Graph()
    for g in lexical:
        graph.add_node(min(g), size=len(g))
    for r in rels:
        a, b = group_of.get(r.a, r.a), group_of.get(r.b, r.b)
        if a == b:
            continue
        w = max(r.score, 0.05)
        graph.add_edge(a, b, weight=graph[a][b]["weight"] + w if graph.has_edge(a, b) else w)
    whole = {min(g): g for g in lexical}
    out = []
    for comp in nx.connected_components(_cut_bridges(graph)):
        versions = set().union(*(whole.get(v, {v}) for v in comp))
        if len(versions) > 1:
            out.append(versions)
    return out


_BY_MEANING = frozenset({"rewrite", "translation"})


class _Roots:
    """Union-find over linked pairs: ``root(x)`` names ``x``'s connected group
    (``x`` itself when it was in no pair); ``seen`` holds the linked versions."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, x: str) -> str:
        parent = self.seen
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x


def _linked_roots(pairs: Iterable[tuple[str, str]]) -> _Roots:
    """The connected groups of ``pairs`` (a few times faster than networkx here)."""
    root = _Roots()
    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            root.seen[ra] = rb
    return root


def _numbered(families: list[Family]) -> list[Family]:
    """Families sorted by size (largest first), then origin id, with ids ``F0001``..."""
    families.sort(key=lambda f: (-len(f.members), f.origin))
    return [replace(f, id=f"F{k:04d}") for k, f in enumerate(families, 1)]


def rebuild_families(
    families: Sequence[Family],
    relations: Sequence[Relation],
    touched: set[str],
    meta: Mapping[str, Mapping[str, str]],
    words: Mapping[str, int] | None = None,
) -> list[Family]:
    """:func:`build_families` again after relations involving ``touched`` versions
    changed, rebuilding only their connected groups (bridges are cut group by
    group, so the other families cannot change); ids are renumbered as
    :func:`build_families` numbers them, and the result is the same as a full
    rebuild.
    """
    linked = [r for r in relations if r.relation != "unrelated"]
    root = _linked_roots((r.a, r.b) for r in linked)
    groups = {root(x) for x in touched if x in root.seen}
    inside = [r for r in linked if root(r.a) in groups]
    kept = [f for f in families if root(f.members[0]) not in groups]
    return _numbered(kept + build_families(inside, meta, words))


def missing_origin_pairs(families: Sequence[Family], relations: Iterable[Relation]) -> list[tuple[str, str]]:
    """``(origin, member)`` pairs of each family that no relation covers: members
    that joined through another version only (candidate search pairs each exact
    copy with the first copy, not with the origin).

    >>> missing_origin_pairs([Family("F0001", "a", (), ("a", "b", "c"), ())], [])
    [('a', 'b'), ('a', 'c')]
    """
    have = {frozenset((r.a, r.b)) for r in relations}
    return [(f.origin, m) for f in families for m in f.members
            if m != f.origin and frozenset((f.origin, m)) not in have]


def settle_families(
    relations: Sequence[Relation],
    meta: Mapping[str, Mapping[str, str]],
    words: Mapping[str, int] | None,
    relate_missing: Callable[[list[tuple[str, str]]], list[Relation]],
) -> tuple[list[Family], list[Relation]]:
    """Families whose every member has its relation to the origin: build them,
    have ``relate_missing`` align the :func:`missing_origin_pairs`, and rebuild
    the groups those relations touch (a filled-in relation can move the origin
    or cut a bridge). Returns the families and the new relations. The scan and
    the store both settle families this way.

    >>> import dataclasses
    >>> from reprints.relate import Evidence
    >>> from reprints.align import Alignment
    >>> r = Relation("a", "b", "reformatted", 1.0, Evidence(1.0, 1.0, 50, 1, False, True), Alignment((), 50, 50, 50, 50))
    >>> fams, extra = settle_families([r, dataclasses.replace(r, a="b", b="c")], {}, {},
    ...                               lambda todo: [dataclasses.replace(r, a=o, b=m) for o, m in todo])
    >>> [f.members for f in fams], [(x.a, x.b) for x in extra]
    ([('a', 'b', 'c')], [('a', 'c')])
    """
    families = build_families(relations, meta, words)
    missing = missing_origin_pairs(families, relations)
    if not missing:
        return families, []
    extra = relate_missing(missing)
    touched = {x for r in extra for x in (r.a, r.b)}
    return rebuild_families(families, list(relations) + list(extra), touched, meta, words), extra
