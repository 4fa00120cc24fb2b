"""MKT423: an open interval whose own source or note says when it ends (issue 21)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clitools import edit, findings, line_of
from marketctl.checks.rules.mkt423_open_interval_stated_end import stated_end

SE = "markets/se/tax.yaml"
REF = '        ref: "9 kap. 2 § (normalskattesats)"\n'
HINT = (
    "if the law ends it then, write until: 2029-12-31 and ends_by_law: true (services are "
    "refused an answer for later days); otherwise reword the text"
)


def with_note(repo: Path, note: str) -> None:
    """Give Sweden's 25 % from 2023-07-01 this note (in place of any note it has)."""
    path = repo / SE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index(REF)
    end = next(
        n
        for n in range(at, len(lines))
        if lines[n].startswith("    - ") or not lines[n].startswith("        ")
    )
    block = [line for line in lines[at + 1 : end] if not line.startswith("        note:")]
    lines[at + 1 : end] = [f"        note: {note}\n", *block]
    path.write_text("".join(lines), encoding="utf-8")


def mkt423(capsys: pytest.CaptureFixture[str], repo: Path) -> list[tuple[str, int, int, str, str]]:
    return [
        (f["file"], f["line"], f["column"], f["message"], f["hint"])
        for f in findings(capsys, repo, "se", "--select", "MKT423")
        if f["code"] == "MKT423"
    ]


def test_an_open_rate_whose_note_says_it_ends(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_note(repo, '"25 % bis 31.12.2029 (test)"')

    assert mkt423(capsys, repo) == [
        (
            SE,
            line_of(repo / SE, 'ref: "9 kap. 2 § (normalskattesats)"') - 3,
            13,
            "tax.rates.standard[1]: the interval from 2023-07-01 has no until, but its source's "
            'note says it ends: "bis 31.12.2029"',
            HINT,
        )
    ]


def test_the_end_written_as_data_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_note(repo, '"25 % until 2029-12-31 (test)"')
    standard = "    - percent: 25\n      from: 2023-07-01\n"
    edit(repo / SE, standard, standard + "      until: 2029-12-31\n      ends_by_law: true\n")

    assert mkt423(capsys, repo) == []


def test_an_end_before_the_interval_starts_is_history(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_note(repo, '"the 1994 act applied until 2023-06-30"')

    assert mkt423(capsys, repo) == []


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("5 % until 2029-12-31", (date(2029, 12, 31), "until 2029-12-31")),
        ("gilt bis 31.12.2029", (date(2029, 12, 31), "bis 31.12.2029")),
        ("jusqu'au 31 décembre 2029", (date(2029, 12, 31), "jusqu'au 31 décembre 2029")),
        ("expires December 31, 2029", (date(2029, 12, 31), "expires December 31, 2029")),
        ("hasta el 30 de junio de 2027", (date(2027, 6, 30), "hasta el 30 de junio de 2027")),
        ("from 2025-01-01", None),
        ("until 2029-02-30", None),
        ("Arvonlisäverolaki (1501/1993) 84 §", None),
    ],
)
def test_what_states_an_end(text: str, end: tuple[date, str] | None) -> None:
    assert stated_end(text) == end
