"""Report files: scan results for machines, as JSON Lines and Parquet.

``pairs.jsonl``, ``families.jsonl`` and ``documents.jsonl`` (and their Parquet
twins) are what ``scan`` and ``export`` write and what ``report`` and
``evaluate`` read back; the row shapes come from :mod:`reprints.records`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

import orjson

from reprints.dedup import DedupPlan
from reprints.document import Document
from reprints.pipeline import ScanResult
from reprints.records import document_row
from reprints.relate import changes_by_pair

__all__ = ["write_jsonl", "read_jsonl", "write_parquet", "write_outputs"]

def write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    """Write one JSON object per line; returns the number of lines."""
    n = 0
    with open(path, "wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(row))
            fh.write(b"\n")
            n += 1
    return n


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON Lines file with their line numbers, blank lines skipped;
    a broken line is a ``ValueError`` naming the file and the line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            yield number, row


def write_parquet(path: Path, rows: list[dict], json_columns: Sequence[str] = ("evidence",)) -> None:
    """Write rows to Parquet; free-form nested columns (evidence, metadata) are
    kept as JSON strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = [{k: (orjson.dumps(v).decode() if k in json_columns else v) for k, v in r.items()} for r in rows]
    pq.write_table(pa.Table.from_pylist(flat), path)


def _member_documents(result: ScanResult) -> Iterator[Document]:
    """The documents of every family member, family by family, each once."""
    by_id = {d.id: d for d in result.documents}
    seen: set[str] = set()
    for fam in result.families:
        for m in fam.members:
            if m not in seen and m in by_id:
                seen.add(m)
                yield by_id[m]


def _family_with_changes(fam, by_pair: dict, changes: dict) -> dict:
    """A families.jsonl row; each tree edge with the words changed from parent to child (``changes``)."""
    row = fam.as_dict()
    for edge in row["tree"]:
        key = frozenset((edge["child"], edge["parent"]))
        if key not in changes:
            continue
        child_is_a = by_pair[key].a == edge["child"]
        edge["changes"] = [{"child_start": c.a_start if child_is_a else c.b_start,
                            "child_end": c.a_end if child_is_a else c.b_end,
                            "parent_start": c.b_start if child_is_a else c.a_start,
                            "parent_end": c.b_end if child_is_a else c.a_end, "kind": c.kind} for c in changes[key]]
    return row


def write_outputs(result: ScanResult, outdir: Path, parquet: bool = False,
                  languages: bool = False) -> dict[str, Path]:
    """Write ``pairs.jsonl``, ``families.jsonl`` and ``documents.jsonl`` (and
    Parquet twins) into ``outdir``.

    ``documents.jsonl`` holds the family members' texts (from ``result.documents``;
    :meth:`reprints.Store.result` includes them), so that the offsets in the
    other two files can be read (``reprints report`` needs them). ``languages``:
    detect each member paragraph's language (the CLI does with semantic matching).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    texts = {d.id: d.text for d in result.documents}
    changes = changes_by_pair(result.related, texts)
    pairs = [r.as_dict() for r in result.related]
    for row, r in zip(pairs, result.related):
        if (key := frozenset((r.a, r.b))) in changes:
            row["changes"] = [c.as_dict() for c in changes[key]]
    by_pair = {frozenset((r.a, r.b)): r for r in result.related}
    families = [_family_with_changes(f, by_pair, changes) for f in result.families]
    written = {"pairs": outdir / "pairs.jsonl", "families": outdir / "families.jsonl",
               "documents": outdir / "documents.jsonl"}
    write_jsonl(written["pairs"], pairs)
    write_jsonl(written["families"], families)
    docs = [document_row(d, languages) for d in _member_documents(result)]
    write_jsonl(written["documents"], docs)
    if parquet:
        written["pairs_parquet"] = outdir / "pairs.parquet"
        written["families_parquet"] = outdir / "families.parquet"
        written["documents_parquet"] = outdir / "documents.parquet"
        write_parquet(written["pairs_parquet"], pairs)
        write_parquet(written["families_parquet"], families)
        write_parquet(written["documents_parquet"], docs, json_columns=("meta",))
    return written




def write_dedup(plan: DedupPlan, outdir: Path) -> dict[str, Path]:
    """Write a dedup plan: ``keep.jsonl`` (``{"id", "family"}`` of each kept
    document; family null for a document in none) and ``drop.jsonl`` (each
    dropped one with its kept twin, relation and score, or the versions between)."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = {"keep": outdir / "keep.jsonl", "drop": outdir / "drop.jsonl"}
    write_jsonl(written["keep"], [{"id": i, "family": f} for i, f in plan.keep])
    write_jsonl(written["drop"], [d.as_dict() for d in plan.drop])
    return written
