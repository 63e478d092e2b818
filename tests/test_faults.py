"""Faults found by trying reprints as an attacker would (issue 18), each replayed:
a one-line error naming the item and the problem, the rest of the batch goes
on, nothing committed is lost, nothing damaged is written to."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_service import Service

from reprints import ScanParams, load_corpus
from reprints.load import document_from_text, iter_load
from reprints.service import create_app
from reprints.store import Store

REPRINTS = [sys.executable, "-m", "reprints"]
STORY = ("Rail workers across the region will strike for two days next week after talks over pay and rosters "
         "broke down on Monday evening, the union said in a statement.")


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*REPRINTS, *args], capture_output=True, text=True, timeout=300, **kw)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("reprints: error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


# -- 1. a file name that is not UTF-8 --------------------------------------------------------------


@pytest.fixture
def badly_named(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    try:
        with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as fh:
            fh.write(STORY.encode())
    except OSError:  # a filesystem that refuses such names cannot have the fault
        pytest.skip("this filesystem refuses file names that are not UTF-8")
    (folder / "good.txt").write_text(STORY)
    (folder / "copy.txt").write_text("Rail strike\n\n" + STORY)
    return folder


def test_a_file_name_that_is_not_utf8_is_skipped_and_the_scan_writes_its_output(badly_named, tmp_path):
    proc = run("scan", str(badly_named), "-o", str(tmp_path / "out"), "--no-semantic")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "caf\\xe9.txt: id is not valid UTF-8" in proc.stdout
    families = [json.loads(line) for line in (tmp_path / "out" / "families.jsonl").read_text().splitlines()]
    assert [sorted(f["members"]) for f in families] == [["copy.txt", "good.txt"]]


def test_add_keeps_the_good_files_of_a_batch_with_a_badly_named_one(badly_named, tmp_path):
    db = tmp_path / "s.db"
    proc = run("add", str(badly_named), "--db", str(db), "--no-semantic")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "skipped caf\\xe9.txt" in proc.stderr
    with Store(db, readonly=True) as store:
        assert len(store) == 2 and [f.members for f in store.families()] == [("copy.txt", "good.txt")]


def test_the_store_skips_a_document_whose_id_cannot_be_stored(tmp_path):
    with Store(tmp_path / "s.db", ScanParams(semantic=False)) as store:
        res = store.add([document_from_text("caf\udce9", STORY), document_from_text("ok", STORY)])
        assert (res.added, res.skipped) == (1, 1) and "not valid UTF-8" in res.problems[0].message
        assert "ok" in store


# -- 4. JSON nested too deeply -----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [255, 600, 1023])
def test_a_deeply_nested_json_line_is_skipped_not_fatal(tmp_path, depth):
    feed = tmp_path / "feed.jsonl"
    deep = "[" * depth + "]" * depth
    feed.write_text(json.dumps({"id": "good", "text": STORY}) + "\n"
                    + '{"id": "deep", "text": "Some words of a story.", "x": ' + deep + "}\n"
                    + json.dumps({"id": "copy", "text": "Rail strike\n\n" + STORY}) + "\n")
    items = list(iter_load(feed))
    assert [getattr(i, "id", None) for i in items] == ["good", None, "copy"]
    assert "feed.jsonl:2: field 'x' is nested too deeply" in str(items[1])
    proc = run("scan", str(feed), "-o", str(tmp_path / "out"), "--no-semantic", "-q")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    db = tmp_path / "s.db"
    assert run("add", str(feed), "--db", str(db), "--no-semantic", "-q").returncode == 0
    one = tmp_path / "one.jsonl"
    one.write_text('{"id": "deep", "text": "Some words of a story.", "x": ' + deep + "}\n")
    assert "nested too deeply" in one_line_error(run("query", str(one), "--db", str(db)))


# -- 5. smaller stumbles -------------------------------------------------------------------------------


def test_terminal_escapes_in_ids_are_shown_not_obeyed(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "\x1b[2J\x1b[31mred", "text": STORY}) + "\n"
                    + json.dumps({"id": "b\x07", "text": "Rail strike\n\n" + STORY}) + "\n")
    proc = run("scan", str(feed), "-o", str(tmp_path / "out"), "--no-semantic")
    assert proc.returncode == 0
    # a control character in an id is a problem of the item; the picture of ESC is shown, ESC never
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout + proc.stderr
    assert "\u241b[2J" in proc.stdout or "control character" in proc.stdout


def test_shingle_zero_is_refused_not_replaced(tmp_path):
    proc = run("scan", str(tmp_path), "-o", str(tmp_path / "out"), "--shingle", "0")
    assert proc.returncode == 2 and "shingle must be >= 1, got 0" in one_line_error(proc)


def test_utf16_without_a_bom_and_a_stray_nul_are_text(tmp_path):
    (tmp_path / "le.txt").write_bytes(STORY.encode("utf-16-le"))
    (tmp_path / "be.txt").write_bytes(("Rail strike\n\n" + STORY).encode("utf-16-be"))
    raw = STORY.encode()
    (tmp_path / "nul.txt").write_bytes(raw[:30] + b"\x00" + raw[30:])
    (tmp_path / "real.bin.txt").write_bytes(bytes(range(256)) * 8)
    got = {getattr(i, "id", None) or i.source: i for i in iter_load(tmp_path)}
    assert got["le.txt"].text == STORY and got["nul.txt"].text == STORY
    assert got["be.txt"].text.endswith(STORY)
    assert got["real.bin.txt"].message == "binary content"


def test_a_30_digit_integer_id_says_what_to_do(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": 123456789012345678901234567890, "text": "%s"}\n' % STORY)
    (problem,) = list(iter_load(feed))
    assert problem.line == 1
    assert "integer too large to keep exactly" in problem.message and "as a string" in problem.message


def test_a_csv_row_cut_by_an_unquoted_line_break_is_no_document(tmp_path):
    table = tmp_path / "rows.csv"
    table.write_text(f"id,text,title\nr1,{STORY.replace(',', ';')},T1\nr2,first line\nsecond line,T2\n")
    items = list(iter_load(table))
    assert [i.id for i in items if hasattr(i, "id")] == ["r1"]
    assert [str(i).replace(str(tmp_path) + "/", "") for i in items if not hasattr(i, "id")] == [
        "rows.csv:3: row has 2 fields, header has 3 (a line break in an unquoted field?)",
        "rows.csv:4: row has 2 fields, header has 3 (a line break in an unquoted field?)"]


# -- the service -------------------------------------------------------------------------------------


@pytest.fixture
def service(tmp_path):
    started = []

    def make(**options):
        store = Store(tmp_path / f"s{len(started)}.db", ScanParams(semantic=False))
        svc = Service(create_app(store, **options))
        started.append((svc, store))
        return svc, store

    yield make
    for svc, store in started:
        svc.stop()
        for hook in svc.server.config.app.router.on_shutdown:  # the test server runs without lifespan
            hook()
        store.close()


def test_an_id_with_a_line_break_is_refused_so_every_stored_id_can_be_read_back(service):
    svc, _ = service()
    status, _, body = svc.post("/documents", {"id": "a\nb", "text": STORY})
    assert status == 422 and "control character" in body["detail"]
    assert svc.post("/documents", {"id": "wire/a b.txt", "text": STORY})[0] == 201
    assert svc.get("/documents/wire/a%20b.txt/versions")[0] == 200


def test_the_schema_states_the_constraints_of_a_document(service):
    svc, _ = service()
    props = svc.get("/openapi.json")[2]["components"]["schemas"]["DocumentIn"]["properties"]
    assert props["text"]["minLength"] == 1 and props["text"]["pattern"] == "\\S"
    assert props["id"]["maxLength"] == 1000 and props["id"]["pattern"].startswith("^[^")
    status, _, body = svc.post("/documents", {"id": "x", "text": " \n "})
    assert status == 422 and "empty" in body["detail"]


def test_a_slow_or_unfinished_body_is_timed_out(service):
    svc, _ = service(body_timeout=0.5)
    with socket.create_connection(("127.0.0.1", svc.port), timeout=10) as sock:
        sock.sendall(b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"id\": \"a\",")
        t0 = time.monotonic()
        answer = http.client.HTTPResponse(sock)  # the head and the body may come in two packets
        answer.begin()
        body = answer.read().decode()
        assert time.monotonic() - t0 < 5
    assert answer.status == 408 and "not received within 0.5 seconds" in body
    assert svc.get("/health")[0] == 200


def test_delete_forgets_a_document_and_rebuilds_its_family(service):
    svc, store = service(write_process=True)  # as `reprints serve` runs it
    for k, text in enumerate([STORY, "Rail strike\n\n" + STORY, "Strike news\n\n" + STORY]):
        assert svc.post("/documents", {"id": f"wire/{k}.txt", "text": text})[0] == 201
    assert len(store.families()[0].members) == 3
    status, _, body = svc.request("DELETE", "/documents/wire/0.txt")
    assert status == 200 and body == {"id": "wire/0.txt", "removed": 1, "families_rebuilt": 1}
    assert store.families()[0].members == ("wire/1.txt", "wire/2.txt") and "wire/0.txt" not in store
    assert svc.request("DELETE", "/documents/wire/0.txt")[0] == 404
    assert svc.get("/documents/wire/0.txt/versions")[0] == 404


def test_families_are_paged_in_order(service):
    svc, store = service()
    docs = load_corpus(Path(__file__).parent.parent / "examples" / "corpus").documents
    store.add(docs)
    every = [f.as_dict() for f in store.families()]
    pages = [svc.get(f"/families?limit=2&offset={k}") for k in range(0, len(every) + 2, 2)]
    assert [f for _, _, page in pages for f in page] == every
    assert all(resp.getheader("X-Total-Count") == str(len(every)) for _, resp, _ in pages)


@pytest.mark.parametrize("write_process", [False, True])
def test_health_answers_while_a_batch_is_written(service, write_process):
    svc, store = service(write_process=write_process)
    docs = [{"id": f"d{k}", "text": f"Story {k}. " + " ".join(f"w{k}x{j}" for j in range(300))} for k in range(400)]
    slow: list[float] = []
    done = threading.Event()

    def write():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=120)
            conn.request("POST", "/documents/batch", body=json.dumps({"documents": docs}),
                         headers={"Content-Type": "application/json"})
            assert conn.getresponse().status == 201
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen_writing = False
    while not done.is_set():
        t0 = time.monotonic()
        status, _, body = svc.get("/health")
        slow.append(time.monotonic() - t0)
        assert status == 200
        seen_writing |= body["documents"] == 0 and not done.is_set()
        time.sleep(0.01)
    writer.join()
    assert seen_writing and len(slow) >= 3  # health answered, from the last commit, while the batch went in
    assert max(slow) < 1.0, slow
    assert svc.get("/health")[2]["documents"] == 400


# -- 2. a damaged store --------------------------------------------------------------------------------

EXAMPLES = Path(__file__).parent.parent / "examples"


def _damage(db: Path, pages: int = 3, seed: int = 1) -> None:
    """Random bytes over ``pages`` inner pages, as a failing disk leaves them."""
    import random

    size, page = db.stat().st_size, 4096
    rng = random.Random(seed)
    with open(db, "r+b") as fh:
        for number in rng.sample(range(2, size // page), pages):
            fh.seek(number * page)
            fh.write(rng.randbytes(page))


def test_a_damaged_store_is_never_written_and_every_command_says_so_in_one_line(tmp_path):
    db = tmp_path / "s.db"
    assert run("add", str(EXAMPLES / "corpus"), "--db", str(db), "--no-semantic", "-q").returncode == 0
    _damage(db)
    before = db.read_bytes()
    proc = run("add", str(EXAMPLES / "multilingual" / "corpus"), "--db", str(db), "-q")
    assert proc.returncode != 0 and "damaged" in one_line_error(proc) and "nothing was written" in proc.stderr
    proc = run("serve", "--db", str(db), "--port", "0")
    assert proc.returncode != 0 and "damaged" in one_line_error(proc)
    assert db.read_bytes() == before
    proc = run("check", "--db", str(db))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "problem" in proc.stdout
    for args in (["export", "--db", str(db), "-o", str(tmp_path / "out")],
                 ["report", str(db), "-o", str(tmp_path / "r.html")],
                 ["families", "--db", str(db)],
                 ["query", str(EXAMPLES / "corpus" / "wire" / "dam-breach-origin.txt"), "--db", str(db)]):
        proc = run(*args)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        if proc.returncode:
            assert "damaged" in one_line_error(proc), args
    assert db.read_bytes() == before
    healthy = tmp_path / "ok.db"
    assert run("add", str(EXAMPLES / "corpus"), "--db", str(healthy), "--no-semantic", "-q").returncode == 0
    proc = run("check", "--db", str(healthy))
    assert proc.returncode == 0 and proc.stdout.strip() == f"{healthy}: ok"


# -- 5. two adds creating one store; a full disk -----------------------------------------------------


def _create_and_add(db: str, k: int, barrier, errors) -> None:
    barrier.wait()  # every process opens the missing store at the same moment
    try:
        with Store(db, ScanParams(semantic=False)) as store:
            store.add([document_from_text(f"d{k}", f"Story number {k}. " + STORY)])
    except Exception as exc:  # noqa: BLE001 - reported to the test
        errors.put(f"{type(exc).__name__}: {exc}")


def test_adds_creating_one_store_at_once_all_succeed(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for trial in range(6):
        db = tmp_path / f"race{trial}.db"
        barrier, errors = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_create_and_add, args=(str(db), k, barrier, errors)) for k in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        failures = []
        while not errors.empty():
            failures.append(errors.get())
        assert failures == [], f"trial {trial}: {failures}"
        with Store(db, readonly=True) as store:
            assert len(store) == 4 and store.check() == []
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_two_add_commands_creating_one_store_both_succeed(tmp_path):
    db = tmp_path / "race.db"
    procs = [subprocess.Popen([*REPRINTS, "add", str(EXAMPLES / "corpus" / part), "--db", str(db),
                               "--no-semantic", "-q"], stderr=subprocess.PIPE, text=True)
             for part in ("wire", "outlets")]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with Store(db, readonly=True) as store:
        expected = sum(len(load_corpus(EXAMPLES / "corpus" / part).documents) for part in ("wire", "outlets"))
        assert len(store) == expected and store.check() == []


def _limited(limit: int):
    def apply() -> None:  # in the child: writes past `limit` bytes fail with EFBIG, as on a full disk
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_is_one_line_and_keeps_what_was_committed(tmp_path):
    db = tmp_path / "s.db"
    proc = subprocess.run([*REPRINTS, "add", str(EXAMPLES / "corpus"), "--db", str(db), "--no-semantic",
                           "--batch", "4", "-q"], capture_output=True, text=True, timeout=300,
                          preexec_fn=_limited(200_000))
    assert proc.returncode == 1, proc.stderr
    assert "cannot write" in one_line_error(proc)
    with Store(db, readonly=True) as store:
        kept = len(store)
        assert 0 < kept < 38 and kept % 4 == 0 and store.check() == []
    out = tmp_path / "out"
    proc = subprocess.run([*REPRINTS, "scan", str(EXAMPLES / "corpus"), "-o", str(out), "--no-semantic", "-q"],
                          capture_output=True, text=True, timeout=300, preexec_fn=_limited(2_000))
    assert proc.returncode != 0 and "cannot write" in one_line_error(proc)


# -- kill -9 at random moments -----------------------------------------------------------------------

_RANDOM_KILLS = 21  # at least 20 trials: add, remove, expire and service writes


def _fams(fams) -> list:
    return sorted((tuple(f.members), f.origin) for f in fams)


@pytest.fixture(scope="module")
def killing_ground(tmp_path_factory):
    """A synthetic feed of 600 texts (a reprint every tenth), its scan, and a full store of it."""
    from test_store import _synthetic

    from reprints import scan

    root = tmp_path_factory.mktemp("kill")
    feed = root / "feed.jsonl"
    ids = _synthetic(feed, 600, seed=3)
    docs = load_corpus(feed).documents
    params = ScanParams(semantic=False)
    full = root / "full.db"
    with Store(full, params) as store:
        store.add(docs, batch=100)
    return feed, ids, docs, full, lambda keep: _fams(scan([d for d in docs if d.id in keep], params).families)


def _cpu_of(pid: int) -> float:
    """CPU seconds a running process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _full_cpu(args: list[str], before=None, runs: int = 3) -> float:
    """CPU seconds the command takes when left alone (it is run to the end):
    the median of ``runs`` runs (``before()`` readies each one), since Python's
    start alone varies by a third from run to run and one slow or fast
    calibration would put every kill moment after or before the work."""
    took = []
    for _ in range(runs):
        if before is not None:
            before()
        proc = subprocess.Popen([*REPRINTS, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.returncode == 0, args
        took.append(usage.ru_utime + usage.ru_stime)
    return sorted(took)[len(took) // 2]


def _killed(args: list[str], at_cpu: float) -> None:
    """Run the command and kill -9 it once it has used ``at_cpu`` CPU seconds
    (a moment inside its work that does not depend on how busy the machine is)."""
    proc = subprocess.Popen([*REPRINTS, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and _cpu_of(proc.pid) < at_cpu:
        time.sleep(0.002)
    proc.kill()
    proc.wait(timeout=60)


def _copy_store(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copyfile(src, dst)
    return dst


def test_kill_9_at_random_moments_loses_nothing_committed(killing_ground, tmp_path):
    import random

    feed, ids, docs, full, scanned = killing_ground
    rng = random.Random(18)
    every = set(ids)
    kinds = ["add", "remove", "expire", "serve"]
    outcomes: list[tuple[str, int]] = []
    cpu = {"add": _full_cpu(["add", str(feed), "--db", str(tmp_path / "whole.db"), "--no-semantic", "--batch", "50",
                             "-q"], before=lambda: (tmp_path / "whole.db").unlink(missing_ok=True)),
           "remove": _full_cpu(["remove", *ids[:200], "--db", str(tmp_path / "r.db"), "-q"],
                               before=lambda: _copy_store(full, tmp_path / "r.db"))}
    cpu["expire"] = cpu["remove"]
    for trial in range(_RANDOM_KILLS):
        kind = kinds[trial % len(kinds)]
        share = rng.uniform(0.5, 1.15)  # the first half or so of the CPU time is starting Python; some finish
        db = tmp_path / f"t{trial}.db"
        if kind == "add":
            _killed(["add", str(feed), "--db", str(db), "--no-semantic", "--batch", "50", "-q"], share * cpu[kind])
            if not db.exists():
                continue  # killed before it created the store: nothing was committed
            with Store(db) as store:
                assert store.check() == [], (trial, kind)
                assert len(store) % 50 == 0  # whole batches only
                outcomes.append((kind, len(store)))
                store.add(load_corpus(feed).documents)  # the rerun converges
                assert _fams(store.families()) == scanned(every), (trial, kind)
        elif kind == "remove":
            _copy_store(full, db)
            gone = set(rng.sample(ids, 200))
            _killed(["remove", *sorted(gone), "--db", str(db), "-q"], share * cpu[kind])
            with Store(db) as store:
                assert store.check() == [], (trial, kind)
                assert len(store) in (len(ids), len(ids) - len(gone))  # one transaction: all or nothing
                outcomes.append((kind, len(store)))
                store.remove(sorted(gone))
                assert _fams(store.families()) == scanned(every - gone), (trial, kind)
        elif kind == "expire":
            _copy_store(full, db)
            import sqlite3

            old = set(ids[:300])
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE documents SET added = added - 7200 WHERE id IN (%s)" % ",".join("?" * 300),
                             sorted(old))
            conn.close()
            _killed(["expire", "--db", str(db), "--older-than", "1h", "-q"], share * cpu[kind])
            with Store(db) as store:
                assert store.check() == [], (trial, kind)
                assert len(store) in (len(ids), len(ids) - len(old))
                outcomes.append((kind, len(store)))
                store.expire(3600)
                assert _fams(store.families()) == scanned(every - old), (trial, kind)
        else:
            _serve_and_kill(db, docs, rng.uniform(0.2, 2.0), trial)
            with Store(db) as store:
                assert store.check() == [], (trial, kind)
                store.add(load_corpus(feed).documents)
                assert _fams(store.families()) == scanned(every), (trial, kind)
    # the moments were inside the work: some adds were cut between batches, and some
    # removals or expiries were killed before their commit while others went through
    assert any(kind == "add" and 0 < n < len(ids) for kind, n in outcomes), outcomes
    assert {n == len(ids) for kind, n in outcomes if kind != "add"} == {True, False}, outcomes


def _serve_and_kill(db: Path, docs, delay: float, trial: int) -> None:
    """Post batches to a served store and kill the server at ``delay``: every
    batch answered 201 is in the store afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Store(db, ScanParams(semantic=False)).close()
    proc = subprocess.Popen([*REPRINTS, "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    committed: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.05)
        stop = time.monotonic() + delay
        k = 0
        while time.monotonic() < stop and k < len(docs):
            batch = [{"id": d.id, "text": d.text} for d in docs[k:k + 40]]
            k += 40
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/documents/batch", body=json.dumps({"documents": batch}),
                             headers={"Content-Type": "application/json"})
                if conn.getresponse().status == 201:
                    committed += [d["id"] for d in batch]
            except OSError:
                break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    with Store(db, readonly=True) as store:
        assert all(i in store for i in committed), f"trial {trial}: a batch answered 201 was lost"
