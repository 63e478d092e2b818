from reprints.relate import Evidence, RelateParams, classify, metadata_agreement


def ev(a_in_b, b_in_a, shared=200, same_text=False, same_body=False, quoted=0):
    return Evidence(a_in_b, b_in_a, shared, 5, same_text, same_body, quoted_words=quoted)


def test_identical_needs_the_whole_text():
    assert classify(ev(1, 1, same_text=True, same_body=True))[0] == "identical"
    assert classify(ev(1, 1, same_body=True))[0] == "reformatted"


def test_reformatted_when_both_sides_nearly_covered():
    name, score, swap = classify(ev(0.95, 0.97))
    assert (name, swap) == ("reformatted", False) and score == 0.95


def test_excerpt_direction():
    assert classify(ev(0.4, 0.98)) == ("excerpt", 0.98, False)   # b is the excerpt
    assert classify(ev(0.98, 0.4)) == ("excerpt", 0.98, True)    # a is: swap


def test_shared_quote_or_stock_phrase_is_unrelated():
    # a 25-word quotation fully inside a short brief: two reports quoting one witness
    assert classify(ev(0.9, 0.05, shared=25, quoted=25))[0] == "unrelated"
    assert classify(ev(0.12, 0.1, shared=35, quoted=30))[0] == "unrelated"
    # but sixty words of testimony exactly as the wire took them down were copied from it
    assert classify(ev(0.12, 0.1, shared=60, quoted=55))[0] == "partial"
    # a stock phrase of nine words ("told the jury of six men and six women")
    assert classify(ev(0.3, 0.02, shared=9))[0] == "unrelated"
    # the same 25 words as the paper's own copy of the wire's sentences: reuse
    assert classify(ev(0.9, 0.05, shared=25))[0] == "partial"


def test_thresholds_are_configurable():
    assert classify(ev(0.85, 0.86), RelateParams(reformatted=0.8))[0] == "reformatted"


def test_metadata_agreement():
    got = metadata_agreement({"byline": "AFP", "url": "https://a.org/x", "date": "2024-03-01"},
                             {"byline": "Staff", "url": "https://a.org/x", "date": "2024-02-28"})
    assert got == {"same_byline": False, "same_url": True, "date_gap_days": 2}


def test_partial_reuse_direction_and_floor():
    # an article built on a third of a wire story, with its own reporting around it
    assert classify(ev(0.3, 0.72, shared=349)) == ("partial", 0.72, False)   # b is built on a
    assert classify(ev(0.72, 0.3, shared=349)) == ("partial", 0.72, True)    # a is: swap
    assert classify(ev(0.15, 0.9, shared=45))[0] == "excerpt"                # almost whole: an excerpt
    assert classify(ev(0.1, 0.45, shared=35, quoted=30))[0] == "unrelated"   # a quotation is not enough
    assert classify(ev(0.05, 0.07, shared=200))[0] == "unrelated"            # a small share of both
    assert classify(ev(0.05, 0.1, shared=30))[0] == "partial"                # a tenth of the shorter: reuse


def test_meaning_without_names_or_numbers_is_no_evidence():
    from reprints.relate import SemanticEvidence

    def sem(facts):
        return Evidence(0.0, 0.0, 0, 0, False, False, {}, SemanticEvidence(0.8, 0.7, 6, 0.75, facts, "en", "en", 90))

    assert classify(sem(0.9))[0] == "rewrite"
    assert classify(sem(None))[0] == "unrelated"  # nothing to agree on: similar vectors alone
    assert classify(sem(0.2))[0] == "unrelated"


def test_a_rewrite_needs_more_than_a_snippet():
    """Two-line wire snippets ("the case was adjourned until tomorrow") match by
    meaning whole, facts and all; a rewrite needs words enough to be a story."""
    from reprints.relate import SemanticEvidence

    def sem(words):
        return Evidence(0.0, 0.0, 0, 0, False, False, {}, SemanticEvidence(1.0, 1.0, 3, 0.9, 0.6, "en", "en", words))

    assert classify(sem(25))[0] == "unrelated"
    assert classify(sem(60))[0] == "rewrite"


def test_a_newspaper_article_built_on_wire_copy_is_partial_and_its_child():
    """A local paper's article that takes four paragraphs of the wire story, words changed
    here and there, and adds its own reporting: ``partial``, with the wire story its parent."""
    from pathlib import Path

    from reprints import ScanParams, compare_documents, document_from_text, load_corpus, scan

    root = Path(__file__).resolve().parent.parent / "examples" / "corpus"
    wire = next(d for d in load_corpus(root / "wire").documents if d.id == "dam-breach-origin.txt")
    paras = [p for p in wire.text.split("\n\n") if len(p) > 200]
    own = [
        "Families from the Bihor county town of Lunca Mica spent the night in the sports hall of the "
        "technical college, where the local council handed out blankets, bread and bottled water.",
        "Our reporter who reached Dealu Ursului by tractor found the main street under a metre of brown "
        "water, with cars swept against the church fence and the village shop's windows broken.",
        "Local farmers said the flood had ruined the spring sowing on hundreds of hectares along the "
        "river, and several asked why the embankment had not been repaired after the 2021 inspection.",
        "The county council will meet in emergency session on Friday morning to decide on compensation.",
    ]
    body = "\n\n".join([own[0], paras[0].replace("more than 3,000", "over 3,000"), paras[1], own[1],
                        paras[2], own[2], paras[5], own[3]])
    article = document_from_text("local/bihor-gazette.txt", "Night of fear in the valley\n\nBy Ana Pop\n\n" + body)
    rel = compare_documents(wire, article, ScanParams(semantic=False))
    assert rel.relation == "partial" and (rel.a, rel.b) == (wire.id, article.id)
    assert 0.3 < rel.evidence.b_in_a < 0.8 and rel.evidence.a_in_b < 0.5
    result = scan([wire, article], ScanParams(semantic=False))
    [family] = result.families
    assert family.origin == wire.id
    assert [(e.child, e.parent, e.relation) for e in family.tree] == [(article.id, wire.id, "partial")]
