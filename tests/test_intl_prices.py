"""Prices exactly as CLDR says: ``format_price`` against JavaScript's ``Intl.NumberFormat``.

Every locale of every shipped market formats a sweep of amounts in the market's currency:
zero and cents, rounding edges, every amount band from 1,000 to 9,999 (where CLDR's
``minimumGroupingDigits`` of 2 leaves ``es``, ``it``, ``pt-PT`` ungrouped), large amounts and
the negatives of all of them. Node (ICU, CLDR 48) formats the same amounts with the market's
rounding (``half_up`` is ECMA-402's ``halfExpand``), and the texts must be identical: any
difference is a failure unless it is listed in ``KNOWN_DIFFERENCES`` with its cause.

Also checked: the shipped table of minimum grouping digits is exactly CLDR's JSON release
pinned in ``tests/intl/package.json`` (``scripts/cldr_grouping.py`` writes it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from marketctl import runtime
from marketctl.reference.cldr import _grouping_table

REPOSITORY = Path(__file__).resolve().parents[1]
INTL = Path(__file__).resolve().parent / "intl"
CLDR_JSON = INTL / "node_modules" / "cldr-numbers-full"
UNDER_CI = os.environ.get("CI") == "true"

# ECMA-402 rounding modes for the market's price_rounding (schemas/market.schema.json).
ROUNDING = {"half_up": "halfExpand", "half_even": "halfEven"}

# (locale, currency, amount) -> why runtime and Intl differ. Empty: they agree everywhere.
KNOWN_DIFFERENCES: dict[tuple[str, str, str], str] = {}


def _sweep() -> list[str]:
    amounts = ["0", "0.01", "0.004", "0.005", "0.125", "0.135", "0.5", "1", "1.5", "2.5"]
    amounts += ["9.995", "99.99", "999", "999.49", "999.5", "999.995", "1000", "1000.004"]
    amounts += [str(n) for n in range(1000, 10000, 97)]
    amounts += ["1234.56", "1299", "1299.5", "4999.99", "9999", "9999.99", "9999.995"]
    amounts += ["10000", "12345.675", "99999.99", "100000", "1000000", "123456789.125"]
    return amounts + ["-" + amount for amount in amounts if amount != "0"]


def _need(ready: bool, what: str) -> None:
    if not ready:
        if UNDER_CI:
            pytest.fail(f"{what} is missing under CI: .ci/run installs it")
        pytest.skip(f"needs {what}")


@pytest.fixture(scope="module")
def markets(tmp_path_factory: pytest.TempPathFactory) -> runtime.Markets:
    output = tmp_path_factory.mktemp("intl") / "dist"
    marketctl = Path(sys.executable).with_name("marketctl")
    subprocess.run(
        [str(marketctl), "--root", str(REPOSITORY), "build", "--quiet", "-o", str(output)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return runtime.load(output, insecure=True)


def test_format_price_matches_intl_for_every_market_locale(markets: runtime.Markets) -> None:
    _need(shutil.which("node") is not None, "node")
    probes: list[tuple[str, str, str, str]] = []
    ours: list[str] = []
    for code in sorted(markets):
        market = markets[code]
        rounding = ROUNDING[market.price_rounding]
        for locale in market.locales:
            for amount in _sweep():
                probes.append((locale, market.data["currency"]["code"], amount, rounding))
                ours.append(market.format_price(Decimal(amount), locale=locale))
    answer = subprocess.run(
        ["node", str(INTL / "format.mjs")],
        input=json.dumps(probes),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    theirs = json.loads(answer.stdout)["texts"]
    differences = [
        (locale, currency, amount, mine, intl)
        for (locale, currency, amount, _), mine, intl in zip(probes, ours, theirs, strict=True)
        if mine != intl and (locale, currency, amount) not in KNOWN_DIFFERENCES
    ]
    assert len(probes) > 3000
    assert differences == []


def test_shipped_grouping_table_is_cldrs() -> None:
    _need(CLDR_JSON.is_dir(), "`npm ci --prefix tests/intl` (cldr-numbers-full)")
    sys.path.insert(0, str(REPOSITORY / "scripts"))
    try:
        import cldr_grouping
    finally:
        sys.path.remove(str(REPOSITORY / "scripts"))
    assert _grouping_table() == cldr_grouping.table(CLDR_JSON)
