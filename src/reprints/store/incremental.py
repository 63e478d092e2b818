"""What one batch changes in a store, decided without SQL.

The store reads what these functions need (band buckets, first copies of a
body, the families a batch touches) and writes what they decide; the rules
themselves (which stored documents are candidates of a new one, which family
keeps which id) live here, where they can be read and tested apart from the
file.
"""

from __future__ import annotations

import bisect
from typing import Mapping, Sequence

import numpy as np
import orjson
import xxhash

from reprints.candidates import LSHParams, lexical_match
from reprints.document import Document
from reprints.families import Family

__all__ = ["content_hash", "bucket_pairs", "marked_pairs", "admitted_pairs", "verified_pairs", "stable_ids"]

Pair = tuple[int, int]


def content_hash(doc: Document) -> bytes:
    """What decides whether a document with a known id changed: its text and metadata.

    >>> content_hash(Document("a", "x", {"t": "1"})) == content_hash(Document("b", "x", {"t": "1"}))
    True
    """
    return xxhash.xxh3_128_digest(doc.text.encode("utf-8", "surrogatepass") + b"\x00" + orjson.dumps(
        doc.meta, option=orjson.OPT_SORT_KEYS))


def bucket_pairs(rowids: Sequence[int], keys: np.ndarray, n_shingles: np.ndarray, body_hash: np.ndarray,
                 bucket: Mapping[int, list[int]], first: Mapping[int, int], params: LSHParams,
                 query: bool = False) -> tuple[set[Pair], set[Pair]]:
    """LSH and same-body candidates of new documents, as ``scan`` would find them.

    ``bucket`` maps each band key of the new documents to the stored documents
    holding it (sorted rowids, the new ones included), ``first`` each body hash
    to the first stored copy. A new document meets the last ``max_bucket``
    documents before it in each bucket (all of them for a query, which comes
    last), and the first copy of its body. Returns ``(found, star)``: band
    pairs still to verify, and same-body pairs.

    >>> keys = np.array([[7, 8]], dtype=np.int64)
    >>> bucket_pairs([5], keys, np.array([10]), np.array([99]), {7: [2, 5], 8: [5]}, {99: 3}, LSHParams())
    ({(2, 5)}, {(3, 5)})
    """
    found: set[Pair] = set()
    star: set[Pair] = set()
    for i, r in enumerate(rowids):
        if n_shingles[i] == 0:
            continue
        for key in keys[i]:
            docs = bucket.get(int(key), [])
            below = docs[: bisect.bisect_left(docs, r)] if not query else docs
            for other in below[-params.max_bucket:]:
                if other != r:
                    found.add((other, r))
        head = first.get(int(body_hash[i]))
        if head is not None and head != r:
            star.add((head, r))
    return found, star


def marked_pairs(rowids: Sequence[int], marks: Sequence[np.ndarray], holders: Mapping[int, list[int]],
                 held: Mapping[int, int], params: LSHParams, query: bool = False,
                 admitted: bool = False) -> set[Pair]:
    """Mark candidates of new documents, as :func:`~reprints.candidates.mark_pairs`
    finds them in a scan: two documents among the first ``max_df`` holding a
    mark share it, and ``min_marks`` shared marks, ``min_mark_share`` of the
    distinct marks of the one with fewer, make a pair.

    ``marks`` holds each new document's distinct marks, ``holders`` each mark's
    first ``max_df`` stored holders (sorted rowids, the new ones included),
    ``held`` the number of distinct marks of every document met (the new ones
    included). A query, which is never stored, comes last: it meets a mark's
    holders only while there are fewer than ``max_df`` of them. With
    ``admitted``, ``rowids`` are stored documents that a removal let into the
    first holders of some marks: each meets the holders before and after it.

    >>> marked_pairs([9], [np.array([1, 2, 3])], {1: [4, 9], 2: [4, 9], 3: [5, 9]}, {4: 10, 5: 10, 9: 3}, LSHParams())
    {(4, 9)}
    """
    out: set[Pair] = set()
    if params.min_marks == 0:
        return out
    for r, mine in zip(rowids, marks):
        count: dict[int, int] = {}
        for m in mine:
            docs = holders.get(int(m), [])
            if query:
                if len(docs) >= params.max_df:
                    continue
                others = docs
            else:
                k = bisect.bisect_left(docs, r)
                if k >= len(docs) or docs[k] != r:
                    continue  # not among the mark's first holders
                others = docs if admitted else docs[:k]
            for o in others:
                if o != r:
                    count[o] = count.get(o, 0) + 1
        out.update((min(o, r), max(o, r)) if admitted else (o, r) for o, c in count.items()
                   if c >= params.min_marks and c >= params.min_mark_share * min(held[o], held[r]))
    return out


def admitted_pairs(bucket: Sequence[int], gone: set[int], params: LSHParams) -> set[Pair]:
    """Band pairs a removal lets in: in a bucket (sorted rowids, before the
    removal) each document meets the last ``max_bucket`` before it, as in
    ``scan``; once the ``gone`` documents leave, pairs that straddled them come
    within reach. Only those are returned (at most ``max_bucket`` squared for
    each document gone, whatever the bucket's size).

    >>> sorted(admitted_pairs([1, 2, 3, 4, 5], {3}, LSHParams(max_bucket=2)))
    [(1, 4), (2, 5)]
    """
    cap = params.max_bucket
    now = [d for d in bucket if d not in gone]
    was = {d: k for k, d in enumerate(bucket)}
    out: set[Pair] = set()
    before = 0
    for d in bucket:
        if d not in gone:
            before += 1
            continue
        for j in range(before, min(before + cap, len(now))):  # new pairs end at or after the gap ...
            for i in range(max(0, j - cap), before):  # ... and start before it
                if was[now[j]] - was[now[i]] > cap:
                    out.add((now[i], now[j]))
    return out


def verified_pairs(found: set[Pair], star: set[Pair], sketches: Mapping[int, tuple[np.ndarray, int, int]],
                   params: LSHParams, marked: set[Pair] = frozenset()) -> list[Pair]:
    """Same-body pairs, and band pairs that pass :func:`~reprints.candidates.lexical_match`
    on their full signatures (``sketches``: rowid to signature, shingle count and
    body hash); a band pair of one body is left to the same-body star. Mark
    pairs (``marked``, found by shared passages) need no signature check,
    only not to be copies of one body. Sorted, each as ``(lower, higher)`` rowid."""
    out = set(star)
    for a, b in marked:
        if sketches[a][2] != sketches[b][2]:
            out.add((a, b))
    for a, b in found:
        sa, na, ha = sketches[a]
        sb, nb, hb = sketches[b]
        if ha == hb:
            continue  # same body: covered by the star to the first copy
        if lexical_match(sa, sb, na, nb, params)[0]:
            out.add((a, b))
    return sorted((min(a, b), max(a, b)) for a, b in out)


def stable_ids(families: Sequence[Family], old_members: Mapping[str, set[str]], next_number: int) -> tuple[list[str], int]:
    """Ids for rebuilt families that stay put as a family grows: each new family
    takes the id of the old one it shares most members with, the others new ids
    from ``next_number`` on. Returns the ids, in order, and the next free number.

    >>> fams = [Family("", "a", (), ("a", "b", "c"), ()), Family("", "x", (), ("x", "y"), ())]
    >>> stable_ids(fams, {"F0003": {"a", "b"}}, 7)
    (['F0003', 'F0007'], 8)
    """
    overlap = sorted(((len(set(f.members) & m), fid, k) for k, f in enumerate(families)
                      for fid, m in old_members.items() if set(f.members) & m), reverse=True)
    ids: dict[int, str] = {}
    used: set[str] = set()
    for _, fid, k in overlap:
        if k not in ids and fid not in used:
            ids[k] = fid
            used.add(fid)
    for k in range(len(families)):
        if k not in ids:
            ids[k] = f"F{next_number:04d}"
            next_number += 1
    return [ids[k] for k in range(len(families))], next_number
