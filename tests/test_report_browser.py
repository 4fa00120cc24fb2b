"""marketctl report in a real browser: headless Chromium (Debian's) driven by puppeteer-core,
checked with axe-core (``tests/report/check.mjs``; ``.ci/run`` installs both).

Every page of the report of this repository, and of a copy with hostile source titles and
links, at a phone's 390 px and a desktop's 1280 px: no serious or critical axe violation, no
horizontal scroll, chart labels that do not overlap, no script, no console message, and no
link that is not http(s) or another page of the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, invoke
from conftest import REPOSITORY

CHECKER = Path(__file__).resolve().parent / "report"
UNDER_CI = os.environ.get("CI") == "true"


def _browser() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    ready = (
        chromium is not None
        and shutil.which("node") is not None
        and (CHECKER / "node_modules/puppeteer-core").is_dir()
        and (CHECKER / "node_modules/axe-core").is_dir()
    )
    if not ready:
        if UNDER_CI:
            pytest.fail("Chromium, node or `npm ci --prefix tests/report` missing under CI")
        pytest.skip("needs chromium, node and `npm ci --prefix tests/report`")
    assert chromium is not None
    return chromium


def _check(pages: list[Path]) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        ["node", str(CHECKER / "check.mjs"), _browser(), *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return result


def _problems(results: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for page, sizes in results.items():
        name = Path(page).name
        for width, seen in sizes.items():
            where = f"{name} at {width} px"
            for violation in seen["axe"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append(f"{where}: axe {violation['id']} {violation['nodes']}")
            if seen["overflow"] > 0:
                problems.append(f"{where}: scrolls sideways by {seen['overflow']} px")
            if any(seen["labels"]):
                problems.append(f"{where}: overlapping chart labels {seen['labels']}")
            if seen["scripts"]:
                problems.append(f"{where}: {seen['scripts']} script element(s)")
            if seen["console"]:
                problems.append(f"{where}: console {seen['console']}")
            for href in seen["links"]:
                if not href.startswith(("https://", "http://")) and ".html" not in href:
                    problems.append(f"{where}: link {href!r}")
    return problems


@pytest.fixture
def full(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copytree(REPOSITORY / "specs", root / "specs")
    shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    return root


def test_every_page_passes_axe_and_fits_a_phone(
    full: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _browser()
    out = tmp_path / "site"
    outcome = invoke(capsys, full, "report", "-o", str(out))
    assert outcome.code == 0, outcome.err
    pages = sorted(out.glob("*.html"))
    assert len(pages) > 20
    results = _check(pages)
    assert sorted(results) == sorted(map(str, pages))
    assert _problems(results) == []


def test_hostile_titles_and_links_stay_text(
    full: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _browser()
    tax = full / "markets/se/tax.yaml"
    edit(
        tax,
        'title: "Mervärdesskattelag (1994:200)"\n        ref: "7 kap. 1 § första stycket"\n'
        '        url: "https://lagen.nu/1994:200"',
        'title: "<img src=x onerror=alert(1)><script>alert(2)</script>"\n'
        '        ref: "7 kap. 1 § första stycket"\n'
        '        url: "javascript:alert(document.domain)"',
    )
    edit(
        full / "markets/se/market.yaml",
        "name: Sweden",
        'name: "Sweden</title><svg onload=alert(3)>"',
    )
    out = tmp_path / "site"
    refused = invoke(capsys, full, "report", "-o", str(out))
    assert refused.code == 1  # validate refuses the javascript: link
    assert not out.exists()
    outcome = invoke(capsys, full, "report", "se", "-o", str(out), "--render-anyway")
    assert outcome.code == 0, outcome.err
    page = out / "market-se.html"
    html = page.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    results = _check([page, out / "index.html"])
    assert _problems(results) == []
