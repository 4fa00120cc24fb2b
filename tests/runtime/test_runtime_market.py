"""A loaded market's answers: prices, tax, net/gross, messages, locales and feature decisions.

Expected values are written out (CLDR formats, the tax law the markets cite) or computed here
independently of the runtime (MurmurHash3 through mmh3, exact fractions).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import mmh3
import pytest

from conftest import copy_markets
from marketctl import runtime
from marketctl.runtime import (
    Market,
    Markets,
    MissingArgumentError,
    NoRateInForceError,
    RegionRequiredError,
    UnknownFeatureError,
    UnknownLocaleError,
    UnknownMessageError,
    UnknownTaxError,
)
from marketctl.testing import build_bundles, edit_bundle

REPOSITORY = Path(__file__).resolve().parents[2]
VECTORS = json.loads((REPOSITORY / "tests/vectors/rollout.json").read_text(encoding="utf-8"))
NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config")
    copy_markets(root)
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)


@pytest.fixture(scope="module")
def markets(built: Path) -> Markets:
    return runtime.load(built, insecure=True)


@pytest.fixture
def edited(
    built: Path, tmp_path: Path
) -> Callable[[str, Callable[[dict[str, Any]], None]], Market]:
    """Load a copy of the set with one market's bundle changed."""

    def edit(code: str, change: Callable[[dict[str, Any]], None]) -> Market:
        copy = tmp_path / "dist"
        if not copy.exists():
            shutil.copytree(built, copy)
        edit_bundle(copy, code, change)
        return runtime.load(copy, insecure=True)[code]

    return edit


# --- prices ---------------------------------------------------------------------------------


def test_format_price_in_each_market_locale(markets: Markets) -> None:
    jp, se, ca = markets["jp"], markets["se"], markets["ca"]
    assert jp.format_price(Decimal("1299")) == "￥1,299"
    assert jp.format_price(1299) == "￥1,299"
    assert jp.format_price(Decimal("1234567")) == "￥1,234,567"
    assert se.format_price(Decimal("1299")) == f"1{NBSP}299,00{NBSP}kr"
    assert se.format_price(Decimal("-1299.5")) == f"\u22121{NBSP}299,50{NBSP}kr"  # CLDR minusSign
    assert ca.format_price(Decimal("1299")) == "$1,299.00"
    assert ca.format_price(Decimal("1299"), locale="en-CA") == "$1,299.00"
    assert ca.format_price(Decimal("1299"), locale="fr-CA") == f"1{NBSP}299,00{NBSP}$"
    assert ca.format_price(Decimal("0.5"), locale="fr") == f"0,50{NBSP}$"


def test_format_price_rounds_with_the_market_rounding(
    markets: Markets, edited: Callable[[str, Callable[[dict[str, Any]], None]], Market]
) -> None:
    jp = markets["jp"]
    assert jp.price_rounding == "half_up"
    # CLDR's default half-even would show ￥1,298 and ￥0.12.
    assert jp.format_price(Decimal("1298.5")) == "￥1,299"
    assert markets["se"].format_price(Decimal("0.125")) == f"0,13{NBSP}kr"
    assert jp.round_price(Decimal("1298.5")) == Decimal("1299")
    even = edited("jp", lambda bundle: bundle.update(price_rounding="half_even"))
    assert even.format_price(Decimal("1298.5")) == "￥1,298"
    assert even.round_price(Decimal("1298.5")) == Decimal("1298")


def test_format_price_refuses_floats(markets: Markets) -> None:
    with pytest.raises(TypeError):
        markets["jp"].format_price(1299.0)  # type: ignore[arg-type]


# --- locales --------------------------------------------------------------------------------


def test_locale_arguments_map_to_the_market_tags(markets: Markets) -> None:
    jp, ca = markets["jp"], markets["ca"]
    assert jp.resolve_locale(None) == "ja-JP"
    assert jp.resolve_locale("ja") == "ja-JP"
    assert jp.resolve_locale("ja_jp") == "ja-JP"
    assert ca.resolve_locale("fr") == "fr-CA"
    assert ca.resolve_locale("EN") == "en-CA"
    assert ca.resolve_locale("en-CA") == "en-CA"


def test_unknown_locale(markets: Markets) -> None:
    with pytest.raises(UnknownLocaleError) as caught:
        markets["jp"].message("cart.items", locale="en", count=1)
    assert str(caught.value) == "market 'jp' has no locale 'en' (locales: ja-JP)"
    with pytest.raises(UnknownLocaleError) as caught:
        markets["ca"].format_price(1, locale="fr-FR")
    assert str(caught.value) == "market 'ca' has no locale 'fr-FR' (locales: en-CA, fr-CA)"


def test_a_language_with_two_locales_is_ambiguous(
    edited: Callable[[str, Callable[[dict[str, Any]], None]], Market],
) -> None:
    def add_fr_fr(bundle: dict[str, Any]) -> None:
        bundle["locales"].append("fr-FR")
        bundle["cldr"]["fr-FR"] = dict(bundle["cldr"]["fr-CA"], tag="fr-FR")
        bundle["currency"]["symbols"]["fr-FR"] = "$CA"
        bundle["messages"]["fr-FR"] = dict(bundle["messages"]["fr-CA"], fallback=["fr-FR", "fr"])

    ca = edited("ca", add_fr_fr)
    assert ca.format_price(1, locale="fr-fr") == f"1,00{NBSP}$CA"
    with pytest.raises(UnknownLocaleError) as caught:
        ca.format_price(1, locale="fr")
    assert (
        str(caught.value)
        == "market 'ca' has several locales for 'fr': fr-CA, fr-FR; name one of them"
    )


# --- tax ------------------------------------------------------------------------------------


def test_japan_consumption_tax_history(markets: Markets) -> None:
    jp = markets["jp"]
    assert jp.tax_rate("standard", on=date(2014, 3, 31)) == Decimal("5")
    assert jp.tax_rate("standard", on=date(2019, 9, 30)) == Decimal("8")
    assert jp.tax_rate("standard", on=date(2019, 10, 1)) == Decimal("10")
    assert jp.tax_rate(on=date(2026, 1, 1)) == Decimal("10")
    assert jp.tax_rate("reduced", on=date(2019, 10, 1)) == Decimal("8")
    with pytest.raises(NoRateInForceError) as caught:
        jp.tax_rate("reduced", on=date(2019, 9, 30))
    assert str(caught.value) == (
        "market 'jp' has no reduced rate in force on 2019-09-30 (recorded from 2019-10-01)"
    )


def test_tax_rate_today_by_default(markets: Markets) -> None:
    se = markets["se"]
    assert se.tax_rate("food") == se.tax_rate("food", on=datetime.now(UTC).date())
    with pytest.raises(TypeError):
        se.tax_rate("food", on=datetime(2026, 4, 1, tzinfo=UTC))


def test_sweden_food_vat_cut(markets: Markets) -> None:
    se = markets["se"]
    assert se.tax_rate("standard", on=date(2026, 4, 1)) == Decimal("25")
    assert se.tax_rate("food", on=date(2026, 3, 31)) == Decimal("12")
    assert se.tax_rate("food", on=date(2026, 4, 1)) == Decimal("6")
    assert se.tax_rate("food", on=date(2027, 12, 31)) == Decimal("6")
    assert se.tax_rate("food", on=date(2028, 1, 1)) == Decimal("12")


def test_canada_by_province(markets: Markets) -> None:
    ca = markets["ca"]
    on = date(2026, 1, 1)
    assert ca.tax_rate("standard", region="CA-ON", on=on) == Decimal("13")  # HST
    assert ca.tax_rate("standard", region="CA-QC", on=on) == Decimal("14.975")  # GST + QST
    assert ca.tax_rate("standard", region="ca-qc", on=on) == Decimal("14.975")
    assert ca.tax_rate("standard", region="CA-AB", on=on) == Decimal("5")  # GST only
    assert ca.tax_rate("standard", region="CA-BC", on=on) == Decimal("12")  # GST + PST
    assert ca.tax_rate("standard", region="CA-NS", on=date(2025, 3, 31)) == Decimal("15")
    assert ca.tax_rate("standard", region="CA-NS", on=date(2025, 4, 1)) == Decimal("14")
    assert ca.tax_rate("standard", region="CA-MB", on=date(2019, 6, 30)) == Decimal("13")
    assert ca.tax_rate("standard", region="CA-MB", on=date(2019, 7, 1)) == Decimal("12")
    assert ca.tax_regions[:3] == ("CA-AB", "CA-BC", "CA-MB")
    assert ca.prices_include_tax is False
    assert markets["se"].prices_include_tax is True


def test_canada_needs_a_region(markets: Markets) -> None:
    with pytest.raises(RegionRequiredError) as caught:
        markets["ca"].tax_rate("standard")
    assert isinstance(caught.value, UnknownTaxError)
    assert str(caught.value) == (
        "market 'ca' taxes by region: pass region= one of CA-AB, CA-BC, CA-MB, CA-NB, CA-NL, "
        "CA-NS, CA-NT, CA-NU, CA-ON, CA-PE, CA-QC, CA-SK, CA-YT (the national rate alone is "
        "not the rate in most of them)"
    )


def test_unknown_tax_kind_and_region(markets: Markets) -> None:
    with pytest.raises(UnknownTaxError) as caught:
        markets["ca"].tax_rate("standard", region="CA-QB")
    assert str(caught.value) == (
        "market 'ca' has no tax region 'CA-QB' (regions: CA-AB, CA-BC, CA-MB, CA-NB, CA-NL, "
        "CA-NS, CA-NT, CA-NU, CA-ON, CA-PE, CA-QC, CA-SK, CA-YT); did you mean 'CA-QC'?"
    )
    with pytest.raises(UnknownTaxError) as caught:
        markets["jp"].tax_rate("standard", region="JP-13")
    assert (
        str(caught.value) == "market 'jp' has no regional taxes; call without region (got 'JP-13')"
    )
    with pytest.raises(UnknownTaxError) as caught:
        markets["se"].tax_rate("luxury")
    assert str(caught.value) == (
        "market 'se' has no tax kind 'luxury' (kinds: food, reduced, second_reduced, standard)"
    )


def test_no_rate_before_the_recorded_history(markets: Markets) -> None:
    with pytest.raises(NoRateInForceError) as caught:
        markets["jp"].tax_rate(on=date(1989, 3, 31))
    assert str(caught.value) == (
        "market 'jp' has no standard rate in force on 1989-03-31 (recorded from 1989-04-01)"
    )
    # British Columbia had the 12 % HST in 2012: "GST only" would be a wrong price.
    with pytest.raises(NoRateInForceError) as caught:
        markets["ca"].tax_rate(region="CA-BC", on=date(2012, 1, 1))
    assert str(caught.value) == (
        "market 'ca' records CA-BC's pst only from 2013-04-01: the standard rate in CA-BC on "
        "2012-01-01 is not in the bundle"
    )
    with pytest.raises(NoRateInForceError):
        markets["ca"].tax_rate(region="CA-ON", on=date(2010, 6, 30))


# --- net and gross --------------------------------------------------------------------------


def test_gross_and_net_prices(markets: Markets) -> None:
    ca, jp, se = markets["ca"], markets["jp"], markets["se"]
    on = date(2026, 1, 1)
    gross = ca.gross_price(Decimal("100"), region="CA-QC", on=on)
    assert (gross, gross.as_tuple().exponent) == (Decimal("114.98"), -2)  # 114.975 half up
    assert ca.net_price(Decimal("114.98"), region="CA-QC", on=on) == Decimal("100.00")
    assert ca.gross_price(Decimal("19.99"), region="CA-ON", on=on) == Decimal("22.59")
    assert jp.gross_price(1299, on=on) == Decimal("1429")  # 1428.9
    assert jp.net_price(1429, on=on) == Decimal("1299")
    assert jp.gross_price(1299, "reduced", on=on) == Decimal("1403")  # 1402.92
    assert se.gross_price(Decimal("100"), "food", on=date(2026, 4, 1)) == Decimal("106.00")
    assert se.net_price(Decimal("1299"), on=on) == Decimal("1039.20")
    assert jp.gross_price(-1299, on=on) == Decimal("-1429")  # refunds round symmetrically


def test_ties_follow_the_market_rounding(
    markets: Markets, edited: Callable[[str, Callable[[dict[str, Any]], None]], Market]
) -> None:
    on = date(2026, 1, 1)
    assert markets["jp"].gross_price(15, on=on) == Decimal("17")  # 16.5, half up
    even = edited("jp", lambda bundle: bundle.update(price_rounding="half_even"))
    assert even.gross_price(15, on=on) == Decimal("16")  # 16.5, half even


def test_net_to_gross_to_net_gives_the_net_back(markets: Markets) -> None:
    on = date(2026, 1, 1)
    jp, ca = markets["jp"], markets["ca"]
    for net in range(0, 3000):
        assert jp.net_price(jp.gross_price(net, on=on), on=on) == net
    for cents in range(0, 3000):
        amount = Decimal(cents).scaleb(-2)
        for region in ("CA-QC", "CA-ON", "CA-NS"):
            gross = ca.gross_price(amount, region=region, on=on)
            assert ca.net_price(gross, region=region, on=on) == amount


def test_amounts_must_be_exact(markets: Markets) -> None:
    with pytest.raises(TypeError) as caught:
        markets["jp"].gross_price(12.5)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "net must be an int or a Decimal, not float (a float is not an exact amount: pass "
        "Decimal('12.34'))"
    )
    with pytest.raises(ValueError):
        markets["jp"].net_price(Decimal("NaN"))


# --- messages -------------------------------------------------------------------------------


def test_messages_ja_jp(markets: Markets) -> None:
    jp = markets["jp"]
    assert jp.message("cart.items", locale="ja", count=3) == "3点"
    assert jp.message("cart.items", count=0) == "カートに商品はありません"
    assert jp.message("cart.items", locale="ja-JP", count=1299) == "1,299点"
    assert jp.message("product.watchers", count=0, name="健") == (
        "この商品を最初にお気に入りに登録しましょう"
    )
    assert jp.message("product.watchers", count=1, name="健") == "健さんがお気に入りに登録しました"
    assert jp.message("product.watchers", count=3, name="健") == (
        "健さんほか2人がお気に入りに登録しました"
    )
    assert jp.message("checkout.nth_order", count=2) == "2回目のご注文ありがとうございます！"
    assert jp.message("checkout.total", amount=Decimal("1299")) == "合計：￥1,299"
    assert jp.message("cart.subtotal", count=2, amount=2598) == "小計（2点）：<b>￥2,598</b>"
    assert jp.message("product.condition.label", condition="good") == "良い"
    assert jp.message("product.condition.label", condition="mint") == "認定整備済み"
    args = jp.tax_message_arguments(on=date(2026, 12, 1))
    assert jp.message("checkout.tax_line", **args) == "消費税（10%）"


def test_messages_sv_se(markets: Markets) -> None:
    se = markets["se"]
    assert se.message("cart.items", count=0) == "Din varukorg är tom"
    assert se.message("cart.items", count=1) == "1 vara"
    assert se.message("cart.items", count=2) == "2 varor"
    # ICU picks the form on the number as shown: 1.0 shows as "1" (one), 1.5 as "1,5" (other).
    assert se.message("cart.items", count=Decimal("1.0")) == "1 vara"
    assert se.message("cart.items", count=Decimal("1.5")) == "1,5 varor"
    ordinals = {1: "1:a", 2: "2:a", 3: "3:e", 11: "11:e", 12: "12:e", 21: "21:a", 101: "101:a"}
    for count, ordinal in ordinals.items():
        assert se.message("checkout.nth_order", count=count) == (
            f"Tack för din {ordinal} beställning hos oss!"
        )
    assert se.message("product.watchers", count=2, name="Alva") == (
        "Alva och 1 person till har sparat den här enheten"
    )
    assert se.message("checkout.total", amount=Decimal("1299")) == f"Totalt: 1{NBSP}299,00{NBSP}kr"
    # Currency arguments round like format_price (half up), not half-even.
    assert se.message("checkout.total", amount=Decimal("0.125")) == f"Totalt: 0,13{NBSP}kr"
    args = se.tax_message_arguments(on=date(2026, 12, 1))
    assert se.message("checkout.tax_line", **args) == f"Moms (25{NBSP}%)"
    assert se.message("returns.refund.method", method="store_credit", amount=Decimal("49.5")) == (
        f"Du får 49,50{NBSP}kr i tillgodohavande."
    )


def test_messages_fr_ca(markets: Markets) -> None:
    ca = markets["ca"]
    assert ca.message("cart.items", locale="fr-CA", count=0) == "Votre panier est vide"
    assert ca.message("cart.items", locale="fr-CA", count=1) == "1 article"
    assert ca.message("cart.items", locale="fr-CA", count=2) == "2 articles"
    assert ca.message("cart.items", locale="fr", count=1_000_000) == (
        f"1{NBSP}000{NBSP}000 d’articles"  # CLDR "many"
    )
    assert ca.message("checkout.nth_order", locale="fr-CA", count=1) == (
        f"Merci pour votre 1re commande chez nous{NNBSP}!"
    )
    assert ca.message("checkout.nth_order", locale="fr-CA", count=2) == (
        f"Merci pour votre 2e commande chez nous{NNBSP}!"
    )
    assert ca.message("product.watchers", locale="fr-CA", count=2, name="Léa") == (
        "Léa et 1 autre personne ont ajouté cet appareil à leurs favoris"
    )
    assert ca.message("product.watchers", locale="fr-CA", count=3, name="Léa") == (
        "Léa et 2 autres personnes ont ajouté cet appareil à leurs favoris"
    )
    assert ca.message("checkout.total", locale="fr-CA", amount=Decimal("1299")) == (
        f"Total{NBSP}: 1{NBSP}299,00{NBSP}$"
    )
    assert ca.message("product.condition.label", locale="fr-CA", condition="good") == (
        "Très bon état"
    )


def test_messages_en_ca(markets: Markets) -> None:
    ca = markets["ca"]
    assert ca.message("cart.items", count=1) == "1 item"
    assert ca.message("cart.items", locale="en", count=2) == "2 items"
    ordinals = {
        1: "1st",
        2: "2nd",
        3: "3rd",
        4: "4th",
        11: "11th",
        12: "12th",
        13: "13th",
        21: "21st",
        22: "22nd",
        23: "23rd",
        101: "101st",
        111: "111th",
    }
    for count, ordinal in ordinals.items():
        assert ca.message("checkout.nth_order", locale="en-CA", count=count) == (
            f"Thanks for your {ordinal} order with us!"
        )
    assert ca.message("product.watchers", count=0, name="Sam") == (
        "Be the first to save this device"
    )
    assert ca.message("product.watchers", count=1, name="Sam") == "Sam saved this device"
    assert ca.message("product.watchers", count=2, name="Sam") == (
        "Sam and 1 other person saved this device"
    )
    assert ca.message("product.watchers", count=5, name="Sam") == (
        "Sam and 4 other people saved this device"
    )
    assert ca.message("cart.subtotal", count=1, amount=Decimal("19.99")) == (
        "Subtotal (1 item): <b>$19.99</b>"
    )
    assert ca.message("product.condition.label", condition="fair") == "Fair"


def test_format_message_takes_a_mapping(markets: Markets) -> None:
    assert markets["se"].format_message("cart.items", {"count": 2}) == "2 varor"
    assert markets["ca"].format_message("cart.items", {"count": 2}, locale="fr") == "2 articles"


def test_unknown_message_key_and_missing_argument(markets: Markets) -> None:
    with pytest.raises(UnknownMessageError) as caught:
        markets["jp"].message("cart.item", count=1)
    assert str(caught.value) == (
        "market 'jp' has no message 'cart.item' (locale ja-JP); did you mean 'cart.items'?"
    )
    with pytest.raises(UnknownMessageError) as caught:
        markets["jp"].message("nothing.like.it")
    assert str(caught.value) == "market 'jp' has no message 'nothing.like.it' (locale ja-JP)"
    with pytest.raises(MissingArgumentError) as caught_argument:
        markets["se"].message("cart.items")
    assert str(caught_argument.value) == "missing argument 'count' in message 'cart.items'"


def test_every_message_of_every_locale_formats(markets: Markets) -> None:
    for market in markets.values():
        market.precompile()
        assert len(market.message_keys) > 50


# --- features -------------------------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# markets/jp/rollout.yaml and markets/se/rollout.yaml, in the markets' own time zones.
JP_BUYBACK = [
    (datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO), Decimal("10")),
    (datetime(2027, 1, 15, 9, 0, tzinfo=TOKYO), Decimal("50")),
    (datetime(2027, 2, 1, 9, 0, tzinfo=TOKYO), Decimal("100")),
]
SE_CARBON = [
    (datetime(2026, 4, 7, 9, 0, tzinfo=STOCKHOLM), Decimal("0.5")),
    (datetime(2026, 5, 4, 9, 0, tzinfo=STOCKHOLM), Decimal("20")),
    (datetime(2026, 5, 18, 9, 0, tzinfo=STOCKHOLM), Decimal("5")),
    (datetime(2026, 9, 1, 9, 0, tzinfo=STOCKHOLM), Decimal("50")),
]
UNITS = [f"user-{n}" for n in range(2000)] + [v["unit_id"] for v in VECTORS["vectors"]]


def expected_decision(feature: str, unit: str, percent: Decimal) -> bool:
    """The contract: h / 2**32 < p / 100, h = unsigned MurmurHash3 x86_32 of feature + unit."""
    h = mmh3.hash((feature + unit).encode("ascii"), 0, signed=False)
    share = Fraction(percent) / 100
    return h * share.denominator < share.numerator * 2**32


def _check_schedule(market: Market, feature: str, steps: list[tuple[datetime, Decimal]]) -> None:
    first = steps[0][0]
    for unit in UNITS:
        assert market.feature_enabled(feature, unit, at=first - timedelta(seconds=1)) is False
    for index, (start, percent) in enumerate(steps):
        end = steps[index + 1][0] if index + 1 < len(steps) else start + timedelta(days=365)
        for at in (start, start + (end - start) / 2, end - timedelta(microseconds=1)):
            on = sum(market.feature_enabled(feature, unit, at=at) for unit in UNITS)
            for unit in UNITS:
                assert market.feature_enabled(feature, unit, at=at) is expected_decision(
                    feature, unit, percent
                ), (unit, at)
            assert market.feature_percent(feature, at=at) == percent
            assert abs(on / len(UNITS) - float(percent) / 100) < 0.05


def test_jp_buyback_before_between_and_after_the_steps(markets: Markets) -> None:
    _check_schedule(markets["jp"], "buyback", JP_BUYBACK)
    after = datetime(2030, 1, 1, tzinfo=UTC)
    assert all(markets["jp"].feature_enabled("buyback", unit, at=after) for unit in UNITS)


def test_se_carbon_label_with_a_half_percent_step_and_a_rollback(markets: Markets) -> None:
    _check_schedule(markets["se"], "carbon_savings_label", SE_CARBON)


def test_decisions_match_the_shipped_vectors(markets: Markets) -> None:
    jp = markets["jp"]
    at_percent = {"10": JP_BUYBACK[0][0], "50": JP_BUYBACK[1][0], "100": JP_BUYBACK[2][0]}
    checked = 0
    for vector in VECTORS["vectors"]:
        if vector["feature"] != "buyback":
            continue
        for percent, at in at_percent.items():
            expected = vector["decisions"][percent]
            assert jp.feature_enabled("buyback", vector["unit_id"], at=at) is expected
            checked += 1
    assert checked > 0


def test_the_instant_of_a_step_is_in_it_in_any_time_zone(markets: Markets) -> None:
    jp = markets["jp"]
    start = JP_BUYBACK[0][0]
    assert jp.feature_percent("buyback", at=start - timedelta(microseconds=1)) == 0
    assert jp.feature_percent("buyback", at=start) == Decimal("10")
    assert jp.feature_percent("buyback", at=start.astimezone(UTC)) == Decimal("10")
    assert jp.feature_percent("buyback", at=start.astimezone(ZoneInfo("America/Toronto"))) == 10


def test_feature_without_steps_is_off(markets: Markets) -> None:
    assert markets["jp"].feature_enabled("express_checkout", "user-42") is False
    assert markets["jp"].feature_percent("express_checkout") == 0


def test_feature_decision_now_by_default(markets: Markets) -> None:
    jp = markets["jp"]
    for unit in UNITS[:200]:
        assert jp.feature_enabled("buyback", unit) is jp.feature_enabled(
            "buyback", unit, at=datetime.now(UTC)
        )


def test_feature_refusals(markets: Markets) -> None:
    jp = markets["jp"]
    with pytest.raises(ValueError) as caught:
        jp.feature_enabled("buyback", "user-42", at=datetime(2027, 1, 20))
    assert str(caught.value) == (
        "at must be an aware datetime (got naive 2027-01-20T00:00:00): pass datetime.now(UTC) "
        "or attach a time zone, a naive time is ambiguous"
    )
    with pytest.raises(UnknownFeatureError) as caught_feature:
        jp.feature_enabled("by_back", "user-42")
    assert str(caught_feature.value) == (
        "market 'jp' has no feature 'by_back' (features: battery_health_badge, buyback, "
        "carbon_savings_label, express_checkout, installments, instant_quote); did you mean "
        "'buyback'?"
    )
    with pytest.raises(ValueError) as caught:
        jp.feature_enabled("buyback", "usér-42", at=datetime(2027, 1, 20, tzinfo=UTC))
    assert "must be ASCII" in str(caught.value)
    with pytest.raises(ValueError):  # also before the first step: the id is wrong regardless
        jp.feature_enabled("buyback", "usér-42", at=datetime(2020, 1, 20, tzinfo=UTC))
    with pytest.raises(TypeError):
        jp.feature_enabled("buyback", 42, at=datetime(2027, 1, 20, tzinfo=UTC))  # type: ignore[arg-type]


def test_today_is_the_markets_local_day(markets: Markets, monkeypatch: pytest.MonkeyPatch) -> None:
    import marketctl.runtime._market as market_module

    class FrozenClock(datetime):
        # 2026-03-31 23:30 UTC is already 1 April, 01:30, in Stockholm: the food rate is 6 %.
        @classmethod
        def now(cls, tz: Any = None) -> FrozenClock:
            moment = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(market_module, "datetime", FrozenClock)

    assert markets["se"].tax_rate("food") == Decimal("6")
    assert markets["se"].gross_price(Decimal("100"), "food") == Decimal("106.00")
