"""Intervals with known ends (issue 21): a value whose law ends it on ``until`` says so
(``ends_by_law: true``); the bundle carries it, and the runtime refuses to answer for a later day
rather than tell a service the value goes on. Built with marketctl and read with runtime.load."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, findings, line_of
from marketctl import runtime
from marketctl.runtime import (
    DataEndsError,
    LegalTermEndsError,
    Markets,
    NoLegalTermError,
    NoRateInForceError,
    RateEndsError,
)
from marketctl.testing import build_bundles, edit_bundle

REPOSITORY = Path(__file__).resolve().parents[2]
STANDARD = "    - percent: 25\n      from: 2023-07-01\n"
GUARANTEE = "    counted_from: delivery\n    from: 2022-05-01\n"


def build(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    ends = "until: 2029-12-31\n"
    edit(
        root / "markets/se/tax.yaml",
        STANDARD,
        STANDARD + f"      {ends}      ends_by_law: true\n",
    )
    edit(
        root / "markets/se/warranty.yaml",
        GUARANTEE,
        GUARANTEE + f"    {ends}    ends_by_law: true\n",
    )
    return build_bundles(tmp_path / "dist", root=root, markets=["se"])


@pytest.fixture
def ending(tmp_path: Path) -> Path:
    return build(tmp_path)


def test_the_bundle_carries_the_end_the_law_sets(ending: Path) -> None:
    import json

    bundle: dict[str, Any] = json.loads((ending / "se.json").read_text(encoding="utf-8"))

    assert [
        (item["from"], item["until"], item.get("ends_by_law"))
        for item in bundle["tax"]["rates"]["standard"]
    ] == [("1994-07-01", "2023-06-30", None), ("2023-07-01", "2029-12-31", True)]
    assert bundle["warranty"]["legal_guarantee"][-1]["ends_by_law"] is True


def test_the_runtime_answers_up_to_the_end_and_refuses_after(ending: Path) -> None:
    se = runtime.load(ending, insecure=True)["se"]

    assert se.tax_rate(on=date(2029, 12, 31)) == 25
    assert se.legal_guarantee(on=date(2029, 12, 31)).months == 36
    with pytest.raises(RateEndsError) as rate:
        se.tax_rate(on=date(2030, 1, 1))
    with pytest.raises(LegalTermEndsError) as term:
        se.legal_guarantee(on=date(2030, 1, 1))

    assert str(rate.value) == (
        "market 'se' records its standard rate until 2029-12-31, the day the law ends it, and "
        "nothing after: no answer for 2030-01-01 (rebuild the bundle once the data records what "
        "applies next)"
    )
    assert str(term.value) == (
        "market 'se' records its legal guarantee until 2029-12-31, the day the law ends it, and "
        "nothing after: no answer for 2030-01-01 (rebuild the bundle once the data records what "
        "applies next)"
    )
    # One family for services, within the errors they already handle.
    assert rate.value.ends == term.value.ends == date(2029, 12, 31)
    assert isinstance(rate.value, NoRateInForceError) and isinstance(rate.value, DataEndsError)
    assert isinstance(term.value, NoLegalTermError) and isinstance(term.value, DataEndsError)
    with pytest.raises(RateEndsError):
        se.gross_price(Decimal(100), on=date(2030, 1, 1))


def test_an_end_without_the_law_saying_so_is_a_plain_missing_rate(
    ending: Path, tmp_path: Path
) -> None:
    def forget(bundle: dict[str, Any]) -> None:
        del bundle["tax"]["rates"]["standard"][-1]["ends_by_law"]

    copy = tmp_path / "plain"
    shutil.copytree(ending, copy)
    edit_bundle(copy, "se", forget)
    se = runtime.load(copy, insecure=True)["se"]

    with pytest.raises(NoRateInForceError) as rate:
        se.tax_rate(on=date(2030, 1, 1))

    assert not isinstance(rate.value, DataEndsError)
    assert str(rate.value) == "market 'se' has no standard rate in force on 2030-01-01"


def test_a_regional_tax_the_law_ends_is_unknown_after_not_zero(
    ending: Path, tmp_path: Path
) -> None:
    def regional(ends_by_law: bool) -> Markets:
        copy = tmp_path / f"dist-{ends_by_law}"
        shutil.copytree(ending, copy)
        interval: dict[str, Any] = {
            "from": "2020-01-01",
            "until": "2025-12-31",
            "percent": "1",
            "source": None,
        }
        if ends_by_law:
            interval["ends_by_law"] = True

        def change(bundle: dict[str, Any]) -> None:
            bundle["tax"]["regions"] = {
                "SE-AB": {"national": "added", "taxes": {"levy": [interval]}}
            }

        edit_bundle(copy, "se", change)
        return runtime.load(copy, insecure=True)

    assert regional(False)["se"].tax_rate(region="SE-AB", on=date(2026, 1, 1)) == 25
    with pytest.raises(RateEndsError) as raised:
        regional(True)["se"].tax_rate(region="SE-AB", on=date(2026, 1, 1))

    assert str(raised.value) == (
        "market 'se' records its SE-AB's levy until 2025-12-31, the day the law ends it, and "
        "nothing after: no answer for 2026-01-01 (rebuild the bundle once the data records what "
        "applies next)"
    )


def test_ends_by_law_needs_until_and_is_a_finding_once_past(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    tax = root / "markets/se/tax.yaml"
    edit(tax, STANDARD, STANDARD + "      ends_by_law: true\n")

    reported = findings(capsys, root, "se")

    assert [(f["code"], f["line"], f["message"]) for f in reported] == [
        (
            "MKT101",
            line_of(tax, "ends_by_law: true") - 2,
            "rates.standard[1]: 'until' is a dependency of 'ends_by_law'",
        )
    ]
    edit(tax, "      ends_by_law: true\n", "      until: 2024-12-31\n      ends_by_law: true\n")
    assert [(f["code"], f["line"], f["message"]) for f in findings(capsys, root, "se")] == [
        (
            "MKT306",
            line_of(tax, "until: 2024-12-31"),
            "rates.standard: the law ended this value on 2024-12-31 and no interval follows, so "
            "nothing is in force today",
        )
    ]
