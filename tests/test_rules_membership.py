"""MKT210 region-membership: region: eu exactly for the EU's members, from the reviewed list
marketctl/reference/data/eu_membership.yaml, on today's date."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, places
from marketctl.reference.membership import eu_membership, parse_membership

HINT_ADD = "add region: eu to market.yaml (European Union — EU countries (year of entry))"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", "2026-11-30")


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["message"], f["hint"]) for f in items if f["code"] == "MKT210"]


def test_a_country_that_is_not_the_folders_is_left_to_mkt201(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/se/market.yaml", "country: SE", "country: NO")

    assert said(findings(capsys, repo, "se")) == []


def test_repository_markets_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(findings(capsys, repo), "MKT210") == []


def test_a_member_without_region(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    se = "markets/se/market.yaml"
    edit(repo / se, "region: eu\n", "")

    reported = findings(capsys, repo, "se")

    assert places(reported, "MKT210") == [("MKT210", *at(repo, se, "country: SE", "SE"))]
    assert said(reported) == [
        (
            "MKT210",
            "Sweden is an EU member since 1995-01-01 but the market names no region",
            HINT_ADD,
        )
    ]


def test_a_non_member_with_region_eu(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jp = "markets/jp/market.yaml"
    edit(repo / jp, "country: JP\n", "country: JP\nregion: eu\n")

    reported = findings(capsys, repo, "jp")

    assert places(reported, "MKT210") == [("MKT210", *at(repo, jp, "region: eu", "eu"))]
    assert said(reported) == [
        (
            "MKT210",
            "Japan is not an EU member, but the market names region: eu",
            "remove region: eu: the EU layer's floors are not JP's law "
            "(European Union — EU countries (year of entry))",
        )
    ]


def test_membership_is_judged_on_today(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The United Kingdom was a member until 2020-01-31: a GB market with region: eu passes on
    that day and fails the day after."""
    shutil.copytree(repo / "markets/jp", repo / "markets/gb")
    edit(repo / "markets/gb/market.yaml", "country: JP\n", "country: GB\nregion: eu\n")

    monkeypatch.setenv("MARKETCTL_TODAY", "2020-01-31")
    assert said(findings(capsys, repo, "gb")) == []
    monkeypatch.setenv("MARKETCTL_TODAY", "2020-02-01")
    assert said(findings(capsys, repo, "gb")) == [
        (
            "MKT210",
            "United Kingdom left the EU on 2020-01-31 (transition until 2020-12-31), but the "
            "market names region: eu",
            "remove region: eu: the EU layer's floors are not GB's law "
            "(European Union — EU countries (year of entry))",
        )
    ]


def test_a_member_with_another_region(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "markets/_regions/nordics").mkdir()
    se = "markets/se/market.yaml"
    edit(repo / se, "region: eu\n", "region: nordics\n")

    reported = findings(capsys, repo, "se")

    assert places(reported, "MKT210") == [("MKT210", *at(repo, se, "region: nordics", "nordics"))]
    assert said(reported) == [
        (
            "MKT210",
            "Sweden is an EU member since 1995-01-01 but the market names region: nordics",
            "write region: eu (European Union — EU countries (year of entry))",
        )
    ]


def test_the_packaged_list_has_the_27_members_and_the_united_kingdom() -> None:
    from datetime import date

    union = eu_membership()
    members = union.members(date(2026, 11, 30))

    assert len(members) == 27
    assert "GB" not in members and "BG" in members and "HR" in members
    assert union.members(date(2020, 1, 31)) == tuple(sorted((*members, "GB")))
    assert union.members(date(2013, 6, 30)) == tuple(sorted({*members, "GB"} - {"HR"}))
    assert union.source.verified == date(2026, 12, 8)  # re-read with a quote, second review
    gb = union.membership("GB")
    assert gb is not None and gb.transition_source is not None
    assert gb.transition_source.verified is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "region: eu\nsource: {title: T, url: 'https://a.b'}\nmembers: []\n",
            "former_members: a list of countries",
        ),
        (
            "region: eu\nsource: {title: T, url: 'https://a.b'}\n"
            "members: [{code: XX, joined: 1958-01-01}]\nformer_members: []\n",
            "members[0].code: 'XX' is not an ISO 3166-1 alpha-2 code",
        ),
        (
            "region: eu\nsource: {title: T, url: 'https://a.b'}\n"
            "members: [{code: DE, joined: 1958-01-01}, {code: DE, joined: 1958-01-01}]\n"
            "former_members: []\n",
            "members[1].code: DE is listed twice",
        ),
        (
            "region: eu\nsource: {title: T, url: 'https://a.b'}\nmembers: []\n"
            "former_members: [{code: GB, joined: 1973-01-01, left: 1972-01-01}]\n",
            "former_members[0].left: before joined (1973-01-01)",
        ),
        (
            "region: eu\nsource: {title: T, url: 'https://a.b', verified: false}\nmembers: []\n"
            "former_members: []\n",
            "source.missing: verified: false without missing: say what is still to check",
        ),
    ],
)
def test_a_malformed_list_is_a_package_bug(text: str, problem: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        parse_membership(text)

    assert str(raised.value) == (
        f"marketctl/reference/data/eu_membership.yaml is malformed at {problem}; the file ships "
        "with "
        "marketctl, so this is a bug in the package: fix the file (it is reviewed data, see its "
        "header)"
    )
