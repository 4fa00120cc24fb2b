"""The README is run as written (issue 20, item 8).

Every fenced block of README.md (```console, ```sh, ```text or plain) whose first line is
``$ marketctl ...`` is a transcript: each ``$`` line a command, the lines under it what it prints
(stdout and stderr, as a terminal shows them). Each block runs in a fresh copy of this repository
(a git repository with one commit, as a clone is), its commands in order, as real processes; the
output must be what the README shows, positions and summary lines included. ``...`` stands for
text left out: alone on a line, any number of lines; inside a line, any text.

The test reads the README, so a change of the README's text is a change of the test: a command
added to the README is run, an output edited there is what is expected.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
README = REPOSITORY / "README.md"
FENCE = re.compile(r"^```(console|sh|shell|text)?$")
ELISION = "..."
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


@dataclass(frozen=True)
class Example:
    line: int  # the README line of the command
    command: str
    output: tuple[str, ...]


def transcripts(text: str) -> list[list[Example]]:
    """The README's transcripts: one list of examples per block, in order."""
    blocks: list[list[Example]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("```"):
            index += 1
            continue
        start = index + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        body = lines[start:end]
        if FENCE.match(lines[index]) and body and body[0].startswith("$ marketctl "):
            examples: list[Example] = []
            for number, line in enumerate(body, start + 1):
                if line.startswith("$ "):
                    examples.append(Example(number, line[2:], ()))
                else:
                    last = examples[-1]
                    examples[-1] = Example(last.line, last.command, (*last.output, line))
            blocks.append(examples)
        index = end + 1
    return blocks


def _line_matches(expected: str, actual: str) -> bool:
    if ELISION not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split(ELISION))
    return re.fullmatch(pattern, actual) is not None


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected`` with each ``...`` line standing for any lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == ELISION:
        return any(matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and matches(rest, actual[1:])


def test_the_parser_reads_commands_outputs_and_elisions() -> None:
    text = (
        "intro\n```console\n$ marketctl validate\nok\n$ marketctl build\n...\ndone\n```\n"
        "```sh\npip install .\n$ marketctl x\n```\n```python\n$ marketctl y\n```\n"
        "```yaml\na: b\n```\n```text\n$ marketctl z\n```\n"
    )
    assert transcripts(text) == [
        [
            Example(3, "marketctl validate", ("ok",)),
            Example(5, "marketctl build", ("...", "done")),
        ],
        [Example(20, "marketctl z", ())],
    ]
    assert matches(("a", "...", "d"), ["a", "b", "c", "d"])
    assert matches(("a", "...", "d"), ["a", "d"])
    assert not matches(("a", "...", "d"), ["a", "b"])
    assert matches(("key id ...)",), ["key id 0123abcd)"])
    assert not matches(("a",), ["a", "b"])
    assert not matches(("a", "b"), ["a"])


def _copy_repository(target: Path) -> Path:
    """markets/, specs/ and pyproject.toml of this checkout, committed in a new repository."""
    target.mkdir()
    for name in ("markets", "specs"):
        shutil.copytree(REPOSITORY / name, target / name)
    shutil.copy2(REPOSITORY / "pyproject.toml", target / "pyproject.toml")
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "clone")):
        subprocess.run(
            ["git", "-C", str(target), *args],
            check=True,
            capture_output=True,
            env={**os.environ, **GIT_ENV},
        )
    return target


def _run(root: Path, command: str) -> list[str]:
    words = shlex.split(command)
    assert words[0] == "marketctl", command
    result = subprocess.run(
        [sys.executable, "-m", "marketctl", *words[1:]],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # as a terminal shows both
        text=True,
        timeout=300,
        # No report cache: it would be kept in the user's cache folder.
        env={**os.environ, "MARKETCTL_NO_CACHE": "1", "PYTHONUNBUFFERED": "1"},
    )
    return result.stdout.splitlines()


BLOCKS = transcripts(README.read_text(encoding="utf-8"))


def test_the_readme_has_its_tour() -> None:
    commands = [example.command.split()[:2] for block in BLOCKS for example in block]
    for expected in (["marketctl", "new"], ["marketctl", "validate"], ["marketctl", "explain"]):
        assert expected in commands


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{block[0].line}" for block in BLOCKS])
def test_readme_block_prints_what_the_readme_shows(block: list[Example], tmp_path: Path) -> None:
    root = _copy_repository(tmp_path / "repository")
    drifted = []
    for example in block:
        actual = _run(root, example.command)
        if not matches(example.output, actual):
            drifted.append(
                f"README.md:{example.line}: $ {example.command}\n"
                "  the README shows:\n"
                + "".join(f"    {line}\n" for line in example.output)
                + "  it prints:\n"
                + "".join(f"    {line}\n" for line in actual)
            )
    assert not drifted, "\n".join(drifted)


def test_nothing_cites_a_file_outside_the_repository() -> None:
    """DESIGN.md is the team's, not this repository's: the repository says the thing itself."""
    listed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "ls-files", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    citing = []
    for name in listed:
        path = REPOSITORY / name
        if name == "tests/test_readme.py" or not path.is_file():
            continue
        if path.suffix not in {".py", ".md", ".yaml", ".yml", ".toml", ".json", ".txt"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        citing += [
            f"{name}:{number}"
            for number, line in enumerate(text.splitlines(), 1)
            if re.search(r"DESIGN(\.md|,)", line)
        ]
    assert citing == []


def test_links_in_the_readme_and_docs_name_files_that_exist() -> None:
    broken = []
    for page in (README, *sorted((REPOSITORY / "docs").glob("*.md"))):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPOSITORY)}: {target}")
    assert broken == []
