"""Records: one codec per type, between the dataclasses that flow and the rows that rest.

``documents.jsonl`` and Parquet rows, the store's columns and, later, Spark rows
all go through these functions, so a field added to a type is added in one place.
``Relation.as_dict`` and ``Family.as_dict`` give the rounded JSON shapes of
``pairs.jsonl`` and ``families.jsonl``; :func:`relation_record` keeps a relation
in full for the store.
"""

from __future__ import annotations

from typing import Sequence

import orjson

from reprints.align import Alignment, Passage
from reprints.align_semantic import QuoteMatch
from reprints.document import Document
from reprints.families import Family, TreeEdge
from reprints.relate import Evidence, Relation, SemanticEvidence

__all__ = ["document_row", "document_from_row", "document_record", "document_from_record", "relation_record",
           "relation_from_record", "family_from_row", "passages_from_row"]


def document_row(doc: Document, languages: bool = False) -> dict[str, object]:
    """The JSON shape of one ``documents.jsonl`` line: the text exactly as loaded
    (every offset in pairs and families indexes it), its metadata and the spans
    of its parsed header lines; with ``languages``, also its body paragraphs,
    each with its own language (about 50 µs a paragraph, so the CLI asks for
    them with semantic matching only, where languages matter)."""
    row: dict[str, object] = {"id": doc.id, "text": doc.text, "meta": doc.meta,
                              "header": [{"start": s, "end": e, "field": f} for s, e, f in doc.header]}
    if languages:
        from reprints.language import paragraph_languages
        from reprints.normalize import normalize

        row["paragraphs"] = [{"start": s, "end": e, "lang": lang} for s, e, lang in paragraph_languages(normalize(doc))]
    return row


def document_from_row(row: dict) -> Document:
    """A :class:`~reprints.load.Document` back from a ``documents.jsonl`` line.

    >>> from reprints.load import document_from_text
    >>> doc = document_from_text("a", "Talks in January\\n\\nBy AFP\\n\\nThe talks begin.")
    >>> document_from_row(document_row(doc)) == doc
    True
    """
    header = tuple((int(h["start"]), int(h["end"]), str(h["field"])) for h in row.get("header") or ())
    return Document(row["id"], row["text"], dict(row.get("meta") or {}), header)


def document_from_record(row: Sequence[str]) -> Document:
    """A document back from its stored columns ``(id, text, meta JSON, header JSON)``."""
    doc_id, text, meta, header = row
    return Document(doc_id, text, orjson.loads(meta), tuple(tuple(h) for h in orjson.loads(header)))


def document_record(doc: Document) -> tuple[str, str, str, str]:
    """A document as stored columns ``(id, text, meta JSON, header JSON)``.

    >>> d = Document("a", "Text.", {"title": "T"}, ((0, 5, "title"),))
    >>> document_from_record(document_record(d)) == d
    True
    """
    return doc.id, doc.text, orjson.dumps(doc.meta).decode(), orjson.dumps(doc.header).decode()


def relation_record(r: Relation) -> bytes:
    """A relation in full (unrounded, unlike ``pairs.jsonl``), to rebuild it exactly
    with :func:`relation_from_record`."""
    ev = r.evidence
    al = r.alignment
    return orjson.dumps({
        "a": r.a, "b": r.b, "relation": r.relation, "score": r.score,
        "evidence": [ev.a_in_b, ev.b_in_a, ev.shared_words, ev.passages, ev.same_text, ev.same_body, ev.metadata,
                     None if ev.semantic is None else list(_sem_fields(ev.semantic)), ev.quoted_words],
        "alignment": [[list(_passage_fields(p)) for p in al.passages], al.a_words, al.b_words, al.a_covered,
                      al.b_covered],
        "a_only": r.a_only, "b_only": r.b_only,
        "quotes": [[q.a_start, q.a_end, q.b_start, q.b_end, q.a_speaker, q.b_speaker, q.similarity, q.same_wording]
                   for q in r.quotes],
    })


def _sem_fields(s: SemanticEvidence) -> tuple:
    return (s.a_cover, s.b_cover, s.passages, s.similarity, s.facts, s.lang_a, s.lang_b, s.words)


def _passage_fields(p: Passage) -> tuple:
    return (p.a_start, p.a_end, p.b_start, p.b_end, p.kind, p.words, p.similarity)


def relation_from_record(data: bytes) -> Relation:
    """A relation back from :func:`relation_record`."""
    d = orjson.loads(data)
    e = d["evidence"]
    ev = Evidence(e[0], e[1], e[2], e[3], e[4], e[5], e[6], SemanticEvidence(*e[7]) if e[7] else None,
                  e[8] if len(e) > 8 else 0)  # older records end before quoted_words
    a = d["alignment"]
    al = Alignment(tuple(Passage(*p) for p in a[0]), a[1], a[2], a[3], a[4])
    return Relation(d["a"], d["b"], d["relation"], d["score"], ev, al,
                    tuple(tuple(x) for x in d["a_only"]), tuple(tuple(x) for x in d["b_only"]),
                    tuple(QuoteMatch(*q) for q in d["quotes"]))


def family_from_row(d: dict) -> Family:
    """A family back from its ``families.jsonl`` shape (:meth:`Family.as_dict`)."""
    tree = tuple(TreeEdge(
        e["child"], e["parent"], e["relation"],
        tuple((x["start"], x["end"]) for x in e["added"]),
        tuple((x["start"], x["end"]) for x in e["dropped"]),
        tuple((x["child_start"], x["child_end"], x["parent_start"], x["parent_end"], x["kind"]) for x in e["reworded"]),
        tuple((x["child_start"], x["child_end"], x["parent_start"], x["parent_end"], x["speaker"])
              for x in e["quote_variants"]),
    ) for e in d["tree"])
    return Family(d["family"], d["origin"], tuple(d["reasons"]), tuple(d["members"]), tree)


def passages_from_row(row: dict) -> tuple[Passage, ...]:
    """The passages of a ``pairs.jsonl`` line (``words`` is not kept there: 0),
    to compute what needs them and the texts, such as the words changed.

    >>> passages_from_row({"passages": [{"a_start": 0, "a_end": 9, "b_start": 3, "b_end": 12, "kind": "verbatim"}]})
    (Passage(a_start=0, a_end=9, b_start=3, b_end=12, kind='verbatim', words=0, similarity=1.0),)
    """
    return tuple(Passage(int(p["a_start"]), int(p["a_end"]), int(p["b_start"]), int(p["b_end"]), str(p["kind"]), 0,
                         float(p.get("similarity", 1.0))) for p in row.get("passages") or ())
