"""One market of a loaded bundle set: prices, tax, messages and feature decisions.

Built once per load from the bundle's plain data, with only a few structural checks up front.
The tax table, each feature's step arrays (UTC instants as POSIX seconds, integer weights), the
locale matcher, the formatters and plural rules of a locale and each compiled message are built
on first use and cached on the market (or all at once by :meth:`Market.precompile`), so loading
stays close to the cost of reading the JSON and a repeated call is a few dictionary lookups.
The caches only ever grow by adding an entry for a key, so concurrent readers at worst build
the same entry twice.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marketctl.runtime._features import Schedule, compile_schedule
from marketctl.runtime._legal import LegalGuarantee, LegalTerms, ShortTermReject, Withdrawal
from marketctl.runtime._locales import LocaleMatcher
from marketctl.runtime._money import ROUNDINGS, PriceFormatter, exact_amount, round_fraction
from marketctl.runtime._tax import SALES_TAX, StateBaseRate, TaxTable
from marketctl.runtime.errors import (
    BundleError,
    RateProviderRequiredError,
    UnknownFeatureError,
    UnknownMessageError,
)
from marketctl.runtime.icu import (
    CompiledMessage,
    MessageLocale,
    MessageSyntaxError,
    compile_message,
)
from marketctl.runtime.numbers import (
    decimal_formatter,
    format_rate,
    integer_formatter,
    percent_formatter,
)
from marketctl.runtime.plurals import cardinal_rules, ordinal_rules
from marketctl.runtime.rollout import bucket_hash, hash_in_rollout

__all__ = ["Market"]

Amount = Decimal | int


class _MalformedError(Exception):
    """A structural problem in a bundle; the caller adds the file name."""


def _describe(error: Exception) -> str:
    return f"'{error.args[0]}' is missing" if isinstance(error, KeyError) else str(error)


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise _MalformedError(problem)


def _day(on: date | None, zone: str) -> date:
    if on is None:
        # Rates change at midnight where the market is, not in UTC: Sweden's food rate of
        # 2026-04-01 applies from 00:00 Stockholm time, which is still 31 March in UTC.
        return datetime.now(_zone(zone)).date()
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError(f"on must be a date (the day the price applies), not {type(on).__name__}")
    return on


@cache
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC  # a machine without this zone's data: the UTC date is the best guess


class Market:
    """A market's runtime view of its bundle. Get one with ``markets["jp"]``."""

    __slots__ = (
        "_compiled",
        "_exact_locales",
        "_file",
        "_legal",
        "_locale_matcher",
        "_message_locales",
        "_price_formats",
        "_price_formatters",
        "_raw_features",
        "_schedules",
        "_tax_table",
        "_texts",
        "code",
        "country",
        "currency",
        "currency_digits",
        "data",
        "default_locale",
        "locales",
        "name",
        "price_rounding",
        "status",
        "timezones",
    )

    def __init__(self, bundle: dict[str, Any], file: str) -> None:
        """Check the parts of a verified bundle every call relies on; BundleError if broken.

        Only cheap checks happen here (loading must stay close to the cost of ``json.load``):
        the tax table, each feature's schedule and each locale's formatters are built, and
        checked, on first use or by :meth:`precompile`.
        """
        self._file = file
        try:
            self._build(bundle)
        except _MalformedError as error:
            raise BundleError(file, f"malformed bundle: {error}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BundleError(file, f"malformed bundle: {_describe(error)}") from None

    def _build(self, bundle: dict[str, Any]) -> None:
        #: The bundle's whole content (warranty terms, sources...), read-only at the top level.
        self.data: Mapping[str, Any] = MappingProxyType(bundle)
        self.code: str = bundle["market"]
        self.country: str = bundle["country"]
        self.name: str = bundle["name"]
        self.status: str = bundle["status"]
        self.timezones: tuple[str, ...] = tuple(bundle["timezones"])
        locales = bundle["locales"]
        _require(
            isinstance(locales, list) and bool(locales) and all(type(t) is str for t in locales),
            "'locales' is not a non-empty list of tags",
        )
        self.locales: tuple[str, ...] = tuple(locales)
        self.default_locale: str = bundle["default_locale"]
        _require(
            self.default_locale in self.locales,
            f"default_locale {self.default_locale!r} is not one of the locales",
        )
        rounding = bundle["price_rounding"]
        _require(
            rounding in ROUNDINGS,
            f"price_rounding {rounding!r} is not one of {', '.join(ROUNDINGS)}",
        )
        self.price_rounding: str = rounding
        currency = bundle["currency"]
        self.currency: str = currency["code"]
        digits = currency["digits"]
        _require(type(digits) is int and digits >= 0, "'currency.digits' is not a count")
        self.currency_digits: int = digits
        cldr, symbols, messages = bundle["cldr"], currency["symbols"], bundle["messages"]
        texts: dict[str, Mapping[str, str]] = {}
        for tag in self.locales:
            _require(tag in cldr, f"'cldr' has no data for locale {tag}")
            _require(tag in symbols, f"'currency.symbols' has no symbol for locale {tag}")
            _require(tag in messages, f"'messages' has no catalogue for locale {tag}")
            catalogue = messages[tag]["messages"]
            _require(isinstance(catalogue, dict), f"'messages.{tag}.messages' is not an object")
            texts[tag] = catalogue
        self._texts = texts
        features = bundle["features"]
        _require(isinstance(features, dict), "'features' is not an object")
        self._raw_features: Mapping[str, Any] = features
        _require(isinstance(bundle["tax"], dict), "'tax' is not an object")
        # Built on first use (or by precompile()):
        self._exact_locales = {tag: tag for tag in self.locales}
        self._locale_matcher: LocaleMatcher | None = None
        self._tax_table: TaxTable | None = None
        self._legal: LegalTerms | None = None
        self._schedules: dict[str, Schedule] = {}
        self._price_formatters: dict[str, PriceFormatter] = {}
        # format_price's lookup, None and each tag straight to the formatter's bound format.
        self._price_formats: dict[str | None, Callable[[Amount], str]] = {}
        self._message_locales: dict[str, MessageLocale] = {}
        self._compiled: dict[str, dict[str, CompiledMessage]] = {tag: {} for tag in locales}

    def _malformed(self, part: str, error: Exception) -> BundleError:
        return BundleError(self._file, f"malformed bundle: {part}: {_describe(error)}")

    def __repr__(self) -> str:
        return f"<Market {self.code} ({self.name}) {', '.join(self.locales)}>"

    # -- locales -------------------------------------------------------------------------

    def resolve_locale(self, locale: str | None = None) -> str:
        """The market's locale tag that ``locale`` names: itself if it is one of the market's
        tags, else (ignoring case, ``_`` for ``-``) a shorter form or CLDR parent of exactly
        one of them, ``ja`` → ``ja-JP`` (see :mod:`marketctl.runtime._locales`); None → the
        default locale. :class:`UnknownLocaleError` otherwise, also when several match."""
        if locale is None:
            return self.default_locale
        found = self._exact_locales.get(locale)
        if found is not None:
            return found
        return self._matcher().resolve(locale)

    def _matcher(self) -> LocaleMatcher:
        matcher = self._locale_matcher
        if matcher is None:
            messages = self.data["messages"]
            try:
                chains = {tag: list(messages[tag].get("fallback") or ()) for tag in self.locales}
            except (TypeError, AttributeError) as error:
                raise self._malformed("messages", error) from None
            matcher = LocaleMatcher(self.code, self.locales, self.default_locale, chains)
            self._locale_matcher = matcher
        return matcher

    # -- prices --------------------------------------------------------------------------

    def _price_formatter(self, tag: str) -> PriceFormatter:
        formatter = self._price_formatters.get(tag)
        if formatter is None:
            try:
                formatter = PriceFormatter(
                    self.data["cldr"][tag], self.data["currency"], self.price_rounding
                )
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise self._malformed(f"cldr.{tag}", error) from None
            self._price_formatters[tag] = formatter
        return formatter

    def format_price(self, amount: Amount, locale: str | None = None) -> str:
        """``amount`` in the market's currency, formatted for ``locale`` (CLDR pattern and
        symbols): ``'￥1,299'``, ``'1\u00a0299,00\u00a0kr'``, ``'1\u00a0299,00\u00a0$'`` (fr-CA).

        A Decimal is first rounded to the currency's digits with the market's
        ``price_rounding``, as :meth:`round_price` does. Floats are refused (TypeError).
        """
        format_for_locale = self._price_formats.get(locale)
        if format_for_locale is None:
            tag = self.resolve_locale(locale)
            format_for_locale = self._price_formatter(tag).format
            # Kept for None and the market's own tags only: other names come from callers
            # (an Accept-Language header) and are as many as they send.
            if locale is None or locale == tag:
                self._price_formats[locale] = format_for_locale
        return format_for_locale(amount)

    def round_price(self, amount: Amount) -> Decimal:
        """``amount`` rounded to the currency's digits with the market's ``price_rounding``."""
        return round_fraction(
            exact_amount(amount, "amount"), self.currency_digits, self.price_rounding
        )

    # -- tax -----------------------------------------------------------------------------

    @property
    def _tax(self) -> TaxTable:
        table = self._tax_table
        if table is None:
            try:
                table = TaxTable(self.code, self.data["tax"])
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise self._malformed("tax", error) from None
            self._tax_table = table
        return table

    @property
    def prices_include_tax(self) -> bool:
        """Whether shelf prices in this market include tax (VAT markets) or not (Canada)."""
        return self._tax.prices_include_tax

    @property
    def tax_kinds(self) -> tuple[str, ...]:
        return self._tax.kinds

    @property
    def tax_regions(self) -> tuple[str, ...]:
        """ISO 3166-2 codes of the regions with their own tax; empty when tax is national."""
        return self._tax.regions

    def tax_rate(
        self, kind: str = "standard", region: str | None = None, on: date | None = None
    ) -> Decimal:
        """The tax rate in percent (``Decimal("14.975")``) of ``kind`` in ``region`` on day
        ``on`` (when None, today in the market's first time zone: rates change at local
        midnight).

        The national rate of that kind (unless the region replaces it) plus every regional
        component in force, for the standard kind. A market with regions needs ``region``
        (:class:`RegionRequiredError`); unknown kind or region: :class:`UnknownTaxError`; a day
        the bundle has no rate for: :class:`NoRateInForceError`, as :class:`RateEndsError` when
        the day is after the end the law sets for the rate (``ends_by_law``) and nothing after
        it is recorded.
        """
        return self._tax.rate(kind, region, _day(on, self.timezones[0]))

    def state_base_rate(self, region: str, on: date | None = None) -> StateBaseRate:
        """A sales-tax market's state-level base rate in ``region`` (``US-TX``) on ``on``
        (default: today in the market's first time zone), as a :class:`StateBaseRate` whose
        ``complete`` is False: local rates and the state's taxability rules are not in the
        bundle. For the rate of an order ask a sales-tax rate provider; ``tax_rate`` raises
        :class:`RateProviderRequiredError` in such a market."""
        return self._tax.state_base_rate(region, _day(on, self.timezones[0]))

    def tax_name(
        self,
        locale: str | None = None,
        kind: str = "standard",
        region: str | None = None,
        on: date | None = None,
    ) -> str:
        """What the tax is called in ``locale``, from the market's data (``tax.names``):
        ``'Sales tax'`` (en-US), ``'GST + QST'`` (en-CA, region CA-QC), ``'TPS + TVQ'``
        (fr-CA), ``'消費税'``. The national tax and, for the standard kind, each regional
        component in force on ``on``. Missing name: :class:`UnknownTaxError`."""
        tag = self.default_locale if locale is None else self.resolve_locale(locale)
        return self._tax.name(tag, kind, region, _day(on, self.timezones[0]))

    def tax_message_arguments(
        self,
        locale: str | None = None,
        *,
        kind: str = "standard",
        region: str | None = None,
        on: date | None = None,
        percent: Amount | None = None,
    ) -> dict[str, object]:
        """The arguments of a message that names the tax (``checkout.tax_line``): ``tax``, its
        name in ``locale`` (:meth:`tax_name`), and ``tax_rate``, the rate formatted for
        ``locale`` with every digit it has (``'14.975%'``, ``'14,975\u00a0%'``). So a service
        writes ``market.message("checkout.tax_line", locale=tag,
        **market.tax_message_arguments(tag, region=...))`` and no catalogue can name another
        country's tax or state a rate the data does not hold.

        The rate is :meth:`tax_rate` of ``kind`` in ``region`` on ``on``. A sales-tax market
        has no rate in the bundle (it depends on the delivery address): pass the order's
        ``percent`` from the rate provider, else :class:`RateProviderRequiredError`; elsewhere
        ``percent`` is refused (ValueError), the rate comes from the bundle.
        """
        tag = self.default_locale if locale is None else self.resolve_locale(locale)
        day = _day(on, self.timezones[0])
        name = self._tax.name(tag, kind, region, day)
        if self._tax.system == SALES_TAX:
            if percent is None:
                raise RateProviderRequiredError(
                    self.code,
                    "charges sales tax: pass percent= (the order's rate from the sales-tax "
                    "rate provider) to tax_message_arguments()",
                )
            exact_amount(percent, "percent")  # refuses a float, NaN or an oversized value
            rate = Decimal(percent)
        elif percent is not None:
            raise ValueError(
                f"market '{self.code}' has its rates in the bundle: call "
                "tax_message_arguments() without percent="
            )
        else:
            rate = self._tax.rate(kind, region, day)
        return {"tax": name, "tax_rate": format_rate(rate, self.data["cldr"][tag])}

    def gross_price(
        self,
        net: Amount,
        kind: str = "standard",
        region: str | None = None,
        on: date | None = None,
    ) -> Decimal:
        """``net * (1 + rate / 100)`` computed exactly, then rounded to the currency's digits
        with the market's ``price_rounding``."""
        exact = exact_amount(net, "net")
        percent = exact_amount(self.tax_rate(kind, region, on), "rate")
        return round_fraction(
            exact * (100 + percent) / 100, self.currency_digits, self.price_rounding
        )

    def net_price(
        self,
        gross: Amount,
        kind: str = "standard",
        region: str | None = None,
        on: date | None = None,
    ) -> Decimal:
        """``gross / (1 + rate / 100)`` computed exactly, then rounded to the nearest amount in
        the currency's digits (ties by the market's ``price_rounding``).

        Rounding to the nearest makes net → gross → net give back every net amount: the
        gross of a net ``n`` is ``n * (1 + r)`` off by at most half a unit, so dividing it by
        ``1 + r`` lands strictly within half a unit of ``n``. The other way round is exact only
        for a gross some net leads to: with 10 % no net gives ￥5 (￥4 → ￥4, ￥5 → ￥6), so
        ``net_price(5)`` is ￥5, whose gross is ￥6.
        """
        exact = exact_amount(gross, "gross")
        percent = exact_amount(self.tax_rate(kind, region, on), "rate")
        return round_fraction(
            exact * 100 / (100 + percent), self.currency_digits, self.price_rounding
        )

    # -- messages ------------------------------------------------------------------------

    # --- consumer law ---------------------------------------------------------------------

    def _terms(self) -> LegalTerms:
        terms = self._legal
        if terms is None:
            try:
                terms = LegalTerms(self.code, self.data["warranty"])
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise self._malformed("warranty", error) from None
            self._legal = terms
        return terms

    def legal_guarantee(self, on: date | None = None, region: str | None = None) -> LegalGuarantee:
        """What the law gives a customer who bought on day ``on`` (today in the market's first
        time zone when None), in ``region`` (an ISO 3166-2 code) where the law differs by
        region: the form (``fixed``, ``reasonable``, ``limitation``, ``notice`` or ``none``), its
        months or years, what it counts from, the legal source and whether it was verified.

        A limitation may carry an ultimate period (``ultimate``, Ontario's 15 years), and the
        answer says by how many months the law extends the guarantee after a repair on that day
        (``extension_after_repair_months``, 0 where it does not).

        A market whose law differs by region needs ``region`` (:class:`RegionRequiredError`);
        a day the bundle has no terms for: :class:`NoLegalTermError` (:class:`LegalTermEndsError`
        after an end the law sets, ``ends_by_law``).
        """
        return self._terms().legal_guarantee(_day(on, self.timezones[0]), region)

    def withdrawal(self, on: date | None = None) -> Withdrawal:
        """The right to cancel a distance sale made on day ``on``: ``statutory``, a ``default``
        right the seller may exclude by stating its own policy (Japan), or ``none``."""
        return self._terms().withdrawal(_day(on, self.timezones[0]))

    def short_term_reject(self, on: date | None = None) -> ShortTermReject | None:
        """A short right to reject beside the guarantee (the UK's 30 days), or None."""
        return self._terms().short_term_reject(_day(on, self.timezones[0]))

    def legal_message_arguments(
        self, key: str, on: date | None = None, region: str | None = None
    ) -> dict[str, object]:
        """The arguments of the legal message ``key`` on day ``on``, from the law's terms:
        ``warranty.legal_guarantee`` gets ``form``, ``months`` and ``years``;
        ``returns.withdrawal`` gets ``right`` and ``days``. So a service writes
        ``market.message(key, locale=..., **market.legal_message_arguments(key))`` and no
        locale can state a period the law does not give."""
        if key == "warranty.legal_guarantee":
            return self.legal_guarantee(on, region).message_arguments()
        if key == "returns.withdrawal":
            return self.withdrawal(on).message_arguments()
        raise ValueError(
            f"{key!r} is not a legal message: use warranty.legal_guarantee or returns.withdrawal"
        )

    @property
    def message_keys(self) -> frozenset[str]:
        """Every message key of the market (the same in each locale)."""
        return frozenset(self._texts[self.default_locale])

    def _message_locale(self, tag: str) -> MessageLocale:
        found = self._message_locales.get(tag)
        if found is None:
            data = self.data["cldr"][tag]
            currency = self._price_formatter(tag)
            # Built by hand rather than with MessageLocale.from_data so that currency
            # arguments round like format_price.
            try:
                found = MessageLocale(
                    tag=tag,
                    decimal=decimal_formatter(data),
                    integer=integer_formatter(data),
                    percent=percent_formatter(data),
                    currency=currency,
                    cardinal=cardinal_rules(data),
                    ordinal=ordinal_rules(data),
                )
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise self._malformed(f"cldr.{tag}", error) from None
            self._message_locales[tag] = found
        return found

    def _compile(self, tag: str, key: str) -> CompiledMessage:
        texts = self._texts[tag]
        source = texts.get(key)
        if source is None:
            if not isinstance(key, str):
                raise TypeError(f"message key must be a str, not {type(key).__name__}")
            raise UnknownMessageError(self.code, key, tag, texts)
        try:
            compiled = compile_message(source, self._message_locale(tag), key=key)
        except MessageSyntaxError as error:
            raise BundleError(self._file, f"message '{key}' ({tag}): {error.reason}") from None
        self._compiled[tag][key] = compiled
        return compiled

    def message(self, key: str, /, locale: str | None = None, **args: object) -> str:
        """The message ``key`` in ``locale`` (the default locale when None), formatted with
        ``args`` as ICU MessageFormat with the locale's CLDR plural rules and number formats.

        Numbers are int, Decimal or float; ``{x, number, percent}`` takes a fraction (0.25 for
        25 %); ``{x, number, currency}`` an amount in the market's currency. Unknown key:
        :class:`UnknownMessageError`; unknown locale: :class:`UnknownLocaleError`; a missing
        argument: :class:`marketctl.runtime.icu.MissingArgumentError`.
        """
        tag = self.default_locale if locale is None else self.resolve_locale(locale)
        compiled = self._compiled[tag].get(key)
        if compiled is None:
            compiled = self._compile(tag, key)
        return compiled.format(args)

    def format_message(
        self, key: str, args: Mapping[str, object], locale: str | None = None
    ) -> str:
        """:meth:`message` with the arguments as a mapping (for an argument named
        ``locale``, or arguments already in a dict)."""
        tag = self.default_locale if locale is None else self.resolve_locale(locale)
        compiled = self._compiled[tag].get(key)
        if compiled is None:
            compiled = self._compile(tag, key)
        return compiled.format(args)

    def message_arguments(self, key: str, locale: str | None = None) -> frozenset[str]:
        """The argument names message ``key`` refers to in ``locale``, at any depth: what a
        caller may pass (a service refuses the rest instead of ignoring them)."""
        tag = self.default_locale if locale is None else self.resolve_locale(locale)
        compiled = self._compiled[tag].get(key)
        if compiled is None:
            compiled = self._compile(tag, key)
        return compiled.arguments

    def precompile(self) -> None:
        """Build now what is otherwise built on first use (``load(..., precompile=True)``):
        the tax table, every feature schedule, each locale's formatters and every message.
        A broken part is then a BundleError at start-up rather than on first use."""
        self._tax  # noqa: B018 - builds and checks the table
        for name in self._raw_features:
            self._schedule(name)
        self._matcher()
        for tag in self.locales:
            self._message_locale(tag)
            for key in self._texts[tag]:
                if key not in self._compiled[tag]:
                    self._compile(tag, key)

    # -- features ------------------------------------------------------------------------

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(sorted(self._raw_features))

    def _schedule(self, name: str) -> Schedule:
        schedule = self._schedules.get(name)
        if schedule is None:
            definition = self._raw_features.get(name) if isinstance(name, str) else None
            if definition is None:
                raise UnknownFeatureError(self.code, str(name), self._raw_features)
            try:
                schedule = compile_schedule(name, definition)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise self._malformed(f"features.{name}", error) from None
            self._schedules[name] = schedule
        return schedule

    def feature_enabled(self, name: str, unit_id: str, at: datetime | None = None) -> bool:
        """Whether ``name`` is on for ``unit_id`` (a user, session or device id) at ``at``
        (an aware datetime; now when None).

        The step in force is the last one whose instant is at or before ``at``; before the
        first step the feature is off. Within a step, flagd's fractional bucketing decides
        (MurmurHash3 of feature key + unit id, :mod:`marketctl.runtime.rollout`). A naive
        datetime is refused (ValueError), as is a non-ASCII unit id.
        """
        schedule = self._schedules.get(name) or self._schedule(name)
        index = bisect_right(schedule.instants, _instant(at)) - 1
        if type(unit_id) is not str:
            raise TypeError(f"unit_id must be a str, not {type(unit_id).__name__}")
        if index < 0:
            if not unit_id.isascii():
                bucket_hash(name, unit_id)  # raises the same ValueError as a decision would
            return False
        return hash_in_rollout(
            schedule.hash(name, unit_id), schedule.ons[index], schedule.totals[index]
        )

    def feature_bucketing(self, name: str) -> str:
        """The bucketing scheme of ``name``: ``flagd-fractional-v2`` or ``flagd-fractional-v3``."""
        return self._schedule(name).scheme

    def feature_percent(self, name: str, at: datetime | None = None) -> Decimal:
        """The share of units (percent) that ``name`` is on for at ``at`` (now when None)."""
        schedule = self._schedule(name)
        index = bisect_right(schedule.instants, _instant(at)) - 1
        return Decimal(0) if index < 0 else schedule.percents[index]


def _instant(at: datetime | None) -> float:
    if at is None:
        return time.time()
    if not isinstance(at, datetime):
        raise TypeError(f"at must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"at must be an aware datetime (got naive {at.isoformat()}): pass "
            "datetime.now(UTC) or attach a time zone, a naive time is ambiguous"
        )
    return at.timestamp()
