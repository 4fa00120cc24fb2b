"""Hostile bundle sets (issue 13, "Loading bundles"): every case ends in a BundleError naming
the file and the reason, within a time and memory bound; reload() keeps the last good set."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.hostile.conftest import Bounded

from marketctl import runtime
from marketctl.runtime import BundleError
from marketctl.runtime._bundles import MAX_MANIFEST_BYTES
from marketctl.testing import edit_bundle, refresh_manifest

REBUILD = "rebuild the directory with marketctl build"


def _error(bounded: Bounded, dist: Path, precompile: bool = False) -> str:
    with bounded(5, 50), pytest.raises(BundleError) as caught:
        runtime.load(dist, precompile=precompile, insecure=True)
    return str(caught.value)


def _replace_with_link(path: Path, target: str) -> None:
    path.unlink()
    path.symlink_to(target)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_manifest_linked_to_dev_zero(bounded: Bounded, dist: Path) -> None:
    _replace_with_link(dist / "manifest.json", "/dev/zero")
    assert _error(bounded, dist) == (
        f"{dist}/manifest.json: is a device, not a regular file; refused without reading it"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_bundle_linked_to_dev_zero(bounded: Bounded, dist: Path) -> None:
    _replace_with_link(dist / "jp.json", "/dev/zero")
    assert _error(bounded, dist) == (
        f"{dist}/jp.json: is a device, not a regular file; refused without reading it"
    )


def test_manifest_that_is_a_fifo(bounded: Bounded, dist: Path) -> None:
    (dist / "manifest.json").unlink()
    os.mkfifo(dist / "manifest.json")
    assert _error(bounded, dist) == (
        f"{dist}/manifest.json: is a FIFO, not a regular file; refused without reading it"
    )


def test_bundle_that_is_a_fifo(bounded: Bounded, dist: Path) -> None:
    (dist / "se.json").unlink()
    os.mkfifo(dist / "se.json")
    assert _error(bounded, dist) == (
        f"{dist}/se.json: is a FIFO, not a regular file; refused without reading it"
    )


def test_oversized_manifest_is_not_read_whole(bounded: Bounded, dist: Path) -> None:
    with open(dist / "manifest.json", "wb") as handle:
        handle.truncate(10 * 1024**3)  # sparse: 10 GB that cost no disk
    assert _error(bounded, dist) == (
        f"{dist}/manifest.json: more than the {MAX_MANIFEST_BYTES} bytes a manifest may have; "
        + REBUILD
    )


def test_deeply_nested_manifest(bounded: Bounded, dist: Path) -> None:
    (dist / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    assert _error(bounded, dist) == (
        f"{dist}/manifest.json: nests deeper than 32 levels; {REBUILD}"
    )


def test_five_thousand_digit_integer(bounded: Bounded, dist: Path) -> None:
    (dist / "manifest.json").write_text('{"format": 1' + "0" * 5000 + "}", encoding="utf-8")
    message = _error(bounded, dist)
    assert message.startswith(f"{dist}/manifest.json: holds a number that cannot be read (")


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_non_finite_numbers_in_json(bounded: Bounded, dist: Path, token: str) -> None:
    text = (dist / "manifest.json").read_text(encoding="utf-8")
    (dist / "manifest.json").write_text(text.replace('"format": 2', f'"format": {token}'))
    expected = (
        "the number 1e999999 is out of range"
        if token == "1e999999"
        else f"{token} is not a number JSON allows"
    )
    assert _error(bounded, dist) == f"{dist}/manifest.json: {expected}; {REBUILD}"


def _rate(bundle: dict[str, Any]) -> dict[str, Any]:
    rate: dict[str, Any] = bundle["tax"]["rates"]["standard"][0]
    return rate


# A bundle rewritten and resealed (manifest hash updated): the checksums pass, the content
# must not.
@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("percent", "twenty", '"twenty" does not match ^-?\\d+(\\.\\d+)?$'),
        ("percent", "NaN", '"NaN" does not match ^-?\\d+(\\.\\d+)?$'),
        ("percent", "1e999999", '"1e999999" does not match ^-?\\d+(\\.\\d+)?$'),
        ("percent", "2" * 41, f'"{"2" * 41}" is a decimal of more than 40 characters'),
        ("percent", "２５", '"２５" does not match ^-?\\d+(\\.\\d+)?$'),
        ("percent", 25, "25 is not of type string"),
        ("from", "not a date", '"not a date" does not match ^\\d{4}-\\d{2}-\\d{2}$'),
        ("from", "2026-02-30", '"2026-02-30" is not a calendar date'),
    ],
)
@pytest.mark.parametrize("precompile", [False, True])
def test_resealed_bundle_with_nonsense_rate(
    bounded: Bounded, dist: Path, field: str, value: object, problem: str, precompile: bool
) -> None:
    edit_bundle(dist, "se", lambda bundle: _rate(bundle).update({field: value}))
    assert _error(bounded, dist, precompile) == (
        f"{dist}/se.json: does not match bundle.schema.json at "
        f"tax.rates.standard[0].{field}: {problem}"
    )


@pytest.mark.parametrize(
    ("digits", "problem"),
    [
        (10**6, "1000000 is more than 8"),
        (10**20, "integer of 21 digits is out of range"),
        (-1, "-1 is less than 0"),
        (2.0, "2.0 is not of type integer"),
        (True, "true is not of type integer"),
    ],
)
def test_resealed_bundle_with_absurd_currency_digits(
    bounded: Bounded, dist: Path, digits: object, problem: str
) -> None:
    edit_bundle(dist, "jp", lambda bundle: bundle["currency"].update(digits=digits))
    assert _error(bounded, dist) == (
        f"{dist}/jp.json: does not match bundle.schema.json at currency.digits: {problem}"
    )


def test_resealed_bundle_with_unknown_key(bounded: Bounded, dist: Path) -> None:
    edit_bundle(dist, "jp", lambda bundle: bundle["currency"].update(extra="x"))
    assert _error(bounded, dist) == (
        f"{dist}/jp.json: does not match bundle.schema.json at currency: unknown key 'extra'"
    )


def test_manifest_is_checked_against_its_schema(bounded: Bounded, dist: Path) -> None:
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    manifest["source"]["commit"] = "HEAD"
    (dist / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _error(bounded, dist) == (
        f"{dist}/manifest.json: does not match manifest.schema.json at source.commit: "
        '"HEAD" does not match ^[0-9a-f]{40}$'
    )


def test_reload_keeps_the_last_good_set(bounded: Bounded, dist: Path) -> None:
    markets = runtime.load(dist, insecure=True)
    codes = sorted(markets)
    edit_bundle(dist, "se", lambda bundle: _rate(bundle).update(percent="NaN"))
    with bounded(5, 50), pytest.raises(BundleError) as caught:
        markets.reload()
    assert caught.value.file == f"{dist}/se.json"
    assert markets["se"].tax_rate("standard", on=None) == Decimal("25")
    (dist / "manifest.json").unlink()
    os.mkfifo(dist / "manifest.json")
    with bounded(5, 50), pytest.raises(BundleError):
        markets.reload()
    assert sorted(markets) == codes


def test_the_checked_set_is_not_checked_again(dist: Path) -> None:
    """The schema verdict is remembered by SHA-256: an unchanged set reloads at about the cost
    of json.load, a changed one is checked again."""
    runtime.load(dist, insecure=True)
    edit_bundle(dist, "jp", lambda bundle: bundle.update(name="Japan!"))
    assert runtime.load(dist, insecure=True)["jp"].name == "Japan!"
    edit_bundle(dist, "jp", lambda bundle: bundle.update(name=7))
    with pytest.raises(BundleError) as caught:
        runtime.load(dist, insecure=True)
    assert (
        caught.value.problem == "does not match bundle.schema.json at name: 7 is not of type string"
    )
    refresh_manifest(dist)


@pytest.mark.parametrize(
    "amount",
    [
        10**30,
        -(10**30),
        Decimal(10) ** 30,
        Decimal("1E+999999"),
        Decimal("-1e61"),
        Decimal("1E-999999"),
        Decimal("0." + "0" * 30 + "1"),
    ],
)
def test_absurd_amounts_are_value_errors(bounded: Bounded, dist: Path, amount: object) -> None:
    """One limit for money, everywhere: 30 integer and 30 fraction digits (issue 22: an int of
    31 digits was formatted while a Decimal of 31 was refused, and messages allowed 60)."""
    se = runtime.load(dist, insecure=True)["se"]
    message = "has more than 30 integer or fraction digits"
    with bounded(2, 50):
        for name, call in (
            ("amount", lambda: se.message("checkout.total", amount=amount)),
            ("amount", lambda: se.format_price(amount)),  # type: ignore[arg-type]
            ("amount", lambda: se.round_price(amount)),  # type: ignore[arg-type]
            ("net", lambda: se.gross_price(amount)),  # type: ignore[arg-type]
            ("gross", lambda: se.net_price(amount)),  # type: ignore[arg-type]
        ):
            with pytest.raises(ValueError) as raised:
                call()
            assert str(raised.value) == f"{name} {message}"


@pytest.mark.parametrize(
    "amount",
    [10**30 - 1, -(10**30 - 1), Decimal(10) ** 29, Decimal("0." + "0" * 29 + "1")],
)
def test_amounts_at_the_limit_are_formatted(dist: Path, amount: int | Decimal) -> None:
    """Within the limit, every way of showing an amount shows it: none refuses what another
    takes."""
    se = runtime.load(dist, insecure=True)["se"]
    price = se.format_price(amount)
    assert se.message("checkout.total", amount=amount) == f"Totalt: {price}"
    assert se.format_price(se.round_price(amount)) == price
    se.format_price(se.gross_price(amount) if abs(amount) < 10**29 else amount)


@pytest.mark.parametrize(("depth", "kind"), [(40, "list"), (100_000, "list"), (100_000, "dict")])
def test_a_resealed_bundle_nested_deep_is_a_bundle_error(
    bounded: Bounded, dist: Path, depth: int, kind: str
) -> None:
    # A bundle's nesting is not counted before it is parsed (its SHA-256 is the manifest's):
    # the parser's recursion limit and the schema refuse it, as a BundleError either way.
    deep: Any = "x"
    for _ in range(min(depth, 900)):
        deep = [deep] if kind == "list" else {"k": deep}
    if depth <= 900:
        text = json.dumps(deep)
    elif kind == "list":
        text = "[" * depth + "]" * depth
    else:
        text = '{"k": ' * depth + '"x"' + "}" * depth

    def nest(bundle: dict[str, Any]) -> None:
        bundle["currency"]["deep"] = "PLACEHOLDER"

    edit_bundle(dist, "se", nest)
    path = dist / "se.json"
    path.write_bytes(path.read_bytes().replace(b'"PLACEHOLDER"', text.encode()))
    refresh_manifest(dist)
    message = _error(bounded, dist)
    assert message.startswith(f"{dist}/se.json: "), message
