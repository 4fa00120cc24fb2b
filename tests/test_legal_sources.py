"""marketctl sources [MARKET...] [--unverified] [--format text|json]: every legal fact with its
source, the days it is in force and its verification status (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import edit, invoke, line_of

STATUS = (
    "        verified: 2026-12-08\n"
    '        quote: "Normalskattesatsen är 25 procent av beskattningsunderlaget (9 kap 2 § ML)."\n'
)
SE = "markets/se/tax.yaml"


def test_every_fact_of_a_market_with_its_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, STATUS, "        verified: 2026-11-20\n")
    line = line_of(repo / SE, 'ref: "9 kap. 2 § (normalskattesats)"') - 1

    outcome = invoke(capsys, repo, "sources", "se")

    assert outcome.code == 0, outcome.err
    assert (
        "se tax.rates.standard[1]  percent: 25  (from 2023-07-01)\n"
        "    Mervärdesskattelag (2023:200), 9 kap. 2 § (normalskattesats)\n"
        "    https://www4.skatteverket.se/rattsligvagledning/edition/2024.2/429414.html\n"
        "    verified 2026-11-20\n"
        f"    at {SE}:{line}\n"
    ) in outcome.out
    # The EU region's margin scheme is a fact Sweden depends on, listed at the file it is in.
    assert "se tax.margin_scheme  available: true  (from 2007-01-01)\n" in outcome.out
    assert "    at markets/_regions/eu/tax.yaml:13\n" in outcome.out
    summary = outcome.out.splitlines()[-1]
    total = outcome.out.count("\n    at ")
    checked = outcome.out.count("\n    verified 20")
    assert checked >= 1
    assert summary == (
        f"{total} facts in 1 market (se): {checked} verified, {total - checked} unverified "
        "with what is missing, 0 without a status"
    )


def test_unverified_lists_the_queue_only(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, STATUS, "        verified: 2026-11-20\n")

    everything = json.loads(invoke(capsys, repo, "sources", "--format", "json").out)
    queue = json.loads(invoke(capsys, repo, "sources", "--unverified", "--format", "json").out)

    verified = [f for f in everything["facts"] if f["status"] == "verified"]
    assert ("se", "tax.rates.standard[1]", "2026-11-20") in [
        (f["market"], f["fact"], f["verified"]) for f in verified
    ]
    assert len(queue["facts"]) == len(everything["facts"]) - len(verified)
    assert all(f["status"] != "verified" for f in queue["facts"])
    assert queue["summary"]["markets"] == ["ca", "jp", "se"]
    assert everything["summary"]["verified"] == len(verified)


def test_a_fact_without_status_is_in_the_queue(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, STATUS, "")

    queue = json.loads(
        invoke(capsys, repo, "sources", "se", "--unverified", "--format", "json").out
    )

    silent = [f for f in queue["facts"] if f["status"] == "no status"]
    assert [(f["fact"], f["verified"], f["missing"], f["from"], f["until"]) for f in silent] == [
        ("tax.rates.standard[1]", None, None, "2023-07-01", None)
    ]
    assert queue["summary"]["no_status"] == 1


def test_an_unknown_market_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "sources", "sweden")

    assert (outcome.code, outcome.out) == (2, "")  # a usage error
    assert outcome.err == "Error: no market 'sweden' in markets/\n  did you mean 'se'?\n"


def test_the_json_output_follows_its_schema(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jsonschema import Draft202012Validator

    edit(repo / SE, STATUS, "")  # one fact without status, so every status is present
    document = json.loads(invoke(capsys, repo, "sources", "--format", "json").out)
    schema = json.loads(
        (Path(__file__).resolve().parents[1] / "schemas/sources.output.schema.json").read_text(
            encoding="utf-8"
        )
    )

    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    assert {f["status"] for f in document["facts"]} == {"verified", "unverified", "no status"}
