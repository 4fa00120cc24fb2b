from __future__ import annotations

import re
from pathlib import Path

from marketctl.checks.rules import FAMILIES, catalogue
from marketctl.commands.ruledocs import render_markdown
from marketctl.core.diagnostics import Severity

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_docs_rules_md_is_generated_from_the_rule_modules() -> None:
    expected = render_markdown()
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `python -m marketctl.commands.ruledocs > docs/rules.md`"
    )


def test_every_rule_is_documented_with_a_failing_and_a_passing_example() -> None:
    for code, rule in catalogue().items():
        assert re.fullmatch(r"MKT\d{3}", code)
        assert code[:4] in FAMILIES, code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), code
        assert isinstance(rule.severity, Severity)
        assert rule.summary.endswith("."), code
        assert "Failing example::" in rule.doc, code
        assert "Passing example::" in rule.doc, code


def test_rule_names_are_unique() -> None:
    names = [rule.name for rule in catalogue().values()]
    assert len(names) == len(set(names))
