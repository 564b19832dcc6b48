"""The manual as a system in real sites: clause matrix, records register, external documents,
What's changing, document-ID links, "Referenced by", markers, exports and the command line."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml
from mkdocs.exceptions import Abort

from tests.conftest import REPO, Site, document
from tests.gitrepo import GitRepo
from tests.test_cli import run
from tests.test_records import TRAINING

TOM = ("Tomasz Nowak", "tom@kestrel.example")
NA = "We machine parts to our customers' designs; we design no product ourselves."
ROLES = {"setter": "CNC setter-operators", "inspector": "Inspectors"}

TRAINING_RECORDS = TRAINING

QM = """\
## Scope

We machine parts to drawings. The documents are controlled under QP-075.

### Requirements that do not apply

<!-- qms:not-applicable -->
"""

QP_075 = """\
## Purpose

Control of documents. Training records are kept as in QP-072; standards as EXT-001 says.

## Steps with QP-072 in the heading

Use `QP-072` in code, [QP-072 in a link](qp-072.md) and F-072-01 as text.

```
QP-072 in a fence
```

## Records

<!-- qms:records -->
"""


def schema(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "records_schema" / name).read_text("utf-8"))  # type: ignore[no-any-return]


def manual(site: Site) -> None:
    site.options.update(
        {"clauses_not_applicable": {"8.3": NA}, "training_roles": ROLES, "training_days": 30}
    )
    site.write(
        "procedures/manual/qm-001.md",
        document(
            QM, doc_id="QM-001", type="manual", title="Quality manual", iso9001_clauses=["4.3"]
        ),
    )
    site.write(
        "procedures/qp-075.md",
        document(
            QP_075,
            doc_id="QP-075",
            title="Control of documented information",
            iso9001_clauses=["7.5"],
            records=[
                {
                    "name": "Document change requests",
                    "form": "F-075-01",
                    "location": "Quality shared drive",
                    "retention": {"period": "6 years", "from": "closure of the request"},
                    "disposition": "Deleted",
                    "owner": "Quality Manager",
                }
            ],
        ),
    )
    for form, title in (("F-072-01", "Training record"), ("F-075-01", "Change request")):
        site.write(
            f"procedures/forms/{form.lower()}.md",
            document(doc_id=form, type="form", title=title, iso9001_clauses=[]),
        )
    site.write(
        "procedures/external/ext-001.md",
        document(
            "Bought from the issuer; licensed to one user.\n",
            doc_id="EXT-001",
            type="external",
            title="Quality management systems — Requirements",
            issuer="ISO",
            identifier="ISO 9001",
            edition="2015 (fifth edition)",
            controlled_copy="Quality shared drive, Standards folder",
            currency_checked="2026-09-14",
            iso9001_clauses=None,
        ),
    )
    # QP-072's revision came later: approved on 2 Nov, merged on the 5th, in force from the 9th.
    site.write("docs/index.md", "# Home\n")
    repo = GitRepo(site.root)
    repo.commit("The manual", author=TOM)
    site.write(
        "procedures/qp-072.md",
        document(
            "## Purpose\n\nTraining, as QP-075 requires.\n\n<!-- qms:records -->\n",
            doc_id="QP-072",
            title="Competence & training",
            iso9001_clauses=["7.2", "7.3"],
            records=[TRAINING_RECORDS],
            training={"required": True, "roles": ["setter", "inspector"], "method": "Briefing"},
            effective_date="2026-11-09",
            approval_date="2026-11-02",
        ),
    )
    repo.commit("QP-072 revision B", author=TOM, date="2026-11-05T12:00:00+00:00")


def test_the_registers_of_a_complete_manual(site: Site) -> None:
    manual(site)
    site.build(strict=True)

    # The clause matrix: every clause, the not-applicable one with its reason, documents linked.
    matrix = site.page("iso9001-clause-matrix/")
    row = re.search(r'<tr id="clause-7-5-3".*?</tr>', matrix, re.DOTALL)
    assert row is not None
    assert 'data-status="covered"' in row.group(0)
    assert (
        '<a href="../procedures/qp-075/" title="Control of documen'
        'ted information" class="qms-clauses__inherited">QP-075</a>' in row.group(0)
    )
    na_row = re.search(r'<tr id="clause-8-3-2".*?</tr>', matrix, re.DOTALL)
    assert na_row is not None and 'data-status="not_applicable"' in na_row.group(0)
    assert "we design no product ourselves" in na_row.group(0)
    assert matrix.count('<tr id="clause-') == 91

    # The quality manual shows the statement where its author put the marker.
    qm = site.page("procedures/manual/qm-001/")
    assert (
        '<a href="../../../iso9001-clause-matrix/#clause-8-3">8'
        ".3 Design and development of products and services</a>" in qm
    )
    assert "we design no product ourselves" in qm

    # The records: the procedure's table, the register, the control block.
    qp072 = site.page("procedures/qp-072/")
    assert (
        '<a href="../../records-register/#record-training-and-'
        'assessment-record">Training and assessment records</a>' in qp072
    )
    assert '<a href="../forms/f-072-01/" title="Training record">F-072-01</a>' in qp072
    assert "10 years from end of employment" in qp072
    register = site.page("records-register/")
    assert 'id="record-training-and-assessment-record"' in register
    assert (
        '<a href="../procedures/qp-072/" title="Competence &amp; training">QP-072</a>' in register
    )

    # Training for this revision, and What's changing (in force 14 days ago, within 30).
    assert "<dt>Training for this revision</dt><dd>CNC setter-operators, Inspectors" in qp072
    changing = site.page("whats-changing/")
    row = re.search(
        r'<tr data-when="recent"[^>]*data-roles="setter inspector">.*?</tr>', changing, re.DOTALL
    )
    assert row is not None and "9 Nov 2026" in row.group(0)

    # External documents: the register, what uses them, the page's own fields.
    external = site.page("external-documents/")
    assert "ISO 9001" in external and "2015 (fifth edition)" in external
    assert "QP-075" in external.split('id="ext-001"')[1].split("</tr>")[0]
    ext = site.page("procedures/external/ext-001/")
    assert "<dt>Edition in use</dt><dd>2015 (fifth edition)</dd>" in ext
    assert "next by 14 Sep 2027" in ext

    # "Referenced by" in the control block: by text, record form and links alike.
    form = site.page("procedures/forms/f-072-01/")
    referenced = form.split("<dt>Referenced by</dt>")[1].split("</dd>")[0]
    assert ">QP-072</a>" in referenced and ">QP-075</a>" in referenced


def test_ids_in_the_text_link_to_the_document_with_its_title(site: Site) -> None:
    manual(site)
    site.build(strict=True)
    page = site.page("procedures/qp-075/")
    text = page.split("</dl>", 1)[1]
    # In prose: a link with the title as tooltip (Material's tooltips escape it once more).
    assert (
        '<a class="qms-docref" href="../qp-072/" title="C'
        'ompetence &amp;amp; training">QP-072</a> are kept' not in text
    )
    assert re.search(
        r'as in <a class="qms-docref" href="\.\./qp-072/'
        r'" title="Competence [^"]*training">QP-072</a>;',
        text,
    )
    assert '<a class="qms-docref" href="../external/ext-001/"' in text
    assert "F-072-01</a> as text" in text
    # Never in headings, code, fences or inside the author's own links; never the page itself.
    assert re.search(
        r'<h2 id="steps-with-qp-072-in-the-heading">Steps with QP-072 in the heading', text
    )
    assert "<code>QP-072</code>" in text
    assert (
        "QP-072 in a fence" in text
        and 'qms-docref" href="../qp-072/" title="Competence &amp; training">QP-072</a> in a fence'
        not in text
    )
    assert '<a href="../qp-072/">QP-072 in a link</a>' in text
    assert 'qms-docref" href="./"' not in page


def test_document_links_and_term_links_do_not_fight(site: Site) -> None:
    site.options["glossary"] = "glossary.yml"
    site.write(
        "glossary.yml",
        "group: Ours\nterms:\n  - term: work instruction\n    synonyms: [WI]\n"
        "    explanation: Step-by-step method for one task.\n",
    )
    site.write(
        "procedures/wi-001-01.md",
        document(doc_id="WI-001-01", type="work_instruction", title="Set-up"),
    )
    site.write(
        "procedures/qp-001.md", document("## Steps\n\nFollow WI-001-01; each WI is short.\n")
    )
    site.build(strict=True)
    text = site.page("procedures/qp-001/").split("</dl>", 1)[1]
    assert '<a class="qms-docref" href="../wi-001-01/" title="Set-up">WI-001-01</a>;' in text
    assert re.search(r'each <a class="qms-term"[^>]*>WI</a> is short', text)
    assert text.count("qms-term") == 1  # not inside the document link


def test_a_withdrawn_document_is_linked_with_its_state_and_reported(site: Site) -> None:
    site.write(
        "procedures/qp-002.md",
        document(doc_id="QP-002", title="Old way", status="superseded", superseded_by="QP-003"),
    )
    site.write(
        "procedures/qp-003.md", document(doc_id="QP-003", title="New way", supersedes=["QP-002"])
    )
    site.write("procedures/qp-001.md", document("## Steps\n\nFollow QP-002.\n"))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any(
        "[withdrawn-reference]" in w and "name its successor QP-003" in w for w in site.warnings
    )
    text = site.page("procedures/qp-001/").split("</dl>", 1)[1]
    assert (
        '<a class="qms-docref qms-docref--withdrawn" href="../qp-'
        '002/" title="Old way (superseded: use QP-003)">QP-002</a>' in text
    )


def test_the_strict_build_fails_on_a_record_declared_two_ways(site: Site) -> None:
    manual(site)
    six = {**TRAINING_RECORDS, "retention": {"period": "6 years", "from": "end of employment"}}
    site.write("procedures/qp-092.md", document(doc_id="QP-092", records=[six]))
    with pytest.raises(Abort):
        site.build(strict=True)
    [warning] = [w for w in site.warnings if "[record-conflict]" in w]
    assert "procedures/qp-092.md" in warning and "in QP-072" in warning
    register = site.page("records-register/")
    assert "qms-records__row--conflict" in register and "Declared differently" in register


def test_user_text_never_becomes_html(site: Site) -> None:
    manual(site)
    bad = {**TRAINING_RECORDS, "name": "<script>alert(1)</script> records", "form": None}
    site.write(
        "procedures/qp-099.md",
        document(
            "Text.\n\n<!-- qms:records -->\n",
            doc_id="QP-099",
            title='<img src=x onerror="alert(1)">',
            records=[bad],
        ),
    )
    site.build()
    for url in ("records-register/", "procedures/qp-099/", "procedures/qp-075/"):
        assert "<script>alert" not in site.page(url)
        assert "<img src=x" not in site.page(url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; records" in site.page("records-register/")


def test_exports_follow_their_schemas_and_the_command_line_prints_the_same(site: Site) -> None:
    manual(site)
    site.build(strict=True)
    exports = site.site_dir / "qms"
    for name, schema_name in (
        ("clauses", "clauses.schema.yaml"),
        ("records", "records.schema.yaml"),
        ("external", "external.schema.yaml"),
        ("training", "training.schema.yaml"),
    ):
        data = json.loads((exports / f"{name}.json").read_text("utf-8"))
        jsonschema.validate(data, schema(schema_name))
        for fmt in ("json", "csv"):
            result = run(site.root, name, "--format", fmt)
            assert result.returncode == 0, result.stderr
            exported = (exports / f"{name}.{fmt}").read_text("utf-8")
            assert result.stdout.replace("\r\n", "\n") == exported.replace("\r\n", "\n"), name
    register = json.loads((exports / "register.json").read_text("utf-8"))
    jsonschema.validate(register, schema("register.schema.yaml"))
    qp = next(d for d in register["documents"] if d["id"] == "QP-072")
    assert qp["clauses"] == ["7.2", "7.3"]
    assert "7.2; 7.3" in (exports / "register.csv").read_text("utf-8")
    training = (exports / "training.csv").read_text("utf-8").splitlines()
    assert (
        training[0] == "doc_id,title,revision,change,in_force_from,role"
        ",role_name,method,change_summary,url,redline_url"
    )
    assert [line.split(",")[5] for line in training[1:]] == ["setter", "inspector"]
    text = run(site.root, "clauses", "--gaps").stdout
    assert "8.3" not in text and "7.1 " in text
    assert "1 external documents." in run(site.root, "external").stdout


def test_whats_changing_links_the_redline_of_each_new_revision(site: Site) -> None:
    site.options["training_roles"] = ROLES
    repo = GitRepo(site.root)
    site.write("docs/index.md", "# Home\n")
    site.write(
        "procedures/qp-001.md", document("Old text.\n", revision="A", effective_date="2026-01-12")
    )
    repo.commit("A", author=TOM, date="2026-01-05T12:00:00+00:00")
    site.write(
        "procedures/qp-001.md",
        document(
            "New text.\n",
            revision="B",
            status="approved",
            approval_date="2026-11-16",
            effective_date="2026-12-07",
            change_summary="New text.",
            training={"required": True, "roles": ["setter"]},
        ),
    )
    repo.commit("B", author=TOM, date="2026-11-16T12:00:00+00:00")
    site.build(strict=True)
    page = site.page("whats-changing/")
    assert (
        '<a class="qms-changes__redline" href="../procedures'
        '/qp-001/rev/B/#changes">See what changed since A</a>' in page
    )
    assert '<a href="../procedures/qp-001/rev/B/">B</a>' in page
    data = json.loads((site.site_dir / "qms/training.json").read_text("utf-8"))
    [change] = data["changes"]
    assert (change["revision"], change["previous_revision"], change["upcoming"]) == ("B", "A", True)
    assert change["redline_url"] == "procedures/qp-001/rev/B/#changes"
    assert change["training"]["roles"] == [{"id": "setter", "name": "CNC setter-operators"}]


def test_revision_pages_show_the_records_table_of_their_own_revision(site: Site) -> None:
    repo = GitRepo(site.root)
    site.write("docs/index.md", "# Home\n")
    site.write(
        "procedures/forms/f-072-01.md", document(doc_id="F-072-01", type="form", title="Form")
    )
    old = {**TRAINING_RECORDS, "retention": {"period": "6 years", "from": "end of employment"}}
    site.write(
        "procedures/qp-072.md",
        document(
            "Training.\n\n<!-- qms:records -->\n", doc_id="QP-072", revision="A", records=[old]
        ),
    )
    repo.commit("A", author=TOM, date="2026-01-05T12:00:00+00:00")
    site.write(
        "procedures/qp-072.md",
        document(
            "Training.\n\n<!-- qms:records -->\n",
            doc_id="QP-072",
            revision="B",
            records=[TRAINING_RECORDS],
            effective_date="2026-02-02",
            approval_date="2026-01-26",
            change_summary="Longer.",
        ),
    )
    repo.commit("B", author=TOM, date="2026-01-26T12:00:00+00:00")
    site.build(strict=True)
    revision_a = site.page("procedures/qp-072/rev/A/")
    assert "6 years from end of employment" in revision_a
    assert 'href="../../../../procedures/forms/f-072-01/"' in revision_a
    assert "10 years from end of employment" in site.page("procedures/qp-072/")


def test_a_mistyped_marker_is_reported(site: Site) -> None:
    site.write("procedures/qp-001.md", document("<!-- qms:record -->\n"))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("'<!-- qms:record -->' is not a marker" in w for w in site.warnings)


def test_an_unquoted_clause_number_is_refused_with_the_fix(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    site.options["clauses_not_applicable"] = {8.3: NA}
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("write the clause number 8.3 in quotes" in w for w in site.warnings)
