"""The CI files the repository ships: valid YAML that does what docs/ci-setup.md says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

GITHUB = REPO / ".github" / "workflows" / "qms.yml"
GITLAB = REPO / ".gitlab-ci.yml"
PRE_COMMIT = REPO / ".pre-commit-config.yaml"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), path
    return data


def run_text(steps_or_script: Any) -> str:
    """All the shell a job runs, as one text."""
    if isinstance(steps_or_script, list):
        return "\n".join(
            step.get("run", "") if isinstance(step, dict) else str(step) for step in steps_or_script
        )
    return str(steps_or_script or "")


def test_github_workflow() -> None:
    workflow = load(GITHUB)
    # YAML 1.1 reads the key `on` as true.
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"]  # the nightly rebuild: banners and reviews follow the calendar
    jobs = workflow["jobs"]

    check = jobs["check"]
    assert check["if"] == "github.event_name == 'pull_request'"
    checkout = next(s for s in check["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    shell = run_text(check["steps"])
    assert 'qms check --base "origin/$BASE_REF" --format markdown' in shell
    assert '"$GITHUB_STEP_SUMMARY"' in shell and 'exit "$status"' in shell
    base_env = next(s for s in check["steps"] if "BASE_REF" in s.get("env", {}))
    assert base_env["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert "mkdocs build --strict" in shell
    assert "--allow-overdue-reviews" in shell
    build_step = next(
        s for s in check["steps"] if s.get("run", "").startswith("mkdocs build --strict")
    )
    assert build_step["env"]["QMS_CHANGE_BASE"] == "origin/${{ github.base_ref }}"
    assert build_step["run"].endswith('--site-dir "$RUNNER_TEMP/site"')  # never published

    build, deploy = jobs["build"], jobs["deploy"]
    # A fresh folder, handed on by the step after the build: only if the build succeeded.
    steps = build["steps"]
    built = next(i for i, s in enumerate(steps) if "mkdocs build" in s.get("run", ""))
    assert steps[built]["run"] == 'mkdocs build --strict --site-dir "$RUNNER_TEMP/site"'
    assert "if" not in steps[built]
    upload = next(i for i, s in enumerate(steps) if "upload-pages-artifact" in s.get("uses", ""))
    assert upload > built and "if" not in steps[upload]
    assert steps[upload]["with"]["path"] == "${{ runner.temp }}/site"
    assert all(
        s["with"]["fetch-depth"] == 0
        for s in build["steps"]
        if s.get("uses", "").startswith("actions/checkout")
    )
    assert deploy["needs"] == "build"
    assert deploy["if"] == "github.ref == 'refs/heads/main'"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    # Only the official actions, each pinned to a version.
    uses = [s["uses"] for job in jobs.values() for s in job.get("steps", []) if "uses" in s]
    assert {u.split("@")[0] for u in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    assert all(u.split("@")[1] not in ("", "main", "master", "latest") for u in uses)
    assert workflow["permissions"] == {"contents": "read"}


def test_gitlab_pipeline() -> None:
    pipeline = load(GITLAB)
    assert pipeline["variables"]["GIT_DEPTH"] == 0
    mr = '$CI_PIPELINE_SOURCE == "merge_request_event"'

    check = pipeline["document-control"]
    assert check["rules"] == [{"if": mr}]
    script = run_text(check["script"])
    assert "git fetch" in script and "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script
    assert 'qms check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in script
    assert "exit $status" in script
    assert check["artifacts"]["when"] == "always"

    assert pipeline["site"]["rules"] == [{"if": mr}]
    assert "mkdocs build --strict" in run_text(pipeline["site"]["script"])
    assert "git fetch" in run_text(pipeline["site"]["script"])
    assert pipeline["site"]["variables"]["QMS_CHANGE_BASE"] == (
        "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    )

    pages = pipeline["pages"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    # A fresh folder, made the site only after the strict build succeeded.
    assert pages["script"] == [
        "rm -rf public site-build",
        "mkdocs build --strict --site-dir site-build",
        "mv site-build public",
        "qms reviews",
    ]
    assert pages["artifacts"]["paths"] == ["public"] and "when" not in pages["artifacts"]
    # These three jobs and no other: nothing else runs, or publishes, unasked.
    jobs = {k: v for k, v in pipeline.items() if isinstance(v, dict) and "script" in v}
    assert set(jobs) == {"document-control", "site", "pages"}


def test_pre_commit_hooks_are_local() -> None:
    config = load(PRE_COMMIT)
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert all(hook["language"] == "system" for hook in hooks)
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    # A review due elsewhere in the manual does not stop a commit (it is still printed).
    assert entries["qms-check"] == "qms check --allow-overdue-reviews"
    assert entries["qms-check-change"].startswith("qms check --base ")
    assert entries["qms-check-change"].endswith(" --allow-overdue-reviews")


@pytest.mark.parametrize(
    "path",
    [
        ".github/pull_request_template.md",
        ".gitlab/merge_request_templates/Document change.md",
    ],
)
def test_review_templates_carry_the_checklist(path: str) -> None:
    text = (REPO / path).read_text("utf-8")
    for words in ("revision", "change_summary", "Editorial-change:", "approved_by", "obsolete"):
        assert words in text, words
    assert text.count("- [ ]") >= 8


def test_gitlab_merge_commit_template() -> None:
    text = (REPO / ".gitlab" / "merge-commit-template.txt").read_text("utf-8")
    # GitLab limits a template to 500 characters; the trailers close the message, together.
    assert len(text) <= 500
    assert text.rstrip().endswith("%{approved_by}\n%{reviewed_by}\n%{co_authored_by}")
    assert "See merge request %{reference}" in text


def test_codeowners_example_is_not_active() -> None:
    assert (REPO / ".github" / "CODEOWNERS.example").is_file()
    for place in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"):
        assert not (REPO / place).exists(), place
    text = (REPO / ".github" / "CODEOWNERS.example").read_text("utf-8")
    assert "/procedures/        @kestrel-precision/document-controllers" in text
