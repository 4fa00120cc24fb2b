"""Environments: ``markets/_environments/<name>.yaml``, the last layer, rollout only.

An environment (staging, production) changes *when* features reach *how many* units, never what
a market is: currency, tax and consumer law are the same in every environment (MKT610 refuses
anything else in the file). The file has the shape of a rollout file plus per-market parts::

    # yaml-language-server: $schema=../../schemas/environment.schema.json
    description: Staging runs every feature at 100 % a week before production.
    require_clean_tree: false
    features:                     # every market; times in each market's rollout time zone
      buyback: [{at: 2026-11-24T09:00, percent: 100}]
    markets:
      jp:
        features:                 # this market only, after the part above
          buyback: [{at: 2026-11-20T09:00, percent: 100}]

For market ``jp`` built for ``staging`` the rollout layers are ``_defaults`` → region → ``jp`` →
the environment's ``features`` → its ``markets.jp.features``. Both parts are views of the one
document, so ``explain`` and every finding point at the environment file's own lines.
"""

from __future__ import annotations

import re
from typing import Any

from marketctl.core.documents import Document, Path

ENVIRONMENTS = "_environments"
#: What an environment file may hold; anything else is refused by MKT610.
ENVIRONMENT_KEYS = ("description", "require_clean_tree", "features", "markets")
#: What one market's part may hold.
MARKET_PART_KEYS = ("features",)
NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def part(document: Document, prefix: Path, keys: tuple[str, ...]) -> Document:
    """The mapping at ``prefix`` of ``document``, limited to ``keys``, as a document of its own
    whose positions are still the file's (so findings point at the environment file)."""
    data = document.get(prefix)
    kept: dict[str, Any] = (
        {key: value for key, value in data.items() if key in keys} if isinstance(data, dict) else {}
    )
    depth = len(prefix)

    def inside(path: Path) -> bool:
        return path[:depth] == prefix and (len(path) == depth or path[depth] in kept)

    return Document(
        path=document.path,
        data=kept,
        values={path[depth:]: at for path, at in document.values.items() if inside(path)},
        keys={path[depth:]: at for path, at in document.keys.items() if inside(path)},
        first_line=document.first_line,
        ignores=document.ignores,
        raw=document.raw,
    )


def requires_clean_tree(document: Document) -> bool:
    """Whether builds for this environment refuse uncommitted changes (production does)."""
    return document.get(("require_clean_tree",)) is True
