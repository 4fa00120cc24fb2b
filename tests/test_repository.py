"""The repository's own markets, all of them: what CI and the issue's "done" ask of them.

The other tests work on copies of the reference markets only (conftest.REFERENCE_MARKETS), so
that adding a market changes no asserted finding; these check every market there is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from clitools import invoke
from conftest import REPOSITORY


def _market_codes() -> list[str]:
    return sorted(
        folder.name
        for folder in (REPOSITORY / "markets").iterdir()
        if folder.is_dir() and not folder.name.startswith("_")
    )


def _live_markets() -> list[str]:
    yaml = YAML(typ="safe")
    return [
        code
        for code in _market_codes()
        if yaml.load(
            (REPOSITORY / "markets" / code / "market.yaml").read_text(encoding="utf-8")
        ).get("status")
        == "live"
    ]


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repository")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return root


def test_every_market_validates_strictly(
    everything: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, everything, "validate", "--strict")

    assert outcome.code == 0, outcome.out + outcome.err
    assert outcome.out.splitlines()[-1].startswith(
        f"0 errors, 0 warnings in {len(_market_codes())} markets ("
    )


def test_every_market_builds(
    everything: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, everything, "build", "-o", str(tmp_path / "dist"))

    assert outcome.code == 0, outcome.out + outcome.err
    bundles = sorted(p.stem for p in (tmp_path / "dist").glob("*.json") if p.stem != "manifest")
    assert bundles == _market_codes()


def test_every_live_market_is_fully_translated(
    everything: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = _live_markets()
    outcome = invoke(capsys, everything, "translations", *live, "--fail-under", "100")

    assert live
    assert outcome.code == 0, outcome.out + outcome.err
