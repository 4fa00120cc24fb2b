"""How fast marketctl parses ICU messages, beside pyicumessageformat and FormatJS (issue 11).

    python benchmarks/icu_parse.py [--rounds 5]
    npm install --prefix benchmarks/formatjs     # once, for the FormatJS column

The typical messages are every message text of the shipped catalogues (markets/**/messages);
the vectors are the 4,000 generated messages of tests/test_icu_subset.py, valid and not. For each
parser it prints microseconds per message (the median of ``--rounds`` passes, after one pass
that warms caches), and the ratio to marketctl's. marketctl's figure is the runtime parser
(``runtime.icusyntax``) and, apart, what the message rules pay per distinct text
(``checks.messageformat``: the parse plus the arguments, branches and length they compare).

Agreement: pyicumessageformat is checked tree for tree by the tests (tests/test_icu_subset.py);
FormatJS is compared here on which messages it accepts. marketctl refuses more (its subset
leaves out what the runtime does not format: spellout, dates, skeletons). The messages FormatJS
refuses and marketctl accepts are listed, to read: ICU's grammar differs there, and
pyicumessageformat sides with marketctl (a plural without ``other``, which the runtime refuses
when it compiles; an explicit ``=1.5``; a self-closing ``<b/>``; a space after a number style).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FORMATJS = ROOT / "benchmarks" / "formatjs"


def typical() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "markets").rglob("messages/*.yaml")):
        for value in (yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader) or {}).values():
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str):
                texts.append(value)
    return texts


def vectors() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_icu_subset import GENERATED

    return list(GENERATED)


def per_message(parse: Callable[[str], object], texts: list[str], rounds: int) -> float:
    def one_pass() -> float:
        start = time.perf_counter()
        for text in texts:
            with contextlib.suppress(Exception):  # refusing is part of the work timed
                parse(text)
        return time.perf_counter() - start

    one_pass()
    return statistics.median(one_pass() for _ in range(rounds)) / len(texts) * 1e6


def formatjs(texts: list[str], rounds: int) -> tuple[float, list[int]] | None:
    node = shutil.which("node")
    if node is None or not (FORMATJS / "node_modules").is_dir():
        return None
    done = subprocess.run(
        [node, str(FORMATJS / "parse.mjs"), str(rounds)],
        input=json.dumps(texts).encode(),
        capture_output=True,
        check=True,
    )
    result = json.loads(done.stdout)
    return float(result["microseconds"]), list(result["refused"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds

    from pyicumessageformat import Parser

    from marketctl.checks import messageformat
    from marketctl.runtime import icusyntax

    reference = Parser({"allow_tags": True, "require_other": False, "tag_type": "#tag"})
    for name, texts in (("typical (shipped catalogues)", typical()), ("vectors", vectors())):
        mean = sum(map(len, texts)) / len(texts)
        print(f"{name}: {len(texts)} messages, {mean:.0f} characters on average")
        ours = per_message(icusyntax.parse, texts, rounds)
        rows = [
            ("marketctl runtime.icusyntax", ours),
            (
                "marketctl checks (parse + what rules compare)",
                per_message(messageformat._parse, texts, rounds),
            ),
            ("pyicumessageformat", per_message(reference.parse, texts, rounds)),
        ]
        found = formatjs(texts, rounds)
        if found is not None:
            rows.append(("FormatJS icu-messageformat-parser (node)", found[0]))
        for label, micro in rows:
            print(f"  {label:<48} {micro:8.1f} us/message  {micro / ours:5.2f}x")
        if found is None:
            print("  FormatJS: not installed (npm install --prefix benchmarks/formatjs)")
            continue
        refused = set(found[1])
        accepted_by_us = {
            index for index, text in enumerate(texts) if not _refuses(icusyntax, text)
        }
        ours_refused = len(texts) - len(accepted_by_us)
        print(
            f"  acceptance: FormatJS refuses {len(refused)}, marketctl {ours_refused}; "
            f"refused by FormatJS but accepted by marketctl: {len(refused & accepted_by_us)}"
        )
        for index in sorted(refused & accepted_by_us)[:10]:
            print(f"    {texts[index]!r}")


def _refuses(icusyntax: object, text: str) -> bool:
    try:
        icusyntax.parse(text)  # type: ignore[attr-defined]
    except Exception:
        return True
    return False


if __name__ == "__main__":
    main()
