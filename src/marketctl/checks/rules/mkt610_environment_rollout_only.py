"""An environment file changes something other than rollout, or names an unknown market.

`markets/_environments/<name>.yaml` (staging, production) is the last layer of every market
built with `--env <name>`. It may change when features reach how many units, and nothing else:
a market's currency, prices, tax and consumer-law terms are the same in every environment, so
that what staging tests is what production sells. The file holds `description`,
`require_clean_tree`, `features` (every market) and `markets.<cc>.features` (one market); any
other key is refused here, with a plain word when it is money or law. A market part for a
market that has no folder is refused too: it would silently apply to nothing.

Failing example::

    # markets/_environments/staging.yaml
    features:
      buyback: [{at: 2026-11-24T09:00, percent: 100}]
    markets:
      se:
        tax:                          # money: the same in every environment
          rates: {standard: [{percent: 0, from: 2026-01-01}]}

Passing example::

    features:
      buyback: [{at: 2026-11-24T09:00, percent: 100}]
    markets:
      se:
        features:
          installments: [{at: 2026-11-24T09:00, percent: 100}]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache

from marketctl.checks.rules import rule
from marketctl.checks.schemas import load_schema
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.documents import Document, Path
from marketctl.repository.environments import ENVIRONMENT_KEYS, MARKET_PART_KEYS
from marketctl.repository.markets import Repository

CODE = "MKT610"
NAME = "environment-rollout-only"
SEVERITY = Severity.ERROR


@cache
def _legal_keys() -> dict[str, str]:
    """Keys of the market, tax and warranty files (from their schemas, not a typed list), and
    the file kinds themselves, each with the file it belongs to."""
    keys = {kind: f"{kind}.yaml" for kind in ("market", "tax", "warranty")}
    for kind in ("market", "tax", "warranty"):
        for key in load_schema(kind).get("properties", {}):
            keys.setdefault(key, f"{kind}.yaml")
    return keys


def _refuse(document: Document, path: Path, allowed: tuple[str, ...], env: str) -> Finding:
    key = str(path[-1])
    where = document.key_location(path)
    home = _legal_keys().get(key)
    if home is not None:
        return rule(CODE).finding(
            where,
            f"environment '{env}' sets '{key}': an environment changes rollout only; "
            "currency, prices, tax and consumer law are the same in every environment",
            f"change '{key}' in the market's own {home} (it then applies everywhere), "
            "or remove it here",
        )
    guess = difflib.get_close_matches(key, list(allowed), n=1)
    return rule(CODE).finding(
        where,
        f"environment '{env}' has an unknown key '{key}'",
        f"did you mean '{guess[0]}'?"
        if guess
        else f"an environment file holds only: {', '.join(allowed)}",
    )


def check_repository(repository: Repository) -> Iterator[Finding]:
    for env, document in repository.environments.items():
        data = document.data
        if not isinstance(data, dict):
            continue
        for key in data:
            if key not in ENVIRONMENT_KEYS:
                yield _refuse(document, (key,), ENVIRONMENT_KEYS, env)
        markets = data.get("markets")
        if not isinstance(markets, dict):
            continue
        for code, part in markets.items():
            if code not in repository.markets:
                guess = difflib.get_close_matches(str(code), list(repository.markets), n=1)
                yield rule(CODE).finding(
                    document.key_location(("markets", code)),
                    f"environment '{env}' has a part for market '{code}', which has no folder "
                    "in markets/",
                    f"did you mean '{guess[0]}'?" if guess else "remove it, or add the market",
                )
                continue
            if isinstance(part, dict):
                for key in part:
                    if key not in MARKET_PART_KEYS:
                        yield _refuse(document, ("markets", code, key), MARKET_PART_KEYS, env)
