"""Checks on the packaged ISO 9000:2015 glossary data (our own explanations, ISO numbering)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "qms_plugin" / "data"
GLOSSARY = DATA / "iso9000-2015-glossary.yaml"
REFERENCE = DATA / "iso9000-2015-terms.yaml"

ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.")


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def sentences(text: str) -> list[str]:
    """Split on sentence-ending punctuation followed by a capitalised word."""
    for abbreviation in ABBREVIATIONS:
        text = text.replace(abbreviation, abbreviation.replace(".", ""))
    parts = re.split(r"(?<=[.!?])['\"]?\s+(?=[A-Z'\"])", text.strip())
    return [part for part in parts if part.strip()]


def test_header_fields() -> None:
    glossary = load(GLOSSARY)
    assert glossary["standard"] == "ISO 9000:2015"
    assert "2015-09-15" in glossary["edition"]
    assert "own words" in glossary["source"]
    assert "{number}" in glossary["obp_url"]
    assert glossary["obp_url"].startswith("https://www.iso.org/obp/")


def test_groups_match_reference() -> None:
    glossary = load(GLOSSARY)
    reference = load(REFERENCE)
    assert len(glossary["groups"]) == 13
    assert glossary["groups"] == reference["groups"]


def test_terms_match_reference_in_order() -> None:
    glossary = load(GLOSSARY)
    reference = load(REFERENCE)
    terms = glossary["terms"]
    assert len(terms) == 138
    assert [(t["number"], t["term"]) for t in terms] == list(reference["terms"].items())


def test_every_term_belongs_to_a_group() -> None:
    glossary = load(GLOSSARY)
    groups = set(glossary["groups"])
    for entry in glossary["terms"]:
        assert entry["number"].rsplit(".", 1)[0] in groups, entry["number"]


REQUIRED_KEYS = {"number", "term", "explanation", "synonyms", "deprecated"}
OPTIONAL_KEYS = {"house_style", "generic"}


def test_entries_have_exactly_the_expected_keys() -> None:
    for entry in load(GLOSSARY)["terms"]:
        assert REQUIRED_KEYS <= set(entry) <= REQUIRED_KEYS | OPTIONAL_KEYS, entry["number"]
        assert entry.get("generic", True) is True, entry["number"]  # present only when true
        for key in ("synonyms", "deprecated", "house_style"):
            assert isinstance(entry.get(key, []), list), entry["number"]
        assert entry.get("house_style", ["x"]), entry["number"]  # present only when not empty
        for alias in entry["synonyms"] + entry["deprecated"] + entry.get("house_style", []):
            assert isinstance(alias, str), entry["number"]
            assert alias.strip() == alias, entry["number"]
            assert alias, entry["number"]


# Words of the sample manual's machine shop (and of manufacturing only) that once sat in the
# packaged explanations: every adopter's site shows these, so they stay generic.
SAMPLE_COMPANY_WORDS = re.compile(
    r"machin|\bshop\b|lathe|\bCNC\b|bar stock|micrometer|\bshaft|\bbore\b|fixture|"
    r"profilometer|poka-yoke|Kestrel|JobTrack|\bthis (site|manual)\b|\bour company\b",
    re.IGNORECASE,
)


def test_explanations_are_generic() -> None:
    for entry in load(GLOSSARY)["terms"]:
        found = SAMPLE_COMPANY_WORDS.findall(entry["explanation"])
        assert not found, (entry["number"], found)


def test_do_not_write_variants_are_split_by_source() -> None:
    """The standard's own spelling is always checked; house style can be switched off."""
    by_number = {entry["number"]: entry for entry in load(GLOSSARY)["terms"]}
    house = {n: e["house_style"] for n, e in by_number.items() if "house_style" in e}
    assert house == {
        "3.3.2": ["continuous improvement"],
        "3.6.9": ["non-conformance", "nonconformance"],
        "3.6.11": ["conformance"],
        "3.10.4": ["competency"],
        "3.12.1": ["preventative action"],
    }
    spelling = {n: e["deprecated"] for n, e in by_number.items() if e["deprecated"]}
    assert spelling == {
        "3.2.7": ["DRP provider"],
        "3.6.9": ["non-conformity"],
        "3.12.4": ["re-grade"],
        "3.12.8": ["re-work"],
    }
    for number, variants in spelling.items():
        term = by_number[number]["term"]
        for variant in variants:  # the term itself, written with a hyphen or space more or less
            assert re.sub(r"[- ]", "", variant) == re.sub(r"[- ]", "", term), variant


def test_generic_words_are_single_words() -> None:
    generic = sorted(e["term"] for e in load(GLOSSARY)["terms"] if e.get("generic"))
    assert generic == [
        "activity",
        "data",
        "document",
        "engagement",
        "feedback",
        "guide",
        "information",
        "management",
        "object",
        "organization",
        "performance",
        "system",
    ]


def test_corrected_entries() -> None:
    """3.11.8 test means the 2015 concept (a specific intended use); a vendor is a provider."""
    by_number = {entry["number"]: entry for entry in load(GLOSSARY)["terms"]}
    test = by_number["3.11.8"]["explanation"]
    assert "particular intended use or application" in test
    assert "vendor" in by_number["3.2.5"]["synonyms"]
    assert "vendor" in by_number["3.2.5"]["explanation"]
    assert "vendor" not in by_number["3.2.6"]["synonyms"]


def test_explanations_are_short_plain_prose() -> None:
    for entry in load(GLOSSARY)["terms"]:
        text = entry["explanation"]
        assert isinstance(text, str), entry["number"]
        assert text.strip(), entry["number"]
        assert text.rstrip().endswith((".", "?", "'")), entry["number"]
        assert 1 <= len(sentences(text)) <= 3, (entry["number"], sentences(text))
        assert len(text.split()) < 60, (entry["number"], len(text.split()))
        assert f"{entry['term'].lower()} is defined as" not in text.lower(), entry["number"]
        assert "is defined as" not in text.lower(), entry["number"]


def test_admitted_terms_are_synonyms() -> None:
    glossary = load(GLOSSARY)
    reference = load(REFERENCE)
    by_number = {entry["number"]: entry for entry in glossary["terms"]}
    for number, admitted in reference["admitted_terms"].items():
        for name in admitted:
            assert name in by_number[number]["synonyms"], (number, name)


def test_no_name_synonym_or_variant_appears_twice() -> None:
    seen: dict[str, str] = {}
    for entry in load(GLOSSARY)["terms"]:
        for name in [entry["term"], *entry["synonyms"], *entry["deprecated"]]:
            key = name.casefold()
            assert key not in seen, f"{name!r} in {entry['number']} and {seen[key]}"
            seen[key] = entry["number"]


def test_sentence_splitter() -> None:
    assert len(sentences("One, e.g. a part. Two is 'here'. Three?")) == 3
    assert len(sentences("Clause 7.1.5 applies; see 'is it right?' below.")) == 1


def test_the_published_glossary_schema_is_the_one_the_plugin_uses() -> None:
    """records_schema/ documents the format for organisations; the package validates with its
    own copy. They must not drift apart."""
    published = DATA.parent.parent / "records_schema" / "glossary.schema.yaml"
    assert published.read_text("utf-8") == (DATA / "glossary.schema.yaml").read_text("utf-8")
