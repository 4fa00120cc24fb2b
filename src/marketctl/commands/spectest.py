"""``marketctl test``: assertions on what services will see, kept in ``specs/*.yaml``.

A spec file names a market and lists checks, each one call of the runtime and the answer it
must give::

    market: se
    specs:
      - name: food VAT during the temporary cut
        tax_rate: {kind: food, on: 2026-04-01}
        expect: 6

The checks run against built bundles loaded through :func:`marketctl.runtime.load`, the same
path a service takes, so a spec that passes here holds for a service reading the same bundles.
Every failure names the spec's file and line. See docs/ci.md for the format.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from marketctl.core.diagnostics import Location
from marketctl.core.documents import Document, load_document
from marketctl.core.errors import MarketctlError, UnknownMarketError

SPECS = "specs"

# What a check may ask, and which of its fields are required / allowed.
_CHECKS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "tax_rate": (frozenset({"on"}), frozenset({"kind", "region", "on"})),
    "gross_price": (frozenset({"net", "on"}), frozenset({"net", "kind", "region", "on"})),
    "net_price": (frozenset({"gross", "on"}), frozenset({"gross", "kind", "region", "on"})),
    "format_price": (frozenset({"amount"}), frozenset({"amount", "locale"})),
    "message": (frozenset({"key"}), frozenset({"key", "locale", "args"})),
    "feature": (frozenset({"name", "at"}), frozenset({"name", "at", "unit"})),
    "state_base_rate": (frozenset({"region", "on"}), frozenset({"region", "on"})),
    "legal_guarantee": (frozenset({"on"}), frozenset({"on", "region"})),
    "withdrawal": (frozenset({"on"}), frozenset({"on"})),
}


@dataclass(frozen=True)
class SpecResult:
    """One check: where it is written, what it asked, and whether the runtime agreed."""

    location: Location
    market: str
    name: str
    passed: bool
    expected: Any = None
    actual: Any = None
    message: str = ""


@dataclass(frozen=True)
class SpecRun:
    results: tuple[SpecResult, ...]
    files: tuple[str, ...]
    bundles: str
    unspecified: tuple[str, ...] = ()  # markets in the bundles that no spec asks about

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if not result.passed)

    @property
    def passed(self) -> int:
        return len(self.results) - self.failed


@dataclass
class _Check:
    location: Location
    market: str
    name: str
    kind: str
    arguments: dict[str, Any]
    expected: Any
    problems: list[str] = field(default_factory=list)


def spec_files(root: Path) -> list[Path]:
    folder = root / SPECS
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in (".yaml", ".yml"))


def run_specs(
    root: Path,
    markets: Sequence[str] = (),
    bundles: Path | None = None,
    build: Callable[[Path], object] | None = None,
) -> SpecRun:
    """Run every check of ``specs/*.yaml`` (only those of ``markets`` when named).

    ``bundles`` is a directory written by ``marketctl build``; without it the markets are
    built (``build(directory)``, which validates first) into a temporary directory.
    """
    from marketctl import runtime

    files = spec_files(root)
    if not files:
        raise MarketctlError(
            f"no spec files in {root / SPECS}",
            "write specs/<market>.yaml (docs/ci.md shows the format), then run marketctl test",
        )
    checks: list[_Check] = []
    broken: list[SpecResult] = []
    for path in files:
        found, problems = _read(root, path)
        checks += found
        broken += problems
    wanted = {name.lower() for name in markets}
    if wanted:
        checks = [check for check in checks if check.market in wanted]
        broken = [result for result in broken if result.market in wanted or not result.market]

    def run_against(directory: Path) -> SpecRun:
        try:
            # The specs check what a set says, not where it may be deployed: a set built
            # here or named with --bundles is loaded for any environment, signed or not.
            loaded = runtime.load(directory, insecure=True)
        except runtime.BundleError as error:
            raise MarketctlError(
                f"cannot load the bundles in {directory}: {error}",
                "build them again with marketctl build",
            ) from None
        known = set(loaded)
        for name in sorted(wanted - known):
            raise UnknownMarketError(
                f"no market '{name}' in the bundles of {directory}",
                f"the bundles hold: {', '.join(sorted(known))}",
            )
        results = [*broken, *(_run(check, loaded) for check in checks)]
        results.sort(key=lambda r: (r.location.file, r.location.line, r.location.column))
        asked = {check.market for check in checks} | {r.market for r in broken}
        return SpecRun(
            tuple(results),
            tuple(path.relative_to(root).as_posix() for path in files),
            str(directory),
            tuple(sorted((wanted or known) - asked)),
        )

    if bundles is not None:
        return run_against(bundles)
    if build is None:
        raise MarketctlError("no bundles to test", "pass --bundles DIR written by marketctl build")
    with tempfile.TemporaryDirectory(prefix="marketctl-test-") as scratch:
        target = Path(scratch) / "dist"
        build(target)
        return run_against(target)


def _read(root: Path, path: Path) -> tuple[list[_Check], list[SpecResult]]:
    relative = path.relative_to(root).as_posix()
    document, findings = load_document(relative, path.read_bytes())
    if document is None:
        first = findings[0]
        return [], [SpecResult(first.location, "", relative, False, message=f"{first.message}")]
    data = document.data
    top = Location(relative)
    if not isinstance(data, dict):
        return [], [_broken(top, "", relative, "a spec file is a mapping: market, specs")]
    unknown = sorted(set(data) - {"market", "specs"})
    if unknown:
        where = document.key_location((unknown[0],))
        return [], [_broken(where, "", relative, f"unknown key '{unknown[0]}' (market, specs)")]
    default_market = data.get("market")
    items = data.get("specs")
    if not isinstance(items, list) or not items:
        where = document.value_location(("specs",))
        return [], [_broken(where, "", relative, "'specs' must be a non-empty list of checks")]
    checks: list[_Check] = []
    broken: list[SpecResult] = []
    for index, item in enumerate(items):
        check = _check(document, index, item, default_market)
        if check.problems:
            broken.append(_broken(check.location, check.market, check.name, check.problems[0]))
        else:
            checks.append(check)
    return checks, broken


def _broken(location: Location, market: str, name: str, message: str) -> SpecResult:
    return SpecResult(location, market, name, False, message=f"broken spec: {message}")


def _check(document: Document, index: int, item: Any, default_market: Any) -> _Check:
    path: tuple[str | int, ...] = ("specs", index)
    location = document.value_location(path)
    check = _Check(location, str(default_market or ""), f"check {index + 1}", "", {}, None)
    if not isinstance(item, dict):
        check.problems.append("a check is a mapping: name, one of the checks, expect")
        return check
    if item.get("name"):
        check.name = str(item["name"])
    market = item.get("market", default_market)
    check.market = str(market or "").lower()
    kinds = [key for key in item if key in _CHECKS]
    unknown = sorted(set(item) - set(_CHECKS) - {"name", "market", "expect"})
    if unknown:
        check.location = document.key_location((*path, unknown[0]))
        check.problems.append(
            f"unknown key '{unknown[0]}'; a check has a name, an optional market, one of "
            f"{', '.join(_CHECKS)}, and expect"
        )
        return check
    if len(kinds) != 1:
        check.problems.append(f"name exactly one of {', '.join(_CHECKS)} (found {len(kinds)})")
        return check
    if not check.market:
        check.problems.append("no market: give the file a 'market:' or the check one")
        return check
    if "expect" not in item:
        check.problems.append("no 'expect': what must the runtime answer?")
        return check
    kind = kinds[0]
    arguments = item[kind]
    required, allowed = _CHECKS[kind]
    if not isinstance(arguments, dict):
        check.problems.append(f"'{kind}' takes a mapping of {', '.join(sorted(allowed))}")
        return check
    extra = sorted(set(arguments) - allowed)
    missing = sorted(required - set(arguments))
    if extra or missing:
        check.location = document.value_location((*path, kind))
        what = f"unknown '{extra[0]}'" if extra else f"missing '{missing[0]}'"
        check.problems.append(f"{kind}: {what} (it takes {', '.join(sorted(allowed))})")
        return check
    check.kind = kind
    check.arguments = arguments
    check.expected = item["expect"]
    check.name = str(item.get("name") or _describe(kind, arguments, item["expect"]))
    return check


def _describe(kind: str, arguments: Mapping[str, Any], expected: Any) -> str:
    shown = ", ".join(f"{key}={value}" for key, value in arguments.items())
    return f"{kind}({shown}) = {_text(expected)}"


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "~"
    if isinstance(value, str):
        # Quoted, with the spaces CLDR formats use (no-break, narrow no-break) made visible.
        shown = value.replace("\u00a0", "\\u00a0").replace("\u202f", "\\u202f")
        return f'"{shown}"'
    return str(value)


def _run(check: _Check, markets: Mapping[str, Any]) -> SpecResult:
    from marketctl.runtime import MarketctlRuntimeError
    from marketctl.runtime.icu import MessageError

    market = markets.get(check.market)
    if market is None:
        return _fail(check, f"no market '{check.market}' in the bundles")
    try:
        actual = _ask(check, market)
    except (MarketctlRuntimeError, MessageError, ValueError, TypeError) as error:
        return _fail(check, f"the runtime refused: {error}")
    expected = check.expected
    if _same(expected, actual):
        return SpecResult(check.location, check.market, check.name, True, expected, actual)
    shown = actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        unknown = sorted(str(key) for key in expected if key not in actual)
        if unknown:
            fields = ", ".join(sorted(actual))
            return _fail(check, f"the answer has no '{unknown[0]}' (it has {fields})", actual)
        shown = {key: actual[key] for key in expected}  # the fields the spec names
    return _fail(check, f"expected {_text(expected)}, got {_text(shown)}", actual)


def _fail(check: _Check, message: str, actual: Any = None) -> SpecResult:
    return SpecResult(
        check.location, check.market, check.name, False, check.expected, actual, message
    )


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return set(expected) <= set(actual) and all(
            _same(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(actual, bool) or isinstance(expected, bool):
        return expected is actual
    if actual is None or expected is None:
        return expected is None and actual is None
    if isinstance(actual, Decimal | int):
        try:
            return Decimal(str(expected)) == actual
        except InvalidOperation:
            return False
    return isinstance(expected, str) and expected == actual


def _ask(check: _Check, market: Any) -> Any:
    arguments = check.arguments
    kind = check.kind
    if kind == "tax_rate":
        return market.tax_rate(
            str(arguments.get("kind", "standard")), arguments.get("region"), _day(arguments["on"])
        )
    if kind in ("gross_price", "net_price"):
        amount_key = "net" if kind == "gross_price" else "gross"
        method = market.gross_price if kind == "gross_price" else market.net_price
        return method(
            _amount(arguments[amount_key], amount_key),
            str(arguments.get("kind", "standard")),
            arguments.get("region"),
            _day(arguments["on"]),
        )
    if kind == "state_base_rate":
        return _fields(market.state_base_rate(str(arguments["region"]), _day(arguments["on"])))
    if kind == "legal_guarantee":
        found = market.legal_guarantee(_day(arguments["on"]), arguments.get("region"))
        return _fields(found)
    if kind == "withdrawal":
        return _fields(market.withdrawal(_day(arguments["on"])))
    if kind == "format_price":
        return market.format_price(_amount(arguments["amount"], "amount"), arguments.get("locale"))
    if kind == "message":
        args = arguments.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError("message: 'args' must be a mapping of argument names to values")
        values = {
            str(k): int(v) if isinstance(v, Decimal) and v == v.to_integral() else v
            for k, v in args.items()
        }
        return market.message(str(arguments["key"]), locale=arguments.get("locale"), **values)
    # feature: the share at that moment, and the unit's decision when a unit is named
    at = _moment(str(arguments["at"]), market.timezones[0])
    answer: dict[str, Any] = {"percent": market.feature_percent(str(arguments["name"]), at)}
    if "unit" in arguments:
        answer["enabled"] = market.feature_enabled(
            str(arguments["name"]), str(arguments["unit"]), at
        )
    return answer


def _fields(answer: Any) -> dict[str, Any]:
    """A runtime answer object (a legal guarantee, a state's base rate) as the mapping a spec
    compares its ``expect`` with: dates as YYYY-MM-DD, nested objects as mappings."""
    plain = _answer_value(answer)
    if not isinstance(plain, dict):
        raise TypeError(f"the runtime answered {answer!r}, not an object with fields")
    return plain


def _answer_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _answer_value(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, date):
        return value.isoformat()
    return value


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _amount(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} '{value}' is not a number") from None


def _moment(text: str, zone: str) -> datetime:
    """An ISO time; without an offset it is the market's local time (its first time zone),
    as rollout.yaml writes it."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a time (YYYY-MM-DDTHH:MM, local or with offset)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


# ------------------------------------------------------------------------------------------------
# Rendering


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_plain(child) for child in value]
    return value


def render_text(run: SpecRun, quiet: bool = False) -> str:
    lines = []
    if run.unspecified and not quiet:
        lines.append(f"no spec for: {', '.join(run.unspecified)} (write specs/<market>.yaml)")
    for result in run.results:
        if not result.passed:
            lines.append(f"{result.location}: FAIL {result.market} {result.name}")
            lines.append(f"    {result.message}")
    if not quiet:
        files = len(run.files)
        lines.append(
            f"{run.passed} passed, {run.failed} failed in {files} spec file"
            f"{'' if files == 1 else 's'} (bundles: {run.bundles})"
        )
    return "".join(f"{line}\n" for line in lines)


def render_json(run: SpecRun, quiet: bool = False) -> str:
    document = {
        "version": 1,
        "summary": {
            "passed": run.passed,
            "failed": run.failed,
            "files": list(run.files),
            "unspecified": list(run.unspecified),
        },
        "results": [
            {
                "file": result.location.file,
                "line": result.location.line,
                "column": result.location.column,
                "market": result.market,
                "name": result.name,
                "status": "passed" if result.passed else "failed",
                "expected": _plain(result.expected),
                "actual": _plain(result.actual),
                "message": result.message,
            }
            for result in run.results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[SpecRun, bool], str]] = {"text": render_text, "json": render_json}


def junit_xml(run: SpecRun) -> bytes:
    """JUnit XML (the dialect CI systems read): one testsuite per spec file."""
    suites = ElementTree.Element(
        "testsuites", name="marketctl test", tests=str(len(run.results)), failures=str(run.failed)
    )
    by_file: dict[str, list[SpecResult]] = {}
    for result in run.results:
        by_file.setdefault(result.location.file, []).append(result)
    for file, results in by_file.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=file,
            tests=str(len(results)),
            failures=str(sum(1 for r in results if not r.passed)),
            errors="0",
            skipped="0",
        )
        for result in results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=file.removesuffix(".yaml").replace("/", "."),
                name=f"{result.market} {result.name}",
                file=file,
                line=str(result.location.line),
            )
            if not result.passed:
                failure = ElementTree.SubElement(
                    case, "failure", message=result.message, type="SpecFailure"
                )
                failure.text = f"{result.location}: {result.message}"
    ElementTree.indent(suites)
    data: bytes = ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def selected(run: SpecRun, names: Iterable[str]) -> SpecRun:
    wanted = {name.lower() for name in names}
    if not wanted:
        return run
    return SpecRun(tuple(r for r in run.results if r.market in wanted), run.files, run.bundles)
