"""The rule catalogue.

Every rule is a module in this package named ``mktNNN_<name>.py``. Its docstring is the user
documentation (``marketctl rules MKTNNN`` prints it, ``docs/rules.md`` is generated from it) and it
defines ``CODE``, ``NAME`` and ``SEVERITY``. A rule that checks a resolved market defines
``check_market(market)``; one that checks the repository as a whole defines
``check_repository(repository)``. Loading (MKT0xx) and schema (MKT1xx) rules have no check function:
the loader and the schema pass emit their findings, the module documents them.

A rule that compares a value with reference data (money and law) defines ``OVERRIDABLE = True``:
its finding on a value with a reviewed override beside it is a warning that names the override
(:mod:`marketctl.checks.overrides`).

Codes are stable: a retired rule keeps its module with ``RETIRED = True`` so its code is never
reused.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from marketctl.core.diagnostics import Finding, Location, Severity

if TYPE_CHECKING:
    from marketctl.repository.markets import Market, Repository

_MODULE_NAME = re.compile(r"^mkt(\d{3})_[a-z0-9_]+$")

FAMILIES = {
    "MKT0": "loading and YAML",
    "MKT1": "schema",
    "MKT2": "market identity",
    "MKT3": "tax",
    "MKT4": "warranty and consumer law",
    "MKT5": "messages",
    "MKT6": "rollout",
}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    doc: str
    check_market: Callable[[Market], Iterable[Finding]] | None = None
    check_repository: Callable[[Repository], Iterable[Finding]] | None = None
    retired: bool = False
    #: A reviewed override beside the value turns its finding into a warning.
    overridable: bool = False

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:4], "other")

    def finding(
        self, location: Location, message: str, hint: str = "", market: str | None = None
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=self.severity,
            file=location.file,
            line=location.line,
            column=location.column,
            message=message,
            hint=hint,
            market=market,
        )


def _rule_from_module(module: ModuleType) -> Rule:
    attributes: dict[str, Any] = vars(module)
    code = attributes["CODE"]
    expected = "MKT" + module.__name__.rsplit(".", 1)[1][3:6]
    if code != expected:
        raise RuntimeError(f"{module.__name__} defines CODE {code}, its file name says {expected}")
    return Rule(
        code=code,
        name=attributes["NAME"],
        severity=attributes["SEVERITY"],
        doc=module.__doc__ or "",
        check_market=attributes.get("check_market"),
        check_repository=attributes.get("check_repository"),
        retired=bool(attributes.get("RETIRED", False)),
        overridable=bool(attributes.get("OVERRIDABLE", False)),
    )


@cache
def catalogue() -> dict[str, Rule]:
    """Every rule by code, in code order."""
    rules: dict[str, Rule] = {}
    for info in pkgutil.iter_modules(__path__):
        if not _MODULE_NAME.match(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = _rule_from_module(module)
        if rule.code in rules:
            raise RuntimeError(f"two rule modules define {rule.code}")
        rules[rule.code] = rule
    return dict(sorted(rules.items()))


def rule(code: str) -> Rule:
    return catalogue()[code]
