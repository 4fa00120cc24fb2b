from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of this repository's markets/ in a temporary folder, free to break."""
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return root


@pytest.fixture(autouse=True)
def _no_report_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests patch code in process, which no cache key can see: the report cache is off except
    where a test turns it back on (tests/test_cache.py)."""
    monkeypatch.setenv("MARKETCTL_NO_CACHE", "1")
