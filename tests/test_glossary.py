"""The glossary's domain: the matcher, the organisation's file, and the terminology rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from qms_plugin.core.documents import Document
from qms_plugin.core.glossary import (
    Glossary,
    OrganisationEntry,
    Vocabulary,
    build_glossary,
    check_terminology,
    iso_vocabulary,
    load_glossary,
    mask_markup,
    parse_organisation_glossary,
    plural,
    read_vocabulary,
    slug,
    standalone,
    unused_terms,
)

FIXTURE = """
standard: "ISO 9000:2015"
edition: "ISO 9000:2015, 4th edition"
source: "Our words."
obp_url: "https://www.iso.org/obp/ui/#iso:std:iso:9000:ed-4:v1:en:term:{number}"
groups: {"3.1": "People", "3.4": "Process", "3.5": "System", "3.6": "Requirement",
         "3.12": "Action", "3.13": "Audit"}
terms:
  - {number: "3.1.1", term: top management, explanation: "The bosses."}
  - {number: "3.4.1", term: process, explanation: "Steps."}
  - {number: "3.5.4", term: quality management system, explanation: "The QMS.",
     synonyms: [QMS]}
  - {number: "3.5.3", term: management system, explanation: "A system of management."}
  - {number: "3.6.2", term: quality, explanation: "How well."}
  - {number: "3.6.9", term: nonconformity, explanation: "Not met.",
     deprecated: [non-conformance, nonconformance, non-conformity]}
  - {number: "3.6.11", term: conformity, explanation: "Met.", deprecated: [conformance]}
  - {number: "3.12.2", term: corrective action, explanation: "Fix the cause."}
  - {number: "3.13.1", term: audit, explanation: "A check."}
  - {number: "3.13.15", term: auditor, explanation: "Who checks."}
  - {number: "3.2.3", term: interested party, explanation: "Has a stake.",
     synonyms: [stakeholder]}
"""


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return read_vocabulary(FIXTURE, "fixture")


@pytest.fixture(scope="module")
def glossary(vocabulary: Vocabulary) -> Glossary:
    return build_glossary(vocabulary)


def found(glossary: Glossary, text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.term.name, m.kind) for m in glossary.matcher.finditer(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a nonconformity", [("nonconformity", "nonconformity", "term")]),
        ("two Nonconformities", [("Nonconformities", "nonconformity", "term")]),
        ("corrective actions", [("corrective actions", "corrective action", "term")]),
        ("Corrective\nAction", [("Corrective\nAction", "corrective action", "term")]),
        ("audits by auditors", [("audits", "audit", "term"), ("auditors", "auditor", "term")]),
        ("processes", [("processes", "process", "term")]),
        ("the auditor's view", [("auditor's", "auditor", "term")]),
        ("interested parties", [("interested parties", "interested party", "term")]),
        ("stakeholders", [("stakeholders", "interested party", "synonym")]),
        ("our QMS", [("QMS", "quality management system", "synonym")]),
        ("two QMSs", [("QMSs", "quality management system", "synonym")]),
        ("a non-conformance", [("non-conformance", "nonconformity", "deprecated")]),
        ("Nonconformances", [("Nonconformances", "nonconformity", "deprecated")]),
        ("top management's team", [("top management's", "top management", "term")]),
    ],
)
def test_matcher_finds_terms_and_inflections(
    glossary: Glossary, text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(glossary, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # longest term first, then what is left
        ("quality management systems", ["quality management system"]),
        ("quality management system and quality", ["quality management system", "quality"]),
        ("the management system", ["management system"]),
        ("quality management", ["quality"]),  # no such term: the shorter one wins
        ("top management system", ["top management"]),  # leftmost match wins
    ],
)
def test_overlapping_terms_longest_first(
    glossary: Glossary, text: str, expected: list[str]
) -> None:
    assert [name for _, name, _ in found(glossary, text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "auditing",  # not a regular plural
        "preaudit",
        "processor",
        "qms",  # abbreviations keep their capitals
        "conformity-based",  # joined to a word by a hyphen
        "quality_manual",
        "x-conformity",
    ],
)
def test_matcher_needs_whole_words(glossary: Glossary, text: str) -> None:
    assert found(glossary, text) == []


def test_conformity_inside_a_deprecated_variant_is_the_variant(glossary: Glossary) -> None:
    assert found(glossary, "non-conformity") == [("non-conformity", "nonconformity", "deprecated")]


def test_lookup_accepts_names_synonyms_and_inflections(glossary: Glossary) -> None:
    for text in ("corrective action", "Corrective Actions", "QMS", "stakeholders"):
        assert glossary.lookup(text) is not None, text
    assert glossary.lookup("nothing of the kind") is None


@pytest.mark.parametrize(
    ("name", "anchor"),
    [
        ("nonconformity", "nonconformity"),
        ("corrective action", "corrective-action"),
        ("DRP-provider", "drp-provider"),
        ("first-article inspection", "first-article-inspection"),
        ("Prüfung", "prufung"),
        ("***", "term"),
    ],
)
def test_anchors_are_stable_slugs(name: str, anchor: str) -> None:
    assert slug(name) == anchor


def test_packaged_vocabulary_has_138_terms_with_links_and_anchors() -> None:
    vocabulary = iso_vocabulary("2015")
    assert len(vocabulary.terms) == 138
    glossary = build_glossary(vocabulary)
    assert len({t.anchor for t in glossary.terms}) == 138
    term = glossary.by_key["nonconformity"]
    assert term.number == "3.6.9"
    assert term.anchor == "nonconformity"
    assert term.url is not None and term.url.endswith(":term:3.6.9")
    assert term.group.startswith("3.6 ")
    assert "non-conformance" in term.deprecated
    assert glossary.findings == []
    with pytest.raises(ValueError, match="no ISO 9000:1999 vocabulary"):
        iso_vocabulary("1999")


def entry(term: str, **fields: object) -> OrganisationEntry:
    return OrganisationEntry(term=term, path="glossary.yml", line=3, **fields)  # type: ignore[arg-type]


def test_organisation_terms_are_added_in_their_own_group(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(
        vocabulary,
        [entry("MRB", explanation="The material review board.", synonyms=("material review",))],
        "Kestrel terms",
    )
    term = glossary.by_key["mrb"]
    assert (term.origin, term.group, term.number, term.anchor) == (
        "organisation",
        "Kestrel terms",
        None,
        "mrb",
    )
    assert found(glossary, "the MRB met; material reviews")[0][1] == "MRB"
    assert [g for g, _ in glossary.groups()][-1] == "Kestrel terms"


def test_override_replaces_the_explanation_and_names_its_source(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(
        vocabulary,
        [
            entry(
                "nonconformity",
                explanation="Licensed text.",
                source="ISO 9000:2015 (licensed)",
                overrides=True,
                synonyms=("NC",),
            )
        ],
    )
    term = glossary.by_key["nonconformity"]
    assert (term.explanation, term.source, term.overridden, term.number) == (
        "Licensed text.",
        "ISO 9000:2015 (licensed)",
        True,
        "3.6.9",
    )
    assert found(glossary, "an NC")[0][1] == "nonconformity"
    assert glossary.findings == []


def test_switching_autolink_off_needs_no_override(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(vocabulary, [entry("process", autolink=False)])
    assert glossary.findings == []
    assert glossary.by_key["process"].autolink is False
    assert glossary.by_key["process"].explanation == "Steps."


@pytest.mark.parametrize(
    ("entries", "rule", "words"),
    [
        (
            [entry("nonconformity", explanation="Ours.")],
            "glossary-duplicate",
            "already ISO 9000:2015 term 3.6.9",
        ),
        (
            [entry("stakeholder", explanation="Ours.")],  # an ISO synonym is an ISO term too
            "glossary-duplicate",
            "'interested party'",
        ),
        (
            [entry("MRB", explanation="A."), entry("mrb", explanation="B.")],
            "glossary-duplicate",
            "defined twice",
        ),
        (
            [entry("MRB", explanation="A.", synonyms=("QMS",))],
            "glossary-duplicate",
            "'QMS' (in synonyms of 'MRB') already names ISO 9000:2015 term 3.5.4",
        ),
        (
            [entry("nonconformance report", explanation="A.", deprecated=("audit",))],
            "glossary-duplicate",
            "'audit' (in deprecated of",
        ),
        ([entry("widget", overrides=True, explanation="A.")], "unknown-term", "no term"),
        ([entry("widget")], "glossary-file", "needs an 'explanation'"),
    ],
)
def test_organisation_conflicts_are_findings(
    vocabulary: Vocabulary, entries: list[OrganisationEntry], rule: str, words: str
) -> None:
    glossary = build_glossary(vocabulary, entries)
    assert [f.rule for f in glossary.findings] == [rule]
    assert words in glossary.findings[0].message
    assert glossary.findings[0].path == "glossary.yml"
    assert glossary.findings[0].line == 3


def test_a_rejected_duplicate_keeps_the_iso_explanation(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(vocabulary, [entry("nonconformity", explanation="Ours.")])
    assert glossary.by_key["nonconformity"].explanation == "Not met."


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("terms:\n  - term: MRB\n    explanation: [a\n", 4, "not valid YAML"),
        ("terms:\n  - explanation: A.\n", 2, "'term' is missing"),
        ("terms:\n  - term: MRB\n    explanation: A.\n    colour: red\n", 2, "'colour'"),
        ("terms:\n  - term: MRB\n    explanation: A.\n    autolink: maybe\n", 4, "true or false"),
        ("terms:\n  - term: MRB\n    explanation: A.\n    exact: 'yes'\n", 4, "true or false"),
        ("terms:\n  - term: MRB\n    synonyms: CMM\n", 3, "must be a list"),
        ("terms:\n  - term: ''\n", 2, "is empty"),
        ("- term: MRB\n", 1, "must be a map"),
        ("terms:\n  - term: MRB\n    explanation: " + "x" * 1001 + "\n", 3, "longer than"),
    ],
)
def test_schema_errors_name_the_line_and_what_to_do(text: str, line: int, words: str) -> None:
    parsed = parse_organisation_glossary(text, "glossary.yml")
    assert parsed.findings, text
    finding = parsed.findings[0]
    assert (finding.path, finding.line, finding.rule) == ("glossary.yml", line, "glossary-file")
    assert words in finding.message


def test_one_bad_entry_leaves_the_others(vocabulary: Vocabulary) -> None:
    text = (
        "group: Ours\nterms:\n  - term: MRB\n    explanation: Board.\n"
        "  - term: CMM\n    explanation: 3\n"
    )
    parsed = parse_organisation_glossary(text, "g.yml")
    assert [e.term for e in parsed.entries] == ["MRB"]
    assert parsed.group == "Ours"
    assert [f.line for f in parsed.findings] == [6]


def test_explanations_lose_control_characters() -> None:
    parsed = parse_organisation_glossary(
        'terms:\n  - term: MRB\n    explanation: "a\\x02wzxhzdk:0\\x03 <b>b</b>"\n', "g.yml"
    )
    assert parsed.entries[0].explanation == "awzxhzdk:0 <b>b</b>"


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert parse_organisation_glossary("", "g.yml").findings == []
    glossary = load_glossary("2015", tmp_path, "missing.yml")
    assert [f.rule for f in glossary.findings] == ["glossary-file"]
    assert "cannot read the glossary file" in glossary.findings[0].message
    assert len(glossary.terms) == 138
    (tmp_path / "latin1.yml").write_bytes("terms:\n  - term: Pr\xfcfung\n".encode("latin-1"))
    assert "not UTF-8" in load_glossary("2015", tmp_path, "latin1.yml").findings[0].message


def doc(body: str, start: int = 10) -> Document:
    return Document(
        "procedures/qp-001.md", "procedures/qp-001.md", {"doc_id": "QP-001"}, body, {}, start
    )


@pytest.mark.parametrize(
    ("body", "findings"),
    [
        ("Raise a non-conformance.\n", [(10, "deprecated-term", "'non-conformance'")]),
        ("One.\n\nTwo nonconformances\n", [(12, "deprecated-term", "'nonconformances'")]),
        ("Certificate of\nconformance.\n", [(11, "deprecated-term", "'conformance'")]),
        ("Say `non-conformance` in code.\n", []),
        ("```\nnon-conformance\n```\n", []),
        ("~~~~\nnon-conformance\n~~~~\n", []),
        ("See [x](non-conformance.md) here.\n", []),
        ("[ref]: https://example.com/non-conformance\n", []),
        ('<span class="no-glossary">non-conformance</span> form\n', []),
        ("<!-- non-conformance -->\n", []),
        ('<a title="non-conformance">x</a>\n', []),
        ("A [nonconformity](glossary:nonconformity).\n", []),
        ("A [thing](glossary:widget).\n", [(10, "unknown-term", "glossary:widget")]),
        ("A [Widget](glossary:).\n", [(10, "unknown-term", "glossary:Widget")]),
        ("`[x](glossary:widget)`\n", []),
    ],
)
def test_terminology_rules(
    glossary: Glossary, body: str, findings: list[tuple[int, str, str]]
) -> None:
    result = check_terminology([doc(body)], glossary)
    assert [(f.line, f.rule) for f in result] == [(line, rule) for line, rule, _ in findings]
    for finding, (_, _, words) in zip(result, findings, strict=True):
        assert words in finding.message
        assert finding.path == "procedures/qp-001.md"
        assert finding.doc_id == "QP-001"


def test_every_packaged_deprecated_variant_is_reported_in_any_form() -> None:
    """The quick search that clears most documents never hides a deprecated word."""
    glossary = build_glossary(iso_vocabulary())
    variants = [(t, name) for t in glossary.terms for name in t.deprecated]
    assert len(variants) >= 8
    for term, name in variants:
        spaced = name.replace(" ", " <b>", 1) + "</b>" if " " in name else f"<i>{name}</i>"
        for written in (name, plural(name), name.capitalize(), name.upper(), f"{name}'s", spaced):
            findings = check_terminology([doc(f"We log every\n{written} at once.\n")], glossary)
            assert [(f.line, f.rule) for f in findings] == [(11, "deprecated-term")], written
            assert f"'{term.name}'" in findings[0].message


def test_deprecated_finding_names_the_preferred_term(glossary: Glossary) -> None:
    [finding] = check_terminology([doc("A non-conformance.\n")], glossary)
    assert "write 'nonconformity'" in finding.message
    assert "ISO 9000:2015, 3.6.9" in finding.message


def test_mask_keeps_offsets_and_lines() -> None:
    text = "a `code` b\n```\nx\n```\n[l](u) <i>t</i>\n"
    masked = mask_markup(text)
    assert len(masked) == len(text)
    assert masked.count("\n") == text.count("\n")
    assert "code" not in masked and "(u)" not in masked and "<i>" not in masked
    assert "[l]" in masked and "t" in masked


def test_unused_organisation_terms_are_information(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(
        vocabulary, [entry("MRB", explanation="A."), entry("CMM", explanation="B.")]
    )
    findings = unused_terms(glossary, {"mrb", "nonconformity"})
    assert [(f.rule, f.path, f.line) for f in findings] == [("unused-term", "glossary.yml", 3)]
    assert "'CMM'" in findings[0].message


# --- which occurrences stand alone as terms ------------------------------------------------


def linkable(glossary: Glossary, text: str) -> list[str]:
    return [m.text for m in standalone(text, list(glossary.matcher.finditer(text)))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("an audit of the process", ["audit", "process"]),
        # terms side by side form a longer phrase: no part of it is linked
        ("the audit process", []),
        ("the audit\n  process", []),
        ("QMS process audit", []),
        ("the audit process, and an auditor", ["auditor"]),
        # anything but white space between them separates them
        ("audit, process", ["audit", "process"]),
        ("audit/process", ["audit", "process"]),
        ("the auditor's process", ["auditor's", "process"]),
        ("the auditor\u2019s process", ["auditor\u2019s", "process"]),
        # capitalised names that are not terms
        ("the Quality Manager", []),
        ("Quality Manager", []),
        ("Standard Operating Process", []),
        ("see Acme Audit results", []),
        # ... but not a capitalised word that starts the sentence, nor one after a label
        ("The Audit was planned", ["Audit"]),
        ("Plan it. The Audit was planned", ["Audit"]),
        ("Report \u2013 Next Audit", ["Audit"]),
        ("Owner: Audit", ["Audit"]),
        ("Audit", ["Audit"]),
        ("Top Management decides", ["Top Management"]),
        ("audit Team", ["audit"]),  # a term in lower case is never part of a name
        ("the QMS Manual", []),
        ("QMS documents", ["QMS"]),
        ("Acme QMS", ["QMS"]),  # the word before an abbreviation says nothing about names
    ],
)
def test_only_terms_that_stand_alone_are_linkable(
    glossary: Glossary, text: str, expected: list[str]
) -> None:
    assert linkable(glossary, text) == expected


# --- options of the organisation's file and of the site -------------------------------------


def test_an_exact_term_matches_only_as_written(vocabulary: Vocabulary) -> None:
    glossary = build_glossary(
        vocabulary,
        [
            entry("grade", explanation="A level.", exact=True, synonyms=("rank",)),
            entry("audit", exact=True),
        ],
    )
    assert [t for t, _, _ in found(glossary, "a grade, a Grade, a rank, an audit")] == [
        "grade",
        "Grade",
        "rank",
        "audit",
    ]
    assert found(glossary, "grades ranks grade's audits audit's") == []
    assert glossary.lookup("audits") is None
    # without 'exact' the inflections are found
    inflected = build_glossary(vocabulary, [entry("grade", explanation="A level.")])
    assert [t for t, _, _ in found(inflected, "grades grade's")] == ["grades", "grade's"]
    assert glossary.findings == inflected.findings == []


HOUSE_STYLE = """
standard: "ISO 9000:2015"
edition: "ISO 9000:2015, 4th edition"
groups: {"3.6": "Requirement", "3.8": "Information", "3.10": "Characteristic"}
terms:
  - {number: "3.6.9", term: nonconformity, explanation: "Not met.",
     deprecated: [non-conformity], house_style: [non-conformance]}
  - {number: "3.8.5", term: document, explanation: "Fixed information.", generic: true}
  - {number: "3.10.4", term: competence, explanation: "Able.", house_style: [competency]}
"""


@pytest.fixture(scope="module")
def styled() -> Vocabulary:
    return read_vocabulary(HOUSE_STYLE, "fixture")


def test_house_style_variants_are_checked_and_say_how_to_allow_them(styled: Vocabulary) -> None:
    glossary = build_glossary(styled)
    findings = check_terminology([doc("A non-conformance, a non-conformity.\n")], glossary)
    assert [f.rule for f in findings] == ["deprecated-term", "deprecated-term"]
    assert [f.message.split(";")[0] for f in findings] == [
        "'non-conformance' is a house-style variant of 'nonconformity' (ISO 9000:2015, 3.6.9)",
        "'non-conformity' is a deprecated variant of 'nonconformity' (ISO 9000:2015, 3.6.9)",
    ]
    assert "glossary_house_style: false" in findings[0].message
    assert "glossary_house_style" not in findings[1].message
    assert glossary.by_key["nonconformity"].house_style == ("non-conformance",)


def test_house_style_can_be_switched_off(styled: Vocabulary) -> None:
    glossary = build_glossary(styled, house_style=False)
    findings = check_terminology(
        [doc("A non-conformance, a non-conformity, competency.\n")], glossary
    )
    # the standard's own spelling is still checked; house style is neither checked nor linked
    assert [f.message.split(" is ")[0] for f in findings] == ["'non-conformity'"]
    assert found(glossary, "non-conformance competency") == []
    assert glossary.by_key["competence"].deprecated == ()


def test_one_house_style_variant_is_allowed_as_a_synonym(styled: Vocabulary) -> None:
    glossary = build_glossary(styled, [entry("nonconformity", synonyms=("Non-Conformance",))])
    assert glossary.findings == []
    term = glossary.by_key["nonconformity"]
    assert (term.deprecated, term.house_style) == (("non-conformity",), ())
    assert found(glossary, "non-conformance") == [("non-conformance", "nonconformity", "synonym")]
    assert [
        f.message.split(" is ")[0]
        for f in check_terminology([doc("non-conformance, competency\n")], glossary)
    ] == ["'competency'"]


@pytest.mark.parametrize(
    ("generic_words", "autolink", "linked"),
    [
        (False, None, False),  # an everyday word is not linked by default
        (True, None, True),  # the site asks for all of them
        (False, True, True),  # the organisation asks for this one
        (True, False, False),  # ... or keeps this one out
    ],
)
def test_generic_words_are_linked_when_the_organisation_asks(
    styled: Vocabulary, generic_words: bool, autolink: bool | None, linked: bool
) -> None:
    entries = [] if autolink is None else [entry("document", autolink=autolink)]
    glossary = build_glossary(styled, entries, generic_words=generic_words)
    term = glossary.by_key["document"]
    assert (term.generic, term.autolink) == (True, linked)
    assert glossary.by_key["nonconformity"].autolink is True  # other terms are not affected
    assert found(glossary, "a document") == [("document", "document", "term")]  # still found


def test_packaged_generic_flag_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match=r"fixture: term 3\.8\.5: 'generic' must be true or false"):
        read_vocabulary(HOUSE_STYLE.replace("generic: true", "generic: 'yes'"), "fixture")


def test_titles_and_change_summaries_are_checked(glossary: Glossary) -> None:
    document = Document(
        "procedures/f-001.md",
        "procedures/f-001.md",
        {
            "doc_id": "F-001",
            "title": "Non-conformance report",
            "change_summary": "Added a box.\nThe nonconformances are numbered.",
            "owner": "non-conformance desk",  # other fields are not text a reader sees
        },
        "A nonconformity.\n",
        {"title": 3, "change_summary": 12, "owner": 5},
        20,
    )
    findings = check_terminology([document], glossary)
    assert [(f.line, f.field, f.doc_id) for f in findings] == [
        (3, "title", "F-001"),
        (12, "change_summary", "F-001"),
    ]
    assert findings[0].message.startswith("in the title, 'Non-conformance' is a deprecated")
    assert findings[1].message.startswith("in the change summary, 'nonconformances' is a")
    document.data.update(title="Nonconformity report", change_summary=["not", "text"])
    assert check_terminology([document], glossary) == []
