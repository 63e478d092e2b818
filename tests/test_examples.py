"""The bundled example corpus: scan must find exactly the families written beside it."""

import shutil
from pathlib import Path

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, seeds, truth_of

from reprints import load_corpus, scan


def _truth():
    return truth_of(EXAMPLES / "truth.jsonl")


@pytest.fixture(scope="module")
def example_scan():
    corpus = load_corpus(EXAMPLES / "corpus")
    return corpus, scan(corpus.documents, problems=corpus.problems)


def test_corpus_is_big_enough_and_loads_cleanly(example_scan):
    corpus, _ = example_scan
    families, _, _ = _truth()
    assert len(corpus.documents) >= 30
    assert corpus.problems == []
    assert {d.id for d in corpus.documents} == set().union(*families.values())
    assert sum(len(m) > 1 for m in families.values()) >= 5


def test_scan_finds_exactly_the_expected_families(example_scan):
    _, result = example_scan
    families, _, _ = _truth()
    expected = {frozenset(m) for m in families.values() if len(m) > 1}
    found = {frozenset(f.members) for f in result.families}
    assert found == expected


def test_origins_match(example_scan):
    _, result = example_scan
    families, origins, _ = _truth()
    by_members = {frozenset(f.members): f for f in result.families}
    for label, origin in origins.items():
        fam = by_members[frozenset(families[label])]
        assert fam.origin == origin, label
        # every version in the corpus was cut from its origin directly
        assert {e.parent for e in fam.tree} == {origin}, label


def test_pair_relations_match(example_scan):
    _, result = example_scan
    _, _, relations = _truth()
    found = {frozenset((r.a, r.b)): r for r in result.related}
    for pair, relation in relations.items():
        assert pair in found, sorted(pair)
        assert found[pair].relation == relation, (sorted(pair), found[pair].relation)
        if relation == "excerpt":
            # the excerpt is on the b side
            a, b = found[pair].a, found[pair].b
            assert found[pair].evidence.b_in_a >= found[pair].evidence.a_in_b, (a, b)


def test_seeds_mixed_into_the_corpus_keep_their_family_to_themselves(tmp_path: Path):
    src = seeds()
    root = tmp_path / "mixed"
    shutil.copytree(EXAMPLES / "corpus", root)
    for name in (SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE):
        shutil.copy(src / name, root / name)
    corpus = load_corpus(root)
    result = scan(corpus.documents)
    seed_fams = [f for f in result.families if SEED_ORIGIN in f.members]
    assert len(seed_fams) == 1
    fam = seed_fams[0]
    assert set(fam.members) <= {SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE}
    assert SEED_WRAPPED in fam.members
    assert fam.origin == SEED_ORIGIN
    # and the example families are unchanged by the seeds
    families, _, _ = _truth()
    expected = {frozenset(m) for m in families.values() if len(m) > 1}
    others = {frozenset(f.members) for f in result.families if f is not fam}
    assert others == expected


def test_seed_acceptance_case():
    result = scan(load_corpus(seeds()).documents)
    [fam] = [f for f in result.families if SEED_ORIGIN in f.members]
    assert fam.origin == SEED_ORIGIN
    why = " ".join(fam.reasons)
    assert "By AFP" in why and "2021-12-22" in why and "https://www.themoscowtimes.com/2021/12/22/" in why
    rel = next(r for r in result.related if {r.a, r.b} == {SEED_ORIGIN, SEED_WRAPPED})
    assert rel.relation == "reformatted"
    assert rel.evidence.a_in_b == 1.0 and rel.evidence.b_in_a == 1.0
    origin_only = {k for _, _, k in (rel.a_only if rel.a == SEED_ORIGIN else rel.b_only)}
    wrapped_only = [k for _, _, k in (rel.b_only if rel.a == SEED_ORIGIN else rel.a_only)]
    assert {"header:title", "header:byline", "header:date", "header:url", "credit"} <= origin_only
    assert "text" not in origin_only and "text" not in wrapped_only
    assert wrapped_only.count("url") == 2


def test_worker_processes_give_the_same_result(example_scan):
    from reprints import ScanParams

    corpus, single = example_scan
    multi = scan(corpus.documents, ScanParams(jobs=2, batch=7))
    assert multi.stats["jobs"] == 2
    assert [f.as_dict() for f in multi.families] == [f.as_dict() for f in single.families]
    assert [r.as_dict() for r in multi.related] == [r.as_dict() for r in single.related]


@pytest.mark.parametrize("jobs", [1, 2])
def test_headers_left_to_the_scan_workers_give_the_same_result(example_scan, jobs):
    """Documents read with parse_headers=False have their headers parsed inside the
    scan (in its workers when there are any): same metadata, families and pairs."""
    from reprints import ScanParams
    from reprints.load import Document, iter_load

    corpus, single = example_scan
    raw = [d for d in iter_load(EXAMPLES / "corpus", parse_headers=False) if isinstance(d, Document)]
    assert any(d.meta.get("title") != full.meta.get("title") for d, full in zip(raw, corpus.documents))
    late = scan(iter(raw), ScanParams(jobs=jobs, batch=7))
    assert [(d.id, d.meta, d.header) for d in late.documents] == [(d.id, d.meta, d.header) for d in single.documents]
    assert all(type(d) is Document for d in late.documents)
    assert [f.as_dict() for f in late.families] == [f.as_dict() for f in single.families]
    assert [r.as_dict() for r in late.related] == [r.as_dict() for r in single.related]
