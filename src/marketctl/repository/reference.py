"""A repository's own reference data: ``markets/_reference/tax_law.yaml`` and ``consumer_law.yaml``.

marketctl ships reviewed tax and consumer-law reference data (:mod:`marketctl.reference.
consumer_law`); it is the floor. A repository adds to it or refines it in its own files, of the
same shape (``schemas/tax_law.schema.json``, ``schemas/consumer_law.schema.json``), reviewed in the
same pull request as the markets that need it: a country marketctl has not researched, a law newer
than the installed package. For each jurisdiction (and each name of a floor, kind of rate,
subdivision of a sales-tax country) the repository's history replaces the packaged one; what the
repository does not name stays as packaged. Each fact read here remembers its file and line, so a
rule that compares a market with it says where the reference came from.

The files are read here and handed to the reference module as plain data: the reference module
never reads the repository. A problem the schema cannot see (an unknown country, overlapping
intervals) is MKT023 at its file and line, and the file then adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from marketctl.core.diagnostics import Finding, finding
from marketctl.core.documents import Document
from marketctl.reference.consumer_law import (
    ConsumerLaw,
    ReferenceDataError,
    TaxLaw,
    consumer_law,
    consumer_law_of,
    path_of,
    tax_law,
    tax_law_of,
)

__all__ = ["KINDS", "REFERENCE", "Reference", "reference_of"]

#: The folder under markets/ of a repository's reference files.
REFERENCE = "_reference"
#: The files it may hold, by name (without .yaml), which is also their schema's.
KINDS = ("consumer_law", "tax_law")


@dataclass(frozen=True)
class Reference:
    """The packaged reference data extended by the repository's files, and what is wrong in
    those files."""

    consumer_law: ConsumerLaw
    tax_law: TaxLaw
    findings: tuple[Finding, ...] = ()


def reference_of(documents: Mapping[str, Document]) -> Reference:
    """The reference data for a repository whose ``markets/_reference/`` holds ``documents``
    (by kind)."""
    findings: list[Finding] = []
    consumer = _read(documents.get("consumer_law"), consumer_law_of, findings)
    tax = _read(documents.get("tax_law"), tax_law_of, findings)
    return Reference(
        consumer_law().extended(consumer) if consumer is not None else consumer_law(),
        tax_law().extended(tax) if tax is not None else tax_law(),
        tuple(findings),
    )


def _read(
    document: Document | None,
    parse: Callable[..., Any],
    findings: list[Finding],
) -> Any:
    if document is None or not isinstance(document.data, Mapping):
        return None
    try:
        return parse(document.data, partial(_origin, document), complete=False)
    except ReferenceDataError as error:
        findings.append(
            finding(
                "MKT023",
                (document.key_location if error.key else document.value_location)(error.path),
                f"{error.where}: {error.problem}",
                "correct the entry (docs/file-formats.md, reference data); until then the "
                "file adds nothing to marketctl's packaged reference data",
            )
        )
        return None


def _origin(document: Document, where: str) -> str:
    """``markets/_reference/consumer_law.yaml:14``: the line of the fact a source belongs to."""
    path = path_of(where)
    if path and path[-1] == "source":
        path = path[:-1]
    return f"{document.path}:{document.value_position(path).line}"
