"""One ICU subset (issue 13, item 6): the message rules and the runtime compiler accept exactly the
same messages, because both use marketctl.runtime.icusyntax; the parser agrees with
pyicumessageformat wherever the subset does not restrict ICU; anything outside the subset is a
finding at its position, never a crash of build."""

from __future__ import annotations

import contextlib
import json
import random
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pyicumessageformat import Parser

from clitools import at, edit, findings, invoke, places
from marketctl.checks.messageformat import Message, SyntaxProblem, parse_message
from marketctl.reference.cldr import currency_data, locale_data
from marketctl.runtime import icusyntax
from marketctl.runtime.icu import (
    MessageLocale,
    MessageSyntaxError,
    check_message,
    compile_message,
)

SV = "markets/_defaults/messages/sv.yaml"
LOCALE = MessageLocale.from_data(
    json.loads(json.dumps(locale_data("en-US"))),
    json.loads(json.dumps(currency_data("USD", ["en-US"]))),
)
# The runtime's configuration of pyicumessageformat before the shared parser: tags, "#" in tags.
REFERENCE = Parser(
    {
        "allow_tags": True,
        "require_other": False,
        "tag_type": "#tag",
        "subnumeric_types": ["plural", "selectordinal", "#tag"],
        "include_indices": True,
    }
)
# Why the subset refuses what ICU's grammar allows.
SUBSET_REASONS = re.compile(
    r"is not supported|unknown argument type|unsupported number style|invalid plural selector|"
    r"unknown plural category|is a branch of .* twice|Too much recursion"
)
# Where a branch's "}" is left out, the grammar notices inside the next branch; the subset says
# where the "}" belongs instead (issue 20). Both refuse the text; only the words and place differ.
UNCLOSED_BRANCH = 'Expected "}" to end the branch before '

# --- a generator of messages, valid and not --------------------------------------------------

TEXTS = ["Hi ", "a", " ", "''", "'{'", "'}'", "it's", "'", "<", "a < b", "{", "}", ",", "x'y"]
NAMES = ["n", "count", "name", "g"]
STYLES = ["integer", "percent", "currency", "::compact-short", "#,##0.0", "integer ", "'x'"]
TYPES = ["spellout", "date", "time, short", "tag", "ordinal", "nummer", "duration"]
SELECTORS = ["one", "few", "many", "two", "zero", "=0", "=1", "=1.5", "=x", "on", "a", "b"]


def _message(rng: random.Random, depth: int, plural: bool) -> str:
    parts = []
    for _ in range(rng.randint(0, 4)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(rng.choice(TEXTS))
        elif roll < 0.45:
            parts.append(f"{{{rng.choice(NAMES)}}}")
        elif roll < 0.55:
            style = rng.choice(["", *(f", {s}" for s in STYLES)])
            parts.append(f"{{{rng.choice(NAMES)}, number{style}}}")
        elif roll < 0.6:
            parts.append(f"{{{rng.choice(NAMES)}, {rng.choice(TYPES)}}}")
        elif roll < 0.68 and plural:
            parts.append(rng.choice(["#", "'#'", "# "]))
        elif roll < 0.8 and depth < 3:
            parts.append(_choice(rng, depth))
        elif depth < 3:
            name = rng.choice(["b", "i", "link", "br"])
            if rng.random() < 0.2:
                parts.append(f"<{name}/>")
            else:
                inner = _message(rng, depth + 1, plural)
                parts.append(f"<{name}>{inner}</{name}>")
    return "".join(parts)


def _choice(rng: random.Random, depth: int) -> str:
    kind = rng.choice(["plural", "selectordinal", "select"])
    offset = " offset:1" if kind == "plural" and rng.random() < 0.2 else ""
    selectors = rng.sample(SELECTORS, rng.randint(0, 3))
    if rng.random() < 0.85:
        selectors.append("other")
    if rng.random() < 0.05 and selectors:
        selectors.append(selectors[0])
    branches = " ".join(
        f"{selector} {{{_message(rng, depth + 1, kind != 'select')}}}" for selector in selectors
    )
    return f"{{{rng.choice(NAMES)}, {kind},{offset} {branches}}}"


def _mutate(rng: random.Random, text: str) -> str:
    if not text or rng.random() < 0.6:
        return text
    at = rng.randrange(len(text) + 1)
    roll = rng.random()
    if roll < 0.4:
        return text[:at]  # truncated
    if roll < 0.7:
        return text[:at] + rng.choice("{}<>/',# =") + text[at:]
    return text[:at] + text[at + 1 :]


def messages(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_mutate(rng, _message(rng, 0, False)) for _ in range(count)]


# --- normal forms of both parsers' trees -----------------------------------------------------


def _joined(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, str) and out and isinstance(out[-1], str):
            out[-1] += item
        elif item != "":
            out.append(item)
    return out


def ours(nodes: list[icusyntax.Node]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, icusyntax.Hash):
            out.append(("#",))
        elif isinstance(node, icusyntax.Argument):
            out.append(("arg", node.name, node.type, node.style))
        elif isinstance(node, icusyntax.Tag):
            out.append(("tag", node.name, node.closed, tuple(ours(node.contents))))
        else:
            options = tuple((o.selector, tuple(ours(o.contents))) for o in node.options)
            out.append(("choice", node.name, node.type, node.offset, options))
    return _joined(out)


def theirs(nodes: list[Any], source: str, plural: bool) -> list[Any]:
    """pyicumessageformat's tree in the same form; its "#" in a tag outside a plural is text."""
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node.get("hash"):
            out.append(("#",) if plural else "#")
        elif node.get("type") == "#tag":
            closed = source.endswith("/>", 0, node["end"]) and "contents" not in node
            closed = closed and source[node["start"] : node["end"]].endswith("/>")
            contents = tuple(theirs(node.get("contents", []), source, plural))
            out.append(("tag", node["name"], closed and not contents, contents))
        elif "options" in node:
            inner = node["type"] != "select"
            options = tuple(
                (selector, tuple(theirs(branch, source, inner)))
                for selector, branch in node["options"].items()
            )
            offset = node.get("offset", 0) if node["type"] != "select" else 0
            out.append(("choice", node["name"], node["type"], offset, options))
        else:
            out.append(("arg", node["name"], node.get("type"), node.get("format")))
    return _joined(out)


def reference(text: str) -> list[Any] | str:
    """pyicumessageformat's tree, or its error without the position."""
    try:
        return theirs(REFERENCE.parse(text), text, False)
    except SyntaxError as error:
        return str(error)
    except ValueError as error:  # "offset:-" reaches int("-")
        return f"ValueError: {error}"


# --- the tests -------------------------------------------------------------------------------


def _checks_accept(text: str) -> bool:
    """No finding of the message rules that does not depend on the locale: MKT503 (syntax),
    MKT505 and MKT507's missing `other`."""
    message = parse_message(text)
    return isinstance(message, Message) and all("other" in c.keys for c in message.choices)


def _runtime_accepts(text: str) -> bool:
    try:
        compile_message(text, LOCALE)
    except MessageSyntaxError:
        return False
    return True


GENERATED = messages(4000, seed=11)


def test_generated_messages_cover_both_outcomes() -> None:
    accepted = sum(_runtime_accepts(text) for text in GENERATED)
    assert 800 < accepted < 3200  # the generator exercises both sides
    assert sum(isinstance(parse_message(t), SyntaxProblem) for t in GENERATED) > 800


def test_rules_and_runtime_accept_the_same_messages() -> None:
    disagree = [t for t in GENERATED if _checks_accept(t) != _runtime_accepts(t)]
    assert disagree == []


def test_parser_agrees_with_pyicumessageformat() -> None:
    """Where both accept, the same tree; where the subset refuses what ICU's grammar accepts, a
    subset reason; where the grammar refuses, the same reason at the same position."""
    problems = []
    for text in GENERATED:
        expected = reference(text)
        try:
            got: list[Any] | str = ours(icusyntax.parse(text))
            where = None
        except icusyntax.ICUSyntaxError as error:
            got, where = error.reason, error.offset
        if isinstance(got, list):
            if got != expected:
                problems.append((text, got, expected))
        elif isinstance(expected, list) or expected.startswith("ValueError"):
            if not SUBSET_REASONS.search(got):
                problems.append((text, got, expected))
        elif got.startswith(UNCLOSED_BRANCH):
            assert where is not None
            # The reference refuses it too, further on.
            position = re.search(r" at position (\d+)", expected)
            if position is None or int(position.group(1)) <= where:
                problems.append((text, (got, where), expected))
        elif not SUBSET_REASONS.search(got):
            reason = re.sub(r" at position \d+", "", expected)
            position = re.search(r" at position (\d+)", expected)
            assert position is not None
            if (got, where) != (reason, int(position.group(1))):
                problems.append((text, (got, where), expected))
    assert problems == []


@pytest.mark.parametrize(
    ("text", "reason", "offset"),
    [
        ("{n, spellout}", "{n, spellout} is not supported", 4),
        ("Ab {n, time, short}", "{n, time} is not supported", 7),
        ("{n, number, ::compact-short}", "unsupported number style '::compact-short'", 12),
        ("{n, number, #,##0.0}", "unsupported number style '#,##0.0'", 12),
        ("{x, tag}", "unknown argument type 'tag'", 4),
        ("{n, plural, on {x} other {y}}", "unknown plural category 'on'", 12),
        ("{n, plural, =x {x} other {y}}", "invalid plural selector '=x'", 12),
        ("{n, plural, one {x} one {y} other {z}}", "'one' is a branch of {n} twice", 20),
        ("Hello {name", 'Expected , or } but found "<EOF>"', 11),
        # A branch's "}" left out: where it belongs, not 9 characters on at "#" (issue 20).
        (
            "{count, plural, one {# item other {# items}}",
            'Expected "}" to end the branch before "other {...}"',
            27,
        ),
        ("{g, select, a {x  b {#}}", 'Expected "}" to end the branch before "b {...}"', 16),
        ("{n, plural, =1 {x =2 {{}}", 'Expected "}" to end the branch before "=2 {...}"', 17),
        ("a</b>", 'Unexpected "</"', 1),
        ("<b>x</i>", 'Expected </b> but found "<"', 4),
    ],
)
def test_outside_the_subset_at_its_position(text: str, reason: str, offset: int) -> None:
    with pytest.raises(icusyntax.ICUSyntaxError) as caught:
        icusyntax.parse(text)
    assert caught.value.reason.startswith(reason)
    assert caught.value.offset == offset
    problem = parse_message(text)
    assert isinstance(problem, SyntaxProblem)
    assert (problem.message, problem.offset) == (caught.value.reason, offset)
    with pytest.raises(MessageSyntaxError, match=re.escape(reason)):
        compile_message(text, LOCALE)


def test_quoting_and_hash_contexts() -> None:
    assert ours(icusyntax.parse("It''s '{'x'}' # '<b>'")) == ["It's {x} # <b>"]
    nodes = icusyntax.parse("{n, plural, other {<b>#</b> '#' {g, select, other {#}}}}")
    choice = nodes[0]
    assert isinstance(choice, icusyntax.Choice)
    assert ours(choice.options[0].contents) == [
        ("tag", "b", False, (("#",),)),
        " # ",
        ("choice", "g", "select", 0, (("other", ("#",)),)),
    ]
    assert compile_message("{n, plural, other {<b>#</b> '#'}}", LOCALE).format({"n": 3}) == (
        "<b>3</b> #"
    )
    assert compile_message("{n, number, percent}", LOCALE).format({"n": Decimal("0.5")}) == "50%"


@pytest.mark.parametrize(
    ("old", "new", "word", "message"),
    [
        ("{gb, number, integer}", "{gb, spellout}", "spellout", "{gb, spellout} is not supported"),
        ("{gb, number, integer}", "{gb, time, short}", "time", "{gb, time} is not supported"),
        (
            "{gb, number, integer}",
            "{gb, number, ::compact-short}",
            "::compact",
            "unsupported number style '::compact-short'",
        ),
    ],
)
def test_outside_the_subset_is_a_finding_not_a_build_crash(
    repo: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, word: str, message: str
) -> None:
    edit(repo / SV, f'"{old} GB"', f'"{new} GB"')

    reported = [f for f in findings(capsys, repo) if f["code"].startswith("MKT5")]

    assert places(reported) == [("MKT503", *at(repo, SV, new, word))]
    assert message in reported[0]["message"]
    outcome = invoke(capsys, repo, "build")
    assert outcome.code == 1
    assert "MKT503" in outcome.out
    assert "Traceback" not in outcome.out + outcome.err


def _outcome(check: Callable[[], object]) -> str:
    try:
        check()
    except MessageSyntaxError as error:
        return f"{error} ({error.key})"
    return "accepted"


CURRENCY_TEXTS = [
    "{p, number, currency}",
    "{n, plural, one {{p, number, currency}} other {# for {p, number, currency}}}",
    "{n, plural, =0 {none} few {a few} many {many} two {two} zero {zero} other {#}}",
    "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}",
]


def test_in_a_locale_with_a_currency_the_check_refuses_what_the_compiler_refuses() -> None:
    """build checks every text without compiling it (check_message): in a locale with a
    currency, the text alone decides whether it compiles, the same way in every locale."""
    locales = [
        MessageLocale.from_data(locale_data(tag), currency_data(code, [tag]))
        for tag, code in [("en-US", "USD"), ("ja", "JPY"), ("ar-EG", "EGP"), ("pl", "PLN")]
    ]
    texts = GENERATED + CURRENCY_TEXTS
    differ = [
        (text, locale.tag)
        for text in texts
        for locale in locales
        if _outcome(partial(compile_message, text, locale, key="k"))
        != _outcome(partial(check_message, text, key="k"))
    ]
    assert differ == []
    accepted = [t for t in texts if _outcome(partial(check_message, t)) == "accepted"]
    assert 800 < len(accepted) < len(texts) - 800  # both outcomes are compared


def test_a_text_the_rules_parsed_is_checked_as_the_compiler_would_without_parsing_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The message rules parse through parse_nodes, which notes check_message's verdict: a
    build then checks those texts without parsing them, with the same outcome and words."""
    from marketctl.runtime import icu

    texts = GENERATED + CURRENCY_TEXTS
    monkeypatch.setattr(icu, "_VERDICTS", {})
    parsed = {text: _outcome(partial(check_message, text, key="k")) for text in texts}
    for text in texts:
        with contextlib.suppress(icusyntax.ICUSyntaxError):
            icu.parse_nodes(text)

    def no_parse(text: str) -> list[icusyntax.Node]:
        raise AssertionError(f"parsed again: {text!r}")

    monkeypatch.setattr(icu, "_parse", no_parse)
    noted = {text: _outcome(partial(check_message, text, key="k")) for text in texts}
    assert noted == parsed
    assert 400 < list(noted.values()).count("accepted") < len(noted) - 400  # both outcomes


def test_build_compiles_where_the_locale_has_no_currency() -> None:
    from marketctl.commands.bundle import check_compiles

    euro = MessageLocale.from_data(locale_data("fr-BE"), currency_data("EUR", ["fr-BE"]))
    none = MessageLocale.from_data(locale_data("fr-BE"))
    check_compiles("{p, number, currency}", euro, "a")
    with pytest.raises(MessageSyntaxError, match="needs a currency") as raised:
        check_compiles("{p, number, currency}", none, "b")
    assert raised.value.key == "b"
    for key in ("c", "d"):
        with pytest.raises(MessageSyntaxError, match="no 'other' branch") as raised:
            check_compiles("{n, plural, one {#}}", euro, key)
        assert raised.value.key == key
