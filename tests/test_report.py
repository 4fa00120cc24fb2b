"""marketctl report: the site's contents checked against the data, and the pages in Chromium."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ruamel.yaml import YAML

from marketctl.commands.report import build_report, calendar_events, render_pages, write_report
from marketctl.core.errors import MarketctlError
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

TODAY = date(2025, 12, 1)  # a day with tax changes, law changes and rollout steps ahead of it


def _load(path: Path) -> Any:
    return (
        YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        if path.is_file()
        else None
    )


def _froms(data: Any) -> list[tuple[date, date | None]]:
    found: list[tuple[date, date | None]] = []
    if isinstance(data, dict):
        if "from" in data:
            until = data.get("until")
            found.append((_as_day(data["from"]), _as_day(until) if until else None))
            return found
        for value in data.values():
            found.extend(_froms(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(_froms(value))
    return found


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _merge(lower: Any, upper: Any) -> Any:
    """Layering as DESIGN.md states it: mappings merge key by key, anything else replaces."""
    if isinstance(lower, dict) and isinstance(upper, dict):
        return {
            k: _merge(lower[k], upper[k])
            if k in lower and k in upper
            else upper.get(k, lower.get(k))
            for k in {**lower, **upper}
        }
    return upper


def _expected_days(root: Path, code: str) -> set[tuple[str, date]]:
    """Every day something dated changes for a market, read straight from the YAML files."""
    end = TODAY + timedelta(days=365)
    market = _load(root / f"markets/{code}/market.yaml")
    layers = [root / "markets/_defaults"]
    if market.get("region"):
        layers.append(root / f"markets/_regions/{market['region']}")
    layers.append(root / f"markets/{code}")
    days: set[tuple[str, date]] = set()
    for kind in ("tax", "warranty"):
        merged: Any = {}
        for layer in layers:
            merged = _merge(merged, _load(layer / f"{kind}.yaml") or {})
        for start, until in _froms(merged):
            for day in (start, until + timedelta(days=1) if until else None):
                if day is not None and TODAY <= day <= end:
                    days.add(("law", day))
    launch = market.get("launch_date")
    if launch and TODAY <= _as_day(launch) <= end:
        days.add(("launch", _as_day(launch)))
    rollout = _load(root / f"markets/{code}/rollout.yaml") or {}
    zone = ZoneInfo(rollout.get("timezone") or market["timezones"][0])
    for steps in (rollout.get("features") or {}).values():
        for step in steps:
            local = datetime.fromisoformat(str(step["at"])).replace(tzinfo=zone)
            if TODAY <= local.date() <= end:
                days.add(("rollout", local.date()))
    return days


def test_the_calendar_lists_every_dated_change_of_the_next_12_months() -> None:
    root = Path(__file__).resolve().parents[1]
    repository = load_repository(WorktreeSource(root))
    codes = sorted(repository.markets)
    events = calendar_events(repository, codes, TODAY)
    assert events == sorted(events)
    for code in codes:
        got = {(e.kind, e.day) for e in events if e.market == code}
        expected = _expected_days(root, code)
        assert got == expected, code
    features = _load(root / "markets/_defaults/features.yaml")["features"]
    expiries = {
        _as_day(f["expires"])
        for f in features.values()
        if f.get("expires") and TODAY <= _as_day(f["expires"]) <= TODAY + timedelta(days=365)
    }
    assert {e.day for e in events if e.kind == "expiry"} == expiries


def test_the_calendar_shows_a_rollout_step_in_market_time_and_utc(repo: Path) -> None:
    (repo / "markets/jp/rollout.yaml").write_text(
        "features:\n  buyback:\n    - {at: 2026-01-01T01:00, percent: 10}\n", encoding="utf-8"
    )
    repository = load_repository(WorktreeSource(repo))
    (event,) = [e for e in calendar_events(repository, ["jp"], TODAY) if e.kind == "rollout"]
    # 01:00 in Tokyo is still 2025-12-31 in UTC: the calendar files it under Japan's day.
    assert (event.day, event.text, event.local, event.utc) == (
        date(2026, 1, 1),
        "buyback in Japan to 10 % of units at 2026-01-01 01:00 Asia/Tokyo",
        "2026-01-01 01:00 Asia/Tokyo",
        "2025-12-31 16:00 UTC",
    )


def test_texts_from_the_repository_are_escaped(repo: Path) -> None:
    market = repo / "markets/se/market.yaml"
    market.write_text(
        market.read_text(encoding="utf-8").replace(
            "name: Sweden", "name: \"Sweden <script>alert('x')</script>\""
        ),
        encoding="utf-8",
    )
    repository = load_repository(WorktreeSource(repo))
    pages = render_pages(build_report(repository, ["se"], TODAY))
    for html in pages.values():
        assert b"<script>" not in html
    assert b"Sweden &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in pages["index.html"]


def test_the_report_replaces_only_a_previous_report(repo: Path, tmp_path: Path) -> None:
    repository = load_repository(WorktreeSource(repo))
    pages = render_pages(build_report(repository, ["jp"], TODAY))
    out = tmp_path / "site"
    write_report(out, pages)
    write_report(out, pages)  # a previous report is replaced
    assert sorted(p.name for p in out.iterdir()) == sorted([*pages, ".marketctl-report"])
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(MarketctlError) as raised:
        write_report(other, pages)
    assert raised.value.message == f"{other} is not empty and is not a previous marketctl report"
    assert (other / "notes.txt").read_text(encoding="utf-8") == "mine"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(
    _chromium() is None and os.environ.get("CI") != "true",
    reason="Chromium is not installed (.ci/run installs it)",
)


def _run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    browser = _chromium()
    assert browser is not None, "Chromium is required in CI: .ci/run installs Debian's chromium"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_chromium
def test_every_page_loads_in_chromium_without_console_errors_and_shows_script_as_text(
    repo: Path, tmp_path: Path
) -> None:
    market = repo / "markets/se/market.yaml"
    market.write_text(
        market.read_text(encoding="utf-8").replace("name: Sweden", 'name: "Sweden <script>"'),
        encoding="utf-8",
    )
    repository = load_repository(WorktreeSource(repo))
    out = tmp_path / "site"
    write_report(out, render_pages(build_report(repository, sorted(repository.markets), TODAY)))
    # One page of each kind (a browser start costs seconds; the pages of a kind share a template).
    kinds = ["index.html", "calendar.html", "market-se.html", "feature-buyback.html"]
    assert all((out / name).is_file() for name in kinds)
    for page in (out / name for name in kinds):
        done = _run_chromium("--dump-dom", page.as_uri())
        assert done.returncode == 0, done.stderr
        console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
        assert console == [], page.name
        assert "<script" not in done.stdout, page.name
        assert "</html>" in done.stdout, page.name
    dom = _run_chromium("--dump-dom", (out / "index.html").as_uri()).stdout
    assert "Sweden &lt;script&gt;" in dom


@needs_chromium
def test_a_screenshot_of_the_matrix(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    repository = load_repository(WorktreeSource(root))
    out = tmp_path / "site"
    write_report(out, render_pages(build_report(repository, sorted(repository.markets), TODAY)))
    shot = tmp_path / "matrix.png"
    done = _run_chromium(
        f"--screenshot={shot}",
        "--window-size=1400,900",
        "--hide-scrollbars",
        (out / "index.html").as_uri(),
    )
    assert done.returncode == 0, done.stderr
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1400, 900)
    # A blank page compresses to a few kilobytes; the matrix of markets does not.
    assert shot.stat().st_size > 20_000
