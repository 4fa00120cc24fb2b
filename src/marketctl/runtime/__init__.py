"""What backend services import: load verified bundles, then price, tax, message and feature
answers per market.

.. code-block:: python

    from marketctl import runtime

    # Safe by default: name the environment and the trusted keys (insecure=True loads a set
    # unchecked on purpose, as a test of bundles it just built does).
    markets = runtime.load("dist", env="production", trust=[Path("release.key.pub")])
    jp = markets["jp"]
    jp.format_price(Decimal("1299"))        # '￥1,299'
    markets["ca"].tax_rate("standard", region="CA-QC")   # Decimal('14.975')
    jp.message("cart.items", locale="ja", count=3)       # '3点'
    jp.feature_enabled("buyback", unit_id="user-42", at=datetime.now(UTC))
    jp.legal_guarantee()                    # LegalGuarantee(form='notice', months=12, ...)
    args = jp.legal_message_arguments("warranty.legal_guarantee")
    jp.message("warranty.legal_guarantee", locale="ja", **args)
    markets.reload()                        # swap in a new build; keeps the old set on failure

    # Kept current in the background: conditional polls with jitter, backoff, a deadline.
    # The URL of the envelope marketctl release publish wrote (or of a build directory).
    watched = runtime.watch("https://cdn.example.com/markets/production/release.json", interval=30,
                            env="production", trust=[Path("release.key.pub")],
                            state_dir="/var/lib/my-service/marketctl")
    watched.markets["jp"]; watched.state.release; watched.state.age()

    # A signed staging set from a CDN: refuses other environments and other keys.
    staging = runtime.load("https://cdn.example.com/markets/staging/", env="staging",
                           trust=[Path("release.key.pub")])

This package imports neither click, GitPython nor Jinja2, and Babel only for parsing plural
rules, on the first message of a locale.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marketctl.runtime._bundles import SUPPORTED_FORMATS
    from marketctl.runtime._legal import (
        LegalGuarantee,
        LegalSource,
        Limitation,
        RepairExtension,
        ShortTermReject,
        UltimatePeriod,
        Withdrawal,
    )
    from marketctl.runtime._market import Market
    from marketctl.runtime._markets import Markets, load
    from marketctl.runtime._poller import Watch, WatchState, watch
    from marketctl.runtime._tax import StateBaseRate
    from marketctl.runtime.errors import (
        BundleError,
        DataEndsError,
        LegalTermEndsError,
        MarketctlRuntimeError,
        NoLegalTermError,
        NoRateInForceError,
        RateEndsError,
        RateProviderRequiredError,
        RegionRequiredError,
        UnknownFeatureError,
        UnknownLocaleError,
        UnknownMarketError,
        UnknownMessageError,
        UnknownTaxError,
    )
    from marketctl.runtime.icu import ArgumentTypeError, MessageError, MissingArgumentError

# Imported on first use (PEP 562): the validator imports marketctl.runtime.plurals, and
# importing a submodule runs this file; the whole runtime need not load for that.
_HOME = {
    "SUPPORTED_FORMATS": "_bundles",
    "StateBaseRate": "_tax",
    "Market": "_market",
    "LegalGuarantee": "_legal",
    "LegalSource": "_legal",
    "Limitation": "_legal",
    "RepairExtension": "_legal",
    "ShortTermReject": "_legal",
    "UltimatePeriod": "_legal",
    "Withdrawal": "_legal",
    "Markets": "_markets",
    "load": "_markets",
    "Watch": "_poller",
    "WatchState": "_poller",
    "watch": "_poller",
    "BundleError": "errors",
    "DataEndsError": "errors",
    "LegalTermEndsError": "errors",
    "RateEndsError": "errors",
    "MarketctlRuntimeError": "errors",
    "NoLegalTermError": "errors",
    "NoRateInForceError": "errors",
    "RateProviderRequiredError": "errors",
    "RegionRequiredError": "errors",
    "UnknownFeatureError": "errors",
    "UnknownLocaleError": "errors",
    "UnknownMarketError": "errors",
    "UnknownMessageError": "errors",
    "UnknownTaxError": "errors",
    "ArgumentTypeError": "icu",
    "MessageError": "icu",
    "MissingArgumentError": "icu",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'marketctl.runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


__all__ = [
    "SUPPORTED_FORMATS",
    "ArgumentTypeError",
    "BundleError",
    "DataEndsError",
    "LegalGuarantee",
    "LegalSource",
    "LegalTermEndsError",
    "Limitation",
    "Market",
    "MarketctlRuntimeError",
    "Markets",
    "MessageError",
    "MissingArgumentError",
    "NoLegalTermError",
    "NoRateInForceError",
    "RateEndsError",
    "RateProviderRequiredError",
    "RegionRequiredError",
    "RepairExtension",
    "ShortTermReject",
    "StateBaseRate",
    "UltimatePeriod",
    "UnknownFeatureError",
    "UnknownLocaleError",
    "UnknownMarketError",
    "UnknownMessageError",
    "UnknownTaxError",
    "Watch",
    "WatchState",
    "Withdrawal",
    "load",
    "watch",
]
