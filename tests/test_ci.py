"""The CI kit (issue 10): the pre-commit hooks run from another repository, the action and
the documented workflow fit GitHub's schemas, and this repository's own pre-commit set-up
names only tools its development extra installs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

REPOSITORY = Path(__file__).resolve().parents[1]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *args], capture_output=True, text=True
    )


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


def documented_workflow() -> str:
    """The workflow of docs/ci.md: the yaml block that starts with ``name:``."""
    text = (REPOSITORY / "docs/ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    (workflow,) = [block for block in blocks if block.startswith("name: ")]
    return workflow


def test_the_action_fits_the_github_actions_schema() -> None:
    result = _check_jsonschema(
        "--builtin-schema", "vendor.github-actions", str(REPOSITORY / "action.yml")
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_documented_workflow_fits_the_github_workflows_schema(tmp_path: Path) -> None:
    workflow = tmp_path / "markets.yml"
    workflow.write_text(documented_workflow(), encoding="utf-8")

    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        result = _check_jsonschema("--builtin-schema", schema, str(workflow))
        assert result.returncode == 0, schema + result.stdout + result.stderr


def test_the_documented_workflow_does_everything_the_issue_asks() -> None:
    workflow = YAML(typ="safe").load(documented_workflow())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = " ".join(str(step.get("run", "")) for step in steps)
    uses = [str(step.get("uses", "")) for step in steps]

    assert "<org>/marketctl@v1" in uses  # validate with annotations: the action
    assert "github/codeql-action/upload-sarif@v3" in uses
    assert "--format markdown" in runs and "actions/github-script@v7" in uses
    assert workflow["jobs"]["build"]["strategy"]["matrix"]["environment"] == [
        "staging",
        "production",
    ]
    assert 'marketctl build --env "$ENVIRONMENT"' in runs
    assert "actions/upload-artifact@v4" in uses


def test_the_hook_manifest_and_config_are_valid() -> None:
    for command, name in (
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", command, str(REPOSITORY / name)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_own_hooks_use_only_tools_of_the_dev_extra() -> None:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    installed = {
        re.split(r"[<>=\[ ]", requirement)[0]
        for name in ("dev", "test")
        for requirement in extras[name]
    }
    config = YAML(typ="safe").load((REPOSITORY / ".pre-commit-config.yaml").read_text())
    tools = {
        hook["entry"].split()[0]
        for repo in config["repos"]
        for hook in repo["hooks"]
        if hook["language"] == "system"
    }
    assert "pre-commit" in installed
    # marketctl is the project itself; sh is the system shell; the rest come from [dev].
    assert tools - {"marketctl", "sh"} <= installed
    watched = [hook.get("files", "") for repo in config["repos"] for hook in repo["hooks"]]
    for pattern in watched:
        for folder in re.findall(r"src/marketctl/[a-z_/]+", pattern):
            assert (REPOSITORY / folder).is_dir(), f"{pattern} names a folder that is gone"


def _snapshot(target: Path) -> Path:
    """This checkout as it is now (committed or not) in a git repository of its own, so the
    hooks that pre-commit installs are the ones under test."""
    listed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "ls-files", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for name in listed:
        source = REPOSITORY / name
        if source.is_file() and not name.startswith(("tests/", "benchmarks/", "markets/")):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return target


def test_a_config_repository_runs_the_hooks_through_pre_commit(tmp_path: Path) -> None:
    checkout = _snapshot(tmp_path / "marketctl")
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    config = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", config / "markets")
    (config / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {checkout}\n"
        f"    rev: {commit}\n"
        "    hooks:\n"
        "      - id: marketctl-validate\n"
        "      - id: marketctl-translations\n"
        '        args: ["50"]\n'
    )
    _git(config, "init", "-q", "-b", "main")
    _git(config, "add", "-A")
    _git(config, "commit", "-q", "-m", "markets")
    environment = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def hooks() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=config,
            capture_output=True,
            text=True,
            env=environment,
            timeout=900,
        )

    clean = hooks()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"marketctl validate\.+Passed", clean.stdout), clean.stdout
    assert re.search(r"marketctl translations \(gate\)\.+Passed", clean.stdout), clean.stdout

    market = config / "markets/se/market.yaml"
    original = market.read_text()
    # Strict by default: a warning alone (a planned market whose launch date passed) fails.
    market.write_text(original.replace("status: live", "status: planned"))
    warned = hooks()
    assert warned.returncode == 1
    assert re.search(r"marketctl validate\.+Failed", warned.stdout), warned.stdout
    assert " MKT209 warning: " in warned.stdout, warned.stdout

    market.write_text(original.replace("currency: SEK", "currency: SEX"))
    broken = hooks()
    assert broken.returncode == 1
    assert re.search(r"marketctl validate\.+Failed", broken.stdout), broken.stdout
    assert "markets/se/market.yaml:" in broken.stdout and " MKT202 error: " in broken.stdout
