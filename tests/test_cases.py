"""Case folders: each overlays broken files on a copy of the repository's markets and lists the
exact loading and schema findings (code, file, line, column) that validate must report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clitools import findings, invoke, places

CASES = Path(__file__).parent / "cases"


def _expected(case: Path) -> list[tuple[str, str, int, int]]:
    expected = []
    for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        code, place = line.split()
        file, row, column = place.rsplit(":", 2)
        expected.append((code, file, int(row), int(column)))
    return sorted(expected, key=lambda item: (item[1], item[2], item[3], item[0]))


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case(case: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(CASES / case / "markets", repo / "markets", dirs_exist_ok=True)

    reported = findings(capsys, repo)

    loading_and_schema = [p for p in places(reported) if p[0][:4] in ("MKT0", "MKT1")]
    assert loading_and_schema == _expected(CASES / case)
    assert invoke(capsys, repo, "validate").code == 1 or all(
        f["severity"] != "error" for f in reported
    )


def test_every_case_fails_validation(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for case in sorted(p for p in CASES.iterdir() if p.is_dir()):
        if case.name == "schema-line":
            continue  # a wrong schema line is a warning
        copy = repo.parent / case.name
        shutil.copytree(repo, copy)
        shutil.copytree(case / "markets", copy / "markets", dirs_exist_ok=True)
        assert invoke(capsys, copy, "validate").code == 1, case.name
