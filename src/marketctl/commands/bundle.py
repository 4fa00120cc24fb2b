"""Compiling a resolved market into its bundle: plain JSON data, self-contained.

Everything a service needs to format and compute for the market is inside: currency digits and
symbols, CLDR number and plural data per locale, tax rates with validity, warranty terms,
rollout steps as UTC instants with their bucketing weights, and every message per locale with
the fallback chain already resolved. ``schemas/bundle.schema.json`` describes the format for
services that do not use :mod:`marketctl.runtime`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import rapidjson

from marketctl.commands.pseudo import PSEUDO_LOCALES, pseudo_message
from marketctl.reference import cldr
from marketctl.reference.consumer_law import (
    FORM_COUNTED_FROM,
    guarantee_form,
    withdrawal_right,
)
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.reference.schedule import compile_rollout
from marketctl.repository.markets import Market
from marketctl.runtime.icu import MessageLocale, check_message, compile_message
from marketctl.runtime.ratekinds import canonical_kind
from marketctl.runtime.rollout import DEFAULT_SCHEME, weights_for_percent

FORMAT_VERSION = 2


def decimal_text(value: Decimal | int) -> str:
    """An exact decimal as text without exponent or trailing zeros: 9.975, 25, 0.5."""
    number = Decimal(value)
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def _source(source: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not source:
        return None
    # verified: the day the official text was read, or false with what is missing (issue 7).
    keys = ("title", "ref", "url", "verified", "missing")
    return {key: source[key] for key in keys if key in source}


def _intervals(
    entries: list[Mapping[str, Any]], value_keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    compiled = []
    for entry in entries:
        item: dict[str, Any] = {"from": entry["from"], "until": entry.get("until")}
        for key in value_keys:
            value = entry.get(key)
            item[key] = decimal_text(value) if key == "percent" and value is not None else value
        item["source"] = _source(entry.get("source"))
        if entry.get("ends_by_law") is True and entry.get("until") is not None:
            # Written only where true: a bundle without it is one every runtime reads, and a
            # runtime that does not know the key refuses the bundle rather than answer past it.
            item["ends_by_law"] = True
        compiled.append(item)
    return compiled


def _region(region: Mapping[str, Any]) -> dict[str, Any]:
    compiled: dict[str, Any] = {
        "national": region["national"],
        "taxes": {
            name: _intervals(intervals, ("percent",))
            for name, intervals in sorted(region["taxes"].items())
        },
    }
    if "local_rates" in region:  # sales tax: the state's base rate is not an order's rate
        compiled["local_rates"] = region["local_rates"]
    return compiled


def _rates(rates: Mapping[str, Any]) -> dict[str, Any]:
    """National rates by kind, each kind under its canonical name (runtime/ratekinds.py: a
    super_reduced kind of 5 % or more is a second_reduced rate)."""
    named = {
        canonical_kind(kind, (item["percent"] for item in intervals), rates): intervals
        for kind, intervals in rates.items()
    }
    return {kind: _intervals(named[kind], ("percent",)) for kind in sorted(named)}


def _tax(tax: Mapping[str, Any]) -> dict[str, Any]:
    margin = tax.get("margin_scheme")
    # Sales tax has no national rate, and prices are shown before tax: the rate depends on the
    # delivery address (state and local), which a price list does not know.
    prices = tax.get("prices_include_tax")
    return {
        "system": tax["system"],
        "names": {
            part: dict(sorted(by_language.items()))
            for part, by_language in sorted(tax.get("names", {}).items())
        },
        "prices_include_tax": prices["value"] if prices else False,
        "margin_scheme": margin["available"] if margin else False,
        "rates": _rates(tax.get("rates", {})),
        "regions": {
            code: _region(region) for code, region in sorted(tax.get("regions", {}).items())
        },
    }


def _limitation(limitation: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not limitation:
        return None
    compiled = {
        "years": limitation["years"],
        "counted_from": limitation.get("counted_from"),
        "source": _source(limitation.get("source")),
    }
    compiled.update(_ultimate(limitation, limitation.get("source")))
    return compiled


def _ultimate(entry: Mapping[str, Any], source: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"ultimate": ...}`` where the law sets an ultimate period beside the basic one (its own
    source, else the one of the period it bounds); nothing otherwise, so that a bundle without
    one stays readable by a runtime that does not know the key."""
    ultimate = entry.get("ultimate")
    if not ultimate:
        return {}
    return {
        "ultimate": {
            "years": ultimate["years"],
            "counted_from": ultimate["counted_from"],
            "source": _source(ultimate.get("source") or source),
        }
    }


def _guarantee(entry: Mapping[str, Any], form: str) -> dict[str, Any]:
    """The numbers of one form, explicit: a service never infers a form from missing keys."""
    return {
        "form": form,
        "months": entry.get("months") if form in ("fixed", "notice") else None,
        "years": entry.get("years") if form == "limitation" else None,
        "counted_from": entry.get("counted_from", FORM_COUNTED_FROM.get(form)),
        "limitation": _limitation(entry.get("limitation")),
        **_ultimate(entry, entry.get("source")),
    }


def _legal_guarantee(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    compiled = []
    for entry, item in zip(entries, _intervals(entries, ()), strict=True):
        form = guarantee_form(entry)
        item.update(_guarantee(entry, form))
        # Kept for services written against the first format: reasonable or null.
        item["duration"] = "reasonable" if form == "reasonable" else None
        item["second_hand_min_months"] = entry.get("second_hand_min_months")
        regions = {}
        for code, override in sorted(entry.get("regions", {}).items()):
            merged = {**entry, **override}
            if "form" in override and "counted_from" not in override:
                merged.pop("counted_from", None)  # a region with its own form counts its own way
            if "limitation" not in override and "form" in override:
                merged.pop("limitation", None)
            if "ultimate" not in override and "form" in override:
                merged.pop("ultimate", None)
            regions[code] = {
                **_guarantee(merged, override.get("form", form)),
                "source": _source(override.get("source")),
            }
        item["regions"] = regions
        compiled.append(item)
    return compiled


def _withdrawal(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    compiled = []
    for entry, item in zip(entries, _intervals(entries, ("days",)), strict=True):
        right = withdrawal_right(entry)
        # Never null: a bundle carries a boolean where the schema promises one.
        item["statutory"] = right == "statutory"
        item["right"] = right
        item["counted_from"] = entry.get("counted_from", "receipt")
        compiled.append(item)
    return compiled


def compile_warranty(warranty: Mapping[str, Any]) -> dict[str, Any]:
    """The bundle's ``warranty`` part of a market's resolved warranty.yaml."""
    extensions = warranty.get("extension_after_repair", [])
    # Written only where the law has one: older runtimes read a bundle without the key.
    extension = (
        {"extension_after_repair": _intervals(extensions, ("months",))} if extensions else {}
    )
    return {
        "legal_guarantee": _legal_guarantee(warranty["legal_guarantee"]),
        **extension,
        "burden_of_proof": [
            {**item, "second_hand_months": entry.get("second_hand_months", entry["months"])}
            for entry, item in zip(
                warranty.get("burden_of_proof", []),
                _intervals(warranty.get("burden_of_proof", []), ("months",)),
                strict=True,
            )
        ],
        "withdrawal": _withdrawal(warranty["withdrawal"]),
        "short_term_reject": [
            {**item, "counted_from": entry.get("counted_from", "delivery")}
            for entry, item in zip(
                warranty.get("short_term_reject", []),
                _intervals(warranty.get("short_term_reject", []), ("days",)),
                strict=True,
            )
        ],
        "consumer_law": [
            {key: law.get(key) for key in ("region", "title", "ref", "url")}
            for law in warranty.get("consumer_law", [])
        ],
        "commercial_warranty": {"months": warranty["commercial_warranty"]["months"]},
    }


# Every step of every feature in every market has weights (1,000 features x 17 markets: 17,000
# steps), and a rollout uses a handful of percentages; the weights depend on the value alone.
_weights: Final = lru_cache(maxsize=1024, typed=True)(weights_for_percent)


def _features(market: Market) -> dict[str, Any]:
    catalogue = market.repository.features
    definitions: dict[str, Any] = dict(catalogue.data.get("features", {})) if catalogue else {}
    default_scheme = feature_scheme(catalogue.data if catalogue else {}, None)
    schedules = compile_rollout(market.rollout, market.market)
    features: dict[str, Any] = {}
    for name, definition in sorted(definitions.items()):
        steps = []
        for step in schedules.get(name, []):
            on, off = _weights(step.percent)
            steps.append(
                {
                    "at": step.at_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "percent": decimal_text(step.percent),
                    "weights": {"on": on, "off": off},
                }
            )
        features[name] = {
            "description": definition["description"],
            "owner": definition["owner"],
            "expires": definition.get("expires"),
            "requires": sorted(definition.get("requires", [])),
            "bucketing": definition.get("bucketing", default_scheme),
            "steps": steps,
        }
    return features


def feature_scheme(catalogue: Mapping[str, Any], name: str | None) -> str:
    """The bucketing scheme of feature ``name``: its own ``bucketing``, else the catalogue's,
    else flagd's current one (``name`` None: the catalogue default)."""
    default = catalogue.get("bucketing")
    scheme = default if isinstance(default, str) else DEFAULT_SCHEME
    if name is not None:
        entry = (catalogue.get("features") or {}).get(name)
        if isinstance(entry, dict) and isinstance(entry.get("bucketing"), str):
            scheme = entry["bucketing"]
    return scheme


def check_compiles(text: str, formats: MessageLocale, key: str) -> None:
    """Raise what :func:`compile_message` raises for ``text`` in ``formats``: checked without
    compiling where the locale has a currency (every market's has; see :func:`check_message`),
    compiled where it has none."""
    if formats.currency is not None:
        check_message(text, key=key)
    else:
        compile_message(text, formats, key=key)


def _messages(market: Market, currency: Mapping[str, Any]) -> dict[str, Any]:
    keys = market.repository.source_keys
    by_locale: dict[str, Any] = {}
    for tag in market.locales:
        # Every text is held to what the runtime's compiler accepts: a bundle never holds a
        # message a service cannot format (an ignored MKT503 must not reach production).
        formats = MessageLocale.from_data(cldr.locale_data(tag), currency)
        texts: dict[str, str] = {}
        for key in keys:
            hit = market.message(tag, key)
            if hit is None:  # a planned market may show English until translated
                hit = market.repository.source_message(key)
            if hit is not None:
                check_compiles(hit.text, formats, key)
                texts[key] = hit.text
        by_locale[tag] = {
            # Informational: the CLDR parent chain the texts were resolved along (a planned
            # market's untranslated keys then come from the bundle's source_locale).
            "fallback": list(fallback_chain(tag)),
            "messages": dict(sorted(texts.items())),
        }
    return by_locale


def _add_pseudo_locales(bundle: dict[str, Any], market: Market) -> None:
    """en-XA and ar-XB for UI testing: pseudo-translations of every source text (test builds)."""
    currency = bundle["currency"]
    for tag, base in PSEUDO_LOCALES.items():
        data = {**cldr.locale_data(base), "tag": tag}
        currency["symbols"][tag] = cldr.currency_data(currency["code"], [base])["symbols"][base]
        formats = MessageLocale.from_data(data, currency)
        texts: dict[str, str] = {}
        for key in market.repository.source_keys:
            hit = market.repository.source_message(key)
            if hit is not None:
                texts[key] = pseudo_message(hit.text, tag)
                check_compiles(texts[key], formats, key)
        bundle["cldr"][tag] = data
        bundle["messages"][tag] = {"fallback": [tag], "messages": dict(sorted(texts.items()))}
        bundle["locales"] = [*bundle["locales"], tag]


def capabilities(bundle: Mapping[str, Any]) -> list[str]:
    """What a runtime must understand to read ``bundle`` correctly: the bucketing scheme of
    each feature (a runtime from before the scheme was a field would bucket a v3 feature with
    v2, silently)."""
    schemes = {feature["bucketing"] for feature in bundle["features"].values()}
    return sorted(f"bucketing:{scheme}" for scheme in schemes)


def compile_bundle(market: Market, *, pseudo: bool = False) -> dict[str, Any]:
    """The bundle of one market, from its resolved (and validated) configuration.

    ``pseudo`` adds the pseudo-locales en-XA and ar-XB (``build --pseudo``, never production).
    """
    config = market.market
    locales = market.locales
    currency = cldr.currency_data(config["currency"], locales)
    bundle = {
        "format": FORMAT_VERSION,
        "market": market.code,
        "country": config["country"],
        "name": config["name"],
        "region": config.get("region"),
        "status": config["status"],
        "launch_date": config.get("launch_date"),
        "locales": locales,
        "default_locale": locales[0],
        "timezones": config["timezones"],
        "price_rounding": config["price_rounding"],
        "currency": currency,
        "cldr": {tag: cldr.locale_data(tag) for tag in locales},
        "tax": _tax(market.tax),
        "warranty": compile_warranty(market.warranty),
        "features": _features(market),
        "messages": _messages(market, currency),
        "source_locale": SOURCE_LOCALE,
    }
    bundle["capabilities"] = capabilities(bundle)
    if pseudo:
        _add_pseudo_locales(bundle, market)
    return bundle


def serialize(bundle: Mapping[str, Any]) -> bytes:
    """Deterministic bytes: sorted keys, no floats, UTF-8, one space a level, one trailing
    newline: exactly what ``json.dumps(sort_keys=True, ensure_ascii=False, indent=1)`` writes,
    in a tenth of its time (with an indent, json.dumps encodes in pure Python).

    RapidJSON writes the same text, floats included, except the escapes of control characters
    (``\\u001F`` where json.dumps writes ``\\u001f``): a document with a ``\\u00`` escape, and
    one RapidJSON refuses (a key that is no string, a string that is no UTF-8, a tuple), is
    written by json.dumps, which also raises its own errors (a Decimal, NaN) in its own words."""
    try:
        text = rapidjson.dumps(
            bundle,
            indent=1,
            sort_keys=True,
            ensure_ascii=False,
            allow_nan=False,
            bytes_mode=rapidjson.BM_NONE,
            # Lists alone: RapidJSON would write a generator as an array, which json.dumps
            # refuses (a tuple, which json.dumps writes, goes to json.dumps too).
            iterable_mode=rapidjson.IM_ONLY_LISTS,
        )
        data = (text + "\n").encode("utf-8")
    except (TypeError, ValueError, OverflowError):
        return _json_bytes(bundle)
    if b"\\u00" in data:
        return _json_bytes(bundle)
    return data


def _json_bytes(bundle: Mapping[str, Any]) -> bytes:
    text = json.dumps(bundle, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)
    return (text + "\n").encode("utf-8")
