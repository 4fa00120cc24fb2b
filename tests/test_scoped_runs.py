"""A run scoped to markets checks every file those markets read (issue 20, item 1).

Each case breaks one kind of shared file: the scoped validate (also with a --select of other
rules), build and test of a market that reads it fail with the finding at the shared file's own
line, as an unscoped run does; a market that does not read it still passes them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from clitools import at, edit, invoke, line_of
from conftest import copy_specs

SV = "markets/_defaults/messages/sv.yaml"


@dataclass(frozen=True)
class Break:
    """One mistake in a shared file: how to make it and the finding it must give."""

    name: str
    file: str
    old: str  # replaced by new; "" appends new to the file (a new file when there is none)
    new: str
    code: str
    needle: str  # the finding is on the one line holding needle, at word (default the needle)
    word: str | None
    readers: tuple[str, ...]
    others: tuple[str, ...]  # markets that do not read the file


BREAKS = [
    Break(
        "defaults market",
        "markets/_defaults/market.yaml",
        "price_rounding: half_up",
        "price_rounding: half_sideways",
        "MKT101",
        "price_rounding: half_sideways",
        "half_sideways",
        ("se", "jp"),
        (),
    ),
    Break(
        "defaults tax",
        "markets/_defaults/tax.yaml",
        "",
        "# yaml-language-server: $schema=../../schemas/tax.schema.json\nprices_include_tax: maybe",
        "MKT101",
        "prices_include_tax: maybe",
        "maybe",
        ("se", "jp"),
        (),
    ),
    Break(
        "defaults warranty",
        "markets/_defaults/warranty.yaml",
        "months: 12",
        "months: twelve",
        "MKT101",
        "months: twelve",
        "twelve",
        ("se",),
        (),
    ),
    Break(
        "defaults rollout",
        "markets/_defaults/rollout.yaml",
        "features: {}",
        "features: [buyback]",
        "MKT101",
        "features: [buyback]",
        "[buyback]",
        ("jp",),
        (),
    ),
    Break(
        "feature catalogue",
        "markets/_defaults/features.yaml",
        "expires: 2027-06-30",
        "expires: someday",
        "MKT101",
        "expires: someday",
        "someday",
        ("se", "jp"),
        (),
    ),
    Break(
        "region tax",
        "markets/_regions/eu/tax.yaml",
        "",
        "system: vat",
        "MKT003",
        "system: vat",
        "system",
        ("se",),
        ("jp", "ca"),
    ),
    Break(
        "region warranty",
        "markets/_regions/eu/warranty.yaml",
        "  - days: 14",
        "  - days: fourteen",
        "MKT101",
        "days: fourteen",
        "fourteen",
        ("se",),
        ("jp", "ca"),
    ),
    Break(
        "environment",
        "markets/_environments/staging.yaml",
        "buyback: [{at: 2026-11-01T00:00, percent: 100}]",
        "buyback: [{at: 2026-11-01T00:00, percent: 100}]\n  buyback: []",
        "MKT003",
        "buyback: []",
        "buyback",
        ("se", "ca"),
        (),
    ),
    Break(
        "shared catalogue, syntax",
        SV,
        "",
        'cart.title: "x',
        "MKT001",
        'cart.title: "x',
        None,
        ("se",),
        ("jp", "ca"),
    ),
    Break(
        "shared catalogue, duplicate key",
        SV,
        "",
        'product.badge.refurbished: "Begagnad"',
        "MKT003",
        'product.badge.refurbished: "Begagnad"',
        "product.badge.refurbished",
        ("se",),
        ("jp", "ca"),
    ),
    Break(
        "shared catalogue along a CLDR chain (fr-CA -> fr)",
        "markets/_defaults/messages/fr.yaml",
        "",
        'product.badge.refurbished: "Reconditionné"',
        "MKT003",
        'product.badge.refurbished: "Reconditionné"',
        "product.badge.refurbished",
        ("ca",),
        ("jp", "se"),
    ),
    Break(
        "source catalogue",
        "markets/_defaults/messages/en.yaml",
        "",
        'product.badge.refurbished:\n  message: "Used"',
        "MKT003",
        "product.badge.refurbished:",
        "product.badge.refurbished",
        ("jp",),
        (),
    ),
]


def _apply(repo: Path, mistake: Break) -> tuple[str, int, int]:
    """Make the mistake; the (file, line, column) its finding must name."""
    path = repo / mistake.file
    if mistake.old:
        edit(path, mistake.old, mistake.new)
    else:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + mistake.new + "\n", encoding="utf-8")
    if mistake.code == "MKT001" and not mistake.old:
        # An unclosed quote at the end of the file: the stream ends on the line after it.
        lines = path.read_text(encoding="utf-8").count("\n")
        return mistake.file, lines + 1, 1
    if mistake.code == "MKT003":
        # The second of the two keys is the one reported: the last line holding the needle.
        numbered = path.read_text(encoding="utf-8").splitlines()
        line = max(n for n, text in enumerate(numbered, 1) if mistake.needle in text)
        return mistake.file, line, numbered[line - 1].index(mistake.word or mistake.needle) + 1
    return at(repo, mistake.file, mistake.needle, mistake.word)


@pytest.fixture
def config(repo: Path) -> Path:
    return copy_specs(repo)


@pytest.mark.parametrize("mistake", BREAKS, ids=[mistake.name for mistake in BREAKS])
def test_a_scoped_run_fails_on_a_shared_file_its_market_reads(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mistake: Break
) -> None:
    where = _apply(config, mistake)
    file, line, column = where

    unscoped = invoke(capsys, config, "validate", "--format", "json")
    everywhere = [
        (f["code"], f["file"], f["line"], f["column"])
        for f in json.loads(unscoped.out)["findings"]
        if f["file"] == file
    ]
    assert (unscoped.code, everywhere) == (1, [(mistake.code, file, line, column)])

    for market in mistake.readers:
        scoped = invoke(capsys, config, "validate", market, "--format", "json")
        found = [
            (f["code"], f["file"], f["line"], f["column"])
            for f in json.loads(scoped.out)["findings"]
            if f["file"] == file
        ]
        assert (scoped.code, found) == (1, everywhere), market

        selected = invoke(
            capsys, config, "validate", market, "--select", "MKT6", "--format", "json"
        )
        hidden = [
            (f["code"], f["file"], f["line"], f["column"])
            for f in json.loads(selected.out)["stopping"]
            if f["file"] == file
        ]
        assert (selected.code, hidden) == (1, everywhere), market

        prefix = f"{file}:{line}:{column}: {mistake.code} error: "
        output = tmp_path / f"dist-{market}"
        built = invoke(capsys, config, "build", market, "-o", str(output))
        assert built.code == 1
        assert [row for row in built.out.splitlines() if row.startswith(prefix)], built.out
        assert not output.exists()

        tested = invoke(capsys, config, "test", market)
        assert tested.code == 1
        assert [row for row in tested.out.splitlines() if row.startswith(prefix)], tested.out

    for market in mistake.others:
        assert invoke(capsys, config, "validate", market).code == 0, market
        assert invoke(capsys, config, "validate", market, "--select", "MKT6").code == 0, market
        assert invoke(capsys, config, "build", market, "-o", str(tmp_path / market)).code == 0
        assert invoke(capsys, config, "test", market).code == 0, market


def _validate(root: Path, home: Path, *args: str) -> tuple[int, list[tuple[str, str, int]]]:
    """validate as a process with the cache on: its exit code and every finding it fails on."""
    env = {k: v for k, v in os.environ.items() if k != "MARKETCTL_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(home)
    command = [sys.executable, "-m", "marketctl", "--root", str(root), "validate"]
    done = subprocess.run(
        [*command, "--format", "json", *args], capture_output=True, env=env, check=False
    )
    assert done.stderr == b""
    document = json.loads(done.stdout)
    failing = [
        (f["code"], f["file"], f["line"])
        for f in [*document["findings"], *document["stopping"]]
        if f["severity"] == "error"
    ]
    return done.returncode, failing


def test_the_cache_does_not_hide_a_broken_shared_catalogue(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache-home"
    assert _validate(repo, home)[0] == 0  # a full run: the unit store holds every catalogue
    assert _validate(repo, home, "se")[0] == 0

    (repo / SV).write_text((repo / SV).read_text("utf-8") + 'cart.title: "x\n', "utf-8")
    line = line_of(repo / SV, 'cart.title: "x') + 1
    broken = [("MKT001", SV, line)]

    assert _validate(repo, home, "se") == (1, broken)
    assert _validate(repo, home, "se", "--select", "MKT3") == (1, broken)
    assert _validate(repo, home, "--select", "MKT6") == (1, broken)
    assert _validate(repo, home) == (1, broken)  # the store now holds the broken catalogue
    assert _validate(repo, home, "se", "--select", "MKT3") == (1, broken)
    assert _validate(repo, home, "jp", "--select", "MKT3") == (0, [])
    assert _validate(repo, home, "jp") == (0, [])


def test_a_broken_catalogue_a_market_does_not_read_hides_none_of_its_findings(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "cache-home"
    assert _validate(repo, home)[0] == 0  # the unit store holds the clean tree
    jp_tax = "markets/jp/tax.yaml"
    edit(repo / jp_tax, "    - percent: 10\n", "    - percent: 11\n")
    rate = ("MKT312", jp_tax, line_of(repo / jp_tax, "- percent: 11"))
    (repo / SV).write_text((repo / SV).read_text("utf-8") + 'cart.title: "x\n', "utf-8")
    broken = ("MKT001", SV, line_of(repo / SV, 'cart.title: "x') + 1)

    assert _validate(repo, home, "jp") == (1, [rate])
    assert _validate(repo, home, "se") == (1, [broken])
    # The whole run, from the unit store and without it, says both.
    assert _validate(repo, home) == (1, sorted([broken, rate], key=lambda f: f[1]))
    assert _validate(repo, home, "--no-cache") == _validate(repo, home)
    assert invoke(capsys, repo, "validate", "jp").code == 1
