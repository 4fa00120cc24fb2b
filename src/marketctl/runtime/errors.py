"""The exceptions of :mod:`marketctl.runtime`, all under :class:`MarketctlRuntimeError`.

Two families: :class:`BundleError` when a bundle set cannot be loaded (its message starts with
the file at fault), and lookups of something the loaded set does not have (a market, locale,
message key, feature, tax kind or region, or a rate on a day). Wrong *argument values* (a naive
datetime, a float amount, a non-ASCII unit id) are plain :class:`ValueError` /
:class:`TypeError`, and a message formatted without one of its arguments raises
:class:`marketctl.runtime.icu.MissingArgumentError`; a service maps those to "bad request".

The unknown-thing errors are :class:`LookupError` subclasses, and :class:`UnknownMarketError`
a :class:`KeyError`, so that ``markets.get("xx")`` and ``"xx" in markets`` behave as for any
mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = [
    "BundleError",
    "DataEndsError",
    "LegalTermEndsError",
    "MarketctlRuntimeError",
    "NoLegalTermError",
    "NoRateInForceError",
    "RateEndsError",
    "RateProviderRequiredError",
    "RegionRequiredError",
    "UnknownFeatureError",
    "UnknownLocaleError",
    "UnknownMarketError",
    "UnknownMessageError",
    "UnknownTaxError",
]


class MarketctlRuntimeError(Exception):
    """Base class of every error the runtime raises on purpose."""

    def __str__(self) -> str:
        # KeyError (a base of UnknownMarketError) would show the message as a quoted repr.
        return str(self.args[0]) if self.args else ""


class BundleError(MarketctlRuntimeError):
    """A bundle set failed to load or verify: missing, truncated, tampered, unknown version.

    ``str(error)`` is ``"<file>: <problem>"``; ``file`` and ``problem`` hold the two parts.
    """

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


def _suggestion(name: str, known: Iterable[str]) -> str:
    import difflib  # only on the error path

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _listing(known: Iterable[str]) -> str:
    names = sorted(known)
    return ", ".join(names) if names else "none"


class UnknownMarketError(MarketctlRuntimeError, KeyError):
    """``markets[code]`` for a market the loaded set does not have."""

    def __init__(self, code: str, known: Iterable[str]) -> None:
        known = list(known)
        # Codes are two letters: every code is "close" to every other, so only a different
        # case is worth suggesting.
        hint = f"; did you mean '{code.lower()}'?" if code.lower() in known else ""
        super().__init__(
            f"no market '{code}' in the loaded bundles (markets: {_listing(known)}){hint}"
        )
        self.code = code


class UnknownLocaleError(MarketctlRuntimeError, LookupError):
    """A locale the market does not have, or a language tag that matches several of its
    locales."""

    def __init__(self, market: str, locale: str, reason: str) -> None:
        super().__init__(f"market '{market}' {reason}")
        self.market = market
        self.locale = locale


class UnknownMessageError(MarketctlRuntimeError, LookupError):
    """A message key that is not in the market's catalogue."""

    def __init__(self, market: str, key: str, locale: str, known: Iterable[str]) -> None:
        super().__init__(
            f"market '{market}' has no message '{key}' (locale {locale}){_suggestion(key, known)}"
        )
        self.market = market
        self.key = key
        self.locale = locale


class UnknownFeatureError(MarketctlRuntimeError, LookupError):
    """A feature that is not in the market's bundle (not in the feature catalogue)."""

    def __init__(self, market: str, feature: str, known: Iterable[str]) -> None:
        known = list(known)
        super().__init__(
            f"market '{market}' has no feature '{feature}' (features: {_listing(known)})"
            f"{_suggestion(feature, known)}"
        )
        self.market = market
        self.feature = feature


class UnknownTaxError(MarketctlRuntimeError, LookupError):
    """A tax kind or region the market does not have."""

    def __init__(self, market: str, message: str) -> None:
        super().__init__(f"market '{market}' {message}")
        self.market = market


class RegionRequiredError(UnknownTaxError):
    """A tax (or legal-guarantee) question without a region, in a market whose answer depends
    on the region (Canada's provincial taxes, Scotland's prescription period)."""


class NoRateInForceError(MarketctlRuntimeError, LookupError):
    """The bundle records no rate for that kind (and region) on that day."""

    def __init__(self, market: str, message: str) -> None:
        super().__init__(f"market '{market}' {message}")
        self.market = market


class NoLegalTermError(MarketctlRuntimeError, LookupError):
    """The bundle records no legal guarantee or withdrawal terms in force on that day."""

    def __init__(self, market: str, message: str) -> None:
        super().__init__(f"market '{market}' {message}")
        self.market = market


class DataEndsError(MarketctlRuntimeError, LookupError):
    """The day asked about is after the last day the bundle covers, and the data says the law
    ends the value on that last day (``ends_by_law``): what applies after is not in the bundle,
    so there is no answer rather than a guess that the value goes on. ``ends`` is the last day
    covered. Raised as :class:`RateEndsError` or :class:`LegalTermEndsError`, so code that
    handles a missing rate or term handles this too."""

    ends: date


class RateEndsError(NoRateInForceError, DataEndsError):
    """A tax rate whose law ends it on ``ends``, asked for a later day."""

    def __init__(self, market: str, message: str, ends: date) -> None:
        super().__init__(market, message)
        self.ends = ends


class LegalTermEndsError(NoLegalTermError, DataEndsError):
    """A legal term whose law ends it on ``ends``, asked for a later day."""

    def __init__(self, market: str, message: str, ends: date) -> None:
        super().__init__(market, message)
        self.ends = ends


class RateProviderRequiredError(MarketctlRuntimeError, LookupError):
    """The market's tax is a sales tax: no rate in the bundle is the rate an order pays.

    A US order's rate is the state's base rate plus the rates of the city, county and districts
    of the delivery address, on what that state taxes; the bundle has only the state base rates.
    Ask an external rate provider (a sales-tax engine fed with the delivery address and the
    item) for the rate; ``Market.state_base_rate`` gives the state's part, marked incomplete.
    """

    def __init__(self, market: str, message: str) -> None:
        super().__init__(f"market '{market}' {message}")
        self.market = market
