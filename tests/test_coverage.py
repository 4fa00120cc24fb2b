"""Translation coverage (issue 3): `marketctl translations` and `--fail-under`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import edit, findings, invoke, places
from marketctl.checks.coverage import LocaleCoverage

FR = "markets/_defaults/messages/fr.yaml"

FULL = [
    "market  locale  translated  total  percent",
    "ca      en-CA           76     76  100.0 %",
    "ca      fr-CA           76     76  100.0 %",
    "jp      ja-JP           76     76  100.0 %",
    "se      sv-SE           76     76  100.0 %",
]


def test_every_locale_of_the_repository_is_translated(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "translations", "--fail-under", "100")

    assert (outcome.code, outcome.err) == (0, "")
    assert outcome.out.splitlines() == FULL


def test_shared_catalogue_counts_for_every_market_that_reads_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / FR, 'cart.title: "Votre panier"\n', "")

    outcome = invoke(capsys, repo, "translations", "ca")

    assert outcome.code == 0
    assert outcome.out.splitlines() == [
        FULL[0],
        FULL[1],
        "ca      fr-CA           75     76   98.7 %",
    ]


def test_fail_under(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / FR, 'cart.title: "Votre panier"\n', "")
    edit(repo / "markets/se/market.yaml", "locales: [sv-SE]", "locales: [sv-SE, se-SE]")

    failed = invoke(capsys, repo, "translations", "--fail-under", "98.7")
    passed = invoke(capsys, repo, "translations", "ca", "--fail-under", "98.6")

    assert failed.code == 1
    assert failed.out.splitlines()[-2:] == [
        FULL[4],
        "se      se-SE            0     76    0.0 %",
    ]
    assert failed.err == (
        "Error: translation coverage is below 98.7 %: ca fr-CA 98.7 %, se se-SE 0.0 %\n"
        "  translate the missing keys; `marketctl validate --select MKT501` lists them\n"
    )
    assert (passed.code, passed.err) == (0, "")


def test_the_gate_reports_planned_markets_without_failing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A planned market is being translated: the gate lists it and passes (issue 20).
    edit(repo / "markets/se/market.yaml", "status: live", "status: planned")
    edit(repo / "markets/se/market.yaml", "locales: [sv-SE]", "locales: [sv-SE, se-SE]")

    default = invoke(capsys, repo, "translations", "--fail-under", "100")
    included = invoke(capsys, repo, "translations", "--fail-under", "100", "--include-planned")
    quiet = invoke(capsys, repo, "translations", "--fail-under", "100", "--quiet")
    rows = json.loads(invoke(capsys, repo, "translations", "se", "--format", "json").out)

    assert default.code == 0
    assert default.out.splitlines()[-1] == "se      se-SE            0     76    0.0 %"
    assert default.err == (
        "below 100 % in markets not live, not gated (--include-planned gates them): "
        "se se-SE 0.0 %\n"
    )
    assert (included.code, included.out) == (1, default.out)
    assert included.err == (
        "Error: translation coverage is below 100 %: se se-SE 0.0 %\n"
        "  translate the missing keys; `marketctl validate --select MKT501` lists them\n"
    )
    assert (quiet.code, quiet.err) == (0, "")
    assert [(r["locale"], r["live"]) for r in rows["coverage"]] == [
        ("sv-SE", False),
        ("se-SE", False),
    ]


def test_include_planned_goes_with_fail_under(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "translations", "--include-planned")

    assert outcome.code == 2
    assert outcome.err.splitlines()[-1] == "Error: --include-planned goes with --fail-under"


def test_the_threshold_is_compared_exactly() -> None:
    row = LocaleCoverage("ca", "fr-CA", 74, 75)  # 98.666... %
    assert row.is_below(98.67)
    assert not row.is_below(98.66)
    assert not LocaleCoverage("ca", "fr-CA", 75, 75).is_below(100)


def test_english_source_counts_only_for_english_locales(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # en-CA falls back to the source; ja-JP does not (Japanese shoppers would see English).
    edit(repo / "markets/ca/messages/en-CA.yaml", 'search.filter.color: "Colour"\n', "")
    edit(repo / "markets/jp/messages/ja.yaml", 'cart.title: "ショッピングカート"\n', "")

    outcome = invoke(capsys, repo, "translations", "--format", "json")

    rows = {(r["market"], r["locale"]): r for r in json.loads(outcome.out)["coverage"]}
    assert rows[("ca", "en-CA")] == {
        "market": "ca",
        "locale": "en-CA",
        "translated": 76,
        "total": 76,
        "percent": 100.0,
        "live": True,
    }
    assert rows[("jp", "ja-JP")] == {
        "market": "jp",
        "locale": "ja-JP",
        "translated": 75,
        "total": 76,
        "percent": 98.68,
        "live": True,
    }


def test_coverage_and_message_missing_agree(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = repo / "markets/jp/messages/ja.yaml"
    edit(catalogue, 'cart.title: "ショッピングカート"\n', "")
    edit(catalogue, 'cart.add_button: "カートに入れる"\n', "")

    coverage = json.loads(invoke(capsys, repo, "translations", "jp", "--format", "json").out)
    missing = places(findings(capsys, repo, "jp"), "MKT501")

    assert coverage["coverage"][0]["total"] - coverage["coverage"][0]["translated"] == 2
    assert len(missing) == 2


def test_source_catalogue_that_does_not_load(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "markets/_defaults/messages/en.yaml").write_text("a: [\n", encoding="utf-8")

    outcome = invoke(capsys, repo, "translations")

    assert (outcome.code, outcome.out) == (1, "")
    assert outcome.err == (
        "Error: the source catalogue markets/_defaults/messages/en.yaml did not load\n"
        "  run `marketctl validate` to see why\n"
    )


def test_unknown_market_and_bad_threshold(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = invoke(capsys, repo, "translations", "sw")
    above = invoke(capsys, repo, "translations", "--fail-under", "101")

    assert unknown.code == 2
    assert unknown.err.splitlines()[0] == "Error: no market 'sw' in markets/"
    assert above.code == 2


def test_missing_translations_lists_each_untranslated_key_with_its_fallback(repo: Path) -> None:
    from marketctl.checks.coverage import (
        MissingKey,
        missing_translations,
        render_missing_json,
        render_missing_text,
    )
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    catalogue = repo / "markets/_defaults/messages/sv.yaml"
    kept = [
        line
        for line in catalogue.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("cart.title:", "cart.items:"))
    ]
    catalogue.write_text("\n".join(kept) + "\n", encoding="utf-8")
    repository = load_repository(WorktreeSource(repo))
    rows = missing_translations(repository, ["ca", "jp", "se"])
    assert rows == [
        MissingKey("se", "sv-SE", "cart.title", "en"),
        MissingKey("se", "sv-SE", "cart.items", "en"),
    ]
    assert render_missing_text(rows) == (
        "se sv-SE: 2 untranslated\n"
        "  cart.title  (falls back to en)\n"
        "  cart.items  (falls back to en)\n"
    )
    assert json.loads(render_missing_json(rows)) == {
        "version": 1,
        "missing": [
            {"market": "se", "locale": "sv-SE", "key": "cart.title", "falls_back_to": "en"},
            {"market": "se", "locale": "sv-SE", "key": "cart.items", "falls_back_to": "en"},
        ],
    }
    assert missing_translations(repository, ["jp"]) == []
