"""The glossary: ISO 9000 vocabulary plus the organisation's own terms, and one matcher for all.

Nothing here imports MkDocs. The packaged vocabulary of an ISO 9000 edition holds term numbers,
names and group headings (facts of the standard's structure) with explanations written by this
project in its own words, never the standard's text. The organisation's glossary file adds terms,
replaces explanations (with their source), adds synonyms and deprecated variants, and switches
automatic linking off (or, for an everyday word, on) for a term.

All terms are found in text by a single compiled regular expression: the surface forms of every
term (name, synonyms, deprecated variants) are merged into one character trie, so a scan of a
paragraph is one pass however many terms there are, and the longest term wins at each position
("quality management system" before "quality"). Which of the occurrences deserve a link is
decided after that (``standalone``): not the parts of a longer phrase or of a name.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

import jsonschema
import yaml

from . import yamlread
from .documents import Document
from .findings import Finding

GLOSSARY_EDITIONS = ("2015",)
LINK_MODES = ("first_per_page", "first_per_section", "every", "none")
ORGANISATION_GROUP = "Our own terms"
ORGANISATION_SOURCE = "The organisation's glossary"
ISO_SOURCE = "Explained in our own words, not the standard's text"
GLOSSARY_SCHEME = (
    "glossary:"  # the link syntax an author uses to force a link: [text](glossary:term)
)

# Characters that must never reach a page from a glossary file: C0/C1 controls other than tab and
# newline (Python-Markdown uses STX/ETX internally to mark stashed HTML).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form terms are compared in: lower case, single spaces, straight apostrophes."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    return _SPACE.sub(" ", text.strip()).lower()


def clean_text(text: str) -> str:
    """Glossary text as it may appear on a page: no control characters, single-spaced."""
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def slug(name: str) -> str:
    """A stable anchor from a term's name: ``corrective action`` -> ``corrective-action``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "term"


def is_abbreviation(form: str) -> bool:
    """``NCR``, ``CMM``, ``QMS``: matched with their capitals, so that "ca" is not "CA"."""
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and not any(c.islower() for c in letters)


def plural(name: str) -> str:
    """The regular plural of a term's name (its last word): for messages, not for matching."""
    if is_abbreviation(name):
        return name + "s"
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    return name + "s"


@dataclass(frozen=True)
class Term:
    """One defined term as the site shows it.

    ``number`` is the ISO 9000 entry number (None for the organisation's own terms); ``source``
    says whose words the explanation is; ``url`` links the entry in ISO's Online Browsing
    Platform; ``autolink`` False keeps the term out of automatic linking (it is still listed and
    still checked). ``generic`` marks an everyday word (linked only when the organisation asks),
    ``exact`` a term matched only as written (no plural or possessive). ``deprecated`` holds every
    variant to avoid; ``house_style`` those of them that are this project's advice rather than
    the standard's spelling. ``path`` and ``line`` say where the organisation defined or changed
    it.
    """

    name: str
    explanation: str
    group: str
    number: str | None = None
    synonyms: tuple[str, ...] = ()
    deprecated: tuple[str, ...] = ()
    house_style: tuple[str, ...] = ()
    autolink: bool = True
    generic: bool = False
    exact: bool = False
    source: str = ""
    url: str | None = None
    origin: str = "iso"  # "iso" or "organisation"
    overridden: bool = False
    anchor: str = ""
    path: str | None = None
    line: int | None = None

    @cached_property
    def key(self) -> str:
        return normalise(self.name)

    @property
    def sort_key(self) -> str:
        return normalise(self.name).lstrip("-")


@dataclass(frozen=True)
class Vocabulary:
    """The packaged terms of one ISO 9000 edition."""

    standard: str
    edition: str
    source: str
    obp_url: str
    groups: Mapping[str, str]
    terms: tuple[Term, ...]


def _number_key(number: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split(".")) if number else (10**6,)


def read_vocabulary(text: str, origin: str) -> Vocabulary:
    """Parse a packaged vocabulary file (see ``data/iso9000-2015-glossary.yaml``)."""
    data = yamlread.load(text)  # safe and bounded, as every YAML text we read
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise ValueError(f"{origin}: not a glossary data file (no 'terms' list)")
    standard = str(data.get("standard", "ISO 9000"))
    groups = {str(k): str(v) for k, v in dict(data.get("groups") or {}).items()}
    obp_url = str(data.get("obp_url") or "")
    source = clean_text(str(data.get("source") or ""))
    terms = []
    for entry in data["terms"]:
        number = str(entry["number"])
        group_number = number.rsplit(".", 1)[0]
        heading = groups.get(group_number, "")
        house_style = _texts(entry.get("house_style"))
        generic = entry.get("generic", False)
        if not isinstance(generic, bool):
            raise ValueError(f"{origin}: term {number}: 'generic' must be true or false")
        terms.append(
            Term(
                name=clean_text(str(entry["term"])),
                explanation=clean_text(str(entry.get("explanation") or "")),
                group=f"{group_number} {heading}".strip(),
                number=number,
                synonyms=_texts(entry.get("synonyms")),
                deprecated=_texts(entry.get("deprecated")) + house_style,
                house_style=house_style,
                generic=generic,
                autolink=not generic,
                source=ISO_SOURCE,
                url=obp_url.format(number=number) if obp_url else None,
            )
        )
    terms.sort(key=lambda t: _number_key(t.number))
    return Vocabulary(
        standard, str(data.get("edition", standard)), source, obp_url, groups, tuple(terms)
    )


@cache
def iso_vocabulary(edition: str = "2015") -> Vocabulary:
    """The ISO 9000 vocabulary of an edition shipped with the package."""
    if edition not in GLOSSARY_EDITIONS:
        raise ValueError(
            f"glossary_edition: no ISO 9000:{edition} vocabulary is packaged; available: "
            f"{', '.join(GLOSSARY_EDITIONS)}"
        )
    name = f"iso9000-{edition}-glossary.yaml"
    text = resources.files("qms_plugin").joinpath(f"data/{name}").read_text("utf-8")
    return read_vocabulary(text, name)


# ---------------------------------------------------------------------------------------------
# Matching


class Match(NamedTuple):
    """One occurrence of a term in a text: where, what was written, and which form it is.

    (A named tuple: a page holds hundreds of them, and they are made faster than dataclasses.)
    """

    start: int
    end: int
    text: str
    term: Term
    kind: str  # "term", "synonym" or "deprecated"
    form: str  # the name, synonym or deprecated variant that matched, as the glossary writes it


_END = ""  # the trie key that marks the end of a surface form
_SUFFIXES = ("s?", "(?:es)?", "(?:y|ies)")  # regular plurals, the last token of every form


def _tokens(form: str, exact: bool = False) -> list[str]:
    """A surface form as regex pieces: characters, flexible white space, then its inflections
    (none for a form matched ``exact``ly)."""
    folded = form if is_abbreviation(form) else form.lower()
    words = folded.split()
    last = words[-1]
    if is_abbreviation(form):
        stem, suffix = last, "s?"
    elif re.search(r"[^aeiou]y$", last):
        stem, suffix = last[:-1], "(?:y|ies)"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        stem, suffix = last, "(?:es)?"
    else:
        stem, suffix = last, "s?"
    if exact:
        stem, suffix = last, ""
    pieces: list[str] = []
    for word in [*words[:-1], stem]:
        if pieces:
            pieces.append(r"\s+")
        pieces.extend(re.escape(c) for c in word)
    if suffix:
        pieces.append(suffix)
    return pieces


def _trie_pattern(forms: Iterable[tuple[str, bool]]) -> str:
    """One regular expression for all ``forms`` (each with whether it is matched exactly);
    shared prefixes are written once."""
    trie: dict[str, Any] = {}
    for form, exact in forms:
        node = trie
        for token in _tokens(form, exact):
            node = node.setdefault(token, {})
        node[_END] = {}

    def emit(node: dict[str, Any]) -> str:
        # Literal continuations first, inflection suffixes (which can match nothing) last, so
        # that the longest form is tried first; the end of a form makes the rest optional.
        keys = sorted((k for k in node if k != _END), key=lambda k: (k in _SUFFIXES, k))
        branches = [k + emit(node[k]) for k in keys]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if _END in node:
            return f"(?:{body})?"
        return body

    return emit(trie)


class Matcher:
    """Finds every term of a glossary in a text, in one pass, longest term first.

    Matching is case-insensitive (abbreviations excepted), on whole words (a hyphen joins words:
    "conformity" is not found inside "non-conformity"), and accepts regular plurals ("audits",
    "nonconformities", "processes") and the possessive ("customer's"), except for the forms of a
    term marked ``exact``.
    """

    def __init__(self, forms: Mapping[str, tuple[Term, str, str]]) -> None:
        self._forms = dict(forms)
        self._resolved: dict[str, tuple[Term, str, str] | None] = {}  # the same words recur
        words = [(f, t.exact) for t, _, f in forms.values() if not is_abbreviation(f)]
        capitals = [(f, t.exact) for t, _, f in forms.values() if is_abbreviation(f)]
        words_pattern = _trie_pattern(words) if words else None  # in lower case already
        capitals_pattern = _trie_pattern(capitals) if capitals else None
        alternatives = []
        if capitals_pattern:
            alternatives.append(f"(?-i:{capitals_pattern})")
        if words_pattern:
            alternatives.append(words_pattern)
        self.regex: re.Pattern[str] | None = None
        if alternatives:
            self.regex = re.compile(_whole("|".join(alternatives)), re.IGNORECASE)
        # The same search on the text in lower case, without IGNORECASE (three times quicker);
        # a match in the capitals' branch is then checked against the text as written.
        lowered = []
        if capitals_pattern:
            lowered.append(f"(?P<capitals>{capitals_pattern.lower()})")
        if words_pattern:
            lowered.append(words_pattern)
        self._lowered = re.compile(_whole("|".join(lowered))) if lowered else None
        self._capitals = (
            re.compile(_whole(f"(?-i:{capitals_pattern})"), re.IGNORECASE)
            if capitals_pattern
            else None
        )
        self._words = re.compile(_whole(words_pattern)) if words_pattern else None

    def resolve(self, written: str) -> tuple[Term, str, str] | None:
        """The term, kind and form a piece of text stands for (inflections undone)."""
        try:
            return self._resolved[written]
        except KeyError:
            found = self._resolved[written] = self._resolve(written)
            return found

    def _resolve(self, written: str) -> tuple[Term, str, str] | None:
        key = normalise(written)
        found = self._forms.get(key)
        if found is not None:
            return found
        if key.endswith("'s"):
            key = key[:-2]
        candidates = [key]
        if key.endswith("ies"):
            candidates.append(key[:-3] + "y")
        if key.endswith("es"):
            candidates.append(key[:-2])
        if key.endswith("s"):
            candidates.append(key[:-1])
        for candidate in candidates:
            found = self._forms.get(candidate)
            # an inflection (plural, possessive) of a form that is matched only as written
            if found is not None and not found[0].exact:
                return found
        return None

    def finditer(self, text: str) -> Iterator[Match]:
        """Every occurrence, left to right, never overlapping.

        The search runs on the text in lower case without IGNORECASE (three times quicker);
        where the capitals' branch matched, it is checked against the text as written and
        otherwise the words' branch is tried there, as the one pattern would.
        """
        if self.regex is None:
            return
        lowered = text.lower()
        if len(lowered) != len(text) or self._lowered is None:  # a letter that grows
            for plain in self.regex.finditer(text):
                found = self.resolve(plain.group())
                if found is not None:
                    term, kind, form = found
                    yield Match(plain.start(), plain.end(), plain.group(), term, kind, form)
            return
        search, position, resolve = self._lowered.search, 0, self.resolve
        capitals, words = self._capitals, self._words
        while (m := search(lowered, position)) is not None:
            start = m.start()
            if capitals is not None and m.group("capitals") is not None:
                exact = capitals.match(text, start)
                if exact is None and words is not None:
                    exact = words.match(lowered, start)
                if exact is None:
                    position = start + 1
                    continue
                m = exact
            position = m.end()
            written = text[start:position]
            found = resolve(written)
            if found is not None:
                yield Match(start, position, written, found[0], found[1], found[2])


def _whole(alternatives: str) -> str:
    """A pattern matching whole words only (a hyphen joins words), possessive included."""
    return r"(?<![\w\-])(?:" + alternatives + r")(?:['\u2019]s)?(?![\w\-])"


# ---------------------------------------------------------------------------------------------
# Which occurrences stand alone as terms

_SPACE_CHARS = frozenset(" \t\n\r\f\v\u00a0")
_SENTENCE_END = tuple(".!?:;")
_LEADERS = frozenset({"-", "\u2013", "\u2014", "*", "\u2022", "|", "/"})  # dashes and bullets


def standalone(text: str, matches: Sequence[Match]) -> list[Match]:
    """The ``matches`` in ``text`` that stand alone as terms, in order.

    Left out are:

    * terms side by side, separated by white space only ("management review", "customer
      complaints", "QMS documents"): together they form a longer phrase that is not a term,
      and a link on each part would split it ("the customer's complaint" is two phrases);
    * a capitalised term that is part of a capitalised name which is not a term ("Quality
      Manager", "QA Manager", "Standard Operating Procedure", "Process Owner"): the word after
      it is capitalised, or the word before it is and does not start a sentence. (Not the word
      before an abbreviation: "Acme QMS" is Acme's QMS.)

    What counts as a word boundary is the text given: the linker passes the text of one element,
    so markup between two words ends a phrase.
    """
    joined: set[int] = set()
    for index in range(len(matches) - 1):
        left, right = matches[index], matches[index + 1]
        gap = text[left.end : right.start]
        if gap and _SPACE_CHARS.issuperset(gap) and not _possessive(left.text):
            joined.update((index, index + 1))
    return [
        match
        for index, match in enumerate(matches)
        if index not in joined and not _in_name(text, match)
    ]


def _possessive(written: str) -> bool:
    return written[-2:].lower() in ("'s", "\u2019s")


def _in_name(text: str, match: Match) -> bool:
    if not match.text[:1].isupper():
        return False
    after = match.end
    while after < len(text) and text[after] in _SPACE_CHARS:
        after += 1
    if after > match.end and after < len(text) and text[after].isupper():
        return True
    if is_abbreviation(match.form):
        return False
    before = _word_before(text, match.start)
    if before is None:
        return False
    start, end = before
    word = text[start:end]
    if not word[:1].isupper() or word.endswith(_SENTENCE_END):
        return False
    earlier = _word_before(text, start)
    # "The Quality Policy", "Our Quality Manual": the word before starts the sentence.
    return earlier is not None and not (
        text[earlier[0] : earlier[1]].endswith(_SENTENCE_END)
        or text[earlier[0] : earlier[1]] in _LEADERS
    )


def _word_before(text: str, position: int) -> tuple[int, int] | None:
    """Start and end of the word right before ``position`` if only white space is between."""
    end = position
    while end > 0 and text[end - 1] in _SPACE_CHARS:
        end -= 1
    if end == position or end == 0:
        return None
    start = end
    while start > 0 and text[start - 1] not in _SPACE_CHARS:
        start -= 1
    return start, end


# ---------------------------------------------------------------------------------------------
# The glossary


@dataclass
class Glossary:
    """All terms a site knows, with one matcher over all of them.

    ``findings`` are the problems found while reading the organisation's glossary file.
    """

    standard: str
    edition: str
    terms: list[Term]
    findings: list[Finding] = field(default_factory=list)
    organisation_group: str = ORGANISATION_GROUP

    def __post_init__(self) -> None:
        forms: dict[str, tuple[Term, str, str]] = {}
        for term in self.terms:
            for kind, names in (
                ("term", (term.name,)),
                ("synonym", term.synonyms),
                ("deprecated", term.deprecated),
            ):
                for name in names:
                    forms.setdefault(normalise(name), (term, kind, name))
        self.by_key = {term.key: term for term in self.terms}
        self.by_anchor = {term.anchor: term for term in self.terms}
        self.matcher = Matcher(forms)
        # Text without these words holds no deprecated variant: most documents are cleared by a
        # few substring searches instead of a pass of the full matcher.
        self._telltales = sorted(
            {_telltales(name) for term in self.terms for name in term.deprecated}
        )

    def may_have_deprecated(self, text: str) -> bool:
        """False only where ``text`` surely holds no deprecated variant."""
        lowered = text.lower()
        return any(
            all(any(spelling in lowered for spelling in word) for word in words)
            for words in self._telltales
        )

    def lookup(self, text: str) -> Term | None:
        """The term ``text`` names (its name, a synonym, or an inflection of either)."""
        found = self.matcher.resolve(text)
        return found[0] if found is not None else None

    def groups(self) -> list[tuple[str, list[Term]]]:
        """Terms by group heading: ISO's sections in the standard's order, then our own."""
        grouped: dict[str, list[Term]] = {}
        for term in self.terms:
            grouped.setdefault(term.group, []).append(term)
        return list(grouped.items())

    def alphabetical(self) -> list[Term]:
        return sorted(self.terms, key=lambda t: (t.sort_key, t.number or ""))


def _telltales(form: str) -> tuple[tuple[str, ...], ...]:
    """Lower-case words every written form of ``form`` contains, each as a choice of spellings:
    all its words, and for a last word ending in a consonant and "y" either ending
    ("competency", "competencies"). The matcher decides; this only has to miss nothing."""
    words = form.lower().split()
    *first, last = words
    endings = (last, last[:-1] + "ies") if re.search(r"[^aeiou]y$", last) else (last,)
    return (*((word,) for word in first), endings)


def build_glossary(
    vocabulary: Vocabulary,
    entries: Sequence[OrganisationEntry] = (),
    group: str | None = None,
    *,
    house_style: bool = True,
    generic_words: bool = False,
) -> Glossary:
    """Merge the organisation's entries into the ISO vocabulary; report conflicts as findings.

    ``house_style`` False drops the packaged variants that are this project's advice rather than
    the standard's spelling ("non-conformance", "competency"); ``generic_words`` True links the
    everyday words of the vocabulary too. An entry's own ``autolink`` wins over both.
    """
    findings: list[Finding] = []
    terms: dict[str, Term] = {
        t.key: _site_term(t, house_style, generic_words) for t in vocabulary.terms
    }
    iso_forms: dict[str, str] = {}
    for term in vocabulary.terms:
        for name in (term.name, *term.synonyms):
            iso_forms.setdefault(normalise(name), term.key)
    own_group = group or ORGANISATION_GROUP
    seen: dict[str, OrganisationEntry] = {}
    for entry in entries:
        key = normalise(entry.term)
        if key in seen:
            findings.append(
                entry.finding(
                    "glossary-duplicate",
                    f"'{entry.term}' is defined twice (first at line {seen[key].line}); keep "
                    "one entry",
                    "term",
                )
            )
            continue
        seen[key] = entry
        iso_key = iso_forms.get(key)
        if iso_key is not None:
            iso = terms[iso_key]
            if entry.explanation and not entry.overrides:
                findings.append(
                    entry.finding(
                        "glossary-duplicate",
                        f"'{entry.term}' is already {vocabulary.standard} term {iso.number} "
                        f"('{iso.name}'); add 'overrides: true' to replace its explanation with "
                        "yours, or remove the entry",
                        "term",
                    )
                )
                continue
            # A variant the organisation lists as a synonym is allowed: it links, unreported.
            allowed = {normalise(name) for name in entry.synonyms}
            terms[iso_key] = replace(
                iso,
                explanation=entry.explanation or iso.explanation,
                source=(entry.source or ORGANISATION_SOURCE) if entry.explanation else iso.source,
                overridden=iso.overridden or bool(entry.explanation),
                synonyms=iso.synonyms + entry.synonyms,
                deprecated=_without(iso.deprecated, allowed) + entry.deprecated,
                house_style=_without(iso.house_style, allowed),
                autolink=iso.autolink if entry.autolink is None else entry.autolink,
                exact=entry.exact,
                path=entry.path,
                line=entry.line,
            )
            continue
        if entry.overrides:
            findings.append(
                entry.finding(
                    "unknown-term",
                    f"'{entry.term}' says 'overrides: true', but {vocabulary.standard} has no "
                    "term of that name; check the spelling, or remove 'overrides' to add it as "
                    "your own term",
                    "overrides",
                )
            )
            continue
        if not entry.explanation:
            findings.append(
                entry.finding(
                    "glossary-file",
                    f"'{entry.term}' is not an {vocabulary.standard} term, so it needs an "
                    "'explanation' (one to three sentences in your own words)",
                    "explanation",
                )
            )
            continue
        terms[key] = Term(
            name=entry.term,
            explanation=entry.explanation,
            group=own_group,
            synonyms=entry.synonyms,
            deprecated=entry.deprecated,
            autolink=entry.autolink is not False,
            exact=entry.exact,
            source=entry.source or ORGANISATION_SOURCE,
            origin="organisation",
            path=entry.path,
            line=entry.line,
        )
    merged, more = _claim_forms(list(terms.values()), vocabulary.standard)
    return Glossary(vocabulary.standard, vocabulary.edition, merged, findings + more, own_group)


def _without(names: tuple[str, ...], keys: set[str]) -> tuple[str, ...]:
    return tuple(name for name in names if normalise(name) not in keys)


def _site_term(term: Term, house_style: bool, generic_words: bool) -> Term:
    """A packaged term as this site uses it: house-style variants kept or dropped, an everyday
    word linked or not."""
    dropped = set() if house_style else {normalise(name) for name in term.house_style}
    return replace(
        term,
        deprecated=_without(term.deprecated, dropped),
        house_style=term.house_style if house_style else (),
        autolink=generic_words or not term.generic,
    )


def _claim_forms(terms: list[Term], standard: str) -> tuple[list[Term], list[Finding]]:
    """Give every name, synonym and variant to one term; report (and drop) the rest.

    Also gives each term a unique anchor.
    """
    owner: dict[str, Term] = {}
    findings: list[Finding] = []
    for term in terms:
        owner.setdefault(term.key, term)

    def label(term: Term) -> str:
        return f"{standard} term {term.number} '{term.name}'" if term.number else f"'{term.name}'"

    result = []
    anchors: set[str] = set()
    for term in terms:
        kept: dict[str, list[str]] = {"synonyms": [], "deprecated": []}
        for kind in ("synonyms", "deprecated"):
            for name in getattr(term, kind):
                key = normalise(name)
                holder = owner.setdefault(key, term)
                if holder is term and name not in kept[kind]:
                    kept[kind].append(name)
                    continue
                if holder is term:
                    continue
                if term.path is not None:
                    findings.append(
                        Finding(
                            term.path,
                            term.line,
                            "glossary-duplicate",
                            f"'{name}' (in {kind} of '{term.name}') already names "
                            f"{label(holder)}; a word can stand for one term only: remove it "
                            "here or there",
                            field=kind,
                        )
                    )
        anchor = slug(term.name)
        while anchor in anchors:
            anchor += "-2"
        anchors.add(anchor)
        result.append(
            replace(
                term,
                synonyms=tuple(kept["synonyms"]),
                deprecated=tuple(kept["deprecated"]),
                anchor=anchor,
            )
        )
    return result, findings


# ---------------------------------------------------------------------------------------------
# The organisation's glossary file

GLOSSARY_SCHEMA = "glossary.schema.yaml"


@dataclass(frozen=True)
class OrganisationEntry:
    """One entry of the organisation's glossary file, as written."""

    term: str
    path: str
    line: int | None = None
    explanation: str = ""
    source: str = ""
    synonyms: tuple[str, ...] = ()
    deprecated: tuple[str, ...] = ()
    autolink: bool | None = None  # None: as the packaged vocabulary or the site's option says
    exact: bool = False
    overrides: bool = False
    lines: Mapping[str, int] = field(default_factory=dict)

    def finding(self, rule: str, message: str, name: str | None = None) -> Finding:
        line = self.lines.get(name, self.line) if name else self.line
        return Finding(self.path, line, rule, message, field=name)


@dataclass
class OrganisationGlossary:
    """What the organisation's glossary file holds, and what is wrong with it."""

    entries: list[OrganisationEntry]
    group: str | None
    findings: list[Finding]


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    text = resources.files("qms_plugin").joinpath(f"data/{GLOSSARY_SCHEMA}").read_text("utf-8")
    schema = yamlread.load(text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _node_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """1-based line of every mapping key and sequence item in a YAML text, by its path."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str | None]:
    """A jsonschema error in words an author can act on, and the field it concerns."""
    path = [str(p) for p in error.absolute_path]
    name = path[-1] if path and not path[-1].isdigit() else None
    where = ".".join(path) or "the file"
    shown = repr(error.instance) if not isinstance(error.instance, str) else f"'{error.instance}'"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where}: '{missing}' is missing", missing
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = set(dict(schema.get("properties", {})))
        known = ", ".join(sorted(allowed))
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        extra = sorted(set(instance) - allowed)
        names = ", ".join(f"'{e}'" for e in extra)
        return f"{where}: unknown field {names}; check the spelling. Known fields: {known}", (
            extra[0] if extra else None
        )
    if error.validator == "type":
        kinds = {"string": "text", "boolean": "true or false", "array": "a list", "object": "a map"}
        wanted = error.validator_value
        wanted_names = wanted if isinstance(wanted, list) else [wanted]
        wanted_text = " or ".join(kinds.get(str(w), str(w)) for w in wanted_names)
        return f"'{where}' is {shown}; it must be {wanted_text}", name
    if error.validator == "minLength":
        return f"'{where}' is empty; give a value or remove the field", name
    if error.validator == "maxLength":
        return (
            f"'{where}' is longer than {error.validator_value} characters; a glossary "
            "explanation is one to three sentences",
            name,
        )
    if error.validator == "uniqueItems":
        return f"'{where}' lists the same value twice; remove the repeat", name
    return f"'{where}': {error.message}", name


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(clean_text(str(v)) for v in value or () if clean_text(str(v)))


def parse_organisation_glossary(text: str, path: str) -> OrganisationGlossary:
    """Read and validate the organisation's glossary file; invalid entries are left out."""

    def problem(message: str, line: int | None = None, name: str | None = None) -> Finding:
        return Finding(path, line, "glossary-file", message, field=name)

    try:
        data = yamlread.load(text)  # bounded first: _node_lines then walks as much
        lines = _node_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "it cannot be read"
        return OrganisationGlossary(
            [],
            None,
            [
                problem(
                    f"the glossary file is not valid YAML ({reason}); check the indentation "
                    "and quote text that contains a colon",
                    line,
                )
            ],
        )
    if data is None:
        data = {"terms": []}
    findings: list[Finding] = []
    validator = _schema_validator()
    bad_entries: set[int] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        error_path = tuple(error.absolute_path)
        message, name = _schema_message(error)
        line = next(
            (
                lines[error_path[:n]]
                for n in range(len(error_path), -1, -1)
                if error_path[:n] in lines
            ),
            None,
        )
        findings.append(problem(message, line, name))
        if len(error_path) >= 2 and error_path[0] == "terms" and isinstance(error_path[1], int):
            bad_entries.add(error_path[1])
        elif error_path[:1] != ("group",):
            return OrganisationGlossary([], None, findings)  # the file's shape is wrong
    entries = []
    for index, raw in enumerate(data.get("terms") or []):
        if index in bad_entries:
            continue
        base = ("terms", index)
        entries.append(
            OrganisationEntry(
                term=clean_text(raw["term"]),
                path=path,
                line=lines.get(base),
                explanation=clean_text(raw.get("explanation", "")),
                source=clean_text(raw.get("source", "")),
                synonyms=_texts(raw.get("synonyms")),
                deprecated=_texts(raw.get("deprecated")),
                autolink=raw.get("autolink"),
                exact=bool(raw.get("exact", False)),
                overrides=bool(raw.get("overrides", False)),
                lines={k: v for k, v in ((k, lines.get((*base, k))) for k in raw) if v},
            )
        )
    group = data.get("group") if isinstance(data.get("group"), str) else None
    return OrganisationGlossary(entries, clean_text(group) if group else None, findings)


def load_glossary(
    edition: str,
    root: Path,
    organisation_file: str | None,
    *,
    house_style: bool = True,
    generic_words: bool = False,
) -> Glossary:
    """The site's glossary: the packaged ISO vocabulary plus the organisation's file, if any.

    Problems with the organisation's file become findings on the glossary (the build goes on with
    the valid entries). Raises ValueError for an edition that is not packaged. The options are
    ``build_glossary``'s.
    """
    vocabulary = iso_vocabulary(edition)

    def build(entries: Sequence[OrganisationEntry] = (), group: str | None = None) -> Glossary:
        return build_glossary(
            vocabulary, entries, group, house_style=house_style, generic_words=generic_words
        )

    if not organisation_file:
        return build()
    shown = organisation_file
    try:
        text = (root / organisation_file).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = (
            f"the glossary file is not UTF-8 (byte {exc.start}); re-save it as UTF-8"
            if isinstance(exc, UnicodeDecodeError)
            else f"cannot read the glossary file ({exc.strerror}); create it or correct the qms "
            "plugin's 'glossary' option in mkdocs.yml"
        )
        glossary = build()
        glossary.findings.append(Finding(shown, None, "glossary-file", problem))
        return glossary
    parsed = parse_organisation_glossary(text, shown)
    glossary = build(parsed.entries, parsed.group)
    glossary.findings[:0] = parsed.findings
    return glossary


# ---------------------------------------------------------------------------------------------
# Terminology rules on Markdown source

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_MASKED = re.compile(
    r"<!--.*?-->"  # comments
    r"|<(code|pre|kbd|samp|script|style)\b[^>]*>.*?</\1\s*>"  # code in raw HTML
    r"|<span\b[^>]*\bclass=[\"'][^\"']*\bno-glossary\b[^\"']*[\"'][^>]*>.*?</span\s*>"
    r"|(?<!`)(`+)(?!`).+?(?<!`)\2(?!`)",  # inline code
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"</?[A-Za-z][^>]*>|\{[:.#][^}\n]*\}")  # raw tags, attribute lists
_DESTINATION = re.compile(r"(?<=\])\((?:<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)[^)\n]*\)")
_REFERENCE = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[^\n]*$", re.MULTILINE)
_GLOSSARY_LINK = re.compile(r"\[((?:[^\[\]\n]|\[[^\]\n]*\])*)\]\(\s*glossary:([^)\n]*)\)")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def mask_code(markdown: str) -> str:
    """``markdown`` with code (fenced, inline, HTML), comments and suppressed spans blanked out.

    The result has the same length and line breaks, so offsets and line numbers still hold.
    """
    out: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            out.append(_blank_line(line))
        elif fence is not None:
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            out.append(_blank_line(line))
        else:
            out.append(line)
    return _MASKED.sub(_blank, "".join(out))


def _blank_line(line: str) -> str:
    return re.sub(r"[^\n]", " ", line)


def mask_markup(markdown: str) -> str:
    """Only the words a reader sees: code, tags, link targets and reference definitions blanked."""
    text = mask_code(markdown)
    for pattern in (_DESTINATION, _REFERENCE, _TAG):
        text = pattern.sub(_blank, text)
    return text


def glossary_references(markdown: str) -> Iterator[tuple[int, str, str]]:
    """Explicit references ``[text](glossary:term)``: offset, link text and the term named."""
    for m in _GLOSSARY_LINK.finditer(mask_code(markdown)):
        target = reference_target(m.group(2))
        yield m.start(), m.group(1), target or m.group(1)


def reference_target(raw: str) -> str:
    """The term an explicit reference names: ``glossary:corrective%20action`` or
    ``glossary:corrective_action`` both name "corrective action"."""
    return " ".join(unquote(raw.strip().strip("<>")).replace("_", " ").split())


# Front-matter fields whose words a reader sees (the title on every page and in every list, the
# change summary in the revision history), checked for deprecated wording like the body.
CHECKED_FIELDS = ("title", "change_summary")


def check_document(doc: Document, glossary: Glossary) -> list[Finding]:
    """Deprecated wording and unknown glossary references in one controlled document."""
    findings: list[Finding] = []
    body = doc.body
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)]

    def line_of(offset: int) -> int:
        return doc.body_start_line + bisect.bisect_right(line_starts, offset) - 1

    for name in CHECKED_FIELDS:
        value = doc.data.get(name)
        if isinstance(value, str) and glossary.may_have_deprecated(value):
            for match in glossary.matcher.finditer(value):
                if match.kind == "deprecated":
                    where = f"in the {name.replace('_', ' ')}, "
                    message = _deprecated_message(match, glossary, where)
                    findings.append(
                        Finding(
                            doc.path, doc.line(name), "deprecated-term", message, doc.doc_id, name
                        )
                    )
    wanted = glossary.may_have_deprecated(body)
    matches = glossary.matcher.finditer(mask_markup(body)) if wanted else ()
    for match in matches:
        if match.kind == "deprecated":
            findings.append(
                Finding(
                    doc.path,
                    line_of(match.start),
                    "deprecated-term",
                    _deprecated_message(match, glossary),
                    doc.doc_id,
                )
            )
    references = glossary_references(body) if GLOSSARY_SCHEME in body else ()
    for offset, text, target in references:
        if glossary.lookup(target) is None:
            findings.append(
                Finding(
                    doc.path,
                    line_of(offset),
                    "unknown-term",
                    f"[{text}](glossary:{target}) names no term in the glossary; check the "
                    "spelling against the glossary page, or add the term to your glossary file",
                    doc.doc_id,
                )
            )
    return findings


def _deprecated_message(match: Match, glossary: Glossary, where: str = "") -> str:
    term = match.term
    written = _SPACE.sub(" ", match.text)
    reference = f" ({glossary.standard}, {term.number})" if term.number else ""
    advice = f"write '{term.name}' instead (or its plural, '{plural(term.name)}')"
    if normalise(match.form) not in {normalise(v) for v in term.house_style}:
        return f"{where}'{written}' is a deprecated variant of '{term.name}'{reference}; {advice}"
    return (
        f"{where}'{written}' is a house-style variant of '{term.name}'{reference}; {advice}. "
        "To allow it, set 'glossary_house_style: false' in mkdocs.yml (every house-style "
        "variant) or list it under the term's 'synonyms' in your glossary file (this one)"
    )


def check_terminology(documents: Sequence[Document], glossary: Glossary) -> list[Finding]:
    """The terminology findings of every controlled document, in file and line order."""
    findings = [f for doc in documents for f in check_document(doc, glossary)]
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))


def unused_terms(glossary: Glossary, used: Iterable[str]) -> list[Finding]:
    """The organisation's own terms that no page uses: information, not a problem."""
    keys = set(used)
    return [
        Finding(
            term.path or "",
            term.line,
            "unused-term",
            f"the glossary term '{term.name}' is used on no page; it is still listed on the "
            "glossary page (remove it if it is no longer needed)",
        )
        for term in glossary.terms
        if term.origin == "organisation" and term.key not in keys
    ]
