"""Benchmark ``reprints`` scan against datasketch's MinHashLSH on one corpus.

Each engine runs in its own Python subprocess, so its peak resident memory
(``ru_maxrss`` of that child) is its own, and nothing one engine imported or
cached helps the other. Both read the same JSON Lines corpus, and both use
5-word shingles, 128 permutations/slots and the same LSH threshold.

- reprints: ``iter_load`` -> ``scan(docs, ScanParams(...))``, timed from opening
  the file to finished families (load, normalize, sketch, candidates, align,
  relate, families). A planted pair is found when scan relates it (any relation
  but ``unrelated``).
- datasketch: orjson per line, lowercase, drop '-', ``re.findall(r"\\w+")``,
  5-word shingles joined by a space and UTF-8 encoded, ``MinHash(num_perm=128)``
  with ``update_batch``, ``MinHashLSH(threshold, num_perm=128)``: insert every
  document, then query every document. Timed from opening the file to the full
  candidate pair set. A planted pair is found when it is a candidate pair.
  The peer stops at candidates: it does not align, classify or cluster.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_scan.py --docs 100000
    .venv/bin/python benchmarks/bench_scan.py --corpus benchmarks/data/corpus-2000.jsonl --skip-peer

Writes ``benchmarks/results/scan.json`` (override with ``--json``) and prints a
markdown table. The throughput ratio is reprints docs/s over datasketch docs/s
measured in the same run; absolute speeds depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KINDS = ("reformatted", "wrapped", "excerpt", "edited")


# ------------------------------------------------------------------ shared helpers


def _peak_rss_mib() -> float:
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024.0 if sys.platform != "darwin" else kib / 2**20


def _current_rss_mib() -> float | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return None


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process (shared pages split between sharers), KiB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                kids = [int(x) for x in fh.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


class TreeMemory:
    """Samples the summed PSS of this process and its worker processes (reprints
    sketches in forked workers, whose memory ``ru_maxrss`` of the parent misses)."""

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.interval, self.peak_kib, self.peak_procs = interval, 0, 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")

    def _sample(self) -> None:
        pids = [os.getpid()] + _descendants(os.getpid())
        total = sum(_pss_kib(p) for p in pids)
        if total > self.peak_kib:
            self.peak_kib, self.peak_procs = total, len(pids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeMemory:
        if self.available:
            self._sample()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()
            self._sample()

    @property
    def peak_mib(self) -> float | None:
        return self.peak_kib / 1024.0 if self.available else None


def _cpu_seconds() -> tuple[float, float]:
    """(this process, its reaped children) user+sys CPU seconds so far."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, ch.ru_utime + ch.ru_stime


def _children_peak_rss_mib() -> float:
    import resource

    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return kib / 1024.0 if sys.platform != "darwin" else kib / 2**20


def _read_truth(path: Path) -> list[tuple[str, str, str]]:
    import orjson

    with open(path, "rb") as fh:
        return [(r["a"], r["b"], r["kind"]) for r in map(orjson.loads, fh) if r]


def _groups(truth: list[tuple[str, str, str]]) -> dict[str, str]:
    """Document id -> planted group (connected component of the truth pairs)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in truth:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    return {x: find(x) for x in parent}


def _score(found: set[frozenset[str]], truth: list[tuple[str, str, str]]) -> dict:
    """Recall of the planted pairs, overall and per kind, plus pairs outside planted groups."""
    per: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    missed = []
    for a, b, kind in truth:
        hit = frozenset((a, b)) in found
        per.setdefault(kind, [0, 0])
        per[kind][0] += hit
        per[kind][1] += 1
        if not hit and len(missed) < 20:
            missed.append({"a": a, "b": b, "kind": kind})
    group = _groups(truth)
    outside = 0
    for pair in found:
        a, b = tuple(pair)
        ga, gb = group.get(a), group.get(b)
        if ga is None or ga != gb:
            outside += 1
    hits = sum(v[0] for v in per.values())
    return {
        "planted": len(truth),
        "found": hits,
        "recall": hits / len(truth) if truth else None,
        "recall_by_kind": {k: (v[0] / v[1] if v[1] else None) for k, v in per.items()},
        "planted_by_kind": {k: v[1] for k, v in per.items()},
        "pairs_outside_planted_groups": outside,
        "missed_examples": missed,
    }


# ------------------------------------------------------------------ the children


def child_reprints(corpus: Path, truth_path: Path, threshold: float | None, jobs: int | None) -> dict:
    import dataclasses

    try:
        from reprints.load import LoadProblem, iter_load
    except ImportError:  # not installed in this interpreter: use the checkout
        sys.path.insert(0, str(ROOT / "src"))
        from reprints.load import LoadProblem, iter_load
    from reprints.pipeline import ScanParams, scan

    params = ScanParams(semantic=False)  # the lexical engine against a lexical peer
    if threshold is not None and threshold != params.lsh.threshold:
        params = dataclasses.replace(params, lsh=dataclasses.replace(params.lsh, threshold=threshold))
    if jobs is not None:
        params = dataclasses.replace(params, jobs=jobs)
    rss_start = _current_rss_mib()
    cpu0 = _cpu_seconds()
    with TreeMemory() as tree:
        t0 = time.perf_counter()
        problems: list = []

        def documents():
            # streamed as the CLI does: reading overlaps with sketching in workers
            for item in iter_load(corpus, parse_headers=False):
                if isinstance(item, LoadProblem):
                    problems.append(item)
                else:
                    yield item

        result = scan(documents(), params, problems=problems)
        docs = result.documents
        t1 = time.perf_counter()
    cpu1 = _cpu_seconds()
    peak = _peak_rss_mib()

    related = {frozenset((r.a, r.b)) for r in result.relations if r.relation != "unrelated"}
    truth = _read_truth(truth_path)
    out = {
        "engine": "reprints",
        "docs": len(docs),
        "problems": len(problems),
        "seconds": t1 - t0,
        "docs_per_s": len(docs) / (t1 - t0),
        "peak_rss_mib": peak,
        "peak_rss_workers_mib": _children_peak_rss_mib(),
        "peak_tree_pss_mib": tree.peak_mib,
        "peak_tree_processes": tree.peak_procs,
        "rss_after_imports_mib": rss_start,
        "cpu_seconds": (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]),
        "cpu_seconds_workers": cpu1[1] - cpu0[1],
        "jobs_param": params.jobs,
        "threshold": params.lsh.threshold,
        "num_perm": params.sketch.num_perm,
        "shingle": params.sketch.shingle,
        "bands_rows": list(params.lsh.layout(params.sketch.num_perm)),
        "pairs": len(related),
        "pairs_label": "related pairs",
        "relations_total": len(result.relations),
        "relation_counts": _count(r.relation for r in result.relations),
        "families": len(result.families),
        "stats": {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in result.stats.items()},
        **_score(related, truth),
    }
    # a looser view: both ends of a planted pair in one family
    fam = {m: i for i, f in enumerate(result.families) for m in f.members}
    same_family = sum(1 for a, b, _ in truth if a in fam and fam.get(a) == fam.get(b))
    out["recall_same_family"] = same_family / len(truth) if truth else None
    return out


def _count(items) -> dict[str, int]:
    c: dict[str, int] = {}
    for x in items:
        c[x] = c.get(x, 0) + 1
    return dict(sorted(c.items()))


def child_datasketch(corpus: Path, truth_path: Path, threshold: float, num_perm: int, shingle: int,
                     hashfunc_name: str = "sha1") -> dict:
    import re

    import orjson
    from datasketch import MinHash, MinHashLSH

    if hashfunc_name == "xxh32":  # datasketch's documented hook for a faster 32-bit hash
        import xxhash

        hashfunc = xxhash.xxh32_intdigest
    else:  # datasketch's default (sha1_hash32)
        from datasketch.hashfunc import sha1_hash32 as hashfunc

    word_re = re.compile(r"\w+")
    rss_start = _current_rss_mib()
    cpu0 = _cpu_seconds()
    tree = TreeMemory().__enter__()
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    keys: list[str] = []
    sketches: list[MinHash] = []
    with open(corpus, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
                key, text = rec["id"], rec["text"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
            if not isinstance(text, str) or not isinstance(key, str) or key in lsh:
                continue
            w = word_re.findall(text.lower().replace("-", ""))
            if len(w) >= shingle:
                sh = {" ".join(w[i : i + shingle]).encode("utf-8") for i in range(len(w) - shingle + 1)}
            elif w:
                sh = {" ".join(w).encode("utf-8")}
            else:
                continue
            m = MinHash(num_perm=num_perm, hashfunc=hashfunc)
            m.update_batch(list(sh))
            lsh.insert(key, m, check_duplication=False)
            keys.append(key)
            sketches.append(m)
    t_insert = time.perf_counter()
    pairs: set[tuple[str, str]] = set()
    for key, m in zip(keys, sketches):
        for other in lsh.query(m):
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    t1 = time.perf_counter()
    tree.__exit__(None, None, None)
    cpu1 = _cpu_seconds()
    peak = _peak_rss_mib()

    found = {frozenset(p) for p in pairs}
    truth = _read_truth(truth_path)
    return {
        "engine": "datasketch",
        "docs": len(keys),
        "seconds": t1 - t0,
        "seconds_read_sketch_insert": t_insert - t0,
        "seconds_query": t1 - t_insert,
        "docs_per_s": len(keys) / (t1 - t0),
        "peak_rss_mib": peak,
        "peak_tree_pss_mib": tree.peak_mib,
        "peak_tree_processes": tree.peak_procs,
        "rss_after_imports_mib": rss_start,
        "cpu_seconds": (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]),
        "threshold": threshold,
        "num_perm": num_perm,
        "shingle": shingle,
        "bands_rows": [lsh.b, lsh.r],
        "pairs": len(pairs),
        "pairs_label": "candidate pairs",
        "hashfunc": hashfunc_name,
        **_score(found, truth),
    }


def _child_main(args: argparse.Namespace) -> None:
    if args.child == "reprints":
        res = child_reprints(args.corpus, args.truth, args.threshold, args.jobs)
    else:
        res = child_datasketch(args.corpus, args.truth, args.threshold, args.num_perm, args.shingle,
                               args.peer_hashfunc)
    res["python"] = sys.version.split()[0]
    Path(args.child_out).write_text(json.dumps(res, indent=2))


# ------------------------------------------------------------------ the parent


def _run_child(engine: str, corpus: Path, truth: Path, threshold: float | None, profile: Path | None,
               jobs: int | None = None, peer_hashfunc: str = "sha1") -> dict:
    HERE.joinpath("results").mkdir(exist_ok=True)
    fd, out = tempfile.mkstemp(prefix=f"{engine}-", suffix=".json.tmp", dir=HERE / "results")
    os.close(fd)
    cmd = [sys.executable]
    if profile is not None:
        cmd += ["-m", "cProfile", "-o", str(profile)]
    cmd += [str(Path(__file__).resolve()), "--child", engine, "--corpus", str(corpus), "--truth", str(truth), "--child-out", out]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    if engine == "datasketch":
        cmd += ["--peer-hashfunc", peer_hashfunc]
    print(f"[bench] running {engine} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    try:
        if proc.returncode != 0:
            return {"engine": engine, "error": f"exit status {proc.returncode}", "wall_s": wall}
        res = json.loads(Path(out).read_text())
        res["process_wall_s"] = wall
        return res
    finally:
        Path(out).unlink(missing_ok=True)


def _reprints_default_threshold() -> float:
    """The LSH threshold of ``ScanParams()``, read in a throwaway child (keeps the parent light)."""
    code = "from reprints.pipeline import ScanParams; print(ScanParams().lsh.threshold)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                         check=False)
    if out.returncode != 0:
        sys.exit(f"cannot import reprints:\n{out.stderr}")
    return float(out.stdout.strip())


def _fmt(x, nd=1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return f"{x:,}"


def markdown(results: list[dict], meta: dict) -> str:
    ok = [r for r in results if "error" not in r]
    lines = [
        (f"Corpus: `{meta['corpus']}` ({_fmt(meta['docs_in_corpus'])} documents, {meta['corpus_mib']:.0f} MiB, "
        f"{_fmt(meta['planted'])} planted pairs); shingle {meta['shingle']}, {meta['num_perm']} permutations, "
        f"LSH threshold {meta['threshold']}; datasketch hashfunc {meta.get('peer_hashfunc', 'sha1')}; {meta['cpus']} CPUs, Python {meta['python']}."),
        "",
        ("| engine | docs | seconds | docs/s | CPU s | peak RSS MiB | peak PSS MiB, with workers | recall "
         "| reformatted | wrapped | excerpt | edited | pairs | bands x rows |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in ok:
        rk = r["recall_by_kind"]
        lines.append(
            f"| {r['engine']} | {_fmt(r['docs'])} | {_fmt(r['seconds'])} | {_fmt(r['docs_per_s'], 0)} | "
            f"{_fmt(r.get('cpu_seconds'))} | {_fmt(r['peak_rss_mib'], 0)} | {_fmt(r.get('peak_tree_pss_mib'), 0)} | "
            f"{_fmt(r['recall'], 4)} | "
            + " | ".join(_fmt(rk.get(k), 4) for k in KINDS)
            + f" | {_fmt(r['pairs'])} {r['pairs_label']} | {r['bands_rows'][0]} x {r['bands_rows'][1]} |"
        )
    for r in results:
        if "error" in r:
            lines.append(f"| {r['engine']} | failed: {r['error']} |" + " |" * 12)
    lines.append("")
    if meta.get("ratio") is not None:
        lines.append(f"Throughput ratio reprints / datasketch: **{meta['ratio']:.2f}x** wall-clock "
                     f"({meta['cpu_ratio']:.2f}x per CPU-second); peak memory ratio "
                     f"{meta['memory_ratio']:.2f}x (RSS of the main process), "
                     f"{_fmt(meta['memory_ratio_pss'], 2)}x (PSS with workers).")
    lines.append("datasketch stops at candidate pairs; reprints also aligns, classifies and clusters them, "
                 "and its time includes loading (header parsing, encoding repair). datasketch runs in one "
                 "process; reprints sketches in worker processes when `jobs` allows (see `jobs` below).")
    rp = next((r for r in ok if r["engine"] == "reprints"), None)
    if rp:
        st = rp["stats"]
        stages = ", ".join(f"{k[8:]} {v:.1f} s" for k, v in st.items() if k.startswith("seconds_") and k != "seconds_total")
        lines.append(f"reprints stages (reading overlaps sketching): {stages}; "
                     f"{_fmt(int(st.get('candidates', 0)))} candidates, {_fmt(rp['pairs'])} related, "
                     f"{_fmt(rp['families'])} families; planted pairs in one family: {_fmt(rp['recall_same_family'], 4)}; "
                     f"related pairs outside planted groups: {_fmt(rp['pairs_outside_planted_groups'])}; "
                     f"jobs {int(st.get('jobs', 1))}.")
    return "\n".join(lines)


def _ensure_corpus(n: int, seed: int) -> tuple[Path, Path]:
    corpus = HERE / "data" / f"corpus-{n}-s{seed}.jsonl"
    truth = corpus.with_name(corpus.stem + ".truth.jsonl")
    if not (corpus.exists() and truth.exists()):
        print(f"[bench] generating {n} documents into {corpus} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--docs", str(n), "--out", str(corpus),
                        "--truth", str(truth), "--seed", str(seed)], check=True, cwd=ROOT)
    return corpus, truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time reprints scan against datasketch MinHashLSH.")
    ap.add_argument("--docs", type=int, default=100_000, help="corpus size to generate/use (default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--corpus", type=Path, help="use this JSONL corpus instead of a generated one")
    ap.add_argument("--truth", type=Path, help="planted pairs for --corpus (default CORPUS stem + .truth.jsonl)")
    ap.add_argument("--threshold", type=float, default=None,
                    help="LSH threshold for both engines (default: reprints' ScanParams default)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="reprints worker processes (ScanParams.jobs; default: reprints' own, 0 = one per core)")
    ap.add_argument("--peer-hashfunc", choices=["sha1", "xxh32"], default="sha1",
                    help="datasketch MinHash hash function (default sha1, datasketch's own default)")
    ap.add_argument("--skip-peer", action="store_true", help="run reprints only")
    ap.add_argument("--skip-reprints", action="store_true", help="run datasketch only")
    ap.add_argument("--profile", type=Path, help="write a cProfile of the reprints child to this file")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "scan.json", help="result file")
    # internal: run one engine
    ap.add_argument("--child", choices=["reprints", "datasketch"], help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    ap.add_argument("--num-perm", type=int, default=128, help=argparse.SUPPRESS)
    ap.add_argument("--shingle", type=int, default=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        _child_main(args)
        return

    if args.corpus:
        corpus = args.corpus
        truth = args.truth or corpus.with_name(corpus.stem + ".truth.jsonl")
    else:
        corpus, truth = _ensure_corpus(args.docs, args.seed)
    if not truth.exists():
        sys.exit(f"no truth file {truth}")
    threshold = args.threshold if args.threshold is not None else _reprints_default_threshold()

    results = []
    if not args.skip_reprints:
        results.append(_run_child("reprints", corpus, truth, threshold, args.profile, args.jobs))
    if not args.skip_peer:
        results.append(_run_child("datasketch", corpus, truth, threshold, None, peer_hashfunc=args.peer_hashfunc))

    with open(corpus, "rb") as fh:
        n_lines = sum(1 for line in fh if line.strip())
    by = {r["engine"]: r for r in results if "error" not in r}
    ratio = cpu_ratio = mem_ratio = pss_ratio = None
    if "reprints" in by and "datasketch" in by:
        rp, ds = by["reprints"], by["datasketch"]
        ratio = rp["docs_per_s"] / ds["docs_per_s"]
        cpu_ratio = (rp["docs"] / rp["cpu_seconds"]) / (ds["docs"] / ds["cpu_seconds"])
        mem_ratio = rp["peak_rss_mib"] / ds["peak_rss_mib"]
        if rp.get("peak_tree_pss_mib") and ds.get("peak_tree_pss_mib"):
            pss_ratio = rp["peak_tree_pss_mib"] / ds["peak_tree_pss_mib"]
    meta = {
        "corpus": os.path.relpath(corpus, ROOT),
        "docs_in_corpus": n_lines,
        "corpus_mib": corpus.stat().st_size / 2**20,
        "planted": len(_read_truth(truth)),
        "threshold": threshold,
        "num_perm": args.num_perm,
        "shingle": args.shingle,
        "peer_hashfunc": args.peer_hashfunc,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "memory_ratio": mem_ratio,
        "memory_ratio_pss": pss_ratio,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    table = markdown(results, meta)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "results": results, "markdown": table}, indent=2) + "\n")
    print(table)
    print(f"\n[bench] wrote {os.path.relpath(args.json, ROOT)}", file=sys.stderr)
    if any("error" in r for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
