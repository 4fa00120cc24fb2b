"""marketctl report and readiness: safe to share, true to the data, one source of numbers.

The report is written through the CLI (``run`` in process) on copies of the repository; its
figures are read back from the pages' data attributes and compared with what ``translations``,
``sources``, ``validate`` and ``readiness`` print as JSON for the same tree.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from clitools import edit, invoke
from conftest import REPOSITORY
from marketctl.commands.report import build_report, calendar_events, render_pages, safe_url
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

TODAY = date(2026, 12, 8)


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """A copy of every market, the specs and the settings: the tree the report is of."""
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copytree(REPOSITORY / "specs", root / "specs")
    shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY.isoformat())


def _pages(out: Path) -> dict[str, str]:
    return {page.name: page.read_text(encoding="utf-8") for page in sorted(out.glob("*.html"))}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://www.riksdagen.se/sv/sfs-2023-200/", True),
        ("http://example.org/law", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/x", False),
        ("https://", False),
        ("https://[::1", False),
        ("", False),
    ],
)
def test_only_http_links_are_links(url: str, shown: bool) -> None:
    assert safe_url(url) == (url if shown else "")


def test_a_javascript_source_is_text_not_a_link(repo: Path) -> None:
    tax = repo / "markets/se/tax.yaml"
    edit(tax, 'url: "https://lagen.nu/1994:200"', 'url: "javascript:alert(1)"')
    repository = load_repository(WorktreeSource(repo))
    pages = render_pages(build_report(repository, ["se"], TODAY))
    for name, html in pages.items():
        hrefs = re.findall(rb'href="([^"]*)"', html)
        assert all(
            h.startswith((b"https://", b"http://")) or h.endswith(b".html") or b".html#" in h
            for h in hrefs
        ), name
    assert b"javascript:" not in pages["market-se.html"]


def test_a_repository_with_errors_gets_no_report(
    full: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = full / "markets/_defaults/messages/sv.yaml"
    with catalogue.open("a", encoding="utf-8") as handle:
        handle.write('cart.title: "x\n')
    out = tmp_path / "site"
    refused = invoke(capsys, full, "report", "-o", str(out))
    assert refused.code == 1
    assert not out.exists()
    assert "markets/_defaults/messages/sv.yaml:" in refused.out
    assert "Error: validation found" in refused.err
    assert "--render-anyway" in refused.err
    assert "Traceback" not in refused.out + refused.err

    validated = json.loads(invoke(capsys, full, "validate", "--format", "json").out)
    errors = [
        f"{f['file']}:{f['line']}:{f['column']}: {f['code']} {f['message']}"
        for f in validated["findings"]
        if f["severity"] == "error"
    ]
    assert errors
    anyway = invoke(capsys, full, "report", "-o", str(out), "--render-anyway")
    assert anyway.code == 0, anyway.err
    for name, html in _pages(out).items():
        banner = re.search(r'<section class="banner".*?</section>', html, re.S)
        assert banner is not None, name
        listed = [
            re.sub(r"&#3[49];", lambda m: {"&#34;": '"', "&#39;": "'"}[m.group()], item)
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            for item in re.findall(r"<li>(.*?)</li>", banner.group(), re.S)
        ]
        assert listed == errors, name


def test_the_pages_allow_no_script_and_only_their_own_style(repo: Path, tmp_path: Path) -> None:
    repository = load_repository(WorktreeSource(repo))
    pages = render_pages(build_report(repository, ["se", "jp"], TODAY))
    for name, raw in pages.items():
        html = raw.decode("utf-8")
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert policy is not None, name
        style = re.search(r"<style>(.*?)</style>", html, re.S)
        assert style is not None, name
        digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
        assert policy.group(1) == (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'none'"
        )
        assert "<script" not in html, name


def test_facts_read_as_sentences_and_changes_name_old_and_new(
    full: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = load_repository(WorktreeSource(full))
    events = calendar_events(repository, ["us"], date(2027, 6, 1))
    (south_dakota,) = [e for e in events if e.key.startswith("tax.regions.US-SD")]
    assert (south_dakota.day, south_dakota.text) == (
        date(2027, 7, 1),
        "South Dakota's state sales tax: 4.2 % → 4.5 %",
    )
    # 4.5 % from 2027-07-01 rests on a fact nobody has verified yet: marked so.
    assert south_dakota.unverified
    listed = json.loads(invoke(capsys, full, "sources", "us", "--format", "json").out)
    (fact,) = [f for f in listed["facts"] if f["fact"] == south_dakota.key]
    assert south_dakota.where == f"{fact['file']}:{fact['line']}"
    data = build_report(repository, ["se", "gb"], TODAY)
    se = data.markets[0]
    assert se.standard_rate is not None and se.standard_rate.words == "Sweden's standard VAT: 25 %"
    assert se.guarantee is not None
    assert se.guarantee.words == "legal guarantee: 3 years from delivery"
    assert se.withdrawal is not None
    assert se.withdrawal.words == "withdrawal: 14 days from receipt to cancel (statutory)"
    gb = data.markets[1]
    assert gb.guarantee is not None
    assert gb.guarantee.words.startswith("legal guarantee: claims within 6 years of ")


def _attributes(html: str, name: str) -> list[dict[str, str]]:
    found = []
    for tag in re.findall(r"<(?:span|td)[^>]*data-market=[^>]*>", html):
        attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag))
        if name in attributes:
            found.append(attributes)
    return found


def test_the_reports_figures_are_the_commands_figures(
    full: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    written = invoke(capsys, full, "report", "-o", str(out))
    assert written.code == 0, written.err
    index = (out / "index.html").read_text(encoding="utf-8")

    coverage = json.loads(invoke(capsys, full, "translations", "--format", "json").out)
    shown = [
        (a["market"], a["locale"], int(a["translated"]), int(a["total"]))
        for a in _attributes(index, "translated")
    ]
    expected = [
        (row["market"], row["locale"], row["translated"], row["total"])
        for row in coverage["coverage"]
    ]
    assert shown == expected

    queue = json.loads(invoke(capsys, full, "sources", "--unverified", "--format", "json").out)
    per_market: dict[str, int] = {}
    for fact in queue["facts"]:
        per_market[fact["market"]] = per_market.get(fact["market"], 0) + 1
    unverified = {a["market"]: int(a["unverified"]) for a in _attributes(index, "unverified")}
    assert unverified == {code: per_market.get(code, 0) for code in unverified}
    assert sorted(unverified) == sorted(queue["summary"]["markets"])

    validated = invoke(capsys, full, "validate", "--format", "json")
    assert validated.code == 0
    assert '<section class="banner"' not in index


def test_readiness_lists_what_planned_markets_lack(
    full: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, full, "readiness", "--format", "json")
    assert outcome.code == 0, outcome.err
    report = json.loads(outcome.out)
    planned = sorted(
        p.parent.name
        for p in (full / "markets").glob("*/market.yaml")
        if re.search(r"^status: planned", p.read_text(encoding="utf-8"), re.M)
    )
    assert [m["market"] for m in report["markets"]] == planned
    missing = json.loads(
        invoke(capsys, full, "translations", "--missing", *planned, "--format", "json").out
    )
    queue = json.loads(
        invoke(capsys, full, "sources", *planned, "--unverified", "--format", "json").out
    )
    for market in report["markets"]:
        items = {item["check"]: item for item in market["items"]}
        launch = date.fromisoformat(market["launch_date"])
        in_force = [
            f
            for f in queue["facts"]
            if f["market"] == market["market"]
            and (f["from"] is None or date.fromisoformat(f["from"]) <= launch)
            and (f["until"] is None or launch <= date.fromisoformat(f["until"]))
        ]
        assert len(items["facts"]["missing"]) == len(in_force)
        assert items["facts"]["done"] == (not in_force)
        keys = [row for row in missing.get("missing", []) if row.get("market") == market["market"]]
        assert items["translations"]["done"] == (not keys)
        assert items["specs"]["done"] is True
        assert items["specs"]["detail"].endswith("spec checks pass")
        assert market["days_left"] == (launch - TODAY).days
        assert market["ready"] == all(item["done"] for item in market["items"])


def test_readiness_sees_a_failing_spec_and_a_missing_translation(
    full: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = full / "specs/sk.yaml"
    text = spec.read_text(encoding="utf-8")
    first = re.search(r"expect: (\S+)", text)
    assert first is not None
    spec.write_text(text.replace(first.group(0), "expect: 99.5", 1), encoding="utf-8")
    outcome = invoke(capsys, full, "readiness", "sk", "--format", "json", "--check")
    assert outcome.code == 1
    (sk,) = json.loads(outcome.out)["markets"]
    specs = {item["check"]: item for item in sk["items"]}["specs"]
    assert specs["done"] is False
    (failed,) = specs["missing"]
    assert failed.startswith("specs/sk.yaml:")
    assert failed.endswith(": expected 99.5, got " + first.group(1))


def test_report_base_marks_what_the_working_tree_changes(
    full: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", *args], cwd=full, check=True, capture_output=True)
    edit(
        full / "markets/fi/rollout.yaml",
        "{at: 2026-12-14T09:00, percent: 100}",
        "{at: 2026-12-14T09:00, percent: 90}",
    )
    out = tmp_path / "site"
    outcome = invoke(capsys, full, "report", "-o", str(out), "--base", "HEAD")
    assert outcome.code == 0, outcome.err
    pages = _pages(out)
    assert "changes against HEAD highlighted" in pages["index.html"]
    changed_rows = re.findall(r'<tr class="changed">.*?</tr>', pages["index.html"], re.S)
    assert len(changed_rows) >= 1
    assert all('href="market-fi.html"' in row for row in changed_rows)
    assert 'class="mark-changed"' in pages["market-fi.html"]
    assert 'class="mark-changed"' not in pages["market-se.html"]
