"""Rewrites and translations: semantic alignment, facts, quotes and the relations they give."""

import json
from pathlib import Path

import pytest
from _paths import SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, seeds, truth_of

from reprints import ScanParams, compare_documents, document_from_text, load_corpus, scan
from reprints.align_semantic import align_semantic, prepare
from reprints.facts import agreement, anchors, quotations
from reprints.language import detect
from reprints.normalize import normalize_text

# A short wire story and versions of it, written for these tests.
ORIGIN = """Harbour cranes fall silent as Port of Valmora dockers strike

By Meridian Wire Service

April 9, 2024

Dockers at the Port of Valmora walked out on Tuesday, halting work at all 14 container cranes and leaving 31 ships waiting at anchor, the harbour authority said.

The strike was called by the Dockworkers' Union after talks on a 6 percent pay rise collapsed late on Monday. Union leader Marta Oliveira said members had rejected an offer of 3.5 percent.

"We will not unload a single box until the company puts a serious offer on the table," Oliveira told reporters at the main gate.

Terminal operator Valmora Container Services said the stoppage was costing about 2 million euros a day. Its chief executive, Pieter Janssen, called the walkout "irresponsible and damaging for the whole region."

The harbour authority said perishable cargo, including 600 containers of fruit, would be moved to the smaller port of Sarnes by road.
"""

REWRITE = """Valmora port at a standstill as dock workers stop work

April 10, 2024

All 14 container cranes at the Port of Valmora stood idle on Tuesday after dock workers downed tools, according to the harbour authority, with 31 vessels left queuing offshore.

Oliveira, who leads the Dockworkers' Union, told reporters at the main gate that her members "will not unload one single container until the company makes a serious offer."

Negotiations over a 6 percent wage increase broke down on Monday night, and union members turned down an offer of 3.5 percent, Marta Oliveira said.

Valmora Container Services, which runs the terminal, put the cost of the stoppage at roughly 2 million euros each day. Pieter Janssen, its chief executive, described the strike as "irresponsible and harmful to the entire region."

The port handles about a fifth of the country's container traffic.
"""

GERMAN = """Hafenkräne stehen still: Hafenarbeiter in Valmora streiken

10. April 2024

Die Hafenarbeiter im Hafen von Valmora haben am Dienstag die Arbeit niedergelegt. Alle 14 Containerkräne stehen still, 31 Schiffe warten vor Anker, teilte die Hafenbehörde mit.

Die Gewerkschaft der Hafenarbeiter rief zum Streik auf, nachdem Verhandlungen über eine Lohnerhöhung von 6 Prozent am Montagabend gescheitert waren. Gewerkschaftschefin Marta Oliveira sagte, die Mitglieder hätten ein Angebot von 3,5 Prozent abgelehnt.

„Wir werden keine einzige Kiste entladen, bis das Unternehmen ein ernsthaftes Angebot vorlegt", sagte Oliveira vor Reportern am Haupttor.

Der Terminalbetreiber Valmora Container Services erklärte, der Streik koste rund 2 Millionen Euro pro Tag. Vorstandschef Pieter Janssen nannte den Ausstand „unverantwortlich und schädlich für die ganze Region".
"""

# Same people and place, another story: must stay unrelated.
SAME_PEOPLE = """Valmora dockers' union elects new deputy leader

By Meridian Wire Service

November 2, 2023

The Dockworkers' Union at the Port of Valmora elected Rui Carvalho as deputy leader on Thursday, with 412 of 530 votes cast at its annual congress.

Union leader Marta Oliveira said Carvalho would oversee training and safety programmes for the 2,100 members. "Rui knows every berth of this harbour," Oliveira said.

Pieter Janssen, chief executive of terminal operator Valmora Container Services, congratulated Carvalho and said the company would open a new training centre in March.

The congress also voted to raise membership dues by 1 euro a month to fund a legal aid service.
"""


def _doc(name, text):
    return document_from_text(name, text)


def test_language_is_detected_per_document_and_paragraph():
    assert detect(GERMAN).code == "de"
    st = prepare(normalize_text(GERMAN))
    assert st.lang == "de"
    prose = {lang for lang, n in zip(st.langs, st.words) if n >= 8}
    assert prose == {"de"}
    assert detect("12 3 !!").code == "und"


def test_paragraph_languages_are_written_for_every_family_member(tmp_path):
    from reprints.report.files import write_outputs

    corpus = load_corpus(Path(__file__).parents[1] / "examples" / "multilingual" / "corpus")
    story = [d for d in corpus.documents if d.id.startswith("f01-")]
    # an English paragraph quoted inside the Italian version stays English
    it = next(d for d in story if d.id == "f01-it.txt")
    quoted = "The ministers will meet again in January, the spokesman told reporters on Wednesday."
    story[story.index(it)] = document_from_text(it.id, it.text + "\n\n" + quoted)
    write_outputs(scan(story), tmp_path, languages=True)
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "documents.jsonl").read_text().splitlines())}
    assert set(rows) == {d.id for d in story}
    for doc_id, row in rows.items():
        paras = row["paragraphs"]
        assert paras and all(row["text"][p["start"]:p["end"]].strip() for p in paras)
        langs = [p["lang"] for p in paras if len(row["text"][p["start"]:p["end"]].split()) >= 8]
        want = doc_id.split("-")[1].split(".")[0]
        if doc_id == "f01-it.txt":
            assert langs[-1] == "en" and row["text"][paras[-1]["start"]:paras[-1]["end"]] == quoted
            langs = langs[:-1]
        assert set(langs) == {want}, (doc_id, langs)
    # without semantic matching the (costly) paragraph languages are not written
    from reprints.records import document_row

    assert "paragraphs" not in document_row(story[0]) and "paragraphs" in document_row(story[0], languages=True)


def test_facts_survive_translation_and_number_formats():
    en = anchors("Union leader Marta Oliveira said members rejected an offer of 3,500 euros.")
    de = anchors("Gewerkschaftschefin Marta Oliveira sagte, die Mitglieder lehnten 3.500 Euro ab.")
    ru = anchors("Глава профсоюза Марта Оливейра заявила, что члены отвергли 3 500 евро.")
    assert {"n:marta", "n:olive", "#:3500"} <= en & de
    assert {"#:3500", "n:marta"} <= ru
    assert agreement(en, de) >= 0.5
    assert agreement(frozenset({"#:14"}), frozenset({"#:31"})) == 0.0


def test_month_names_meet_across_languages_and_differ_between_months():
    said = {
        "en": "The ministers will meet again on 10 January, Lavrov told reporters.",
        "it": "I ministri si incontreranno di nuovo il 10 gennaio, ha detto Lavrov ai giornalisti.",
        "de": "Die Minister treffen sich am 10. Januar erneut, sagte Lawrow den Reportern.",
        "fr": "Les ministres se reverront le 10 janvier, a déclaré Lavrov aux journalistes.",
        "ru": "Министры снова встретятся 10 января, сообщил Лавров журналистам.",
    }
    found = {lang: anchors(text) for lang, text in said.items()}
    assert all("m:1" in a and "#:10" in a for a in found.values()), found
    # the German month is no longer a name that the English side lacks
    assert agreement(found["en"], found["de"]) == 1.0
    later = anchors("The ministers will meet again on 10 March, Lavrov told reporters.")
    assert agreement(found["en"], later) < agreement(found["en"], found["ru"])
    # words that only look like months stay what they are
    assert "m:5" not in anchors("Officials may meet later, the mayor said.")
    assert "m:3" not in anchors("The rover landed on Mars.")
    assert "n:marta" in anchors("Сотрудница Марта Оливейра заявила об этом.")


def test_quotations_have_speakers():
    norm = normalize_text(ORIGIN)
    quotes = [(norm.text[q.start:q.end], q.speaker) for q in quotations(norm.text, norm.paragraphs)]
    assert ("We will not unload a single box until the company puts a serious offer on the table,", "Oliveira") \
        in quotes
    janssen = [s for t, s in quotes if t.startswith("irresponsible")]
    assert janssen == ["Pieter Janssen"]


def test_rewrite_is_found_and_explained():
    rel = compare_documents(_doc("origin", ORIGIN), _doc("rewrite", REWRITE))
    assert rel.relation == "rewrite"
    sem = rel.evidence.semantic
    assert sem.lang_a == sem.lang_b == "en"
    assert sem.a_cover >= 0.7 and sem.b_cover >= 0.7
    kinds = {p.kind for p in rel.alignment.passages}
    assert "reworded" in kinds
    # the paragraph moved in the rewrite (quote before the pay talks) is still aligned
    moved = [p for p in rel.alignment.passages if "Dockworkers' Union after talks" in ORIGIN[p.a_start:p.a_end]]
    assert moved and "Negotiations over a 6 percent" in REWRITE[moved[0].b_start:moved[0].b_end]
    # the rewrite's own background line is added, the fruit paragraph dropped
    added = [REWRITE[s:e] for s, e, k in rel.b_only if k == "text"]
    dropped = [ORIGIN[s:e] for s, e, k in rel.a_only if k == "text"]
    assert any("fifth of the country" in t for t in added)
    assert any("600 containers of fruit" in t for t in dropped)
    # both quotes are matched, and reworded
    variants = [(ORIGIN[q.a_start:q.a_end], REWRITE[q.b_start:q.b_end]) for q in rel.quotes if not q.same_wording]
    assert any("single box" in a and "one single container" in b for a, b in variants)
    assert any("damaging for the whole region" in a and "harmful to the entire region" in b for a, b in variants)


def test_translation_is_found_with_translated_passages():
    rel = compare_documents(_doc("origin", ORIGIN), _doc("de", GERMAN))
    assert rel.relation == "translation"
    assert {rel.evidence.semantic.lang_a, rel.evidence.semantic.lang_b} == {"en", "de"}
    translated = [p for p in rel.alignment.passages if p.kind == "translated"]
    assert len(translated) >= 4
    assert all(p.similarity >= 0.5 for p in translated)
    dropped = [ORIGIN[s:e] for s, e, k in (rel.a_only if rel.a == "origin" else rel.b_only) if k == "text"]
    assert any("600 containers of fruit" in t for t in dropped)


def test_same_people_other_story_is_unrelated():
    for other in (ORIGIN, REWRITE, GERMAN):
        rel = compare_documents(_doc("x", other), _doc("y", SAME_PEOPLE))
        assert rel.relation == "unrelated", rel.evidence.as_dict()


def test_semantic_matching_can_be_turned_off():
    rel = compare_documents(_doc("origin", ORIGIN), _doc("de", GERMAN), ScanParams(semantic=False))
    assert rel.relation == "unrelated"
    assert rel.evidence.semantic is None
    docs = [_doc("origin", ORIGIN), _doc("rewrite", REWRITE), _doc("de", GERMAN), _doc("other", SAME_PEOPLE)]
    assert scan(docs, ScanParams(semantic=False)).families == []
    on = scan(docs)
    assert [set(f.members) for f in on.families] == [{"origin", "rewrite", "de"}]
    assert on.families[0].origin == "origin"


def test_seed_rewrite_acceptance():
    result = scan(load_corpus(seeds()).documents)
    [fam] = result.families
    assert set(fam.members) == {SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE}
    assert fam.origin == SEED_ORIGIN
    edges = {e.child: e for e in fam.tree}
    assert edges[SEED_WRAPPED].relation == "reformatted"
    edge = edges[SEED_REWRITE]
    assert edge.relation == "rewrite" and edge.parent in (SEED_ORIGIN, SEED_WRAPPED)
    text = {d.id: d.text for d in result.documents}
    child, parent = text[SEED_REWRITE], text[edge.parent]
    added = " ".join(child[s:e] for s, e in edge.added)
    dropped = " ".join(parent[s:e] for s, e in edge.dropped)
    assert "The negotiators have been selected" in added
    assert "chosen and accepted by both sides" in added
    assert "European Union appealed" in dropped and "Blinken" in dropped
    quotes = [(child[c0:c1], parent[p0:p1], who) for c0, c1, p0, p1, who in edge.quotes]
    lavrov = [q for q in quotes if "desirable scenario" in q[0]]
    assert lavrov and "sees conflict" in lavrov[0][0] and "views conflicts" in lavrov[0][1]
    assert "act resolutely to ensure" in lavrov[0][0] and "toughly ensure" in lavrov[0][1]
    assert lavrov[0][2] == "Lavrov"
    # the same, as written to families.jsonl
    row = json.loads(json.dumps(fam.as_dict()))
    tree = {e["child"]: e for e in row["tree"]}
    assert tree[SEED_REWRITE]["quote_variants"] and tree[SEED_REWRITE]["added"]
    # 004 is English throughout
    assert {d.id: d.meta.get("lang") for d in result.documents}[SEED_REWRITE] == "en"


@pytest.mark.parametrize("shuffle", [False, True])
def test_semantic_results_do_not_depend_on_workers(shuffle):
    docs = [_doc("origin", ORIGIN), _doc("rewrite", REWRITE), _doc("de", GERMAN), _doc("other", SAME_PEOPLE)]
    if shuffle:
        docs = docs[::-1]
    one = scan(docs, ScanParams(jobs=1))
    two = scan(docs, ScanParams(jobs=2, batch=1))
    assert [f.as_dict() for f in one.families] == [f.as_dict() for f in two.families]
    assert sorted(json.dumps(r.as_dict(), sort_keys=True) for r in one.related) == \
        sorted(json.dumps(r.as_dict(), sort_keys=True) for r in two.related)


def test_unit_alignment_keeps_order_and_finds_moves():
    a = prepare(normalize_text(ORIGIN))
    b = prepare(normalize_text(REWRITE))
    s = align_semantic(a, b)
    assert s.a_cover > 0.6
    pairs = [(p.a_start, p.b_start) for p in s.passages]
    assert len({x for x, _ in pairs}) == len(pairs)  # each origin paragraph matched once


MULTI = Path(__file__).resolve().parents[1] / "examples" / "multilingual"


@pytest.fixture(scope="module")
def multilingual_scan():
    corpus = load_corpus(MULTI / "corpus")
    return corpus, scan(corpus.documents)


def _multi_truth():
    return truth_of(MULTI / "truth.jsonl")


def test_multilingual_set_is_what_the_issue_asks_for(multilingual_scan):
    corpus, _ = multilingual_scan
    families, origins, relations = _multi_truth()
    stories = [f for f, m in families.items() if len(m) > 1]
    assert len(stories) >= 10 and corpus.problems == []
    langs = {d.id: d.meta.get("lang") for d in corpus.documents}
    for fam in stories:
        members = families[fam]
        assert sum(m.endswith("-en-rewrite.txt") for m in members) == 1
        assert len({langs[m] for m in members} - {"en"}) >= 2 or \
            len({m.rsplit("-", 1)[-1] for m in members if "-en-" not in m}) >= 2


def test_multilingual_families_and_origins_are_found(multilingual_scan):
    _, result = multilingual_scan
    families, origins, _ = _multi_truth()
    assert {frozenset(f.members) for f in result.families} == {frozenset(m) for m in families.values() if len(m) > 1}
    found_origin = {frozenset(f.members): f.origin for f in result.families}
    for fam, origin in origins.items():
        assert found_origin[frozenset(families[fam])] == origin


def test_multilingual_pair_relations(multilingual_scan):
    _, result = multilingual_scan
    _, _, relations = _multi_truth()
    found = {frozenset((r.a, r.b)): r for r in result.related}
    # every version's relation to its origin is found and named right
    for pair, name in relations.items():
        if any(x.endswith("-en-origin.txt") for x in pair):
            assert pair in found, sorted(pair)
            assert found[pair].relation == name, (sorted(pair), found[pair].relation)
    # no pair is named wrongly, and at least 90% of all labelled pairs are found
    for pair, r in found.items():
        assert relations.get(pair) == r.relation, (sorted(pair), r.relation)
    assert sum(p in found for p in relations) >= 0.9 * len(relations)
    # translated passages are marked as such, rewrites as reworded
    kinds = {r.relation: {p.kind for p in r.alignment.passages} for r in result.related}
    assert "translated" in kinds["translation"] and "reworded" in kinds["rewrite"]


def test_the_topics_own_names_are_no_passage_facts():
    """Two answers to one question, both naming the topic in every paragraph and
    nothing else: meaning alone links them, and the names that agree are the
    topic's, so there is no fact to agree on (None), and no rewrite."""
    a = ("Dynamic Programming solves a problem by combining the solutions of smaller problems.\n\n"
         "Dynamic Programming keeps each solution in a table so it is never worked out twice.\n\n"
         "Dynamic Programming is used where plain recursion would repeat the same work.")
    b = ("Dynamic Programming breaks a hard problem into simpler pieces and solves each once.\n\n"
         "Dynamic Programming stores the answers to the pieces so they can be looked up later.\n\n"
         "Dynamic Programming suits problems whose pieces overlap with one another.")
    got = align_semantic(prepare(normalize_text(a)), prepare(normalize_text(b)))
    assert got.passages and got.facts is None
    # a number stated in one passage of each is a passage fact
    c = a + "\n\nBellman named it in 1953."
    d = b + "\n\nRichard Bellman coined the name in 1953."
    assert align_semantic(prepare(normalize_text(c)), prepare(normalize_text(d))).facts == 1.0
