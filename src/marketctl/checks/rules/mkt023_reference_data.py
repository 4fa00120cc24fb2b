"""A repository's reference file that marketctl cannot read as reference data.

``markets/_reference/tax_law.yaml`` and ``markets/_reference/consumer_law.yaml`` add to, or
refine, the tax and consumer-law reference data that ships with marketctl (a country not yet
researched, a law newer than the installed package), in the same shape and with the same sources
and verification status (docs/file-formats.md, "Reference data"). Their schemas check the shape;
this reports what a schema cannot see: a key that is not a country code, a floor's name that
does not end in ``_months``, ``_days`` or ``_years``, intervals out of order or overlapping, a
standard rate with a gap. A file with such a problem adds nothing: the rules compare the markets
with the packaged data alone until it is corrected.

Failing example::

    # markets/_reference/consumer_law.yaml
    floors:
      PL:
        second_hand_min_months:
          - {value: 12, from: 2023-01-01, source: {...}}
          - {value: 12, from: 2022-01-01, source: {...}}   # out of order

Passing example::

    floors:
      PL:
        second_hand_min_months:
          value: 12
          from: 2023-01-01
          source:
            title: "Ustawa z dnia 23 kwietnia 1964 r. Kodeks cywilny"
            ref: "art. 558 § 1"
            url: "https://isap.sejm.gov.pl/isap.nsf/DocDetails.xsp?id=WDU19640160093"
            verified: false
            missing: "art. 558 § 1 not read in the consolidated text"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.schemas import check_document
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT023"
NAME = "reference-data"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    # A file that does not fit its schema is reported there (MKT1xx), once.
    fitting = {
        document.path
        for kind, document in repository.references.items()
        if not check_document(document, kind)
    }
    for problem in repository.reference.findings:
        if problem.file in fitting:
            yield problem
