"""The ``reprints`` command line (Typer): ``scan`` a corpus, ``compare`` two documents,
and keep a store: ``add``, ``query``, ``families``, ``export``, ``serve``."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reprints import __version__
from reprints.document import Document, LoadProblem
from reprints.load import iter_load
from reprints.config import ScanParams
from reprints.pipeline import compare_documents, scan
from reprints.report.files import write_outputs
from reprints.report.terminal import (counted, print_comparison, print_families, print_query, print_summary,
                                      printable)

if TYPE_CHECKING:
    from reprints.store import Store

app = typer.Typer(
    help="Find reprints, reformatted copies and excerpts of news stories, align them and name the original.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> None:
    """One line on stderr, no traceback, non-zero exit."""
    print(f"reprints: error: {_shown(message)}", file=sys.stderr)
    raise typer.Exit(code)


def _shown(text: str) -> str:
    """A name, id or message safe for the terminal, on one line."""
    return printable(text, lines=False)


def _default(value: str) -> str:
    """The default of an option whose value is None until given (so that a config file can set it),
    as typer shows the others; the bracket is escaped, or rich would read it as markup and drop it."""
    return f"\\[default: {value}]"


_DEDUP_HELP = ("Also write keep.jsonl (one document per family, and every document in none) and drop.jsonl "
               "(each other member with the kept twin it duplicates, relation and score).")
_KEEP_HELP = ("Which member of a family --dedup keeps: origin (the likely original), longest (most words) or "
              "earliest (earliest date; undated ones last).")


def _check_keep(keep: str) -> None:
    from reprints.dedup import KEEP_RULES

    if keep not in KEEP_RULES:
        _fail(f"--keep must be one of {', '.join(KEEP_RULES)}, got {keep!r}")


def _write_dedup(result, ids: List[str], output: Path, keep: str) -> str:
    """Write keep.jsonl and drop.jsonl; returns the summary line (documents and bytes the dedup removes)."""
    from reprints.dedup import plan_dedup
    from reprints.relate import word_counts
    from reprints.report.files import write_dedup

    words = word_counts(result.relations)
    docs = {d.id: d for d in result.documents}
    dates = {i: d.meta["date"] for i, d in docs.items() if d.meta.get("date")}
    plan = plan_dedup(result.families, result.relations, ids, words, dates, keep)
    written = write_dedup(plan, output)
    dropped = sum(len(docs[x.id].text.encode("utf-8")) for x in plan.drop if x.id in docs)
    total = len(plan.keep) + len(plan.drop)
    return (f"Dedup (keep {keep}): keeps {counted(len(plan.keep), 'document')} of {total:,}, drops "
            f"{counted(len(plan.drop), 'document')} ({dropped / 1e6:.2f} MB of text); wrote {written['keep']} and "
            f"{written['drop']}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reprints {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Find reprints, reformatted copies and excerpts of news stories in a pile of documents."""


@contextmanager
def _progress(quiet: bool, console: Console) -> Iterator[Progress | None]:
    """A progress bar on a terminal; nothing when piped or with --quiet."""
    if quiet or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        yield bar


def _check_writable(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / ".reprints-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        _fail(f"cannot write to output folder {outdir}: {exc.strerror or exc}")


_CONFIG_HELP = ("Settings file (JSON or TOML, as `reprints calibrate` writes it); options given on the "
                "command line win over it.")


def _params(config: Path | None, semantic: bool | None = None, jobs: int | None = None,
            threshold: float | None = None, num_perm: int | None = None, shingle: int | None = None) -> ScanParams:
    """Settings from the defaults, then the config file, then the options given."""
    from dataclasses import replace

    from reprints.config import read_config

    try:
        params = read_config(config) if config is not None else ScanParams()
        if semantic is not None:
            params = replace(params, semantic=semantic)
        if jobs is not None:
            params = replace(params, jobs=jobs)
        if threshold is not None:
            params = replace(params, lsh=replace(params.lsh, threshold=threshold))
        if num_perm is not None or shingle is not None:
            params = replace(params, sketch=replace(
                params.sketch, num_perm=params.sketch.num_perm if num_perm is None else num_perm,
                shingle=params.sketch.shingle if shingle is None else shingle))
        return params
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    raise AssertionError  # pragma: no cover


@app.command("scan")
def scan_cmd(
    path: Path = typer.Argument(..., help="Folder (walked recursively) or file: .txt .md .html .jsonl .csv .parquet .warc, "
                                                    "each also as .gz or .zst."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="Folder to write pairs.jsonl, families.jsonl and documents.jsonl into."),
    threshold: Optional[float] = typer.Option(
        None, help="Jaccard similarity of word shingles that candidate search aims at.  " + _default("0.2")),
    num_perm: Optional[int] = typer.Option(None, help="MinHash signature length (a power of two).  " + _default("128")),
    shingle: Optional[int] = typer.Option(None, help="Words per shingle.  " + _default("5")),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0,
                             help="Worker processes that sketch while the input is read, then align (0: one per core, 1: none)."),
    semantic: Optional[bool] = typer.Option(
        None, "--semantic/--no-semantic",
        help="Also find rewrites and translations by meaning (off: lexical only, much faster).  " + _default("semantic")),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP),
    parquet: bool = typer.Option(False, "--parquet",
                                 help="Also write pairs.parquet, families.parquet and documents.parquet."),
    dedup: bool = typer.Option(False, "--dedup", help=_DEDUP_HELP),
    keep: str = typer.Option("origin", "--keep", help=_KEEP_HELP),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bar and no summary."),
) -> None:
    """Find every family of versions in a corpus.

    Writes OUTPUT/pairs.jsonl (one line per related pair: a, b, relation, score,
    passages with character offsets into each original text, what only one side
    has, evidence), OUTPUT/families.jsonl (one line per family: family,
    origin, reasons, members, tree) and OUTPUT/documents.jsonl (the members'
    texts and metadata, which the offsets index), then prints a short summary.
    Unreadable or malformed items are reported with their path and line and
    skipped.
    """
    console = Console(highlight=False)
    if not path.exists():
        _fail(f"no such file or folder: {path}")
    _check_keep(keep)
    _check_writable(output)
    params = _params(config, semantic=semantic, jobs=jobs, threshold=threshold, num_perm=num_perm, shingle=shingle)
    problems: list[LoadProblem] = []

    def documents() -> Iterator[Document]:
        """Stream the documents to the scan (which parses their headers in its
        workers); bad items are kept aside and counted."""
        for item in iter_load(path, parse_headers=False):
            if isinstance(item, LoadProblem):
                problems.append(item)
            else:
                yield item

    with _progress(quiet, console) as bar:
        tasks: dict[str, object] = {}

        def report(stage: str, done: int, total: int) -> None:
            if bar is None:
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)  # type: ignore[arg-type]

        try:
            result = scan(documents(), params, progress=report, problems=problems)
        except OSError as exc:
            _fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        written = write_outputs(result, output, parquet=parquet, languages=params.semantic)
        said = _write_dedup(result, [d.id for d in result.documents], output, keep) if dedup else None
    except OSError as exc:
        _fail(f"cannot write results to {output}: {exc.strerror or exc}")
    if not quiet:
        print_summary(result, console)
        files = [str(p) for p in written.values()]
        console.print(f"Wrote {', '.join(files[:-1])} and {files[-1]}", markup=False, highlight=False, soft_wrap=True)
        if said:
            console.print(said, markup=False, highlight=False, soft_wrap=True)
    elif problems:
        for p in problems:
            print(f"reprints: skipped {_shown(str(p))}", file=sys.stderr)


@app.command("evaluate")
def evaluate_cmd(
    outdir: Path = typer.Argument(..., metavar="OUTDIR_OR_DB",
                                  help="Folder written by `reprints scan` (pairs.jsonl, families.jsonl), or a store."),
    truth: Path = typer.Option(..., "--truth", help="JSON Lines of {id, family} and optionally {a, b, relation}."),
    worst: int = typer.Option(10, min=0, help="How many missed pairs and false merges to list."),
) -> None:
    """Score a scan against labelled families and pair relations.

    Prints pair precision, recall and F1 of the families (two documents in one
    family or not), the Adjusted Rand Index, cluster purity, precision and
    recall per relation, and the worst errors: pairs the scan missed, and pairs
    it merged that the truth keeps apart, with the relation that merged them.
    """
    from reprints.evaluate import evaluate, found_from, read_found, read_truth

    if not outdir.exists():
        _fail(f"no such folder or store: {outdir}")
    needs = [truth] if outdir.is_file() else [outdir / "pairs.jsonl", outdir / "families.jsonl", truth]
    for need in needs:
        if not need.is_file():
            _fail(f"no such file: {need}")
    absent = 0
    try:
        if outdir.is_file():
            with _store(outdir, readonly=True) as store:
                res = store.result(documents=False)
                found = found_from(res.families, res.relations)
                labels = read_truth(truth)
                absent = sum(x not in store for x in labels.family)
                scores = evaluate(labels, found, worst)
                ids = {x for pair in scores.missed + [m[:2] for m in scores.false_merges] for x in pair}
                docs = {x: d for x in ids if (d := store.document(x)) is not None}
                params = store.params
        else:
            found = read_found(outdir)
            labels = read_truth(truth)
            scores = evaluate(labels, found, worst)
            docs, params = _documents_of(outdir), ScanParams()
            if labels.family and not any(x in found.family or x in docs for x in labels.family):
                absent = -1
    except (ValueError, KeyError, TypeError) as exc:
        _fail(str(exc) if isinstance(exc, ValueError) else f"unexpected content: {exc}")
    console = Console(highlight=False)
    if absent > 0:
        console.print(f"{absent} labelled ids are not in the store: they count as found in no family")
    elif absent < 0:
        console.print(f"None of the {counted(len(labels.family), 'labelled id')} is in a family in {outdir}: if "
                      f"that is unexpected, check that the truth's ids are the scan's (file paths relative to the "
                      f"folder scanned, or the id field)", markup=False, soft_wrap=True)
    _print_scores(scores, console, docs=docs, params=params)


def _documents_of(outdir: Path) -> dict[str, Document]:
    """The family members' texts a scan wrote (none for a folder from before documents.jsonl)."""
    from reprints.records import document_from_row
    from reprints.report.files import read_jsonl

    path = outdir / "documents.jsonl"
    if not path.is_file():
        return {}
    return {(d := document_from_row(row)).id: d for _, row in read_jsonl(path)}


def _print_scores(scores, console: Console, title: str = "", details: bool = True,
                  docs: dict[str, Document] | None = None, params: ScanParams | None = None) -> None:
    """Family metrics, then (with ``details``) the per-relation table and the worst
    errors, each with what caused it when the texts are at hand (``docs``)."""
    from reprints.evaluate import explain

    docs = docs or {}

    def why(a: str, b: str, row: dict | None, fallback: str) -> str:
        if a in docs and b in docs:
            return explain(docs[a], docs[b], row, params)
        return fallback
    console.print(
        f"{title}{scores.documents} labelled documents  families: precision {scores.precision:.4f}  "
        f"recall {scores.recall:.4f}  F1 {scores.f1:.4f}  ARI {scores.ari:.4f}  purity {scores.purity:.4f}",
        soft_wrap=True,
    )
    if not details:
        return
    if scores.relations:
        table = Table(title="Pair relations")
        for col in ("relation", "precision", "recall", "F1", "labelled"):
            table.add_column(col, justify="left" if col == "relation" else "right")
        for name, m in scores.relations.items():
            table.add_row(name, f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['f1']:.4f}", str(int(m["support"])))
        console.print(table)
    for a, b in scores.missed:
        console.print(f"missed: {a} ~ {b}: {why(a, b, None, 'texts not at hand (not in any family)')}",
                      markup=False, soft_wrap=True)
    for a, b, row in scores.false_merges:
        said = (f"{row['relation']} (score {row['score']}, {len(row['passages'])} passages)" if row
                else "joined through other versions")
        console.print(f"false merge: {a} ~ {b}: {why(a, b, row, said) if row else said}", markup=False,
                      soft_wrap=True)


@app.command("calibrate")
def calibrate_cmd(
    path: Path = typer.Argument(..., help="The labelled corpus (folder or file, any supported format)."),
    truth: Path = typer.Option(..., "--truth", help="JSON Lines of {id, family} and optionally {a, b, relation}."),
    output: Path = typer.Option(..., "-o", "--output", help="Config file to write (JSON)."),
    metric: str = typer.Option("f1", help="What to maximise: f1 (pair F1 of the families) or ari."),
    held_out: float = typer.Option(0.5, "--held-out", min=0.0, max=0.95,
                                   help="Share of labelled stories kept out of the fit and scored at the end (0: none)."),
    seed: int = typer.Option(0, help="Seed of the split into fitted and held-out stories."),
    folds: int = typer.Option(5, "--folds", min=0, max=50,
                              help="Cross-validation folds of the fitted stories: a threshold moves only if the move "
                                   "gains on held-out folds (below 2: no cross-validation)."),
    semantic: Optional[bool] = typer.Option(None, "--semantic/--no-semantic",
                                            help="Calibrate with semantic matching on or off.  " + _default("on")),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings to start from (default: the defaults)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bar and no summary."),
) -> None:
    """Fit the relation thresholds to labelled families and write them as a config.

    Scans the corpus once, keeps every aligned pair's evidence, and searches
    the thresholds (reformatted, excerpt, rewrite...) one at a time for the
    best METRIC on part of the labelled stories, cross-validated over
    folds of them; the rest are scored with a real scan, before and after.
    Pass the file to `scan`, `add` or `serve` with --config.
    """
    from reprints.calibrate import calibrate
    from reprints.evaluate import METRICS, metric_of
    from reprints.config import write_config
    from reprints.evaluate import read_truth

    if metric not in METRICS:
        _fail(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if not path.exists():
        _fail(f"no such file or folder: {path}")
    if not truth.is_file():
        _fail(f"no such file: {truth}")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        _fail(f"cannot write {output}: no writable folder {folder}")  # say so before the long part
    params = _params(config, semantic=semantic)
    try:
        labels = read_truth(truth)
    except ValueError as exc:
        _fail(str(exc))
    problems: list[LoadProblem] = []
    docs: list[Document] = []
    for item in iter_load(path):
        (problems if isinstance(item, LoadProblem) else docs).append(item)  # type: ignore[arg-type]
    for p in problems:
        print(f"reprints: skipped {_shown(str(p))}", file=sys.stderr)
    unknown = len(set(labels.family) - {d.id for d in docs})
    if unknown == len(labels.family):
        _fail(f"none of the {len(labels.family)} ids in {truth} is a document of {path}")
    console = Console(highlight=False)
    with _progress(quiet, console) as bar:
        tasks: dict[str, object] = {}

        def report(stage: str, done: int, total: int) -> None:
            if bar is not None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total or None)
                bar.update(tasks[stage], completed=done, total=total or None)  # type: ignore[arg-type]

        cal = calibrate(docs, labels, params, metric=metric, held_out=held_out, seed=seed, folds=folds,
                        progress=report)
    info = {"truth": str(truth), "corpus": str(path), "metric": metric, "held_out": held_out, "seed": seed,
            "folds": cal.folds,
            "fitted_documents": cal.train_documents, "held_out_documents": cal.held_out_documents,
            "fitted": {"before": round(metric_of(cal.train[0], metric), 4), "after": round(metric_of(cal.train[1], metric), 4)}}
    if cal.held_out:
        info["held_out_scores"] = {"before": round(metric_of(cal.held_out[0], metric), 4),
                                   "after": round(metric_of(cal.held_out[1], metric), 4)}
    if cal.gains:
        info["fold_gains"] = {f"relate.{n}": g for n, g in cal.gains.items()}
    if cal.unconfirmed:
        info["unconfirmed"] = {f"relate.{n}": [a, b] for n, (a, b) in cal.unconfirmed.items()}
    if cal.rejected:
        info["rejected"] = {f"relate.{n}": [a, b] for n, (a, b) in cal.rejected.items()}
    try:
        write_config(output, cal.params, info)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    if quiet:
        return
    if unknown:
        console.print(f"{unknown} labelled ids are not in the corpus and are left out")
    if cal.rejected:
        dropped = ", ".join(f"relate.{n} {a} -> {b}" for n, (a, b) in cal.rejected.items())
        console.print(f"The fitted thresholds ({dropped}) scored below the starting ones on the held-out stories: "
                      f"kept the starting thresholds")
    elif cal.changed:
        table = Table(title=f"Thresholds fitted on {cal.train_documents} labelled documents ({cal.tried} settings tried)")
        cols = ("setting", "before", "after") + (("gain on held-out folds",) if cal.folds else ())
        for col in cols:
            table.add_column(col, justify="left" if col == "setting" else "right")
        for name, (before, after) in cal.changed.items():
            table.add_row(f"relate.{name}", str(before), str(after),
                          *([f"{cal.gains.get(name, 0.0):+.4f}"] if cal.folds else []))
        console.print(table)
    else:
        console.print(f"The starting thresholds were already best on {cal.train_documents} labelled documents "
                      f"({cal.tried} settings tried)")
    if cal.unconfirmed:
        kept = ", ".join(f"relate.{n} {a} (fits best at {b})" for n, (a, b) in cal.unconfirmed.items())
        console.print(f"Not moved, the gain did not hold on the {cal.folds} cross-validation folds: {kept}")
    _print_scores(cal.train[0], console, "fitted part, before: ", details=False)
    _print_scores(cal.train[1], console, "fitted part, after:  ", details=False)
    if cal.held_out:
        _print_scores(cal.held_out[0], console, "held out, before: ", details=False)
        _print_scores(cal.held_out[1], console, "held out, after:  ", details=False)
    console.print(f"Wrote {output}; use it with `reprints scan --config {output}` (or add, serve)")


_DB_HELP = "Store file (SQLite; created by `add` when missing)."



def _store(db: Path, params: ScanParams | None = None, readonly: bool = False, config: Path | None = None) -> Store:
    """Open (or create) a store; with ``config``, the store's own settings must match it."""
    from reprints.config import params_to_dict
    from reprints.store import Store, StoreError

    try:
        store = Store(db, params, readonly=readonly)
    except StoreError as exc:
        _fail(str(exc))
    if config is not None and params is not None:
        have, want = params_to_dict(store.params), params_to_dict(params)
        differ = [f"{block}.{key}" if key else block
                  for block, value in want.items() if block not in ("jobs", "batch")
                  for key in (value if isinstance(value, dict) else [""])
                  if (value[key] if key else value) != (have[block][key] if key else have[block])]
        if differ:
            store.close()
            _fail(f"{db} was created with other settings than {config} ({', '.join(differ[:4])}"
                  f"{' ...' if len(differ) > 4 else ''}); a store keeps the settings it was created with: "
                  "use a new --db")
    return store


@app.command("add")
def add_cmd(
    paths: List[Path] = typer.Argument(..., help="Files or folders to add (any supported format)."),
    db: Path = typer.Option(..., "--db", help=_DB_HELP),
    semantic: Optional[bool] = typer.Option(
        None, "--semantic/--no-semantic",
        help="For a new store: also find rewrites and translations (kept in the store).  " + _default("semantic")),
    batch: int = typer.Option(500, min=1, help="Documents per transaction; each is safe once reported."),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP + " A store keeps the settings it "
                                          "was created with; an existing store must match the file."),
    keep_days: Optional[float] = typer.Option(None, "--keep-days", min=0,
                                              help="After adding, forget documents added more than this many days "
                                                   "ago (a store that keeps a window of a feed)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress and no summary."),
) -> None:
    """Add documents to a store, creating it if needed.

    A document already stored with the same id and content is skipped; with new
    content it replaces the stored one. Families are updated as documents
    arrive and end up the same as `reprints scan` on everything added. Every
    BATCH documents are committed together: a crash loses at most the batch in
    flight, and readers never see half of one. Bad items are reported and
    counted; the rest go on.
    """
    for path in paths:
        if not path.exists():
            _fail(f"no such file or folder: {path}")
    console = Console(highlight=False, stderr=False)
    store = _store(db, _params(config, semantic=semantic), config=config)
    problems: list[LoadProblem] = []

    def items() -> Iterator[Document | LoadProblem]:
        for path in paths:
            for item in iter_load(path):
                if isinstance(item, LoadProblem):
                    problems.append(item)
                    print(f"reprints: skipped {_shown(str(item))}", file=sys.stderr)
                yield item

    with store, _progress(quiet, console) as bar:
        task = bar.add_task("add", total=None) if bar else None

        def committed(total) -> None:
            done = total.added + total.updated + total.unchanged
            if bar is not None:
                bar.update(task, completed=done)
            elif not quiet:
                print(f"committed {done} documents ({total.added} added, {total.updated} updated, "
                      f"{total.unchanged} unchanged)", flush=True)

        try:
            result = store.add(items(), batch=batch, on_commit=committed)
        except OSError as exc:
            _fail(f"cannot read input: {exc.strerror or exc}")
        expired = store.expire(keep_days * 86400) if keep_days is not None else None
        stats = store.stats()
    if not quiet:
        gone = f"{expired.removed} expired; " if expired is not None else ""
        console.print(f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged, "
                      f"{result.skipped} skipped; {gone}{counted(result.families_rebuilt, 'family', 'families')} "
                      f"rebuilt; store {db}: {counted(int(stats['documents']), 'document')} in "
                      f"{counted(int(stats['families']), 'family', 'families')}", soft_wrap=True, markup=False)


def _existing_store(db: Path, readonly: bool = False) -> Store:
    """A store that must exist already (remove, expire and check never create one)."""
    if not db.exists():
        _fail(f"no such store: {db}")
    return _store(db, readonly=readonly)


def _removed(result, db: Path, store: Store, quiet: bool, what: str) -> None:
    if quiet:
        return
    stats = store.stats()
    Console(highlight=False).print(
        f"{result.removed} {what}; {counted(result.families_rebuilt, 'family', 'families')} rebuilt; store {db}: "
        f"{counted(int(stats['documents']), 'document')} in {counted(int(stats['families']), 'family', 'families')}",
        soft_wrap=True, markup=False)


@app.command("remove")
def remove_cmd(
    ids: List[str] = typer.Argument(..., help="Ids of the documents to forget."),
    db: Path = typer.Option(..., "--db", help="Store file."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No summary."),
) -> None:
    """Forget documents by id.

    Their pairs go with them, and the families they were in are rebuilt as a
    scan of the remaining documents would build them, in one transaction. An
    id that is not stored is reported, and the exit status is then 1.
    """
    store = _existing_store(db)
    with store:
        result = store.remove(ids)
        for missing in result.missing:
            print(f"reprints: not stored: {_shown(missing)}", file=sys.stderr)
        _removed(result, db, store, quiet, "removed")
    if result.missing:
        raise typer.Exit(1)


_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _seconds(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``3600s`` or ``2w`` in seconds.

    >>> _seconds("30d"), _seconds("1.5h")
    (2592000.0, 5400.0)
    """
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not m:
        raise typer.BadParameter(f"expected a number and a unit (s, m, h, d or w), such as 30d, got {text!r}")
    return float(m.group(1)) * _DURATION[m.group(2)]


@app.command("check")
def check_cmd(
    db: Path = typer.Option(..., "--db", help="Store file."),
) -> None:
    """Check a store from end to end: SQLite's full integrity check of every
    page, then that documents, band keys, marks, pairs and families agree.

    Prints "ok" and exits 0 on a healthy store; lists what is wrong and exits
    1 otherwise. Reads only: nothing is written.
    """
    store = _existing_store(db, readonly=True)
    with store:
        problems = store.check()
    if problems:
        for p in problems:
            print(f"reprints: {db}: {_shown(p)}", file=sys.stderr)
        print(f"{db}: {len(problems)} problem(s); restore a backup or rebuild the store with `reprints add`")
        raise typer.Exit(1)
    print(f"{db}: ok")


@app.command("expire")
def expire_cmd(
    db: Path = typer.Option(..., "--db", help="Store file."),
    older_than: str = typer.Option(..., "--older-than", help="Age to forget, such as 30d, 12h or 2w."),
    by: str = typer.Option("added", "--by", help="Age by when a document was added (added) or by its own date "
                                                 "(date; undated ones by when they were added)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No summary."),
) -> None:
    """Forget the documents older than a window.

    A news feed never ends: expiring what is older than the window you follow
    keeps the store its size. Families are rebuilt as a scan of what remains
    would build them.
    """
    try:
        seconds = _seconds(older_than)
    except typer.BadParameter as exc:
        _fail(f"--older-than: {exc}")
    if by not in ("added", "date"):
        _fail(f"--by must be added or date, got {by!r}")
    store = _existing_store(db)
    with store:
        result = store.expire(seconds, by=by)
        _removed(result, db, store, quiet, "expired")


@app.command("query")
def query_cmd(
    file: Path = typer.Argument(..., help="The document to check (any supported format, one document)."),
    db: Path = typer.Option(..., "--db", help="Store file."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as one JSON object."),
) -> None:
    """Check one document against a store without adding it.

    Prints the family of the stored versions it matches, that family's origin
    and the document's relation to it, whether it would become the origin,
    every stored version it matches, and its passages aligned with the best one.
    """
    doc = _one(file, "query")
    store = _store(db, readonly=True)
    with store:
        result = store.query(doc)
    if as_json:
        import orjson

        sys.stdout.write(orjson.dumps(result.as_dict()).decode() + "\n")
        return
    print_query(result, Console(highlight=False))


@app.command("families")
def families_cmd(
    db: Path = typer.Option(..., "--db", help="Store file."),
    limit: int = typer.Option(50, min=1, help="Most families to list."),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per family, as in families.jsonl."),
) -> None:
    """List the families in a store, largest first."""
    with _store(db, readonly=True) as store:
        fams = store.families()
    if as_json:
        import orjson

        for f in fams[:limit]:
            sys.stdout.write(orjson.dumps(f.as_dict()).decode() + "\n")
        return
    print_families(fams, Console(highlight=False), limit)


@app.command("export")
def export_cmd(
    db: Path = typer.Option(..., "--db", help="Store file."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="Folder to write pairs.jsonl, families.jsonl and documents.jsonl into."),
    parquet: bool = typer.Option(False, "--parquet",
                                 help="Also write pairs.parquet, families.parquet and documents.parquet."),
    dedup: bool = typer.Option(False, "--dedup", help=_DEDUP_HELP),
    keep: str = typer.Option("origin", "--keep", help=_KEEP_HELP),
) -> None:
    """Write a store's pairs and families as `reprints scan` writes them."""
    _check_keep(keep)
    _check_writable(output)
    with _store(db, readonly=True) as store:
        result = store.result()
        semantic = store.params.semantic
        every = store.ids() if dedup else []
    try:
        write_outputs(result, output, parquet=parquet, languages=semantic)
        said = _write_dedup(result, every, output, keep) if dedup else None
    except OSError as exc:
        _fail(f"cannot write results to {output}: {exc.strerror or exc}")
    print(f"Wrote {counted(len(result.related), 'pair')} and {counted(len(result.families), 'family', 'families')} "
          f"to {output}")
    if said:
        print(said)


def _one(path: Path, command: str = "compare") -> Document:
    if not path.exists():
        _fail(f"no such file: {path}")
    if path.is_dir():
        _fail(f"{path} is a folder; {command} takes a document file")
    docs: list[Document] = []
    for item in iter_load(path):
        if isinstance(item, LoadProblem):
            _fail(str(item))
        docs.append(item)
    if len(docs) != 1:
        _fail(f"{path} holds {len(docs)} documents; {command} takes files with one each")
    return docs[0]


@app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="First document (any supported format, one document)."),
    b: Path = typer.Argument(..., help="Second document."),
    width: Optional[int] = typer.Option(None, help="Width of the side-by-side view (default: terminal)."),
    semantic: bool = typer.Option(True, "--semantic/--no-semantic",
                                  help="Match reworded and translated passages too (off: word-for-word matches only)."),
) -> None:
    """Show two documents side by side, like a diff, A on the left.

    Matching passages stand on the same row with a mark between them (= same
    words, ~ slightly edited, ≈ reworded, ⇄ translated, ↕ moved);
    what only one side has stands against a gap (< or > for story text, · for
    header and boilerplate lines). Changed words (figures, names, dates, quoted
    words) are highlighted and listed, then quotes worded differently. Colours
    only on a terminal; piped, the marks say the same.
    """
    da, db = _one(a), _one(b)
    if da.id == db.id:
        db = Document(db.id + " (2)", db.text, db.meta, db.header)
    rel = compare_documents(da, db, ScanParams(semantic=semantic))
    console = Console(highlight=False, width=width or None)
    print_comparison(da, db, rel, console, width=width)


@app.command("report")
def report_cmd(
    source: Path = typer.Argument(..., metavar="OUTDIR_OR_DB",
                                  help="Folder written by `reprints scan` or `export` (documents.jsonl, pairs.jsonl, "
                                       "families.jsonl), or a store file."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write."),
    all_pairs_up_to: int = typer.Option(
        12, "--all-pairs-up-to", min=0, metavar="N",
        help="In families of at most N versions, align every pair the scan left out, so any two can be compared."),
    semantic: bool = typer.Option(True, "--semantic/--no-semantic",
                                  help="Align those pairs by meaning too (off: word-for-word matches only, faster)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing."),
) -> None:
    """Write a self-contained HTML report of the families found.

    One file, no network: a searchable, sortable list of the families; each
    family with its origin and the reasons, the derivation tree, a timeline and
    what each version added, dropped or reworded; and any two versions side by
    side with their aligned passages linked, additions and cuts marked, and
    quotes worded differently listed. Open it in any browser.
    """
    from reprints.report.html import ReportError, write_html_report

    if not source.exists():
        _fail(f"no such folder or store: {source}")
    if output.is_dir():
        _fail(f"{output} is a folder; give the HTML file to write")
    with _progress(quiet, Console(highlight=False)) as bar:
        task = bar.add_task("families", total=None) if bar else None

        def report(done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, completed=done, total=total)

        try:
            info = write_html_report(source, output, all_pairs_up_to=all_pairs_up_to, semantic=semantic,
                                     progress=report)
        except ReportError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    if not quiet:
        print(f"Wrote {output} ({counted(info.families, 'family', 'families')}, {info.bytes / 1e6:.1f} MB)")


@app.command("serve")
def serve_cmd(
    db: Path = typer.Option(..., "--db", help="Store file (created when missing, unless --read-only)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="REPRINTS_API_KEY", show_envvar=True,
                                          help="Key that writes must send in the X-API-Key header."),
    read_only: bool = typer.Option(False, "--read-only", help="Answer queries only; refuse every write."),
    max_body: int = typer.Option(8 * 1024 * 1024, "--max-body", min=1, metavar="BYTES",
                                 help="Largest request body accepted."),
    body_timeout: float = typer.Option(30.0, "--body-timeout", min=0.001, metavar="SECONDS",
                                       help="Seconds a request body may take to arrive (then 408)."),
    keep_days: Optional[float] = typer.Option(None, "--keep-days", min=0,
                                              help="After each add, forget documents added more than this many "
                                                   "days ago."),
    config: Optional[Path] = typer.Option(None, "--config", help=_CONFIG_HELP + " A new store is created with "
                                          "these settings; an existing store must match the file."),
) -> None:
    """Serve a store over HTTP: add documents, query, list families (see /docs).

    Writes need the API key when one is set (--api-key or REPRINTS_API_KEY);
    reads stay open. Stop with Ctrl-C.
    """
    from reprints.service import serve_store

    if api_key == "":
        _fail("--api-key must not be empty")
    store = _store(db, _params(config) if config is not None else None, readonly=read_only, config=config)
    mode = "read-only" if read_only else ("writes need X-API-Key" if api_key else "open for writes")
    print(f"reprints: serving {db} on http://{host}:{port} ({mode}); API docs at /docs", file=sys.stderr, flush=True)
    with store:
        serve_store(store, host=host, port=port, api_key=api_key, readonly=read_only, max_body=max_body,
                    body_timeout=body_timeout, keep_days=keep_days)


def _db_argument(argv: List[str]) -> str | None:
    """The ``--db`` value of a command line, to name the store in an error."""
    for k, arg in enumerate(argv):
        if arg == "--db" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return None


def _store_failure(exc: BaseException, argv: List[str]) -> str:
    """One line for an SQLite or store error that reached the top, naming the file.

    >>> _store_failure(__import__("sqlite3").DatabaseError("database disk image is malformed"), ["--db", "s.db"])
    'store s.db is damaged (database disk image is malformed); `reprints check --db s.db` says what is wrong'
    """
    from reprints.store import StoreError

    if isinstance(exc, StoreError):
        return str(exc)
    db = _db_argument(argv) or "FILE"
    text = str(exc).strip().split("\n", 1)[0]
    if "malformed" in text or "not a database" in text:
        return f"store {db} is damaged ({text}); `reprints check --db {db}` says what is wrong"
    if "disk is full" in text or "disk I/O error" in text:
        return f"cannot write store {db}: {text}; what was committed before is kept, the batch in flight is not"
    return f"store {db}: {text}"


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for ``reprints`` and ``python -m reprints``: any SQLite or
    store error, and a full disk, end as one line rather than a traceback."""
    import errno
    import sqlite3

    from reprints.store import StoreError

    argv = sys.argv[1:]
    try:
        app(prog_name="reprints")
    except (sqlite3.Error, StoreError) as exc:
        print(f"reprints: error: {_shown(_store_failure(exc, argv))}", file=sys.stderr)
        sys.exit(1)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print(f"reprints: error: cannot write{where}: {exc.strerror}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
