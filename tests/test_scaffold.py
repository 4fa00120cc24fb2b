"""``marketctl new``: a scaffolded market holds what ISO, CLDR and the reviewed law data say, and
validate flags exactly the values left for the team (the lines marked TODO)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from babel.core import get_global

from clitools import findings, invoke, places
from marketctl.core.documents import load_document
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import Source, consumer_law, tax_law
from marketctl.reference.territories import territory_zones

TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


@pytest.fixture
def no_reference_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tax-law data without reference standard rates (they are being added to it): the
    standard rate is then left TODO, whatever the data holds by the time this runs."""
    law: Any = tax_law()
    if hasattr(law, "standard_rates"):
        law = dataclasses.replace(law, standard_rates={}, reduced_rates={})
    monkeypatch.setattr("marketctl.commands.scaffold.tax_law", lambda: law)


def tree(root: Path) -> list[str]:
    """Every path under markets/, hidden ones included (a staging folder left behind)."""
    return sorted(p.relative_to(root).as_posix() for p in (root / "markets").rglob("*"))


def data(root: Path, path: str) -> dict[str, Any]:
    document, problems = load_document(path, (root / path).read_bytes())
    assert document is not None and problems == []
    result: dict[str, Any] = document.data
    return result


def todo_places(root: Path, cc: str) -> list[tuple[str, str, int, int]]:
    """(MKT101, file, line, column of the null) of every line marked TODO in a market."""
    found = []
    for path in sorted((root / "markets" / cc).glob("*.yaml")):
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "  # TODO: " in line:
                assert ": null  # TODO: " in line, line
                found.append(("MKT101", relative, number, line.index("null") + 1))
    return found


def fill(path: Path, *values: str) -> None:
    """Write the values over the file's TODO lines, in order (one value per line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    todo = [n for n, line in enumerate(lines) if "  # TODO: " in line]
    assert len(todo) == len(values), f"{path} has {len(todo)} TODO lines"
    for number, value in zip(todo, values, strict=True):
        lines[number] = lines[number][: lines[number].index("null")] + value
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def catalogue_note(tag: str, chain: str, cc: str, language: str) -> str:
    # Every key of the source catalogue is missing (as in this repository's markets/).
    total = len(data(Path(__file__).resolve().parents[1], "markets/_defaults/messages/en.yaml"))
    return (
        f"note: {tag} needs a catalogue (0 of {total} messages translated along {chain}): add "
        f"markets/{cc}/messages/{tag}.yaml, or markets/_defaults/messages/{language}.yaml to "
        "share it with other markets\n"
    )


CONSUMER_DATA = "the reviewed consumer-law data (marketctl/reference/data/consumer_law.yaml)"
TAX_DATA = "the reviewed tax-law data (marketctl/reference/data/tax_law.yaml)"


# -------------------------------------------------------------------------------------------------
# An EU market: Greece


def test_new_gr_writes_what_iso_cldr_and_the_law_data_say(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    outcome = invoke(capsys, repo, "new", "gr", "--region", "eu")

    # Greece applied Directive 2019/771 from 2022-09-09: its own legal_guarantee; the EU
    # region's presumption and withdrawal apply.
    assert outcome.code == 0, outcome.err
    assert outcome.err == ""
    assert outcome.out == (
        "created markets/gr/\n"
        "  markets/gr/market.yaml\n"
        "  markets/gr/tax.yaml\n"
        "  markets/gr/warranty.yaml\n"
        "  markets/gr/rollout.yaml\n"
        f"note: tax.yaml: prices_include_tax from {TAX_DATA}: check it against the official text\n"
        f"note: warranty.yaml: legal_guarantee from {CONSUMER_DATA} (entry GR); burden_of_proof "
        "and withdrawal inherited from markets/_regions/eu/warranty.yaml\n"
        # No catalogue note: el-GR falls back to the shared markets/_defaults/messages/el.yaml.
        "4 values marked TODO\n"
        "next: fill the values marked TODO, then run `marketctl validate gr`\n"
    )
    assert sorted(os.listdir(repo / "markets/gr")) == [
        "market.yaml",
        "rollout.yaml",
        "tax.yaml",
        "warranty.yaml",
    ]
    guarantee = data(repo, "markets/gr/warranty.yaml")["legal_guarantee"]
    assert [
        (g["form"], g["months"], g["from"], g["second_hand_min_months"]) for g in guarantee
    ] == [("fixed", 24, "2022-09-09", 12)]
    for name in ("market", "tax", "rollout", "warranty"):
        first = (repo / f"markets/gr/{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schemas/{name}.schema.json"
    assert data(repo, "markets/gr/market.yaml") == {
        "country": "GR",
        "name": "Greece",
        "region": "eu",
        "status": "planned",
        "currency": "EUR",
        "locales": ["el-GR"],
        "timezones": ["Europe/Athens"],
    }
    assert data(repo, "markets/gr/tax.yaml") == {
        "system": "vat",
        "prices_include_tax": {
            "value": True,
            "from": "2000-03-18",
            "source": {
                "title": "Directive 98/6/EC on consumer protection in the indication of the "
                "prices of products offered to consumers",
                "ref": "art. 2(a), art. 3(1); transposition by 2000-03-18 (art. 11(1))",
                "url": "https://eur-lex.europa.eu/eli/dir/1998/6/oj",
                # The reviewed data's verification status travels with the fact (issue 7).
                "verified": False,
                "missing": tax_law().inclusive_prices("GR", "eu")[0].source.missing,
            },
        },
        "rates": {
            "standard": [{"percent": None, "from": None, "source": {"title": None, "url": None}}]
        },
    }
    assert data(repo, "markets/gr/rollout.yaml") == {"features": {}}


def test_validate_gr_reports_only_the_unfilled_values(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    assert invoke(capsys, repo, "new", "gr", "--region", "eu").code == 0

    found = findings(capsys, repo, "gr")

    assert places(found) == [
        ("MKT101", "markets/gr/tax.yaml", 23, 16),  # rates.standard[0].percent
        ("MKT101", "markets/gr/tax.yaml", 24, 13),  # rates.standard[0].from
        ("MKT101", "markets/gr/tax.yaml", 26, 16),  # rates.standard[0].source.title
        ("MKT101", "markets/gr/tax.yaml", 27, 14),  # rates.standard[0].source.url
    ]
    assert places(found) == todo_places(repo, "gr")
    assert found[0]["message"] == (
        "rates.standard[0].percent: expected a number, got null (nothing)"
    )


def test_filled_gr_validates(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    assert invoke(capsys, repo, "new", "gr", "--region", "eu").code == 0
    fill(
        repo / "markets/gr/tax.yaml",
        "24",
        "2016-06-01",
        '"Κώδικας ΦΠΑ (ν. 2859/2000), as amended by ν. 4389/2016"',
        '"https://www.aade.gr/"',
    )

    outcome = invoke(capsys, repo, "validate", "gr")
    found = findings(capsys, repo, "gr")

    # Rules now run on the derived values too (MKT2xx: currency, locale, zone): no errors, and
    # the shared Greek catalogue (markets/_defaults/messages/el.yaml) serves el-GR.
    assert outcome.code == 0, outcome.out
    assert [(f["code"], f["severity"], f["file"], f["line"]) for f in found] == []


def test_a_reference_standard_rate_is_prefilled(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the tax-law data has a country's standard rate (tax_law().standard_rates), the rate
    in force today and the ones after it are written with their sources, and nothing is TODO."""

    @dataclass(frozen=True)
    class Rate:
        value: Decimal
        interval: Interval
        source: Source

    law = "Κώδικας ΦΠΑ (ν. 2859/2000)"
    rates = {
        "GR": (
            Rate(
                Decimal(23),
                Interval(date(2011, 1, 1), date(2016, 5, 31)),
                Source(law, "https://www.aade.gr/", "άρθρο 21"),
            ),
            Rate(
                Decimal(24),
                Interval(date(2016, 6, 1)),
                Source(law, "https://www.aade.gr/", "άρθρο 21, ν. 4389/2016"),
            ),
        )
    }

    class LawWithRates:
        standard_rates = rates
        reduced_rates: ClassVar[dict[str, Any]] = {}

        def __getattr__(self, name: str) -> Any:
            return getattr(tax_law(), name)

    monkeypatch.setattr("marketctl.commands.scaffold.tax_law", LawWithRates)

    outcome = invoke(capsys, repo, "new", "gr", "--region", "eu")

    assert outcome.code == 0
    assert outcome.out.splitlines()[5] == (
        f"note: tax.yaml: prices_include_tax and rates.standard (24 % from 2016-06-01) from "
        f"{TAX_DATA}: check them against the official text"
    )
    assert outcome.out.splitlines()[-2:] == [
        "no value is marked TODO",
        "next: review the values and their sources, then run `marketctl validate gr`",
    ]

    assert data(repo, "markets/gr/tax.yaml")["rates"] == {
        "standard": [
            {
                "percent": Decimal(24),
                "from": "2016-06-01",
                "source": {
                    "title": law,
                    "ref": "άρθρο 21, ν. 4389/2016",
                    "url": "https://www.aade.gr/",
                },
            }
        ]
    }
    assert "the rate in force on 2026-11-26 and any after it, with the data's source" in (
        (repo / "markets/gr/tax.yaml").read_text(encoding="utf-8").replace("\n  # ", " ")
    )
    assert todo_places(repo, "gr") == []


def test_with_todays_law_data_validate_flags_exactly_the_todo_lines(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the reviewed data holds when this runs (reference standard rates are being
    added), what validate reports in a new market is exactly the lines marked TODO, plus the
    catalogue warning once nothing else stops the rules."""
    markets = [("gr", "eu"), ("no", None), ("es", "eu"), ("gb", None), ("bg", "eu"), ("ht", None)]
    for cc, region in markets:
        args = (cc, "--region", region) if region else (cc,)
        assert invoke(capsys, repo, "new", *args).code == 0
        found = findings(capsys, repo, cc)
        assert places([f for f in found if f["code"] != "MKT501"]) == todo_places(repo, cc)
        assert {f["severity"] for f in found if f["code"] == "MKT501"} <= {"warning"}


# -------------------------------------------------------------------------------------------------
# Outside the EU region: Norway


def test_new_no_outside_the_eu(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    outcome = invoke(capsys, repo, "new", "no")

    assert outcome.code == 0, outcome.err
    assert outcome.out == (
        "created markets/no/\n"
        "  markets/no/market.yaml\n"
        "  markets/no/tax.yaml\n"
        "  markets/no/warranty.yaml\n"
        "  markets/no/rollout.yaml\n"
        f"note: warranty.yaml: {CONSUMER_DATA} has no floors for NO: legal_guarantee and "
        "withdrawal marked TODO\n"
        + catalogue_note("nb-NO", "nb-NO → nb → no", "no", "no")
        + catalogue_note("nn-NO", "nn-NO → nn → no", "no", "no")
        + "note: `marketctl translations no` shows each locale's coverage\n"
        "16 values marked TODO\n"
        "next: fill the values marked TODO, then run `marketctl validate no`\n"
    )
    market = data(repo, "markets/no/market.yaml")
    assert "region" not in market
    assert market["currency"] == "NOK"
    # CLDR: no, nb (100 %) and nn (25 %) are official; no is the parent of nb and nn.
    assert market["locales"] == ["nb-NO", "nn-NO"]
    assert market["timezones"] == ["Europe/Oslo"]
    assert "no is left out: nb-NO and nn-NO fall back to it (CLDR parent locales)." in (
        (repo / "markets/no/market.yaml").read_text(encoding="utf-8").replace("\n# ", " ")
    )

    found = findings(capsys, repo, "no")
    assert places(found) == todo_places(repo, "no")
    assert places(found) == [
        ("MKT101", "markets/no/tax.yaml", 5, 9),  # system
        ("MKT101", "markets/no/tax.yaml", 9, 10),  # prices_include_tax.value
        ("MKT101", "markets/no/tax.yaml", 11, 12),  # prices_include_tax.source.title
        ("MKT101", "markets/no/tax.yaml", 12, 10),  # prices_include_tax.source.url
        ("MKT101", "markets/no/tax.yaml", 17, 16),  # rates.standard[0].percent
        ("MKT101", "markets/no/tax.yaml", 18, 13),
        ("MKT101", "markets/no/tax.yaml", 20, 16),
        ("MKT101", "markets/no/tax.yaml", 21, 14),
        ("MKT101", "markets/no/warranty.yaml", 9, 13),  # legal_guarantee[0].months
        ("MKT101", "markets/no/warranty.yaml", 10, 11),
        ("MKT101", "markets/no/warranty.yaml", 12, 14),
        ("MKT101", "markets/no/warranty.yaml", 13, 12),
        ("MKT101", "markets/no/warranty.yaml", 17, 11),  # withdrawal[0].days
        ("MKT101", "markets/no/warranty.yaml", 18, 11),
        ("MKT101", "markets/no/warranty.yaml", 20, 14),
        ("MKT101", "markets/no/warranty.yaml", 21, 12),
    ]


def test_filled_no_validates(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    assert invoke(capsys, repo, "new", "no").code == 0
    lovdata = "https://lovdata.no/dokument/NL/lov"
    fill(
        repo / "markets/no/tax.yaml",
        "vat",
        "true",
        '"Forskrift om prisopplysning for varer og tjenester"',
        '"https://lovdata.no/dokument/SF/forskrift/2014-06-16-723"',
        "25",
        "2005-01-01",
        '"Lov om merverdiavgift (merverdiavgiftsloven)"',
        f'"{lovdata}/2009-06-19-58"',
    )
    fill(
        repo / "markets/no/warranty.yaml",
        "60",
        "2002-07-01",
        '"Lov om forbrukerkjøp (forbrukerkjøpsloven)"',
        f'"{lovdata}/2002-06-21-34"',
        "14",
        "2014-07-01",
        '"Lov om opplysningsplikt og angrerett ved fjernsalg (angrerettloven)"',
        f'"{lovdata}/2014-06-20-27"',
    )

    outcome = invoke(capsys, repo, "validate", "no")
    found = findings(capsys, repo, "no")

    assert outcome.code == 0, outcome.out
    assert [(f["code"], f["severity"], f["line"]) for f in found] == [
        ("MKT501", "warning", 13),
        ("MKT501", "warning", 13),
    ]


# -------------------------------------------------------------------------------------------------
# National floors in the EU region (Spain), and many time zones (Australia)


def test_new_es_prefills_the_national_floors(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    outcome = invoke(capsys, repo, "new", "es", "--region", "eu")

    assert outcome.code == 0, outcome.err
    assert (
        f"note: warranty.yaml: legal_guarantee and burden_of_proof from {CONSUMER_DATA} "
        "(entry ES); withdrawal inherited from markets/_regions/eu/warranty.yaml\n"
    ) in outcome.out
    floors = consumer_law().floors["ES"]
    guarantee, burden = floors["legal_guarantee_months"][0], floors["burden_of_proof_months"][0]
    source = {
        "title": guarantee.source.title,
        "ref": guarantee.source.ref,
        "url": guarantee.source.url,
    }
    assert data(repo, "markets/es/warranty.yaml") == {
        "legal_guarantee": [
            {
                "form": "fixed",
                "months": 36,
                "counted_from": "delivery",
                "second_hand_min_months": 12,
                "from": "2022-01-01",
                "source": source,
            }
        ],
        "burden_of_proof": [
            {
                "months": 24,
                "second_hand_months": 12,
                "from": "2022-01-01",
                "source": {**source, "ref": burden.source.ref},
            },
        ],
    }

    fill(
        repo / "markets/es/tax.yaml",
        "21",
        "2012-09-01",
        '"Ley 37/1992, del Impuesto sobre el Valor Añadido"',
        '"https://www.boe.es/buscar/act.php?id=BOE-A-1992-28740"',
    )
    # The floors pass their own rules (MKT401-MKT404); es-ES reads the shared Spanish catalogue.
    found = findings(capsys, repo, "es")
    assert [(f["code"], f["severity"]) for f in found] == []


def test_a_country_with_many_zones_gets_cldrs(
    repo: Path, capsys: pytest.CaptureFixture[str], no_reference_rates: None
) -> None:
    assert invoke(capsys, repo, "new", "au").code == 0

    text = (repo / "markets/au/market.yaml").read_text(encoding="utf-8")
    market = data(repo, "markets/au/market.yaml")
    assert market["timezones"] == list(territory_zones("AU"))
    assert len(market["timezones"]) == 12
    assert market["currency"] == "AUD"
    assert market["locales"] == ["en-AU"]
    assert (
        "# CLDR's 12 zones of AU, in CLDR's order: CLDR does not say which is the most populous"
        " or the\n# capital's. The first is where rollout times are written: move the launch team's"
        " zone first\n# (or name it in rollout.yaml's timezone).\n"
        "timezones:\n"
        "  - Australia/Adelaide\n"
    ) in text
    # Every zone is CLDR's zone of AU: validate flags nothing but the TODO lines (no MKT207).
    assert places(findings(capsys, repo, "au")) == todo_places(repo, "au")


# -------------------------------------------------------------------------------------------------
# Refusals: exit 1, a message that says what to do, nothing written


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("se",),
            "Error: markets/se already exists\n"
            "  edit its files, or remove the folder to scaffold se again\n",
        ),
        (
            ("xx",),
            "Error: 'xx' is not an ISO 3166-1 alpha-2 country code\n"
            "  market folders are named by ISO 3166-1 alpha-2 codes, like 'se' or 'jp'\n",
        ),
        (
            ("greece",),
            "Error: 'greece' is not an ISO 3166-1 alpha-2 country code\n"
            "  did you mean 'gr' (Greece)?\n",
        ),
        (
            ("gr", "--region", "nordics"),
            "Error: region 'nordics' has no folder markets/_regions/nordics/\n"
            "  known regions: eu\n",
        ),
        (
            ("gr", "--region", "EU"),
            "Error: region 'EU' has no folder markets/_regions/EU/\n"
            "  did you mean 'eu'? known regions: eu\n",
        ),
    ],
)
def test_refusals(
    repo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], error: str
) -> None:
    before = tree(repo)
    se_market = (repo / "markets/se/market.yaml").read_bytes()

    outcome = invoke(capsys, repo, "new", *args)

    assert (outcome.code, outcome.out, outcome.err) == (1, "", error)
    assert tree(repo) == before
    assert (repo / "markets/se/market.yaml").read_bytes() == se_market


def test_a_failed_write_leaves_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(repo)
    calls: Iterator[int] = iter(range(100))

    def failing_fsync(descriptor: int) -> None:
        if next(calls) == 1:  # the second file
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("marketctl.commands.scaffold.os.fsync", failing_fsync)

    outcome = invoke(capsys, repo, "new", "gr", "--region", "eu")

    assert (outcome.code, outcome.out) == (1, "")
    assert outcome.err == (
        "Error: cannot create markets/gr: No space left on device\n  nothing was written\n"
    )
    assert tree(repo) == before


# -------------------------------------------------------------------------------------------------
# What CLDR cannot settle is left to the team


def test_several_legal_tenders_are_left_to_choose(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(capsys, repo, "new", "pa").code == 0

    text = (repo / "markets/pa/market.yaml").read_text(encoding="utf-8")
    assert (
        "# CLDR lists 2 legal tenders of PA on 2026-11-26: PAB, USD.\n"
        "currency: null  # TODO: the one prices are set and charged in\n"
    ) in text


def test_a_tender_iso_4217_no_longer_lists_is_not_written(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLDR can lag behind ISO 4217 (CLDR 47 still has BGN for Bulgaria in 2026, after the
    euro replaced it): such a code would fail MKT202, so it is left TODO with the reason."""
    monkeypatch.setattr(
        "marketctl.commands.scaffold.currency_name", lambda code: None if code == "NOK" else code
    )

    assert invoke(capsys, repo, "new", "no").code == 0

    text = (repo / "markets/no/market.yaml").read_text(encoding="utf-8")
    cldr = get_global("cldr")["version"]
    assert (
        f"# CLDR {cldr} has NOK as legal tender of NO on 2026-11-26, but ISO 4217 (pycountry) no"
        " longer\n# lists it: the currency has changed since CLDR's data.\n"
        "currency: null  # TODO: the ISO 4217 code\n"
    ) in text


def test_a_full_locale_is_kept_when_another_falls_back_to_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Haitian Creole's CLDR parent is fr-HT, but French is a language of Haiti of its own: only
    a language-alone tag (Norwegian no) is dropped for the locales that fall back to it."""
    assert invoke(capsys, repo, "new", "ht").code == 0

    assert data(repo, "markets/ht/market.yaml")["locales"] == ["ht-HT", "fr-HT"]


# -------------------------------------------------------------------------------------------------
# The region from the EU membership list (MKT210)


def test_the_region_of_a_member_state_is_inferred(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "new", "de")

    assert outcome.code == 0, outcome.err
    assert (
        "note: region: eu because Germany is an EU member since 1958-01-01 "
        "(European Union — EU countries (year of entry))\n"
    ) in outcome.out
    market = (repo / "markets/de/market.yaml").read_text(encoding="utf-8")
    assert "\nregion: eu\n" in market
    assert places(findings(capsys, repo, "de"), "MKT210") == []


def test_no_region_is_inferred_for_a_country_that_left(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "new", "gb")

    assert outcome.code == 0, outcome.err
    assert "region" not in (repo / "markets/gb/market.yaml").read_text(encoding="utf-8")
    assert "note: region" not in outcome.out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("gb", "--region", "eu"),
            "Error: United Kingdom left the EU on 2020-01-31 (transition until 2020-12-31): "
            "--region eu contradicts the EU membership list\n"
            "  leave out --region: the EU layer's floors are not GB's law\n",
        ),
        (
            ("no", "--region", "eu"),
            "Error: Norway is not an EU member: --region eu contradicts the EU membership list\n"
            "  leave out --region: the EU layer's floors are not NO's law\n",
        ),
    ],
)
def test_a_region_that_contradicts_the_membership_list_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], error: str
) -> None:
    before = tree(repo)

    outcome = invoke(capsys, repo, "new", *args)

    assert (outcome.code, outcome.out, outcome.err) == (1, "", error)
    assert tree(repo) == before


def test_a_member_state_with_another_region_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "markets/_regions/nordics").mkdir()
    (repo / "markets/_regions/nordics/tax.yaml").write_text(
        (repo / "markets/_regions/eu/tax.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )

    outcome = invoke(capsys, repo, "new", "fi", "--region", "nordics")

    assert (outcome.code, outcome.err) == (
        1,
        "Error: Finland is an EU member since 1995-01-01: --region nordics contradicts the EU "
        "membership list\n  leave out --region (it is inferred) or write --region eu\n",
    )
    assert not (repo / "markets/fi").exists()


# -------------------------------------------------------------------------------------------------
# Reduced rates and real start dates (issue 7)


def test_reduced_rates_are_written_with_their_real_start_dates(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finland's reduced rates in force today and after, each with its start and verification
    status; Austria's rates the data records only from 2019-01-01 (the start of its window,
    not the day they took effect) leave from TODO, and validate reports exactly those lines."""
    assert invoke(capsys, repo, "new", "fi").code == 0
    assert invoke(capsys, repo, "new", "at").code == 0

    rates = data(repo, "markets/fi/tax.yaml")["rates"]
    assert [(r["percent"], r["from"]) for r in rates["reduced"]] == [
        (Decimal("13.5"), "2026-01-01")
    ]
    assert rates["reduced"][0]["source"]["verified"] is False
    assert rates["second_reduced"][0]["from"] == "2013-01-01"
    # Verified in the reference data, but with no quote of what was read: not copied as verified.
    assert rates["second_reduced"][0]["source"]["verified"] is False
    at_rates = data(repo, "markets/at/tax.yaml")["rates"]
    assert sorted(at_rates) == ["reduced", "second_reduced", "standard"]
    assert [r["from"] for kind in sorted(at_rates) for r in at_rates[kind]] == [None, None, None]
    text = (repo / "markets/at/tax.yaml").read_text(encoding="utf-8")
    assert (
        text.count(
            "from: null  # TODO: the day it took effect (the reviewed data has it in force on "
            "2019-01-01, not its start)\n"
        )
        == 3
    )
    assert places([f for f in findings(capsys, repo, "at") if f["code"] != "MKT501"]) == (
        todo_places(repo, "at")
    )
