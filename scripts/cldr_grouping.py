"""Regenerate ``src/marketctl/reference/data/cldr_minimum_grouping.json`` from CLDR's own data.

Babel does not expose CLDR's ``minimumGroupingDigits`` (UTS #35, Part 3, "Number Symbols" →
``<minimumGroupingDigits>``), so marketctl ships the value of every CLDR locale, read from the
``cldr-numbers-full`` package (the Unicode Consortium's JSON release of CLDR):

    npm ci --prefix tests/intl
    python scripts/cldr_grouping.py tests/intl/node_modules/cldr-numbers-full

The package's locales are resolved (each carries its inherited value); a default-content locale
such as ``sv-SE`` has no folder of its own and takes its parent's value. ``tests/intl`` checks
that the shipped file is what the pinned package says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "marketctl"
    / "reference"
    / "data"
    / "cldr_minimum_grouping.json"
)


def table(package: Path) -> dict[str, object]:
    """The shipped file's content: CLDR version, source, and locale → minimum grouping digits."""
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    locales: dict[str, int] = {}
    for folder in sorted((package / "main").iterdir()):
        numbers = json.loads((folder / "numbers.json").read_text(encoding="utf-8"))
        value = numbers["main"][folder.name]["numbers"]["minimumGroupingDigits"]
        locales[folder.name] = int(value)
    return {
        "cldr_version": version,
        "source": f"cldr-numbers-full {version}: main/<locale>/numbers.json, "
        "numbers.minimumGroupingDigits",
        "locales": locales,
    }


def render(content: dict[str, object]) -> str:
    return json.dumps(content, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/cldr_grouping.py PATH/TO/cldr-numbers-full", file=sys.stderr)
        return 2
    TARGET.write_text(render(table(Path(argv[0]))), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
