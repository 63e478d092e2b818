"""The service under write load: read latency while 1,000-document batches go in back to back.

Builds (or reuses, ``--store``) a lexical store of the generated 100,000-document
corpus, starts ``reprints serve`` on loopback, and for ``--seconds`` posts
batches of ``--batch`` new documents (a second generated corpus) one after
another while a reader asks ``/health``, ``/query`` (a held-back reprint) and
``/families?limit=50`` (random pages) in turn. Reports the latency of each
read, idle (before the writes) and under the writes, and the ratio between them:
reads have their own connection to the store, so writes should not hold them
up. Also times what opening the store for writing costs (SQLite's quick check
of every page, run before any write). There is no peer: datasketch and
text-dedup have no service; the idle figures of the same run are the baseline.

    .venv/bin/python benchmarks/bench_service.py --docs 100000 --seconds 60
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

from reprints.load import LoadProblem, iter_load  # noqa: E402
from reprints.pipeline import ScanParams  # noqa: E402
from reprints.store import Store  # noqa: E402


def _latency(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"n": len(ms), "median_ms": round(float(np.median(ms)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2)}


def _corpus(n: int, seed: int) -> Path:
    path = ROOT / "benchmarks" / "data" / f"corpus-{n}-s{seed}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(n, path, seed=seed)
    return path


def _docs(path: Path, limit: int | None = None, prefix: str = "") -> list[dict]:
    out = []
    for item in iter_load(path, parse_headers=False):
        if isinstance(item, LoadProblem):
            continue
        out.append({"id": prefix + item.id, "text": item.text})
        if limit is not None and len(out) >= limit:
            break
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, float]:
        data = json.dumps(body).encode() if body is not None else None
        t = time.perf_counter()
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = self.conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - t


def _reads(port: int, query: dict, families: int, seconds: float, stop: threading.Event | None = None) -> dict:
    """/health, /query and a random /families page in turn for ``seconds`` (or until ``stop``)."""
    client = _Client(port)
    rng = random.Random(1)
    times: dict[str, list[float]] = {"health": [], "query": [], "families": []}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (stop and stop.is_set()):
        for name, method, path, body in (("health", "GET", "/health", None), ("query", "POST", "/query", query),
                                         ("families", "GET", f"/families?limit=50&offset={rng.randrange(max(families - 50, 1))}",
                                          None)):
            status, dt = client.call(method, path, body)
            assert status == 200, (name, status)
            times[name].append(dt)
        time.sleep(0.005)
    return {name: _latency(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--store", type=Path, help="reuse this store (built here when missing)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "service.json")
    args = ap.parse_args(argv)

    corpus = _corpus(args.docs, 1)
    db = args.store or ROOT / "benchmarks" / "data" / f"store-lexical-{args.docs}.db"
    if not db.exists():
        t0 = time.perf_counter()
        docs = [d for d in iter_load(corpus, parse_headers=False) if not isinstance(d, LoadProblem)]
        with Store(db, ScanParams(semantic=False)) as store:
            store.add(docs, batch=2000)
        print(f"built {db} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    with Store(db) as store:  # opening for writes runs the quick check
        open_write_s = time.perf_counter() - t0
        n_docs, families = len(store), len(store.families())
    t0 = time.perf_counter()
    with Store(db, readonly=True):
        open_read_s = time.perf_counter() - t0
    incoming = _docs(_corpus(args.docs // 10, 2), prefix=f"new{int(time.time())}/")  # ids the store has never seen
    query = {"id": "probe", "text": "Reprinted.\n\n" + _docs(corpus, 1)[0]["text"]}

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "reprints", "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start: {server.stderr.read().decode()[-500:]}")
                time.sleep(0.1)
        idle = _reads(port, query, families, min(20.0, args.seconds / 3))
        stop = threading.Event()
        batches: list[float] = []

        def write() -> None:
            client = _Client(port)
            k = 0
            while not stop.is_set() and k + args.batch <= len(incoming):
                status, dt = client.call("POST", "/documents/batch", {"documents": incoming[k:k + args.batch]})
                assert status == 201, status
                batches.append(dt)
                k += args.batch
            stop.set()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        loaded = _reads(port, query, families, args.seconds, stop)
        stop.set()
        writer.join()
    finally:
        server.terminate()
        server.wait(timeout=60)
    out = {
        "machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "store": {"documents": n_docs, "families": families, "mib": round(db.stat().st_size / 2**20, 1),
                  "open_for_writes_s": round(open_write_s, 3), "open_read_only_s": round(open_read_s, 3)},
        "batch": args.batch, "batches_written": len(batches),
        "batch_seconds": _latency(batches) if batches else None,
        "idle": idle, "under_writes": loaded,
        "p99_ratio_under_writes_vs_idle": {k: round(loaded[k]["p99_ms"] / max(idle[k]["p99_ms"], 1e-9), 2)
                                           for k in loaded},
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
