"""Membership of the European Union, from the reviewed ``data/eu_membership.yaml``.

Which countries are members on a given day decides whether a market must name ``region: eu``
(MKT210) and which region ``marketctl new CC`` infers. No library has this list with dates, so it
lives in one reviewed data file with its source, not in the rules' code. A malformed file is a
bug in marketctl: loading raises RuntimeError naming the file and the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from marketctl.core.documents import load_document
from marketctl.reference import iso
from marketctl.reference.consumer_law import Source, source_problems, verification

__all__ = ["Membership", "Union", "eu_membership", "parse_membership"]

MEMBERSHIP_FILE = "eu_membership.yaml"


@dataclass(frozen=True)
class Membership:
    """One country's membership: from ``joined`` to ``left`` (inclusive; None while a member)."""

    country: str
    joined: date
    left: date | None = None
    transition_until: date | None = None
    transition_source: Source | None = None

    def member_on(self, day: date) -> bool:
        return self.joined <= day and (self.left is None or day <= self.left)


@dataclass(frozen=True)
class Union:
    """The membership list of one region (``eu``) and its source."""

    region: str
    source: Source
    countries: Mapping[str, Membership]

    def membership(self, country: str) -> Membership | None:
        return self.countries.get(country.upper())

    def is_member(self, country: str, day: date) -> bool:
        found = self.membership(country)
        return found is not None and found.member_on(day)

    def members(self, day: date) -> tuple[str, ...]:
        return tuple(sorted(c for c, m in self.countries.items() if m.member_on(day)))

    def describe(self, country: str, day: date) -> str:
        """``Germany is an EU member since 1958-01-01`` / ``the United Kingdom left the EU on
        2020-01-31 (transition until 2020-12-31)`` / ``Japan is not an EU member``."""
        name = iso.country(country)
        label = name.name if name is not None else country
        found = self.membership(country)
        union = self.region.upper()
        if found is None:
            return f"{label} is not an {union} member"
        if found.member_on(day):
            return f"{label} is an {union} member since {found.joined}"
        if found.left is not None and found.left < day:
            transition = (
                f" (transition until {found.transition_until})" if found.transition_until else ""
            )
            return f"{label} left the {union} on {found.left}{transition}"
        return f"{label} joins the {union} on {found.joined}"


@cache
def eu_membership() -> Union:
    """The packaged EU membership list, loaded once."""
    try:
        path = resources.files("marketctl.reference") / "data" / MEMBERSHIP_FILE
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RuntimeError(
            f"marketctl/reference/data/{MEMBERSHIP_FILE} cannot be read: {error}"
        ) from error
    return parse_membership(text)


class _Malformed(Exception):
    pass


def parse_membership(text: str) -> Union:
    """``{region, source, members: [{code, joined}], former_members: [{code, joined, left,
    transition_until?, transition_source?}]}``."""
    where = f"marketctl/reference/data/{MEMBERSHIP_FILE}"
    document, problems = load_document(where, text.encode("utf-8"))
    if document is None:
        reasons = "; ".join(f"{p.line}:{p.column}: {p.message}" for p in problems)
        raise RuntimeError(f"{where} is not valid YAML: {reasons}")
    data: Any = document.data
    try:
        if not isinstance(data, Mapping) or not isinstance(data.get("region"), str):
            raise _Malformed("region: the region's name (eu)")
        source = _source(data.get("source"), "source", url_required=True)
        countries: dict[str, Membership] = {}
        for section in ("members", "former_members"):
            entries = data.get(section)
            if not isinstance(entries, list):
                raise _Malformed(f"{section}: a list of countries")
            for index, entry in enumerate(entries):
                path = f"{section}[{index}]"
                membership = _membership(entry, path, former=section == "former_members")
                if membership.country in countries:
                    raise _Malformed(f"{path}.code: {membership.country} is listed twice")
                countries[membership.country] = membership
    except _Malformed as error:
        raise RuntimeError(
            f"{where} is malformed at {error}; the file ships with marketctl, so this is a bug "
            "in the package: fix the file (it is reviewed data, see its header)"
        ) from None
    return Union(data["region"], source, countries)


def _membership(entry: Any, path: str, former: bool) -> Membership:
    if not isinstance(entry, Mapping):
        raise _Malformed(f"{path}: expected a mapping")
    code = entry.get("code")
    if not isinstance(code, str) or len(code) != 2 or iso.country(code) is None:
        raise _Malformed(f"{path}.code: {code!r} is not an ISO 3166-1 alpha-2 code")
    joined = _date(entry.get("joined"), f"{path}.joined")
    left = _date(entry.get("left"), f"{path}.left") if former else None
    if not former and "left" in entry:
        raise _Malformed(f"{path}.left: a member that left belongs in former_members")
    if left is not None and left < joined:
        raise _Malformed(f"{path}.left: before joined ({joined})")
    transition = entry.get("transition_until")
    until = _date(transition, f"{path}.transition_until") if transition is not None else None
    if until is not None and left is not None and until < left:
        raise _Malformed(f"{path}.transition_until: before left ({left})")
    raw_source = entry.get("transition_source")
    transition_source = (
        _source(raw_source, f"{path}.transition_source", url_required=False)
        if raw_source is not None
        else None
    )
    return Membership(code.upper(), joined, left, until, transition_source)


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _fail(where, value)
    except ValueError:
        return _fail(where, value)


def _fail(where: str, value: Any) -> date:
    raise _Malformed(f"{where}: expected a date (YYYY-MM-DD), found {value!r}")


def _source(value: Any, where: str, url_required: bool) -> Source:
    """A source; its url may be left out only when it is marked unverified (not yet found)."""
    if not isinstance(value, Mapping):
        raise _Malformed(f"{where}: expected a mapping")
    status = verification(value)
    if status.problem:
        raise _Malformed(f"{where}.{status.key}: {status.problem}")
    for problem in source_problems(value):
        unverified = status.verified is False
        if problem.key == "url" and problem.missing and not url_required and unverified:
            continue
        raise _Malformed(f"{where}.{problem.key}: {problem.message}")
    return Source(
        str(value["title"]).strip(),
        str(value.get("url") or ""),
        str(value.get("ref") or ""),
        status.verified,
        status.missing,
    )
