"""HTML report: one self-contained page to browse the families of a scan or a store.

The page lists the families (searchable, sortable, paginated); opens each one
with its origin and the reasons, the derivation tree, a timeline and what each
version added, dropped or reworded; and shows any two versions side by side
with their aligned passages linked. Everything it needs is inside the file:
the CSS and JavaScript (package data in ``reprints/report/assets``) and the data as
JSON blocks, one small index for the list and one block per family, parsed
only when that family is opened, so that a report of thousands of families
opens at once. No request leaves the page.
"""

from __future__ import annotations

import html
import itertools
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

import orjson

from reprints import __version__
from reprints.align import word_changes
from reprints.config import ScanParams
from reprints.families import origin_confidence
from reprints.pipeline import compare_documents
from reprints.records import document_from_row, passages_from_row
from reprints.relate import meta_date
from reprints.report.files import read_jsonl

__all__ = ["ReportError", "ReportData", "HtmlReport", "read_source", "write_html_report"]

#: Families with at most this many members get every pair of members aligned.
ALL_PAIRS_UP_TO = 12


class ReportError(ValueError):
    """The report's source cannot be read: missing, not a scan folder or store, or damaged."""


@dataclass
class ReportData:
    """What a report shows, as read from a scan folder or a store: the rows of
    ``families.jsonl`` and ``pairs.jsonl``, the documents of family members by
    id (rows of ``documents.jsonl``), how many documents the corpus holds when
    known, and the settings to align missing pairs with."""

    source: str
    families: list[dict]
    pairs: list[dict]
    documents: dict[str, dict]
    total_documents: int | None = None
    params: ScanParams = ScanParams()


@dataclass(frozen=True, slots=True)
class HtmlReport:
    """The report written: where, how many families and documents it shows,
    how many pairs it aligned itself, its size in bytes and the seconds taken."""

    path: Path
    families: int
    documents: int
    pairs_computed: int
    bytes: int
    seconds: float


# -- reading the source --------------------------------------------------------------------------


def _jsonl(path: Path) -> Iterator[dict]:
    try:
        for _, row in read_jsonl(path):
            yield row
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_folder(folder: Path) -> ReportData:
    for name in ("families.jsonl", "pairs.jsonl"):
        if not (folder / name).is_file():
            raise ReportError(f"{folder} holds no {name}: give the folder `reprints scan` wrote, or a store")
    if not (folder / "documents.jsonl").is_file():
        raise ReportError(f"{folder} holds no documents.jsonl (written by an older reprints); rerun "
                          "`reprints scan` (or `reprints export`) to write it")
    families = list(_jsonl(folder / "families.jsonl"))
    pairs = list(_jsonl(folder / "pairs.jsonl"))
    docs: dict[str, dict] = {}
    for row in _jsonl(folder / "documents.jsonl"):
        if not isinstance(row.get("id"), str) or not isinstance(row.get("text"), str):
            raise ReportError(f"{folder / 'documents.jsonl'}: a line without a string id and text")
        docs[row["id"]] = row
    for f in families:
        if not {"family", "origin", "members", "tree"} <= f.keys():
            raise ReportError(f"{folder / 'families.jsonl'}: a line lacks family, origin, members or tree")
    for p in pairs:
        if not {"a", "b", "relation"} <= p.keys():
            raise ReportError(f"{folder / 'pairs.jsonl'}: a line lacks a, b or relation")
    return ReportData(str(folder), families, pairs, docs)


def _read_store(path: Path) -> ReportData:
    from reprints.records import document_row
    from reprints.store import Store, StoreError

    try:
        with Store(path, readonly=True) as store:
            res = store.result()
            params = store.params
    except StoreError as exc:
        raise ReportError(str(exc)) from None
    docs = {d.id: document_row(d, params.semantic) for d in res.documents}
    return ReportData(str(path), [f.as_dict() for f in res.families], [r.as_dict() for r in res.related], docs,
                      int(res.stats.get("documents", 0)), params)


def read_source(source: str | Path) -> ReportData:
    """Read what a report shows from a scan's output folder or from a store file.

    A folder must hold ``families.jsonl``, ``pairs.jsonl`` and
    ``documents.jsonl`` (as ``reprints scan`` and ``reprints export`` write
    them); a file is opened as a store, read-only. Raises :class:`ReportError`
    with a one-line message otherwise.

    >>> import tempfile
    >>> from reprints import ScanParams, load_corpus, scan
    >>> from reprints.report.files import write_outputs
    >>> out = tempfile.mkdtemp()
    >>> _ = write_outputs(scan(load_corpus("examples/corpus").documents, ScanParams(semantic=False)), Path(out))
    >>> data = read_source(out)
    >>> len(data.families), len(data.documents)
    (7, 27)
    """
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file():
        return _read_store(path)
    raise ReportError(f"no such folder or store: {path}")


# -- building the page data ----------------------------------------------------------------------


def _doc_entry(row: dict | None) -> dict | None:
    if row is None:
        return None
    meta = {str(k): v for k, v in (row.get("meta") or {}).items()}
    day = meta_date(meta)
    return {"text": row["text"], "meta": meta, "header": row.get("header") or [],
            "date": day.isoformat() if day else None}


def _title(entry: dict | None) -> str:
    if entry is None:
        return ""
    title = entry["meta"].get("title")
    if title:
        return str(title)
    for line in entry["text"].splitlines():
        if line.strip():
            line = " ".join(line.split())
            return line if len(line) <= 90 else line[:87] + "..."
    return ""


def _script(block_id: str, data: object) -> bytes:
    """A JSON data block that no text inside can close early: every ``<`` is escaped."""
    body = orjson.dumps(data).replace(b"<", b"\\u003c")
    return b'<script type="application/json" id="' + block_id.encode() + b'">' + body + b"</script>\n"


def _asset(name: str) -> str:
    return resources.files("reprints.report").joinpath("assets", name).read_text(encoding="utf-8")


def _with_changes(pair: dict, docs: dict[str, dict | None]) -> dict:
    """A pair row with the words changed inside its passages (``changes``, as in
    ``pairs.jsonl``), computed here where the scan's files or the store lack them."""
    if "changes" in pair or not docs.get(pair["a"]) or not docs.get(pair["b"]):
        return pair
    found = word_changes(docs[pair["a"]]["text"], docs[pair["b"]]["text"], passages_from_row(pair))
    return {**pair, "changes": [c.as_dict() for c in found]}


def _family_blocks(data: ReportData, all_pairs_up_to: int, params: ScanParams,
                   progress: Callable[[int, int], None] | None) -> Iterator[tuple[dict, dict, int]]:
    """For each family: its index entry, its data block and how many pairs were aligned here."""
    family_of = {m: k for k, f in enumerate(data.families) for m in f["members"]}
    pairs_of: dict[int, list[dict]] = {}
    for p in data.pairs:
        k = family_of.get(p["a"])
        if k is not None and family_of.get(p["b"]) == k:
            pairs_of.setdefault(k, []).append(p)
    for k, f in enumerate(data.families):
        members = list(f["members"])
        docs = {m: _doc_entry(data.documents.get(m)) for m in members}
        pairs = list(pairs_of.get(k, []))
        computed = 0
        complete = len(members) <= all_pairs_up_to
        if complete:
            have = {frozenset((p["a"], p["b"])) for p in pairs}
            for x, y in itertools.combinations(members, 2):
                if frozenset((x, y)) in have:
                    continue
                if x not in data.documents or y not in data.documents:
                    complete = False
                    continue
                rel = compare_documents(document_from_row(data.documents[x]),
                                        document_from_row(data.documents[y]), params)
                row = rel.as_dict()
                row["computed"] = True
                pairs.append(row)
                computed += 1
        pairs = [_with_changes(p, docs) for p in pairs]
        origin_entry = docs.get(f["origin"])
        dates = sorted(d["date"] for d in docs.values() if d and d["date"])
        langs = sorted({str(d["meta"]["lang"]) for d in docs.values() if d and d["meta"].get("lang")})
        outlets = sorted({str(d["meta"]["outlet"]) for d in docs.values() if d and d["meta"].get("outlet")})
        titles = {_title(d) for d in docs.values()}
        rels = Counter(e["relation"] for e in f["tree"])
        search = " ".join([f["family"], *members, *sorted(titles), *outlets, *langs]).lower()
        entry = {"k": k, "id": f["family"], "n": len(members), "origin": f["origin"], "title": _title(origin_entry),
                 "langs": langs, "outlets": outlets, "d0": dates[0] if dates else None,
                 "d1": dates[-1] if dates else None, "rels": dict(rels.most_common()), "s": search}
        reasons = list(f.get("reasons") or [])
        block = {"id": f["family"], "origin": f["origin"], "reasons": reasons,
                 "confidence": f.get("confidence") or origin_confidence(reasons),
                 "members": members, "tree": f["tree"], "docs": docs, "pairs": pairs, "complete": complete,
                 "limit": all_pairs_up_to}
        if progress:
            progress(k + 1, len(data.families))
        yield entry, block, computed


def write_html_report(
    source: str | Path | ReportData,
    path: str | Path,
    *,
    all_pairs_up_to: int = ALL_PAIRS_UP_TO,
    semantic: bool = True,
    title: str = "reprints report",
    progress: Callable[[int, int], None] | None = None,
) -> HtmlReport:
    """Write one self-contained HTML page that shows the families of a scan or store.

    ``source`` is a folder written by ``reprints scan`` (or ``export``), a store
    file, or :class:`ReportData` already read. In families of at most
    ``all_pairs_up_to`` members, pairs of members the scan did not align are
    aligned here with :func:`~reprints.compare_documents`, so that any two
    versions can be shown side by side; with ``semantic`` off (or a store
    created without it) only word-for-word matches are looked for.
    ``progress(done, total)`` is called as families are prepared.

    >>> import os, tempfile
    >>> from reprints import ScanParams, load_corpus, scan
    >>> from reprints.report.files import write_outputs
    >>> out = tempfile.mkdtemp()
    >>> _ = write_outputs(scan(load_corpus("examples/corpus").documents, ScanParams(semantic=False)), Path(out))
    >>> info = write_html_report(out, os.path.join(out, "report.html"), semantic=False)
    >>> info.families, info.bytes > 10_000
    (7, True)
    """
    t0 = time.perf_counter()
    data = source if isinstance(source, ReportData) else read_source(source)
    params = replace(data.params, semantic=semantic and data.params.semantic, jobs=1)
    out = Path(path)
    index: list[dict] = []
    computed = 0
    related = Counter(p["relation"] for p in data.pairs if p["relation"] != "unrelated")
    members = sum(len(f["members"]) for f in data.families)
    meta = {
        "title": title, "source": data.source, "version": __version__,
        "generated": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "documents": data.total_documents, "members": members, "families": len(data.families),
        "pairs": dict(related.most_common()), "limit": all_pairs_up_to, "semantic": params.semantic,
    }
    head = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"reprints " + html.escape(__version__) + "\">\n"
        "<title>" + html.escape(f"{title}: {data.source}") + "</title>\n"
        "<style>\n" + _asset("report.css") + "\n</style>\n</head>\n<body>\n"
        "<noscript><p class=\"noscript\">This report needs JavaScript to show its families.</p></noscript>\n"
        "<div id=\"app\" aria-live=\"polite\"><p class=\"loading\">Loading...</p></div>\n"
    )
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(head.encode("utf-8"))
            for entry, block, n in _family_blocks(data, all_pairs_up_to, params, progress):
                fh.write(_script(f"fam-{entry['k']}", block))
                index.append(entry)
                computed += n
            meta["computed"] = computed
            fh.write(_script("reprints-meta", meta))
            fh.write(_script("reprints-index", index))
            fh.write(b"<script>\n" + _asset("report.js").encode("utf-8") + b"\n</script>\n</body>\n</html>\n")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return HtmlReport(out, len(data.families), len(data.documents), computed, out.stat().st_size,
                      time.perf_counter() - t0)
