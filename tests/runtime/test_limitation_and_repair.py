"""The forms issue 21 found missing, as data the runtime answers: a limitation period counted
from discovery with an ultimate period (Ontario's Limitations Act, 2002), and an extension of the
legal guarantee after a repair with its own validity (Directive (EU) 2024/1799 art. 16; Slovakia's
§ 619(4) Občiansky zákonník). The data here is a test fixture in a copy of the repository, built
with marketctl and read with runtime.load; the markets' own facts are the legal data's to write."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clitools import edit
from marketctl import runtime
from marketctl.runtime import LegalSource, Markets, RepairExtension, UltimatePeriod
from marketctl.testing import build_bundles

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURE = (
    '{title: "Test fixture, not the law", url: "URL", verified: false, missing: "a test fixture"}'
)
SOURCE = FIXTURE.replace("URL", "https://www.ontario.ca/laws/statute/02l24")
SLOVAK = FIXTURE.replace("URL", "https://www.slov-lex.sk/pravne-predpisy/SK/ZZ/1964/40/")
ANCHOR = "    until: 2022-04-30\n"  # the 1990 Act's interval: a region there, none today
REGION = f"""    regions:
      SE-AB:
        form: limitation
        years: 2
        counted_from: discovery
        ultimate:
          years: 15
          counted_from: act_or_omission
        source: {SOURCE}
"""
EXTENSION = f"""extension_after_repair:
  - months: 12
    from: 2026-07-31
    source: {SLOVAK}
burden_of_proof:
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    warranty = root / "markets/se/warranty.yaml"
    text = warranty.read_text(encoding="utf-8")
    end = text.index("\n  # ", text.index(ANCHOR)) + 1  # after the interval's source
    warranty.write_text(text[:end] + REGION + text[end:], encoding="utf-8")
    edit(warranty, "burden_of_proof:\n", EXTENSION)
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root, markets=["se"])


@pytest.fixture(scope="module")
def markets(built: Path) -> Markets:
    return runtime.load(built, insecure=True)


def test_a_limitation_from_discovery_with_an_ultimate_period(markets: Markets) -> None:
    guarantee = markets["se"].legal_guarantee(on=date(2020, 1, 1), region="SE-AB")

    assert (guarantee.form, guarantee.years, guarantee.counted_from) == (
        "limitation",
        2,
        "discovery",
    )
    assert guarantee.ultimate == UltimatePeriod(
        15,
        "act_or_omission",
        LegalSource(
            "Test fixture, not the law",
            "https://www.ontario.ca/laws/statute/02l24",
            verified=False,
            missing="a test fixture",
        ),
    )
    # The sentence says "after delivery": a period from discovery takes the general one.
    assert guarantee.message_arguments()["form"] == "other"
    assert markets["se"].legal_guarantee(on=date(2020, 1, 1), region="SE-O").ultimate is None


def test_the_extension_after_repair_is_answered_by_day(markets: Markets) -> None:
    se = markets["se"]
    before = se.legal_guarantee(on=date(2026, 7, 30))
    after = se.legal_guarantee(on=date(2026, 7, 31))

    assert before.extension_after_repair is None
    assert before.extension_after_repair_months == 0
    assert after.extension_after_repair_months == 12
    assert isinstance(after.extension_after_repair, RepairExtension)
    assert (after.extension_after_repair.valid_from, after.extension_after_repair.valid_until) == (
        date(2026, 7, 31),
        None,
    )
    assert se.legal_message_arguments("warranty.legal_guarantee", on=date(2026, 7, 31)) == {
        "form": "fixed",
        "months": 36,
        "years": 0,
        "extension_after_repair_months": 12,
    }
    assert (
        se.legal_message_arguments("warranty.legal_guarantee", on=date(2026, 7, 30))[
            "extension_after_repair_months"
        ]
        == 0
    )


def test_the_bundle_carries_both(built: Path) -> None:
    bundle: dict[str, Any] = json.loads((built / "se.json").read_text(encoding="utf-8"))
    warranty = bundle["warranty"]

    assert [(e["from"], e["until"], e["months"]) for e in warranty["extension_after_repair"]] == [
        ("2026-07-31", None, 12)
    ]
    region = warranty["legal_guarantee"][0]["regions"]["SE-AB"]
    assert region["ultimate"]["years"] == 15
    assert region["ultimate"]["counted_from"] == "act_or_omission"
    assert "ultimate" not in warranty["legal_guarantee"][0]


def test_a_bundle_without_them_has_no_new_keys(built: Path) -> None:
    # Older runtimes refuse unknown keys: markets without these forms keep their bundles as
    # they were (no extension_after_repair, no ultimate), so those runtimes still read them.
    de = (REPOSITORY / "schemas/bundle.schema.json").read_text(encoding="utf-8")
    assert '"extension_after_repair"' in de
    bundle = json.loads((built / "se.json").read_text(encoding="utf-8"))
    assert "ultimate" not in json.dumps(bundle["warranty"]["legal_guarantee"][-1])


def test_an_unknown_value_says_what_was_searched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clitools import findings, invoke

    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    searched = "Ν. 5159/2024 art. 5 not found on et.gr or kodiko.gr (searched 2026-12-08)"
    gr = root / "markets/gr/warranty.yaml"
    text, count = re.subn(
        r"(burden_of_proof:\n(?:\s*#.*\n)*)  - ",
        rf'\1  - unknown: "{searched}"\n    ',
        gr.read_text(encoding="utf-8"),
    )
    assert count == 1
    gr.write_text(text, encoding="utf-8")

    assert [f["code"] for f in findings(capsys, root, "gr") if f["code"].startswith("MKT1")] == []
    text = invoke(capsys, root, "sources", "gr").out
    assert f"    unknown: {searched}\n" in text
