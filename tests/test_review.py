"""The review view of ``marketctl diff`` (issue 10): new markets in full, removed markets,
shared-layer changes once, --fail-on, the market filter, reshuffles rated high, and markdown
that fits one GitHub comment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clitools import edit, invoke
from marketctl.commands.diff import COMMENT_LIMIT, Risk, risk_of
from test_diff import _git


@pytest.fixture
def history(repo: Path) -> Path:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def test_a_branch_that_adds_a_market_shows_its_facts(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(history, "checkout", "-q", "-b", "add-greece")
    assert invoke(capsys, history, "new", "gr", "-q").code == 0
    _git(history, "add", "-A")
    _git(history, "commit", "-q", "-m", "Greece")

    text = invoke(capsys, history, "diff", "main", "add-greece").out.splitlines()
    markdown = invoke(capsys, history, "diff", "main", "add-greece", "--format", "markdown").out

    assert text[0] == "gr  high    market added: Greece (locales el-GR, 76 messages)"
    # The reviewed data has 24 % in force from the start of its window (2019-01-01), not the
    # day it took effect: the scaffold leaves from TODO, and the source says it is unverified.
    rate = text.index("    Tax › rates › standard: 24 %")
    assert text[rate + 1].startswith("        source: ")
    assert text[rate + 1].endswith(
        "(unverified: No official text found (AADE, ΦΕΚ); 24 % per third-party tables "
        "2019–2025 (Scopulus, SimplyVAT))"
    )
    assert "    Market › currency: EUR" in text
    guarantee = next(line for line in text if "legal guarantee" in line)
    assert guarantee.startswith("    Consumer law and warranty › legal guarantee: 24 months")
    assert text[-1] == "1 change (1 high, 0 medium, 0 low) between main and add-greece"
    assert "### New market: Greece (`gr`), high risk" in markdown
    assert "| Tax | rates › standard | 24 % |   | " in markdown


def test_a_new_market_shows_its_rollout_calendar_in_local_time_and_utc(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(history / "markets/se", history / "markets/no")
    edit(history / "markets/no/market.yaml", "name: Sweden", "name: Norway")

    markdown = invoke(capsys, history, "diff", "main", "--format", "markdown").out.splitlines()
    document = json.loads(invoke(capsys, history, "diff", "main", "--format", "json").out)

    start = markdown.index(
        "| feature | local time (Europe/Stockholm) | UTC | share of units | note |"
    )
    assert markdown[start + 2] == "| buyback | 2025-10-01T08:00 | 2025-10-01T06:00Z | 25 % |   |"
    # Winter time: Stockholm is UTC+1 in January.
    assert markdown[start + 3] == "| buyback | 2026-01-12T08:00 | 2026-01-12T07:00Z | 100 % |   |"
    rollback = next(line for line in markdown if "2026-05-18T09:00" in line)
    assert rollback.startswith(
        "| carbon_savings_label | 2026-05-18T09:00 | 2026-05-18T07:00Z | 5 %"
    )
    assert "rollback: label wording under review" in rollback
    assert document["added"]["no"]["calendar"][0] == {
        "feature": "buyback",
        "local": "2025-10-01T08:00",
        "zone": "Europe/Stockholm",
        "utc": "2025-10-01T06:00Z",
        "percent": "25",
        "note": "",
    }


def test_a_removed_market_lists_what_goes_away(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(history / "markets/jp")

    markdown = invoke(capsys, history, "diff", "main", "--format", "markdown").out.splitlines()

    assert "### Removed market: all of this goes away: Japan (`jp`), high risk" in markdown
    assert any(line.startswith("| Tax | rates › standard | 10 % | ") for line in markdown)
    assert any(
        line.startswith("| buyback | 2027-01-15T09:00 | 2027-01-15T00:00Z | 50 % |")
        for line in markdown
    )


def test_a_shared_layer_change_shows_once_with_the_markets_it_reaches(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(history / "markets/_defaults/warranty.yaml", "months: 12", "months: 24")

    text = invoke(capsys, history, "diff", "main").out.splitlines()
    markdown = invoke(capsys, history, "diff", "main", "--format", "markdown").out

    assert text == [
        "ca, jp, se  medium  warranty.commercial_warranty.months: 12 → 24",
        "3 changes (0 high, 3 medium, 0 low) between main and the working tree",
    ]
    assert (
        "| ca, jp, se | Consumer law and warranty › commercial warranty › months | 12 | 24 |"
        in markdown
    )


def test_keys_read_as_words() -> None:
    from marketctl.commands.diff import readable

    assert readable("tax.rates.food[2026-04-01].percent") == (
        "Tax › rates › food › from 2026-04-01 › percent"
    )
    assert readable("rollout.features.buyback[2027-01-22T09:00].percent") == (
        "Rollout › features › buyback › step at 2027-01-22T09:00 › percent"
    )
    assert readable("messages.ja-JP.cart.items") == "Message › ja-JP › cart.items"


def test_fail_on_a_level(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(history / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')

    assert invoke(capsys, history, "diff", "main", "--fail-on", "high").code == 0
    assert invoke(capsys, history, "diff", "main", "--fail-on", "low").code == 1
    edit(
        history / "markets/se/tax.yaml",
        "percent: 6\n      from: 2026-04-01",
        "percent: 5\n      from: 2026-04-01",
    )
    assert invoke(capsys, history, "diff", "main", "--fail-on", "high").code == 1
    assert invoke(capsys, history, "diff", "main", "--fail-on", "severe").code == 2


def test_the_market_filter(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(history / "markets/_defaults/warranty.yaml", "months: 12", "months: 24")

    only = invoke(capsys, history, "diff", "main", "--market", "se", "-m", "JP").out
    unknown = invoke(capsys, history, "diff", "main", "--market", "sw")

    assert only.splitlines()[0] == "jp, se  medium  warranty.commercial_warranty.months: 12 → 24"
    assert unknown.code == 2
    assert unknown.err == "Error: no market 'sw' on either side of the diff\n  did you mean 'se'?\n"


def test_a_change_that_reshuffles_units_rates_high(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert risk_of("features.buyback.bucketing") is Risk.HIGH
    assert risk_of("features.buyback.owner") is Risk.LOW
    # Renaming a feature key in Japan's rollout: same steps under another key.
    rollout = history / "markets/jp/rollout.yaml"
    edit(rollout, "  buyback:\n", "  buyback_v2:\n")

    changes = json.loads(invoke(capsys, history, "diff", "main", "--format", "json").out)["changes"]

    renamed = [c for c in changes if c["key"].startswith("rollout.features.")]
    assert renamed and all(c["risk"] == "high" for c in renamed)
    assert {c["note"] for c in renamed} == {
        "feature key renamed: every unit is bucketed again (who sees it changes)"
    }


def test_the_markdown_fits_one_github_comment(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for code in (
        "no",
        "dk",
        "fi",
        "ee",
        "lv",
        "lt",
        "pl",
        "cz",
        "sk",
        "si",
        "hr",
        "at",
        "hu",
        "ro",
    ):
        shutil.copytree(history / "markets/se", history / f"markets/{code}")

    full = invoke(capsys, history, "diff", "main", "--format", "text").out
    markdown = invoke(capsys, history, "diff", "main", "--format", "markdown").out

    assert len(full) > COMMENT_LIMIT
    assert len(markdown) <= COMMENT_LIMIT - 256
    assert markdown.count("### New market: Sweden") == 14
    assert (
        "more facts not shown here (comment size limit): `marketctl diff main --market" in markdown
    )
    assert markdown.count("<details>") == markdown.count("</details>")
