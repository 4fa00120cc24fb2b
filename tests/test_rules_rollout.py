"""Rollout rules MKT601-MKT609: each breaks a copy of the repository and checks exact places."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, findings, line_of, places

FEATURES = "markets/_defaults/features.yaml"
JP = "markets/jp/rollout.yaml"
CA = "markets/ca/rollout.yaml"
SE = "markets/se/rollout.yaml"

# Every step in the repository's rollout files is written `    - {at: YYYY-MM-DDTHH:MM, percent: `:
# the time starts in column 12 and the percentage, after a 16-character time, in column 39.
AT = 12
PERCENT = 39
FEATURE_KEY = 3


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", "2026-11-26")


def rollout_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"].startswith("MKT6")]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(code, severity, message, hint) of each finding."""
    return [(f["code"], f["severity"], f["message"], f["hint"]) for f in items]


def column(path: Path, line: int, key: str) -> int:
    """The 1-based column of the value written after ``key: `` on a line."""
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert text.count(f"{key}: ") == 1, text
    return text.index(f"{key}: ") + len(key) + 3


def set_top_level(path: Path, key: str, value: str) -> None:
    """Write ``key: value`` over the file's one top-level ``key:`` line, whatever it said."""
    text, count = re.subn(
        rf"^{key}:.*$", f"{key}: {value}", path.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1, f"{key} is on {count} lines of {path}"
    path.write_text(text, encoding="utf-8")


def test_the_repository_has_no_rollout_findings(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT601 rollout-unknown-feature ------------------------------------------------------------


def test_unknown_feature_suggests_the_catalogue_name(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / JP
    edit(path, "  buyback:\n", "  buy_back:\n")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT601", JP, line_of(path, "buy_back:"), FEATURE_KEY)]
    assert said(found) == [
        (
            "MKT601",
            "error",
            f"feature 'buy_back' is not in the feature catalogue ({FEATURES})",
            "did you mean 'buyback'?",
        )
    ]


def test_unknown_feature_in_defaults_is_reported_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / "markets/_defaults/rollout.yaml"
    edit(
        path,
        "features: {}",
        "features:\n  loyalty_points:\n    - {at: 2027-01-04T09:00, percent: 0}",
    )

    found = rollout_findings(capsys, repo)

    assert places(found) == [
        ("MKT601", "markets/_defaults/rollout.yaml", line_of(path, "loyalty_points:"), FEATURE_KEY)
    ]
    assert found[0]["hint"] == (
        f"add 'loyalty_points' to {FEATURES} with its owner and description, or remove its steps"
    )


def test_feature_added_to_the_catalogue_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / FEATURES,
        "features:\n",
        "features:\n  loyalty_points:\n    owner: team-loyalty\n    description: Points.\n",
    )
    edit(
        repo / JP,
        "  buyback:\n",
        "  loyalty_points:\n    - {at: 2027-01-04T09:00, percent: 5}\n  buyback:\n",
    )

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT602 rollout-step-order -----------------------------------------------------------------


def test_step_before_the_one_above(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / JP
    edit(path, "2027-01-15T09:00, percent: 50", "2026-11-15T09:00, percent: 50")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT602", JP, line_of(path, "2026-11-15T09:00"), AT)]
    assert said(found) == [
        (
            "MKT602",
            "error",
            "buyback: step at 2026-11-15T09:00 starts before the step above it "
            "(2026-12-01T09:00) in Asia/Tokyo",
            "list the steps in time order, each later than the one before",
        )
    ]


def test_two_steps_at_one_instant(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / JP
    edit(path, "2027-01-15T09:00, percent: 50", "2026-12-01T09:00:00, percent: 50")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT602", JP, line_of(path, "2026-12-01T09:00:00"), AT)]
    assert found[0]["message"] == (
        "buyback: step at 2026-12-01T09:00:00 starts at the same instant as the step above it "
        "(2026-12-01T09:00) in Asia/Tokyo"
    )


def test_steps_either_side_of_the_fold_are_in_order(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 01:59 CEST is 23:59 UTC, 03:00 CET is 02:00 UTC: an hour and a minute later.
    edit(repo / SE, "2026-10-26T09:00, percent: 10", "2026-10-25T01:59, percent: 10")
    edit(repo / SE, "2026-12-07T09:00, percent: 100", "2026-10-25T03:00, percent: 100")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT603 rollout-decrease -------------------------------------------------------------------

SE_ROLLBACK = (
    'percent: 5, rollback: true, reason: "label wording under review by the marketing-law team '
    '(INC-1184)"}'
)


def test_decrease_without_rollback(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / SE
    edit(path, SE_ROLLBACK, "percent: 5}")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT603", SE, line_of(path, "2026-05-18T09:00"), PERCENT)]
    assert said(found) == [
        (
            "MKT603",
            "error",
            "carbon_savings_label: step at 2026-05-18T09:00 lowers the percentage from 20 % to "
            "5 % without rollback: true",
            "lowering takes the feature away from units that have it: if that is meant, add "
            'rollback: true and reason: "..." (incident id or decision); otherwise write at '
            "least 20",
        )
    ]


def test_decrease_with_a_reason_but_rollback_false(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / SE
    edit(path, "percent: 5, rollback: true,", "percent: 5, rollback: false,")

    line = line_of(path, "2026-05-18T09:00")
    assert places(findings(capsys, repo), "MKT6") == [("MKT603", SE, line, PERCENT)]


@pytest.mark.parametrize(
    "written", ["percent: 5, rollback: true}", 'percent: 5, rollback: true, reason: "  "}']
)
def test_rollback_without_a_reason(
    repo: Path, capsys: pytest.CaptureFixture[str], written: str
) -> None:
    path = repo / SE
    edit(path, SE_ROLLBACK, written)

    found = rollout_findings(capsys, repo)

    line = line_of(path, "2026-05-18T09:00")
    assert places(found) == [("MKT603", SE, line, column(path, line, "rollback"))]
    assert said(found) == [
        (
            "MKT603",
            "error",
            "carbon_savings_label: step at 2026-05-18T09:00 has rollback: true but no reason",
            'add reason: "..." with the incident id or the decision behind the rollback',
        )
    ]


def test_equal_percentage_is_no_decrease(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / CA, "2026-11-16T09:00, percent: 50", "2026-11-16T09:00, percent: 5")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT604 rollout-percent-precision ----------------------------------------------------------


def test_four_decimals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / SE
    edit(path, "percent: 0.5}", "percent: 0.0005}")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT604", SE, line_of(path, "0.0005"), PERCENT)]
    assert said(found) == [
        (
            "MKT604",
            "error",
            "carbon_savings_label: percent 0.0005 at 2026-04-07T09:00 has 4 decimals, at most 3 "
            "are allowed",
            "round it to 3 decimals (0.001 % is one unit in 100,000)",
        )
    ]


def test_not_a_number(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The schema's minimum and maximum let NaN through (every comparison with it is false).
    path = repo / SE
    edit(path, "percent: 0.5}", "percent: .nan}")

    found = findings(capsys, repo)

    # Since issue 13 NaN never loads: MKT020 at the value, before any rule sees it.
    assert places(found, "MKT0") == [("MKT020", SE, line_of(path, ".nan"), PERCENT)]
    assert [f["message"] for f in found if f["code"] == "MKT020"] == [
        "the number .nan is refused: NaN and infinities are not values"
    ]


def test_three_decimals_and_trailing_zeros_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, "percent: 0.5}", "percent: 0.125}")
    edit(repo / SE, "2026-05-04T09:00, percent: 20}", "2026-05-04T09:00, percent: 20.0000}")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT605 rollout-local-time -----------------------------------------------------------------


def test_stockholm_gap_and_fold(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / SE
    edit(path, "2026-04-07T09:00", "2026-03-29T02:30")
    edit(path, "2026-10-26T09:00", "2026-10-25T02:30")

    found = rollout_findings(capsys, repo)

    assert places(found) == [
        ("MKT605", SE, line_of(path, "2026-03-29T02:30"), AT),
        ("MKT605", SE, line_of(path, "2026-10-25T02:30"), AT),
    ]
    assert said(found) == [
        (
            "MKT605",
            "error",
            "carbon_savings_label: 2026-03-29T02:30 does not exist in Europe/Stockholm: at 02:00 "
            "the clocks go forward 1 hour to 03:00 (UTC+01:00 to UTC+02:00)",
            "write a time that exists, like 2026-03-29T01:30 or 2026-03-29T03:30",
        ),
        (
            "MKT605",
            "error",
            "express_checkout: 2026-10-25T02:30 happens twice in Europe/Stockholm: at 03:00 the "
            "clocks go back 1 hour to 02:00 (UTC+02:00 to UTC+01:00)",
            "write a time that happens once, like 2026-10-25T01:30 or 2026-10-25T03:30",
        ),
    ]


def test_toronto_gap_and_fold(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / CA
    edit(path, "2026-10-05T09:00", "2026-03-08T02:30")
    edit(path, "2027-03-01T09:00", "2026-11-01T01:30")

    found = rollout_findings(capsys, repo)

    assert places(found) == [
        ("MKT605", CA, line_of(path, "2026-03-08T02:30"), AT),
        ("MKT605", CA, line_of(path, "2026-11-01T01:30"), AT),
    ]
    assert [f["message"] for f in found] == [
        "installments: 2026-03-08T02:30 does not exist in America/Toronto: at 02:00 the clocks "
        "go forward 1 hour to 03:00 (UTC-05:00 to UTC-04:00)",
        "buyback: 2026-11-01T01:30 happens twice in America/Toronto: at 02:00 the clocks go "
        "back 1 hour to 01:00 (UTC-04:00 to UTC-05:00)",
    ]


def test_not_a_real_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / JP
    edit(path, "2026-10-01T10:00", "2026-09-31T10:00")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT605", JP, line_of(path, "2026-09-31T10:00"), AT)]
    assert said(found) == [
        (
            "MKT605",
            "error",
            "battery_health_badge: 2026-09-31T10:00 is not a real date and time (day is out of "
            "range for month)",
            "write a real local date and time as YYYY-MM-DDTHH:MM, like 2026-04-01T09:00",
        )
    ]


def test_unknown_rollout_time_zone(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / CA
    edit(path, "timezone: America/Toronto", "timezone: America/Toronot")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT605", CA, line_of(path, "timezone:"), 11)]
    assert said(found) == [
        (
            "MKT605",
            "error",
            "rollout time zone 'America/Toronot' is not an IANA time zone",
            "did you mean 'America/Toronto'?",
        )
    ]


def test_times_next_to_gaps_and_folds_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, "2026-04-07T09:00", "2026-03-29T03:00")
    edit(repo / SE, "2026-10-26T09:00", "2026-10-25T03:00")
    edit(repo / CA, "2027-03-01T09:00", "2026-11-01T02:00")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT606 rollout-feature-expired ------------------------------------------------------------


def test_expired_feature_with_steps(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / FEATURES, "expires: 2027-06-30", "expires: 2026-11-25")

    found = rollout_findings(capsys, repo)

    line = line_of(repo / SE, "express_checkout:")
    # staging.yaml turns every feature on, so it has steps for the expired flag too.
    staging = "markets/_environments/staging.yaml"
    staging_line = line_of(repo / staging, "express_checkout:")
    assert places(found) == [
        ("MKT606", staging, staging_line, FEATURE_KEY),
        ("MKT606", SE, line, FEATURE_KEY),
    ]
    assert said(found) == 2 * [
        (
            "MKT606",
            "warning",
            f"feature 'express_checkout' expired on 2026-11-25 ({FEATURES}) but still has "
            "rollout steps",
            "remove the flag from the code and its steps from this file, or move its expires "
            f"date in {FEATURES} if it is still needed",
        )
    ]


def test_feature_expiring_today_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / FEATURES, "expires: 2027-06-30", "expires: 2026-11-26")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT607 rollout-before-launch --------------------------------------------------------------


def test_step_before_launch(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_top_level(repo / "markets/jp/market.yaml", "launch_date", "2026-06-01")
    path = repo / JP
    edit(path, "2026-10-01T10:00", "2026-05-31T23:59")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT607", JP, line_of(path, "2026-05-31T23:59"), AT)]
    assert said(found) == [
        (
            "MKT607",
            "warning",
            "battery_health_badge: step at 2026-05-31T23:59 is before the market launches "
            "(2026-06-01, Asia/Tokyo)",
            "start the step on or after 2026-06-01, or correct launch_date in market.yaml",
        )
    ]


def test_staging_steps_before_a_planned_launch_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # staging.yaml turns every feature on from 2026-11-01; Japan now opens later. Only the
    # market's own step before the opening is reported, not staging's.
    set_top_level(repo / "markets/jp/market.yaml", "status", "planned")
    set_top_level(repo / "markets/jp/market.yaml", "launch_date", "2027-01-01")
    path = repo / JP

    found = [f for f in rollout_findings(capsys, repo) if f["code"] == "MKT607"]

    assert places(found) == [
        ("MKT607", JP, line_of(path, "2026-10-01T10:00"), AT),
        ("MKT607", JP, line_of(path, "2026-11-02T10:00"), AT),
        ("MKT607", JP, line_of(path, "2026-12-01T09:00"), AT),
    ]


def test_step_at_launch_midnight_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_top_level(repo / "markets/jp/market.yaml", "launch_date", "2026-06-01")
    edit(repo / JP, "2026-10-01T10:00", "2026-06-01T00:00")

    assert places(findings(capsys, repo), "MKT6") == []


@pytest.mark.parametrize(
    ("written", "warned"), [("2025-03-01T07:00", True), ("2025-03-01T08:00", False)]
)
def test_launch_compares_instants_across_zones(
    repo: Path, capsys: pytest.CaptureFixture[str], written: str, warned: bool
) -> None:
    # Sweden opens at midnight Stockholm time, 2025-02-28T23:00 UTC; the rollout is written in
    # Tokyo time, where 07:00 is 22:00 UTC (before) and 08:00 is 23:00 UTC (the opening).
    set_top_level(repo / "markets/se/market.yaml", "launch_date", "2025-03-01")
    path = repo / SE
    edit(path, "features:\n", "timezone: Asia/Tokyo\nfeatures:\n")
    edit(path, "2025-09-01T08:00", written)

    expected = [("MKT607", SE, line_of(path, written), AT)] if warned else []
    assert places(findings(capsys, repo), "MKT6") == expected


# --- MKT608 rollout-requires -------------------------------------------------------------------


def test_feature_on_while_required_feature_is_partial(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / JP
    edit(path, "2026-11-02T10:00, percent: 100", "2026-12-01T09:00, percent: 50")

    found = rollout_findings(capsys, repo)

    assert places(found) == [
        ("MKT608", JP, line_of(path, "2026-12-01T09:00, percent: 10"), PERCENT),
        ("MKT608", JP, line_of(path, "2027-01-15T09:00"), PERCENT),
        ("MKT608", JP, line_of(path, "2027-02-01T09:00"), PERCENT),
    ]
    assert said(found)[0] == (
        "MKT608",
        "error",
        "buyback is at 10 % from 2026-12-01T09:00, but instant_quote, which it requires, is at "
        "50 % then",
        "bring instant_quote to 100 % at or before 2026-12-01T09:00, or start buyback later: "
        "each feature picks its units by its own hash, so only 100 % of instant_quote covers "
        "every unit that has buyback",
    )


def test_required_feature_rolled_back(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / CA
    edit(
        path,
        "    - {at: 2026-09-14T09:00, percent: 100}\n",
        "    - {at: 2026-09-14T09:00, percent: 100}\n"
        '    - {at: 2027-04-01T09:00, percent: 60, rollback: true, reason: "INC-7"}\n'
        '    - {at: 2027-04-08T09:00, percent: 40, rollback: true, reason: "INC-7"}\n',
    )

    found = rollout_findings(capsys, repo)

    # Reported where the conflict starts, not again at each later step of the rollback.
    assert places(found) == [("MKT608", CA, line_of(path, "2027-04-01T09:00"), PERCENT)]
    assert said(found) == [
        (
            "MKT608",
            "error",
            "instant_quote goes down to 60 % at 2027-04-01T09:00 while buyback, which requires "
            "it, is at 20 %",
            "take buyback to 0 % at or before 2027-04-01T09:00 first, or keep instant_quote at "
            "100 %",
        )
    ]


def test_required_feature_not_rolled_out(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / CA
    edit(path, "  instant_quote:\n    - {at: 2026-09-14T09:00, percent: 100}\n", "")

    found = rollout_findings(capsys, repo)

    assert places(found) == [("MKT608", CA, line_of(path, "2027-03-01T09:00"), PERCENT)]
    assert found[0]["message"] == (
        "buyback is at 20 % from 2027-03-01T09:00, but instant_quote, which it requires, is at "
        "0 % then"
    )


def test_required_feature_full_at_the_same_instant_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / JP, "2026-11-02T10:00, percent: 100", "2026-12-01T09:00, percent: 100")

    assert places(findings(capsys, repo), "MKT6") == []


def test_feature_at_zero_needs_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / CA, "  instant_quote:\n    - {at: 2026-09-14T09:00, percent: 100}\n", "")
    edit(repo / CA, "2027-03-01T09:00, percent: 20", "2027-03-01T09:00, percent: 0")

    assert places(findings(capsys, repo), "MKT6") == []


# --- MKT609 feature-requires-unknown -----------------------------------------------------------


def test_requires_unknown_feature(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / FEATURES
    edit(path, "requires: [instant_quote]", "requires: [instant_qoute]")

    found = rollout_findings(capsys, repo)

    line = line_of(path, "instant_qoute")
    assert places(found) == [("MKT609", FEATURES, line, column(path, line, "requires") + 1)]
    assert said(found) == [
        (
            "MKT609",
            "error",
            "feature 'buyback' requires 'instant_qoute', which is not in the catalogue",
            "did you mean 'instant_quote'?",
        )
    ]


def test_requires_itself(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / FEATURES
    edit(path, "requires: [instant_quote]", "requires: [instant_quote, buyback]")

    found = rollout_findings(capsys, repo)

    line = line_of(path, "requires:")
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert places(found) == [("MKT609", FEATURES, line, text.index("buyback]") + 1)]
    assert found[0]["message"] == "feature 'buyback' requires itself"


def test_requires_known_feature_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / FEATURES,
        "requires: [instant_quote]",
        "requires: [instant_quote, battery_health_badge]",
    )
    # jp already has battery_health_badge at 100 % before buyback starts; se and ca do not.
    edit(
        repo / SE,
        "  buyback:\n",
        "  battery_health_badge:\n    - {at: 2025-09-01T08:00, percent: 100}\n  buyback:\n",
    )
    edit(
        repo / CA,
        "  buyback:\n",
        "  battery_health_badge:\n    - {at: 2026-09-14T09:00, percent: 100}\n  buyback:\n",
    )

    assert places(findings(capsys, repo), "MKT6") == []
