"""Rule documentation: ``marketctl rules`` and the generated docs/rules.md."""

from __future__ import annotations

import difflib
import inspect
import json

from marketctl.checks.rules import FAMILIES, Rule, catalogue
from marketctl.core.errors import UsageProblem


def render_rules(code: str | None, output_format: str = "text") -> str:
    """``marketctl rules [CODE]``: the catalogue, or one rule; an unknown code is a usage error."""
    rules = list(catalogue().values())
    if code is not None:
        found = catalogue().get(code.upper())
        if found is None:
            guess = difflib.get_close_matches(code.upper(), list(catalogue()), n=1)
            raise UsageProblem(
                f"no rule {code}",
                f"did you mean {guess[0]}?" if guess else "run `marketctl rules` for the list",
            )
        rules = [found]
    if output_format == "json":
        document = {
            "version": 1,
            "rules": [
                {
                    "code": rule.code,
                    "name": rule.name,
                    "severity": rule.severity.value,
                    "family": rule.family,
                    "summary": rule.summary,
                    "retired": rule.retired,
                    "doc": inspect.cleandoc(rule.doc),
                }
                for rule in rules
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return render_catalogue() if code is None else render_rule(rules[0])


def render_catalogue() -> str:
    lines = []
    for rule in catalogue().values():
        state = " (retired)" if rule.retired else ""
        lines.append(
            f"{rule.code}  {rule.severity.value:<7}  {rule.name:<32} {rule.summary}{state}"
        )
    return "\n".join(lines) + "\n"


def render_rule(rule: Rule) -> str:
    header = f"{rule.code} {rule.name} ({rule.severity.value}, {rule.family})"
    return f"{header}\n\n{inspect.cleandoc(rule.doc)}\n"


def render_markdown() -> str:
    """docs/rules.md; a test fails when the committed file differs from this."""
    parts = [
        "# Rule catalogue",
        "",
        "Generated from the rule modules in `src/marketctl/checks/rules/` by "
        "`python -m marketctl.commands.ruledocs > docs/rules.md`; do not edit by hand.",
        "",
        "| code | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    rules = list(catalogue().values())
    for rule in rules:
        parts.append(
            f"| [{rule.code}](#{rule.code.lower()}) | {rule.name} | "
            f"{rule.severity.value} | {rule.summary} |"
        )
    family = None
    for rule in rules:
        if rule.family != family:
            family = rule.family
            prefix = next((p for p, name in FAMILIES.items() if name == family), "")
            parts += ["", f"## {prefix}xx: {family}"]
        parts += [
            "",
            f"### {rule.code}",
            "",
            f"`{rule.name}`, default severity **{rule.severity.value}**"
            + (" (retired: the code is never reused)" if rule.retired else ""),
            "",
            inspect.cleandoc(rule.doc),
        ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
