"""One vocabulary of rate kinds (issue 20, item 7): super_reduced is a rate below 5 % in every
market, the reference data and the runtime; the old use of the name for 5 % and more is read as
second_reduced with a deprecation warning (MKT330), so no market breaks."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, places
from marketctl import runtime
from marketctl.reference.consumer_law import tax_law
from marketctl.runtime import UnknownTaxError
from marketctl.runtime.ratekinds import SUPER_REDUCED_BELOW, canonical_kind
from marketctl.testing import build_bundles, edit_bundle

REPOSITORY = Path(__file__).resolve().parents[1]
SK_TAX = "markets/sk/tax.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(REPOSITORY / "markets", tmp_path / "config" / "markets")
    return tmp_path / "config"


def kind_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"] == "MKT330"]


def test_the_shipped_markets_use_the_canonical_names(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert places(findings(capsys, repo), "MKT33") == []  # MKT330 and MKT331


def test_the_reference_data_uses_the_canonical_names() -> None:
    misnamed = [
        (country, kind, str(rate.value))
        for country, kinds in tax_law().reduced_rates.items()
        for kind, history in kinds.items()
        for rate in history
        if kind == "super_reduced" and Decimal(str(rate.value)) >= SUPER_REDUCED_BELOW
    ]
    assert misnamed == []


def test_the_old_name_for_five_percent_is_a_deprecation_warning(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    edit(repo / SK_TAX, "  second_reduced:\n", "  super_reduced:\n")

    reported = kind_findings(capsys, repo)

    assert places(reported) == [("MKT330", *at(repo, SK_TAX, "  super_reduced:", "super_reduced"))]
    assert [(f["severity"], f["message"], f["hint"]) for f in reported] == [
        (
            "warning",
            "rates.super_reduced holds 5 %: a super-reduced rate is one below 5 % (Directive "
            "2006/112/EC art. 98(2)); at 5 % or more it is a reduced rate (art. 98(1)); build "
            "reads the kind as second_reduced",
            "rename the kind to second_reduced",
        )
    ]
    # Still read: the market builds, and services ask for the canonical name.
    sk = runtime.load(build_bundles(tmp_path / "dist", root=repo), insecure=True)["sk"]
    assert sk.tax_kinds == ("reduced", "second_reduced", "standard")
    assert sk.tax_rate("second_reduced", on=date(2026, 12, 1)) == Decimal(5)
    with pytest.raises(UnknownTaxError) as error:
        sk.tax_rate("super_reduced", on=date(2026, 12, 1))
    assert str(error.value) == (
        "market 'sk' has no tax kind 'super_reduced' (kinds: reduced, second_reduced, standard): "
        "a super-reduced rate is one below 5 %, and this market has none; its other reduced "
        "rate is second_reduced"
    )


def test_a_clash_with_second_reduced_keeps_the_name(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Italy: reduced 10 %, second_reduced 5 %, super_reduced 4 %; a 4 % written as 5 % would
    # make two kinds of 5 % or more besides reduced.
    italy = "markets/it/tax.yaml"
    text = (repo / italy).read_text(encoding="utf-8")
    start = text.index("  super_reduced:\n")
    percent = text.index("percent: 4\n", start)
    (repo / italy).write_text(
        text[:percent] + "percent: 5\n" + text[percent + len("percent: 4\n") :], encoding="utf-8"
    )

    reported = kind_findings(capsys, repo)

    assert places(reported) == [("MKT330", *at(repo, italy, "  super_reduced:", "super_reduced"))]
    assert [(f["message"], f["hint"]) for f in reported] == [
        (
            "rates.super_reduced holds 5 %: a super-reduced rate is one below 5 % (Directive "
            "2006/112/EC art. 98(2)); at 5 % or more it is a reduced rate (art. 98(1)), and the "
            "market's second_reduced kind is taken",
            "name each kind by its legal meaning: reduced and second_reduced for the rates of "
            "5 % or more, super_reduced for one below 5 %",
        )
    ]


def test_a_bundle_built_with_the_old_name_is_read_under_the_new_one(
    repo: Path, tmp_path: Path
) -> None:
    built = build_bundles(tmp_path / "dist", root=repo, markets=["gr"])

    def old_name(bundle: dict[str, Any]) -> None:
        bundle["tax"]["rates"]["super_reduced"] = bundle["tax"]["rates"].pop("second_reduced")

    edit_bundle(built, "gr", old_name)
    gr = runtime.load(built, insecure=True)["gr"]
    assert gr.tax_kinds == ("reduced", "second_reduced", "standard")
    assert gr.tax_rate("second_reduced", on=date(2027, 3, 1)) == Decimal(6)


@pytest.mark.parametrize(
    ("kind", "percents", "kinds", "expected"),
    [
        ("super_reduced", [Decimal("2.1")], ["standard", "super_reduced"], "super_reduced"),
        ("super_reduced", [4], ["standard", "super_reduced"], "super_reduced"),
        ("super_reduced", ["5"], ["standard", "super_reduced"], "second_reduced"),
        ("super_reduced", [6], ["second_reduced", "super_reduced"], "super_reduced"),
        ("reduced", [10], ["reduced"], "reduced"),
    ],
)
def test_canonical_kind(kind: str, percents: list[object], kinds: list[str], expected: str) -> None:
    assert canonical_kind(kind, percents, kinds) == expected


# MKT331 tax-name-missing ----------------------------------------------------------------------


def test_a_locale_without_a_name_for_the_tax(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    belgium = "markets/be/tax.yaml"
    edit(repo / belgium, 'national: {fr: "TVA", nl: "Btw"}', 'national: {nl: "Btw"}')

    reported = [f for f in findings(capsys, repo) if f["code"] == "MKT331"]

    assert places(reported) == [("MKT331", *at(repo, belgium, "names:", "names"))]
    assert [(f["severity"], f["message"], f["hint"]) for f in reported] == [
        (
            "error",
            "market be: the national tax has no name in fr (locales nl-BE, fr-BE): the "
            "checkout's tax line cannot name it",
            "write names.national.fr in tax.yaml: what customers call it, as it heads the tax "
            "line (VAT, Moms, TVA)",
        )
    ]


def test_a_regional_component_without_a_name_in_a_planned_market_is_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canada = "markets/ca/tax.yaml"
    edit(repo / "markets/ca/market.yaml", "status: live", "status: planned")
    edit(repo / canada, '  qst: {en: "QST", fr: "TVQ"}\n', "")

    reported = [f for f in findings(capsys, repo) if f["code"] == "MKT331"]

    assert places(reported) == [("MKT331", *at(repo, canada, "names:", "names"))]
    assert [(f["severity"], f["message"]) for f in reported] == [
        (
            "warning",
            "market ca: the regional tax qst has no name in en, fr (locales en-CA, fr-CA): the "
            "checkout's tax line cannot name it",
        )
    ]
