"""Verification that can be checked (issue 21): a verified fact quotes what was read (MKT421),
its link is the text itself, not a portal's home page (MKT422), and ``marketctl sources`` shows
the quote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, findings, invoke, line_of
from marketctl.reference.consumer_law import is_site_root, parse_tax_law

SE = "markets/se/tax.yaml"
STATUS = (
    "        verified: false\n"
    '        missing: "not recorded as checked against the official text: read 9 kap. 2 § '
    "(normalskattesats) of Mervärdesskattelag (2023:200) at the url, then write the day read as "
    'verified"\n'
)
URL = (
    '        url: "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/'
    'svensk-forfattningssamling/mervardesskattelag-2023200_sfs-2023-200/"\n' + STATUS
)
QUOTE = "Skattesatsen är 25 procent av beskattningsunderlaget"
QUOTE_HINT = (
    "add quote: the sentence or table row read in the official text, verbatim and in its "
    'original language; or write verified: false with missing: "what a reviewer must still read"'
)


REF = '        ref: "9 kap. 2 § (normalskattesats)"\n'


@pytest.fixture
def repo(repo: Path) -> Path:
    """The reference markets, with Sweden's 25 % from 2023-07-01 as unverified with a link to
    the law on riksdagen.se (what the tests below change), whatever its status in the data."""
    path = repo / SE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index(REF)
    end = next(n for n in range(at + 1, len(lines)) if not lines[n].startswith("        "))
    lines[at + 1 : end] = [URL]
    path.write_text("".join(lines), encoding="utf-8")
    return repo


def said(items: list[dict[str, Any]], code: str) -> list[tuple[str, str, int, int, str, str]]:
    return [
        (f["severity"], f["file"], f["line"], f["column"], f["message"], f["hint"])
        for f in items
        if f["code"] == code
    ]


def test_a_verification_date_without_a_quote_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, STATUS, "        verified: 2026-11-20\n")
    line = line_of(repo / SE, "verified: 2026-11-20")

    reported = findings(capsys, repo, "se", "--select", "MKT421")

    assert said(reported, "MKT421") == [
        (
            "error",
            SE,
            line,
            19,
            "tax.rates.standard[1]: verified 2026-11-20 without quote: nobody can check what "
            "was read in Mervärdesskattelag (2023:200)",
            QUOTE_HINT,
        )
    ]
    assert invoke(capsys, repo, "validate", "se", "--select", "MKT421").code == 1


def test_a_quoted_verification_passes_and_sources_shows_the_quote(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = json.loads(invoke(capsys, repo, "sources", "se", "--format", "json").out)["facts"]
    quote = f'        quote: "{QUOTE}\n          ..."\n'
    edit(repo / SE, STATUS, "        verified: 2026-11-20\n" + quote)

    assert said(findings(capsys, repo, "se", "--select", "MKT421"), "MKT421") == []
    text = invoke(capsys, repo, "sources", "se").out
    assert (
        "    verified 2026-11-20\n"
        f"    quote: {QUOTE} ...\n"
        f"    at {SE}:{line_of(repo / SE, 'verified: 2026-11-20') - 3}\n"
    ) in text
    facts = json.loads(invoke(capsys, repo, "sources", "se", "--format", "json").out)["facts"]
    quoted = [f for f in facts if f["fact"] == "tax.rates.standard[1]"]
    assert [(f["verified"], f["quote"]) for f in quoted] == [("2026-11-20", f"{QUOTE} ...")]
    others = [(f["fact"], f["quote"]) for f in facts if f["fact"] != "tax.rates.standard[1]"]
    assert others == [
        (f["fact"], f["quote"]) for f in before if f["fact"] != "tax.rates.standard[1]"
    ]


def test_a_link_to_a_portals_home_page_is_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verified = f'        verified: 2026-11-20\n        quote: "{QUOTE}"\n'
    edit(repo / SE, URL, '        url: "https://www.riksdagen.se/"\n' + verified)
    line = line_of(repo / SE, 'url: "https://www.riksdagen.se/"')

    reported = findings(capsys, repo, "se", "--select", "MKT422")

    assert said(reported, "MKT422") == [
        (
            "warning",
            SE,
            line,
            14,
            "tax.rates.standard[1]: the link 'https://www.riksdagen.se/' is a site's home page, "
            "not the text of Mervärdesskattelag (2023:200)",
            "link the page of the text itself: the law's article, or the official page of the rate",
        )
    ]


def test_a_link_to_the_text_or_an_unverified_home_page_is_no_finding(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, URL, '        url: "https://www.riksdagen.se/"\n' + STATUS)

    # Unverified: the home page is part of what missing says is still to do.
    assert said(findings(capsys, repo, "se", "--select", "MKT422"), "MKT422") == []


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://www.riksdagen.se", True),
        ("https://www.riksdagen.se/", True),
        ("https://www.riksdagen.se/sv/", False),
        ("https://www.ris.bka.gv.at/?Abfrage=Bundesnormen", False),
        ("https://laws.e-gov.go.jp/#/law/363AC0000000108", False),
    ],
)
def test_what_a_site_root_is(url: str, root: bool) -> None:
    assert is_site_root(url) is root


def test_reference_sources_keep_their_quote() -> None:
    source = f"{{title: T, url: 'https://a.b/x', verified: 2026-11-20, quote: '{QUOTE}'}}"
    entry = f"{{value: 25, from: 2019-01-01, source: {source}}}"
    law = parse_tax_law(
        "tax_inclusive_prices: {}\nmargin_scheme: {}\nregional_tax_subdivisions: {}\n"
        f"standard_rates: {{SE: [{entry}]}}\n"
    )

    assert law.standard_rate("SE")[0].source.quote == QUOTE


def test_the_scaffold_copies_a_verified_facts_quote() -> None:
    from datetime import date

    from marketctl.commands.scaffold_facts import _source_fields
    from marketctl.reference.consumer_law import Source

    source = Source("T", "https://a.b/x", verified=date(2026, 11, 20), quote=QUOTE)

    assert [(field.key, field.value) for field in _source_fields(source)] == [
        ("title", '"T"'),
        ("url", '"https://a.b/x"'),
        ("verified", "2026-11-20"),
        ("quote", f'"{QUOTE}"'),
    ]


def test_the_scaffold_does_not_copy_a_verification_without_its_quote() -> None:
    from datetime import date

    from marketctl.commands.scaffold_facts import _source_fields
    from marketctl.reference.consumer_law import Source

    source = Source("T", "https://a.b/x", verified=date(2026, 11, 20))

    assert [(field.key, field.value) for field in _source_fields(source)] == [
        ("title", '"T"'),
        ("url", '"https://a.b/x"'),
        ("verified", "false"),
        (
            "missing",
            '"the reference data says it was verified on 2026-11-20 but quotes nothing: read '
            'the text at the url and write the sentence as quote"',
        ),
    ]
