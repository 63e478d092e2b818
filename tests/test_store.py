"""The store: incremental adds end in scan's families, updates, queries, and a
store that survives kill -9 and concurrent readers."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, SEEDS
from _stories import FERRY, MINE, agency, body, wrapped

from reprints import Document, ScanParams, load_corpus, scan
from reprints.load import document_from_text
from reprints.store import Store, StoreError

REPRINTS = [sys.executable, "-m", "reprints"]


def _copy(docs):
    """Fresh Document objects (scan and add fill in the language in place)."""
    return [Document(d.id, d.text, dict(d.meta), d.header) for d in docs]


def _families(fams):
    return sorted((tuple(f.members), f.origin) for f in fams)


def _corpus_with_seeds():
    docs = load_corpus(EXAMPLES / "corpus").documents
    if (SEEDS / SEED_ORIGIN).exists():
        docs += load_corpus(SEEDS).documents
    return docs


def _check_orders(docs, params, orders, tmp_path):
    want = _families(scan(_copy(docs), params).families)
    assert len(want) >= 3
    for seed, batch in orders:
        order = _copy(docs)
        random.Random(seed).shuffle(order)
        with Store(tmp_path / f"s{seed}-{batch}.db", params) as store:
            store.add(order, batch=batch)
            assert _families(store.families()) == want, f"order {seed}, batches of {batch}"
            assert store.check() == []


def test_adding_in_any_order_and_batch_size_gives_scans_families(tmp_path: Path):
    _check_orders(_corpus_with_seeds(), ScanParams(jobs=1), [(1, 1), (2, 5), (3, 64)], tmp_path)


def test_rewrites_and_translations_added_one_by_one_give_scans_families(tmp_path: Path):
    docs = load_corpus(EXAMPLES / "multilingual" / "corpus").documents
    _check_orders(docs, ScanParams(jobs=1), [(4, 1), (5, 9)], tmp_path)


def test_seed_families_when_added_one_at_a_time(tmp_path: Path):
    if not (SEEDS / SEED_ORIGIN).exists():
        pytest.skip(f"seed documents not found at {SEEDS}")
    with Store(tmp_path / "seeds.db") as store:
        for d in reversed(load_corpus(SEEDS).documents):
            store.add([d])
        (fam,) = store.families()
        assert set(fam.members) == {SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE}
        assert fam.origin == SEED_ORIGIN
        relation = {e.child: e.relation for e in fam.tree}
        assert relation[SEED_WRAPPED] == "reformatted"
        assert relation[SEED_REWRITE] == "rewrite"


def test_update_replaces_a_document_and_its_family(tmp_path: Path):
    params = ScanParams(semantic=False, jobs=1)
    docs = load_corpus(EXAMPLES / "corpus").documents
    with Store(tmp_path / "u.db", params) as store:
        first = store.add(_copy(docs))
        assert (first.added, first.updated, first.unchanged) == (len(docs), 0, 0)
        again = store.add(_copy(docs))
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(docs))
        # a member of the largest family now carries another story entirely
        fam = store.families()[0]
        victim = next(m for m in fam.members if m != fam.origin)
        changed = [document_from_text(d.id, body(MINE)) if d.id == victim else d for d in _copy(docs)]
        res = store.add([d for d in changed if d.id == victim])
        assert (res.added, res.updated) == (0, 1)
        assert victim not in store.family(fam.id).members
        assert _families(store.families()) == _families(scan(_copy(changed), params).families)
        assert store.check() == []


def test_query_answers_without_adding(tmp_path: Path):
    params = ScanParams(semantic=False)
    wire = document_from_text("wire/ferry.txt", agency("Island ferry to stop night crossings", "Nordic Press Agency",
                                                       "March 3, 2025", FERRY))
    copy = document_from_text("paper/ferry.txt", wrapped(FERRY))
    with Store(tmp_path / "q.db", params) as store:
        store.add([wire, copy, document_from_text("wire/mine.txt", body(MINE))])
        n = len(store)
        part = document_from_text("blog/ferry-excerpt.txt", body(FERRY[:5]))
        hit = store.query(part)
        assert len(store) == n
        assert set(hit.family.members) == {"wire/ferry.txt", "paper/ferry.txt"}
        assert hit.family.origin == "wire/ferry.txt"
        assert hit.origin.relation == "excerpt" and hit.origin.b == "blog/ferry-excerpt.txt"
        assert not hit.would_be_origin and not hit.known
        assert {r.relation for r in hit.relations} == {"excerpt"}
        # a passage of the excerpt reads the same in the stored origin
        p = hit.origin.alignment.passages[0]
        assert part.text[p.b_start:p.b_end] in wire.text
        known = store.query(document_from_text("wire/ferry.txt", wire.text))
        assert known.known and [r.relation for r in known.relations] == ["reformatted"]
        assert store.query(document_from_text("x", "Nothing to see here about anything at all.")).family is None
        # a copy with a changed figure and name: the answer says which words changed, against each stored version
        edited = [x.replace("410,000", "420,000").replace("Tomas Ekberg", "Tomas Berg") for x in FERRY]
        hit = store.query(document_from_text("blog/edited.txt", body(edited)))
        row = hit.as_dict()
        for match in row["matches"] + [row["relation_to_origin"]]:
            mine = "a" if match["a"] == "blog/edited.txt" else "b"
            theirs = "b" if mine == "a" else "a"
            said = sorted((c[f"{theirs}_words"], c[f"{mine}_words"], c["kind"]) for c in match["changes"])
            assert said == [("410,000", "420,000", "number"), ("Ekberg", "Berg", "name")], said
            other = hit.text_of(match[theirs])
            assert all(other[c[f"{theirs}_start"]:c[f"{theirs}_end"]] == c[f"{theirs}_words"] for c in match["changes"])


def test_foreign_and_corrupt_files_are_refused_untouched(tmp_path: Path):
    text = tmp_path / "notes.db"
    text.write_text("my notes, not a database\n")
    other = tmp_path / "app.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE things(x)")
    con.commit()
    con.close()
    broken = tmp_path / "broken.db"
    with Store(broken, ScanParams(semantic=False)) as store:
        store.add([document_from_text("a", body(FERRY))])
    raw = bytearray(broken.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page
    broken.write_bytes(bytes(raw))
    for path in (text, other, broken):
        before = path.read_bytes()
        with pytest.raises(StoreError) as err:
            Store(path)
        assert str(path) in str(err.value) and "\n" not in str(err.value)
        assert path.read_bytes() == before
    newer = tmp_path / "newer.db"
    Store(newer, ScanParams(semantic=False)).close()
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer reprints"):
        Store(newer)


def test_cli_add_query_families_export(tmp_path: Path):
    db = tmp_path / "cli.db"
    run = lambda *args: subprocess.run([*REPRINTS, *args], capture_output=True, text=True, timeout=300)  # noqa: E731
    added = run("add", str(EXAMPLES / "corpus"), "--db", str(db), "--no-semantic", "--batch", "10")
    assert added.returncode == 0, added.stderr
    assert "38 added" in added.stdout
    fams = run("families", "--db", str(db), "--json")
    rows = [json.loads(x) for x in fams.stdout.splitlines()]
    assert len(rows) == len(scan(load_corpus(EXAMPLES / "corpus").documents, ScanParams(semantic=False)).families)
    out = tmp_path / "out"
    assert run("export", "--db", str(db), "-o", str(out)).returncode == 0
    exported = [json.loads(x) for x in (out / "families.jsonl").read_text().splitlines()]
    assert sorted(r["members"] for r in exported) == sorted(r["members"] for r in rows)
    pairs = [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()]
    assert pairs and all(p["relation"] != "unrelated" for p in pairs)
    origin = rows[0]["origin"]
    q = run("query", str(EXAMPLES / "corpus" / origin), "--db", str(db), "--json")
    answer = json.loads(q.stdout)
    # queried alone, the file's id is its name, so it is a new document: an identical copy of the origin
    assert not answer["known"] and answer["family"] == rows[0]["family"] and answer["origin"] == origin
    assert {(m["a"], m["b"], m["relation"]) for m in answer["matches"]} >= {
        tuple(sorted((origin, Path(origin).name))) + ("identical",)}
    bad = run("families", "--db", str(EXAMPLES / "corpus" / origin))
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and "not a reprints store" in bad.stderr


def _synthetic(path: Path, n: int, seed: int = 7) -> list[str]:
    """A JSON Lines corpus of ``n`` news-length texts with a reprint planted every tenth one."""
    rnd = random.Random(seed)
    words = [w.strip(".,\"") for w in " ".join(FERRY + MINE).split()]
    vocab = sorted(set(words)) + [f"term{k}" for k in range(3000)]
    ids, rows = [], []
    for k in range(n):
        if k % 10 == 9:
            src = rows[k - 1]["text"]
            text = "Reprinted from the wire.\n\n" + src
        else:
            text = " ".join(rnd.choice(vocab) for _ in range(180)) + "."
        rows.append({"id": f"doc{k:05d}", "text": text})
        ids.append(rows[-1]["id"])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return ids


def test_kill_9_during_add_keeps_the_store_consistent(tmp_path: Path):
    corpus = tmp_path / "big.jsonl"
    ids = _synthetic(corpus, 3000)
    db = tmp_path / "kill.db"
    proc = subprocess.Popen([*REPRINTS, "add", str(corpus), "--db", str(db), "--no-semantic", "--batch", "100"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reported = 0
    for line in proc.stdout:
        if line.startswith("committed "):
            reported = int(line.split()[1])
            if reported >= 300:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert 300 <= reported < len(ids), "the add finished before it could be killed; make the corpus bigger"
    with Store(db) as store:
        assert store.check() == []
        held = len(store)
        assert held >= reported and held % 100 == 0  # whole batches only
        assert all(store.document(i) is not None for i in ids[:reported])
        store.add(load_corpus(corpus).documents)  # finishing the job later gives the full answer
        assert len(store) == len(ids)
        assert store.check() == []
        assert len(store.families()) == len(ids) // 10


def test_readers_never_see_half_a_batch(tmp_path: Path):
    corpus = tmp_path / "mid.jsonl"
    ids = _synthetic(corpus, 1200, seed=11)
    db = tmp_path / "conc.db"
    Store(db, ScanParams(semantic=False)).close()
    proc = subprocess.Popen([*REPRINTS, "add", str(corpus), "--db", str(db), "--batch", "50", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    probe = document_from_text("probe", "Reprinted from the wire.\n\n" + json.loads(
        corpus.read_text().splitlines()[0])["text"])
    seen = set()
    try:
        with Store(db, readonly=True) as reader:
            while proc.poll() is None:
                n = len(reader)
                assert n % 50 == 0 or n == len(ids)
                hit = reader.query(probe)
                if n:
                    assert hit.relations and hit.relations[0].relation == "reformatted"
                seen.add(n)
                for f in reader.families():
                    assert len(f.members) == 2 and all(reader.document(m) for m in f.members)
                time.sleep(0.05)
            assert proc.returncode == 0, proc.stderr.read()
            assert len(reader) == len(ids) and reader.check() == []
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert len(seen) >= 3, f"the reader saw too few states to mean anything: {sorted(seen)}"


def test_params_are_kept_in_the_store(tmp_path: Path):
    params = ScanParams(semantic=False)
    params = replace(params, relate=replace(params.relate, excerpt=0.7))
    Store(tmp_path / "p.db", params).close()
    with Store(tmp_path / "p.db") as again:
        assert again.params.relate.excerpt == 0.7 and again.params.semantic is False


def test_a_reader_catches_up_with_another_writers_adds_and_updates(tmp_path: Path):
    docs = sorted(load_corpus(EXAMPLES / "multilingual" / "corpus").documents, key=lambda d: d.id)[:24]
    path = tmp_path / "two.db"
    probe = _copy(docs[:1])[0]

    def same_state(reader):
        with Store(path, readonly=True) as fresh:
            fresh.query(probe)
            a, b = reader._leads, fresh._leads
            assert (a.rowids == b.rowids).all() and (a.mat == b.mat).all() and (a.top == b.top).all()

    with Store(path, ScanParams(jobs=1)) as writer, Store(path, readonly=True) as reader:
        writer.add(_copy(docs[:12]))
        reader.query(probe)
        same_state(reader)
        writer.add(_copy(docs[12:]))  # appended: the reader loads the new leads only
        reader.query(probe)
        same_state(reader)
        changed = Document(docs[3].id, body(MINE), {}, ())
        writer.add([changed])  # a replaced document: the reader reloads
        answer = reader.query(changed)
        same_state(reader)
        assert answer.known


def test_partial_reuse_found_by_shared_passages_alone_as_in_a_scan(tmp_path: Path):
    """An article taking two sentences of a wire story into text of its own has a
    Jaccard of a few per cent with it: only the winnowed marks make it a candidate,
    in a store as in a scan, when added later and when queried."""
    wire = next(d for d in load_corpus(EXAMPLES / "corpus" / "wire").documents if d.id == "dam-breach-origin.txt")
    sentences = [s.strip() + "." for s in wire.text.replace("\n", " ").split(". ") if len(s.split()) > 18][:2]
    own = [
        "Families from the Bihor county town of Lunca Mica spent the night in the sports hall of the technical "
        "college, where the local council handed out blankets, bread and bottled water to everyone who came.",
        "Our reporter who reached Dealu Ursului by tractor found the main street under a metre of brown water, "
        "with cars swept against the church fence and the windows of the village shop broken by the current.",
        "Local farmers said the flood had ruined the spring sowing on hundreds of hectares along the river, and "
        "several asked why the embankment had not been repaired after an inspection three years ago found cracks.",
        "The county council will meet in emergency session on Friday morning to decide on compensation, and the "
        "mayor asked residents to keep away from the riverbank until engineers have checked what is left of it.",
    ]
    article = document_from_text("local/bihor.txt", "\n\n".join([own[0], sentences[0], own[1], own[2],
                                                                 sentences[1], own[3]]))
    others = [d for d in load_corpus(EXAMPLES / "corpus" / "outlets").documents][:6]
    docs = [wire, *others, article]
    result = scan(_copy(docs), ScanParams(semantic=False))
    [rel] = [r for r in result.related if {r.a, r.b} == {wire.id, article.id}]
    assert rel.relation == "partial" and rel.evidence.shared_words >= 30
    without = scan(_copy(docs), ScanParams(semantic=False, lsh=replace(ScanParams().lsh, min_marks=0)))
    assert not [r for r in without.related if {r.a, r.b} == {wire.id, article.id}]
    with Store(tmp_path / "s.db", ScanParams(semantic=False)) as store:
        store.add(_copy(docs[:-1]))
        hit = store.query(article)
        assert [(r.a, r.b, r.relation) for r in hit.relations if wire.id in (r.a, r.b)] == [(rel.a, rel.b, "partial")]
        store.add(_copy(docs[-1:]))
        assert _families(store.families()) == _families(result.families)


# -- forgetting ------------------------------------------------------------------------------------


def _check_removals(docs, params, subsets, tmp_path, name):
    """Add everything, then remove each subset in turn: the families are always
    those of a scan of the documents that remain."""
    with Store(tmp_path / f"{name}.db", params) as store:
        store.add(_copy(docs))
        left = list(docs)
        for seed, share in subsets:
            ids = sorted(d.id for d in left)
            gone = set(random.Random(seed).sample(ids, max(1, int(len(ids) * share))))
            res = store.remove(sorted(gone) + ["no-such-id"])
            assert res.removed == len(gone) and res.missing == ["no-such-id"]
            left = [d for d in left if d.id not in gone]
            want = _families(scan(_copy(left), params).families)
            assert _families(store.families()) == want, f"{name}: after removing {sorted(gone)}"
            assert store.check() == [] and len(store) == len(left)


def test_removing_any_subset_gives_the_scan_of_what_remains(tmp_path: Path):
    _check_removals(_corpus_with_seeds(), ScanParams(jobs=1), [(1, 0.3), (2, 0.2), (3, 0.1)], tmp_path, "news")


def test_removing_versions_of_translated_stories_gives_the_scan_of_what_remains(tmp_path: Path):
    docs = load_corpus(EXAMPLES / "multilingual" / "corpus").documents
    _check_removals(docs, ScanParams(jobs=1), [(4, 0.3), (5, 0.3)], tmp_path, "multi")


def test_seed_origin_removed_the_copy_and_the_rewrite_stay_one_family(tmp_path: Path):
    if not (SEEDS / SEED_ORIGIN).exists():
        pytest.skip(f"seed documents not found at {SEEDS}")
    docs = load_corpus(SEEDS).documents
    with Store(tmp_path / "seeds.db") as store:
        store.add(_copy(docs))
        store.remove([SEED_ORIGIN])
        want = _families(scan(_copy([d for d in docs if d.id != SEED_ORIGIN])).families)
        assert _families(store.families()) == want
        assert store.check() == []


def test_a_removal_lets_the_next_holder_of_a_full_mark_or_bucket_in(tmp_path: Path):
    """With caps of 3 holders a mark and 2 neighbours a bucket, the fourth text
    sharing a passage is paired by it only once one of the first three goes;
    the store finds what a scan without it finds."""
    from dataclasses import replace as _replace

    rng = random.Random(9)

    def words(n):
        return " ".join(f"w{rng.randrange(50000)}" for _ in range(n))

    passage, story = words(40), words(120)
    docs = [document_from_text(f"p{k}", words(150) + " " + passage + " " + words(150)) for k in range(6)]
    docs += [document_from_text(f"c{k}", f"Copy {k} of the story.\n\n" + story + f" Ends {k}.") for k in range(5)]
    base = ScanParams(semantic=False, jobs=1)
    params = _replace(base, lsh=_replace(base.lsh, max_df=3, max_bucket=2, min_mark_share=0.0))
    with Store(tmp_path / "caps.db", params) as store:
        store.add(_copy(docs))
        assert _families(store.families()) == _families(scan(_copy(docs), params).families)
        store.remove(["p0", "p1", "c1"])
        left = [d for d in docs if d.id not in {"p0", "p1", "c1"}]
        want = _families(scan(_copy(left), params).families)
        assert any(set(m) >= {"p2", "p3", "p4"} for m, _ in want)  # p4 joined by the mark p0 held
        assert _families(store.families()) == want
        assert store.check() == []


def test_expire_forgets_what_is_older_than_the_window(tmp_path: Path):
    params = ScanParams(semantic=False, jobs=1)
    docs = load_corpus(EXAMPLES / "corpus").documents
    with Store(tmp_path / "e.db", params) as store:
        store.add(_copy(docs[:20]))
        store.add(_copy(docs[20:]))
        assert store.expire(3600).removed == 0
        with sqlite3.connect(tmp_path / "e.db") as db:  # make the first batch a day old
            db.execute("UPDATE documents SET added = added - 86400 WHERE id IN (%s)" % ",".join("?" * 20),
                       [d.id for d in docs[:20]])
        res = store.expire(3600)
        assert res.removed == 20 and len(store) == len(docs) - 20
        assert _families(store.families()) == _families(scan(_copy(docs[20:]), params).families)
        dated = [d for d in docs[20:] if d.meta.get("date")]
        assert dated, "the example corpus has dated documents"
        res = store.expire(0, by="date", now=0)  # nothing is dated before 1970
        assert res.removed == 0
        res = store.expire(0, by="date", now=time.time() + 10 * 365 * 86400)
        assert res.removed == len(docs) - 20 and store.families() == []
        assert store.check() == []
