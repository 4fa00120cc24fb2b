"""Every legal fact a market depends on, with its source and verification status.

A legal fact is a value of tax.yaml or warranty.yaml that carries a ``source`` mapping (a rate
interval, a regional tax, ``prices_include_tax``, a guarantee period, a withdrawal right, ...) or
that is a source itself (an entry of ``consumer_law``). The walk is generic, so a new shape of
fact with a ``source`` is listed without changes here. The verification rules (MKT420 to
MKT422) and ``marketctl sources`` read the same list, so they can never disagree about what is
unverified.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marketctl.core.diagnostics import Location
from marketctl.core.documents import Document
from marketctl.core.intervals import Path
from marketctl.reference.consumer_law import Verification, verification
from marketctl.repository.markets import Market, Repository

__all__ = ["LegalFact", "ReferenceSource", "legal_facts", "reference_sources"]

KINDS = ("tax", "warranty")
# Keys of a fact that are about the fact, not its value.
_NOT_VALUE = frozenset(
    {"from", "until", "source", "note", "verified", "missing", "title", "ref", "url", "quote"}
    | {"unknown"}  # what was searched for a value the national text was not found for
)


@dataclass(frozen=True)
class LegalFact:
    """One fact of one market: where it is written, what it says, and where it comes from."""

    market: str
    kind: str  # tax | warranty
    path: Path  # inside the kind's resolved data: ("rates", "standard", 1)
    source_path: Path  # the mapping with title and url: (..., "source") or the fact itself
    value: str  # the fact's own keys, ``percent: 25``
    start: str | None  # from, as written
    end: str | None  # until, as written
    title: str
    ref: str
    url: str
    quote: str  # the sentence or table row read, verbatim: what ``verified`` vouches for
    status: Verification
    location: Location  # where the fact's source is written
    # The national text giving the value was not found: what was searched ("" when found).
    unknown: str = ""

    @property
    def key(self) -> str:
        """``tax.rates.standard[1]``: the fact as people name it."""
        text = self.kind
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    @property
    def verified(self) -> bool:
        return not isinstance(self.status.verified, bool) and self.status.verified is not None


def legal_facts(market: Market) -> list[LegalFact]:
    """The market's legal facts, in file order of tax.yaml then warranty.yaml."""
    facts: list[LegalFact] = []
    for kind in KINDS:
        for path, source_path, fact, source in _walk(market.resolved[kind].data, ()):
            facts.append(
                LegalFact(
                    market=market.code,
                    kind=kind,
                    path=path,
                    source_path=source_path,
                    value=_value(fact),
                    start=_text(fact.get("from")),
                    end=_text(fact.get("until")),
                    title=_text(source.get("title")) or "",
                    ref=_text(source.get("ref")) or "",
                    url=_text(source.get("url")) or "",
                    quote=_text(source.get("quote")) or "",
                    status=verification(source),
                    location=market.location(kind, source_path),
                    unknown=_text(fact.get("unknown")) or "",
                )
            )
    return facts


def _walk(
    node: Any, path: Path
) -> Iterator[tuple[Path, Path, Mapping[str, Any], Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        source = node.get("source")
        if isinstance(source, Mapping):
            yield path, (*path, "source"), node, source
        elif path and path[0] == "consumer_law" and "title" in node:
            yield path, path, node, node  # a reference is its own source
            return
        for key, value in node.items():
            if key != "source":
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _value(fact: Mapping[str, Any]) -> str:
    parts = [
        f"{key}: {_scalar(value)}"
        for key, value in fact.items()
        if key not in _NOT_VALUE and not isinstance(value, Mapping | list)
    ]
    return ", ".join(parts)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ReferenceSource:
    """A source in the repository's reference data (``markets/_reference/``)."""

    document: Document
    path: Path  # of the source mapping: ("floors", "PL", "second_hand_min_months", "source")
    source: Mapping[str, Any]

    @property
    def key(self) -> str:
        """``floors.PL.second_hand_min_months``: the fact the source belongs to."""
        text = ""
        for part in self.path[:-1]:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
        return text

    @property
    def quote(self) -> str:
        return _text(self.source.get("quote")) or ""


def reference_sources(repository: Repository) -> list[ReferenceSource]:
    """Every source of the repository's reference files, in file order."""
    found: list[ReferenceSource] = []
    for document in repository.references.values():
        for _, source_path, _, source in _walk(document.data, ()):
            found.append(ReferenceSource(document, source_path, source))
    return found
