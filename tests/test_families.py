from _stories import FERRY, MINE, agency, body, doc, wrapped

from reprints.pipeline import scan


def _families(docs):
    return {f.origin: f for f in scan(docs).families}


def test_round_up_holding_two_whole_stories_does_not_chain_them():
    docs = [
        doc("ferry.txt", agency("Night ferries to stop", "Nordic Press Agency", "March 3, 2024", FERRY)),
        doc("ferry-copy.txt", "Island ferries axed at night\n\nBy Staff\n\nMarch 4, 2024\n\n" + body(FERRY)),
        doc("mine.txt", agency("Mine evacuated as dam cracks", "Reuters", "March 1, 2024", MINE)),
        doc("mine-copy.txt", wrapped(MINE)),
        doc("roundup.txt", "Weekly round-up\n\n" + body(FERRY) + "\n\n" + body(MINE)),
    ]
    families = scan(docs).families
    assert len(families) == 2
    for fam in families:
        assert not ({"ferry.txt", "mine.txt"} <= set(fam.members))
    members = {m for f in families for m in f.members}
    assert {"ferry.txt", "ferry-copy.txt", "mine.txt", "mine-copy.txt"} <= members


def test_excerpts_of_different_parts_stay_in_one_family():
    docs = [
        doc("origin.txt", agency("Night ferries to stop", "Nordic Press Agency", "March 3, 2024", FERRY)),
        doc("first-half.txt", "Ferries: the first part\n\n" + body(FERRY[:4])),
        doc("second-half.txt", "Ferries: the rest\n\n" + body(FERRY[4:])),
        doc("wrapped.txt", wrapped(FERRY)),
    ]
    [fam] = scan(docs).families
    assert set(fam.members) == {"origin.txt", "first-half.txt", "second-half.txt", "wrapped.txt"}
    assert fam.origin == "origin.txt"
    parents = {e.child: (e.parent, e.relation) for e in fam.tree}
    assert parents["first-half.txt"][1] == "excerpt"
    assert parents["second-half.txt"][1] == "excerpt"
    assert parents["first-half.txt"][0] in {"origin.txt", "wrapped.txt"}


def test_origin_prefers_earliest_dated_agency_copy_over_longer_reprint():
    reprint = ("Ferries to stop at night\n\nBy Coastal Times staff\n\nMarch 5, 2024\n\n" + body(FERRY)
               + "\n\nSubscribe to our newsletter for daily updates.\n\nCoastal Times is an independent local paper"
               " founded in 1921 and owned by a foundation of its readers.")
    docs = [doc("reprint.txt", reprint),
            doc("origin.txt", agency("Night ferries to stop", "Nordic Press Agency", "March 3, 2024", FERRY,
                                     url="https://news.example.org/ferries"))]
    [fam] = scan(docs).families
    assert fam.origin == "origin.txt"
    text = " ".join(fam.reasons)
    assert "earliest date (2024-03-03)" in text and "Nordic Press Agency" in text
    assert "https://news.example.org/ferries" in text


def test_without_metadata_the_fuller_text_is_the_origin():
    docs = [doc("part.txt", body(FERRY[:5])), doc("whole.txt", body(FERRY))]
    [fam] = scan(docs).families
    assert fam.origin == "whole.txt"
    assert any("containment" in r for r in fam.reasons)
    assert [(e.child, e.parent, e.relation) for e in fam.tree] == [("part.txt", "whole.txt", "excerpt")]


def test_single_shared_quote_does_not_make_a_family():
    other = ("Councillors met on Wednesday to discuss the budget for harbour repairs. " * 3
             + FERRY[2] + " The meeting ended without a vote, and a decision is expected in May after an audit of costs.")
    docs = [doc("ferry.txt", agency("Night ferries to stop", "AFP", "March 3, 2024", FERRY)),
            doc("council.txt", other)]
    assert scan(docs).families == []


def test_a_crowd_of_copies_is_one_family():
    # copies are paired with one of them only, so the graph is a star, not a clique
    docs = [doc(f"copy-{k:03d}.txt", f"Copy {k}\n\n" + body(FERRY)) for k in range(150)]
    [fam] = scan(docs).families
    assert len(fam.members) == 150
    assert len(fam.tree) == 149
    assert {e.relation for e in fam.tree} == {"reformatted"}


def test_headerless_copy_with_the_same_date_is_not_the_origin():
    from reprints.load import document_from_text

    docs = [
        document_from_text("a-clipping", wrapped(FERRY), {"date": "2024-03-03"}),
        doc("z-original.txt", agency("Night ferries to stop", "Canadian Press", "March 3, 2024", FERRY)),
    ]
    [fam] = scan(docs).families
    assert fam.origin == "z-original.txt"
    assert any("agency credit (By Canadian Press)" in r for r in fam.reasons)
    assert any("complete header" in r for r in fam.reasons)


def test_rebuilding_only_touched_groups_equals_a_full_rebuild():
    import random

    from _paths import EXAMPLES

    from reprints import load_corpus
    from reprints.families import build_families, rebuild_families
    from reprints.pipeline import ScanParams

    docs = load_corpus(EXAMPLES / "corpus").documents
    result = scan(docs, ScanParams(semantic=False))
    meta = {d.id: d.meta for d in docs}
    rels = result.relations
    words = {r.a: r.alignment.a_words for r in rels} | {r.b: r.alignment.b_words for r in rels}
    full = build_families(rels, meta, words)
    assert full == result.families and len(full) >= 6
    linked = sorted({x for r in rels if r.relation != "unrelated" for x in (r.a, r.b)})
    rnd = random.Random(5)
    for n in (0, 1, 3, len(linked)):
        touched = set(rnd.sample(linked, n))
        assert rebuild_families(full, rels, touched, meta, words) == full
    # a relation dropped from one family changes that family only, and the rebuild sees it
    fam = next(f for f in full if len(f.members) >= 4)
    cut = [r for r in rels if not (r.relation != "unrelated" and {r.a, r.b} <= set(fam.members)
                                    and fam.origin in (r.a, r.b))]
    want = build_families(cut, meta, words)
    assert want != full
    assert rebuild_families(full, cut, set(fam.members), meta, words) == want


def test_meaning_only_joins_what_words_grouped_never_splits_it():
    """A chain of four versions related by their words is one family without
    semantic matching; rewrites hanging a second chain off its end must not make
    a bridge of its middle version and cut the chain apart."""
    from reprints.align import Alignment
    from reprints.families import build_families
    from reprints.relate import Evidence, Relation

    def rel(a, b, name, score):
        return Relation(a, b, name, score, Evidence(0.5, 0.5, 50, 1, False, False), Alignment((), 100, 100, 50, 50))

    words = [rel("a", "b", "partial", 0.5), rel("b", "c", "partial", 0.5), rel("c", "d", "partial", 0.5)]
    meaning = [rel("d", "e", "rewrite", 0.6), rel("e", "f", "rewrite", 0.9), rel("f", "g", "rewrite", 0.9)]
    meta = {x: {} for x in "abcdefg"}
    [alone] = build_families(words, meta)
    assert set(alone.members) == set("abcd")
    both = build_families(words + meaning, meta)
    assert any(set("abcd") <= set(f.members) for f in both)
    assert sorted(m for f in both for m in f.members) == sorted(set(m for f in both for m in f.members))


def test_a_lone_version_hanging_off_a_bridge_stays_with_it():
    """A wire story links a group of papers and, apart, two short PA snippets of
    its own; it is a bridge and keeps the papers. A brief that only it holds (an
    article built on two of its sentences) is no group: it stays with the story."""
    from reprints.align import Alignment
    from reprints.families import build_families
    from reprints.relate import Evidence, Relation

    def rel(a, b, score):
        return Relation(a, b, "partial", score, Evidence(0.5, 0.5, 50, 1, False, False), Alignment((), 100, 100, 50, 50))

    rels = [rel("wire", "p1", 0.9), rel("wire", "p2", 0.9), rel("p1", "p2", 0.9), rel("wire", "p3", 0.8),
            rel("wire", "snip1", 0.2), rel("snip1", "snip2", 0.6), rel("wire", "brief", 0.4)]
    fams = build_families(rels, {x: {} for r in rels for x in (r.a, r.b)})
    by_member = {m: set(f.members) for f in fams for m in f.members}
    assert by_member["wire"] == {"wire", "p1", "p2", "p3", "brief"}
    assert by_member["snip1"] == {"snip1", "snip2"}


def test_origin_confidence_is_strong_for_dated_agency_copy_and_weak_for_a_bare_guess(tmp_path):
    from _paths import EXAMPLES

    from reprints import load_corpus
    from reprints.pipeline import ScanParams
    from reprints.load import document_from_text
    from reprints.report.html import write_html_report
    from reprints.report.files import write_outputs

    body = ("Rail workers across the region will strike for two days next week after talks over pay and rosters "
            "broke down on Monday evening, the union said in a statement on Tuesday.")
    bare = scan([document_from_text("a", body), document_from_text("b", body.replace(". ", ".\n"))],
                ScanParams(semantic=False))
    (fam,) = bare.families
    assert fam.confidence == "weak" and fam.as_dict()["confidence"] == "weak"
    examples = scan(load_corpus(EXAMPLES / "corpus").documents, ScanParams(semantic=False))
    assert {f.confidence for f in examples.families} == {"strong"}  # dated agency copy in every family
    write_outputs(bare, tmp_path / "out")
    report = write_html_report(tmp_path / "out", tmp_path / "r.html", semantic=False)
    assert report.path.read_text().count('"confidence":"weak"') == 1
