"""Rule documentation: ``marketctl rules`` and the generated docs/rules.md."""

from __future__ import annotations

import inspect

from marketctl.checks.rules import FAMILIES, Rule, catalogue


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
