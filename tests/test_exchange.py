"""Exchange with translation tools: XLIFF 2.0 and PO export and import."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from clitools import edit, line_of
from marketctl.commands import exchange
from marketctl.commands.exchange import ExchangeError, export_locale, import_files
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

NS = {"x": exchange.XLIFF_NS}


def _export(root: Path, tag: str, fmt: str, out: Path, missing_only: bool = False) -> Path:
    repository = load_repository(WorktreeSource(root))
    name, data = export_locale(repository, tag, fmt, missing_only=missing_only)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    return out / name


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "markets").rglob("*.yaml"))
    }


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_an_unchanged_round_trip_changes_no_byte_of_any_catalogue(
    repo: Path, tmp_path: Path, fmt: str
) -> None:
    before = _hashes(repo)
    tags = exchange.known_locales(load_repository(WorktreeSource(repo)))
    assert {"sv", "fr", "fr-CA", "ja", "sk"} <= set(tags)
    files = [_export(repo, tag, fmt, tmp_path / "out") for tag in tags]
    result = import_files(WorktreeSource(repo), repo, files)
    assert (result.added, result.changed, result.findings, result.conflicts) == ({}, {}, [], [])
    assert result.unchanged > 0
    assert _hashes(repo) == before


def test_xliff_export_carries_key_source_note_size_and_translation(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    root = ET.parse(path).getroot()
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "en", "sv")
    assert root.find("x:file", NS).get("original") == "markets/_defaults/messages/sv.yaml"  # type: ignore[union-attr]
    unit = root.find("x:file/x:unit[@name='product.badge.refurbished']", NS)
    assert unit is not None
    assert unit.get(f"{{{exchange.SLR_NS}}}sizeRestriction") == "16"
    assert unit.findtext("x:segment/x:source", namespaces=NS) == "Refurbished"
    assert unit.findtext("x:segment/x:target", namespaces=NS) == "Renoverad"
    assert unit.findtext("x:notes/x:note[@category='description']", namespaces=NS) == (
        "Badge on product cards and the product page marking a refurbished (not new) device. "
        "No arguments."
    )


def _edit_xliff(path: Path, key: str, target: str) -> None:
    tree = ET.parse(path)
    ET.register_namespace("", exchange.XLIFF_NS)
    ET.register_namespace("slr", exchange.SLR_NS)
    unit = tree.getroot().find(f"x:file/x:unit[@name='{key}']", NS)
    assert unit is not None
    segment = unit.find("x:segment", NS)
    assert segment is not None
    element = segment.find("x:target", NS)
    if element is None:
        element = ET.SubElement(segment, f"{{{exchange.XLIFF_NS}}}target")
    for code in list(element):  # plain ICU text instead of the inline codes: also accepted
        element.remove(code)
    element.text = target
    segment.set("state", "translated")  # as a translation tool marks an edited segment
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _edit_po(path: Path, key: str, target: str) -> None:
    catalog = read_po(io.BytesIO(path.read_bytes()))
    for message in catalog:
        if message.context == key:
            message.string = target
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    path.write_bytes(buffer.getvalue())


EDITORS = {"xliff": _edit_xliff, "po": _edit_po}


def _line_of_unit(path: Path, key: str) -> int:
    """The line of the XLIFF <unit> or the PO msgctxt that names ``key``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    wanted = (f'name="{key}"', f'msgctxt "{key}"')
    return next(n for n, line in enumerate(lines, 1) if any(w in line for w in wanted))


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_a_translation_tool_edit_is_written_in_place_and_nothing_else_moves(
    repo: Path, tmp_path: Path, fmt: str
) -> None:
    catalogue = repo / "markets/_defaults/messages/sv.yaml"
    before = catalogue.read_text(encoding="utf-8")
    path = _export(repo, "sv", fmt, tmp_path)
    EDITORS[fmt](path, "cart.title", "Kundvagn")
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.changed == {"markets/_defaults/messages/sv.yaml": ["cart.title"]}
    assert result.findings == []
    after = catalogue.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [
        '-cart.title: "Din varukorg"',
        '+cart.title: "Kundvagn"',
    ]


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_a_broken_placeholder_is_refused_with_its_finding_and_nothing_is_written(
    repo: Path, tmp_path: Path, fmt: str
) -> None:
    before = _hashes(repo)
    path = _export(repo, "sv", fmt, tmp_path)
    EDITORS[fmt](path, "product.price.from", "Från {pris, number, currency}")
    result = import_files(WorktreeSource(repo), repo, [path])
    unit = "unit 'product.price.from': " if fmt == "xliff" else ""
    assert [(f.code, str(f.location), f.message) for f in result.findings] == [
        (
            "MKT504",
            f"{path}:{_line_of_unit(path, 'product.price.from')}:1",
            f"{unit}'product.price.from' does not use the source's argument "
            "{price, number, currency} "
            "(the repository's text: markets/_defaults/messages/sv.yaml:9:21)",
        ),
        (
            "MKT504",
            f"{path}:{_line_of_unit(path, 'product.price.from')}:1",
            f"{unit}'product.price.from' uses {{pris}}, which is not an argument of the source "
            "(the repository's text: markets/_defaults/messages/sv.yaml:9:21)",
        ),
    ]
    assert _hashes(repo) == before


def test_a_new_key_of_an_override_goes_after_its_predecessor_in_source_order(
    repo: Path, tmp_path: Path
) -> None:
    catalogue = repo / "markets/ca/messages/fr-CA.yaml"
    before = catalogue.read_text(encoding="utf-8")
    path = _export(repo, "fr-CA", "xliff", tmp_path)
    _edit_xliff(path, "cart.title", "Votre panier d’achats")
    # A target equal to what fr-CA already shows through fr is not an override.
    _edit_xliff(path, "cart.add_button", "Ajouter au panier")
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.added == {"markets/ca/messages/fr-CA.yaml": ["cart.title"]}
    after = catalogue.read_text(encoding="utf-8")
    lines = after.splitlines()
    assert lines[lines.index('cart.title: "Votre panier d’achats"') - 1].startswith(
        "product.badge.refurbished:"
    )
    assert _changed_lines(before, after) == ['+cart.title: "Votre panier d’achats"']


def test_an_empty_target_never_deletes_a_translation(repo: Path, tmp_path: Path) -> None:
    before = _hashes(repo)
    path = _export(repo, "sv", "xliff", tmp_path)
    _edit_xliff(path, "cart.title", "")
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.empty == 1
    assert _hashes(repo) == before


def test_invisible_spaces_are_written_as_escapes(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "fr", "po", tmp_path)
    _edit_po(path, "cart.title", "Votre panier\u00a0!")
    import_files(WorktreeSource(repo), repo, [path])
    text = (repo / "markets/_defaults/messages/fr.yaml").read_text(encoding="utf-8")
    assert 'cart.title: "Votre panier\\u00a0!"' in text.splitlines()


def test_an_unknown_key_is_refused_with_the_line(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "po", tmp_path)
    text = path.read_text(encoding="utf-8").replace('msgctxt "cart.title"', 'msgctxt "cart.titel"')
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index('msgctxt "cart.titel"') + 1
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    assert raised.value.message == f"{path}:{line}: unknown message key 'cart.titel'"


def test_a_locale_no_market_serves_is_refused(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace('trgLang="sv"', 'trgLang="xx"'), encoding="utf-8"
    )
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    assert raised.value.message == f"{path}: no market serves the locale 'xx'"


def test_entities_and_doctypes_are_refused_before_parsing(repo: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlf"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        f'<xliff xmlns="{exchange.XLIFF_NS}" version="2.0" srcLang="en" trgLang="sv">&b;</xliff>\n',
        encoding="utf-8",
    )
    with pytest.raises(ExchangeError, match="declares a DOCTYPE or entities, which are refused"):
        import_files(WorktreeSource(repo), repo, [bomb])


def test_missing_only_exports_only_keys_that_fall_back_to_the_source(
    repo: Path, tmp_path: Path
) -> None:
    catalogue = repo / "markets/_defaults/messages/sv.yaml"
    catalogue.write_text(
        "\n".join(
            line
            for line in catalogue.read_text(encoding="utf-8").splitlines()
            if not line.startswith("cart.title:")
        )
        + "\n",
        encoding="utf-8",
    )
    path = _export(repo, "sv", "xliff", tmp_path, missing_only=True)
    names = [u.get("name") for u in ET.parse(path).getroot().iterfind("x:file/x:unit", NS)]
    assert names == ["cart.title"]


@pytest.mark.parametrize("encoding", ["Shift_JIS", "UTF-7", "ISO-8859-1"])
def test_an_xliff_declaring_an_encoding_other_than_utf_is_refused(
    repo: Path, tmp_path: Path, encoding: str
) -> None:
    before = _hashes(repo)
    path = _export(repo, "sv", "xliff", tmp_path)
    text = path.read_text(encoding="utf-8").replace("encoding='utf-8'", f'encoding="{encoding}"')
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    assert raised.value.message == (
        f'{path}:1: the file declares encoding="{encoding}", which is refused'
    )
    assert _hashes(repo) == before


def test_an_xliff_in_utf_16_with_its_declaration_is_read(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    _edit_xliff(path, "cart.title", "Kundvagn")
    text = path.read_text(encoding="utf-8").replace("encoding='utf-8'", 'encoding="UTF-16"')
    path.write_bytes(text.encode("utf-16"))
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.changed == {"markets/_defaults/messages/sv.yaml": ["cart.title"]}


def test_a_po_declaring_another_charset_is_refused_at_its_line(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "po", tmp_path)
    text = path.read_text(encoding="utf-8").replace("charset=utf-8", "charset=UTF-7")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "charset=UTF-7" in t)
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    assert raised.value.message == (
        f"{path}:{line}: the header declares charset=UTF-7, which is refused"
    )


def test_a_po_entry_with_msgid_plural_is_refused_with_the_reason(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "sv", "po", tmp_path)
    text = path.read_text(encoding="utf-8")
    start = text.index('msgctxt "cart.items"')
    end = text.index("\n\n", start)
    text = (
        text[:start]
        + 'msgctxt "cart.items"\nmsgid "{count} item"\nmsgid_plural "{count} items"\n'
        + 'msgstr[0] "{count} artikel"\nmsgstr[1] "{count} artiklar"'
        + text[end:]
    )
    path.write_text(text, encoding="utf-8")
    line = text[:start].count("\n") + 1
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    assert (raised.value.message, raised.value.hint) == (
        f"{path}:{line}: the entry 'cart.items' has msgid_plural forms, "
        "which marketctl does not import",
        "ICU plurals travel inside one text: write the whole "
        "{count, plural, one {...} other {...}} message in one msgstr",
    )


@pytest.mark.parametrize(
    ("fmt", "written", "shown"),
    [
        ("po", "Din\x00 varukorg", "the control character U+0000"),
        (
            "po",
            "Din \u202evarukorg",
            "U+202E RIGHT-TO-LEFT OVERRIDE, an invisible bidirectional control",
        ),
        (
            "xliff",
            "Din \u2066varukorg",
            "U+2066 LEFT-TO-RIGHT ISOLATE, an invisible bidirectional control",
        ),
    ],
)
def test_control_characters_in_a_translation_are_refused(
    repo: Path, tmp_path: Path, fmt: str, written: str, shown: str
) -> None:
    before = _hashes(repo)
    path = _export(repo, "sv", fmt, tmp_path)
    EDITORS[fmt](path, "cart.title", written)
    result = import_files(WorktreeSource(repo), repo, [path])
    unit = "unit 'cart.title': " if fmt == "xliff" else ""
    assert [(f.code, f.file, f.line, f.message) for f in result.findings] == [
        (
            "MKT512",
            str(path),
            _line_of_unit(path, "cart.title"),
            f"{unit}'cart.title' contains {shown} "
            "(the repository's text: markets/_defaults/messages/sv.yaml:21:13)",
        )
    ]
    assert _hashes(repo) == before


# --- three-way import (issue 24) -------------------------------------------------------------

SV = "markets/_defaults/messages/sv.yaml"
EN = "markets/_defaults/messages/en.yaml"


def _set_state(path: Path, key: str, state: str) -> None:
    tree = ET.parse(path)
    segment = tree.getroot().find(f"x:file/x:unit[@name='{key}']/x:segment", NS)
    assert segment is not None
    segment.set("state", state)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _where(path: Path, fmt: str, key: str) -> str:
    kind = f"unit '{key}'" if fmt == "xliff" else f"entry '{key}'"
    return f"{path}:{_line_of_unit(path, key)}: {kind}"


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_an_old_export_does_not_revert_a_text_changed_since(
    repo: Path, tmp_path: Path, fmt: str
) -> None:
    path = _export(repo, "sv", fmt, tmp_path)
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Varukorgen"')
    EDITORS[fmt](path, "cart.add_button", "Lägg till i varukorgen")
    result = import_files(WorktreeSource(repo), repo, [path])
    assert (result.changed, result.conflicts) == ({SV: ["cart.add_button"]}, [])
    assert 'cart.title: "Varukorgen"' in (repo / SV).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_a_text_both_sides_changed_is_a_conflict_until_decided(
    repo: Path, tmp_path: Path, fmt: str
) -> None:
    path = _export(repo, "sv", fmt, tmp_path)
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Varukorgen"')
    EDITORS[fmt](path, "cart.title", "Kundvagn")
    EDITORS[fmt](path, "cart.add_button", "Lägg till i varukorgen")
    before = _hashes(repo)
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.refused
    assert [(p.text.where, p.message, p.hint) for p in result.conflicts] == [
        (
            _where(path, fmt, "cart.title"),
            "'cart.title' changed in the repository since the export (now \"Varukorgen\" at "
            f'{SV}:{line_of(repo / SV, "cart.title:")}:13) and the file changes it to "Kundvagn"',
            "decide with --theirs (take the file's text) or --ours (keep the repository's), "
            "or export again and redo the edit",
        )
    ]
    assert _hashes(repo) == before  # not even the unconflicted cart.add_button

    ours = import_files(WorktreeSource(repo), repo, [path], decide="ours")
    assert (ours.kept, ours.changed) == (1, {SV: ["cart.add_button"]})
    assert 'cart.title: "Varukorgen"' in (repo / SV).read_text(encoding="utf-8").splitlines()

    theirs = import_files(WorktreeSource(repo), repo, [path], decide="theirs")
    assert theirs.changed == {SV: ["cart.title"]}
    assert 'cart.title: "Kundvagn"' in (repo / SV).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_a_translation_of_a_changed_source_is_left_out_or_marked_for_review(
    repo: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _export(repo, "sv", fmt, tmp_path)
    edit(repo / EN, 'message: "Your cart"', 'message: "Your shopping cart"')
    EDITORS[fmt](path, "cart.title", "Kundvagn")
    before = _hashes(repo)
    result = import_files(WorktreeSource(repo), repo, [path])
    assert (result.refused, result.changed) == (False, {})
    assert [(p.text.where, p.message, p.hint) for p in result.stale] == [
        (
            _where(path, fmt, "cart.title"),
            "'cart.title': the English source changed since the export (now \"Your shopping "
            "cart\"); the translation was made against the old one (the repository's text: "
            f"{SV}:{line_of(repo / SV, 'cart.title:')}:13): left out",
            "export again and translate the new source, or import with --take-stale to write "
            "it marked as needing review",
        )
    ]
    assert _hashes(repo) == before

    taken = import_files(WorktreeSource(repo), repo, [path], take_stale=True)
    assert (taken.changed, taken.review) == ({SV: ["cart.title"]}, {SV: ["cart.title"]})
    lines = (repo / SV).read_text(encoding="utf-8").splitlines()
    marked = 'cart.title: "Kundvagn"  # marketctl: needs-review'
    assert marked in lines

    from clitools import invoke

    shown = invoke(capsys, repo, "translations", "se")
    assert shown.out.splitlines()[-2:] == [
        "1 translation(s) need review (the source changed since they were made; delete the "
        "`# marketctl: needs-review` comment to accept one):",
        f"  {SV}:{lines.index(marked) + 1}: cart.title",
    ]
    as_json = json.loads(invoke(capsys, repo, "translations", "se", "--format", "json").out)
    assert as_json["needs_review"] == [
        {"file": SV, "line": lines.index(marked) + 1, "key": "cart.title"}
    ]


def test_drafts_are_skipped_and_counted(repo: Path, tmp_path: Path) -> None:
    before = _hashes(repo)
    po = _export(repo, "sv", "po", tmp_path / "po")
    catalog = read_po(io.BytesIO(po.read_bytes()))
    for message in catalog:
        if message.context in ("cart.title", "cart.add_button"):
            message.string = "Kundvagn"
            message.flags.add("fuzzy")
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    po.write_bytes(buffer.getvalue())
    xlf = _export(repo, "fr", "xliff", tmp_path / "xlf")
    _edit_xliff(xlf, "cart.title", "Mon panier")
    _set_state(xlf, "cart.title", "initial")
    result = import_files(WorktreeSource(repo), repo, [po, xlf])
    assert (result.skipped, result.changed) == (
        {"fuzzy (PO): a draft": 2, "state initial (XLIFF): a draft": 1},
        {},
    )
    assert exchange.render_import(result, "text").splitlines()[0] == (
        "3 unit(s) skipped for their state: 2 fuzzy (PO): a draft, 1 state initial (XLIFF): a draft"
    )
    assert _hashes(repo) == before


def test_a_team_that_requires_review_imports_reviewed_units_only(
    repo: Path, tmp_path: Path
) -> None:
    xlf = _export(repo, "sv", "xliff", tmp_path)
    _edit_xliff(xlf, "cart.title", "Kundvagn")  # state translated
    _edit_xliff(xlf, "cart.add_button", "Lägg till i varukorgen")
    _set_state(xlf, "cart.add_button", "reviewed")
    result = import_files(WorktreeSource(repo), repo, [xlf], require_review=True)
    assert (result.skipped, result.changed) == (
        {"state translated (XLIFF): not reviewed, and import_requires_review is set": 1},
        {SV: ["cart.add_button"]},
    )


def test_two_files_for_one_locale_merge_key_by_key_in_any_order(repo: Path, tmp_path: Path) -> None:
    xlf = _export(repo, "sv", "xliff", tmp_path / "a")
    po = _export(repo, "sv", "po", tmp_path / "b")
    _edit_xliff(xlf, "cart.title", "Kundvagn")
    _edit_po(po, "cart.add_button", "Lägg till i varukorgen")
    _edit_po(po, "cart.remove_button", "Radera")
    _edit_xliff(xlf, "cart.remove_button", "Radera")  # the same edit twice is no conflict
    result = import_files(WorktreeSource(repo), repo, [po, xlf])
    assert (result.changed, result.conflicts) == (
        {SV: ["cart.title", "cart.add_button", "cart.remove_button"]},
        [],
    )


def test_two_files_changing_a_key_differently_conflict_whatever_their_order(
    repo: Path, tmp_path: Path
) -> None:
    xlf = _export(repo, "sv", "xliff", tmp_path / "a")
    po = _export(repo, "sv", "po", tmp_path / "b")
    _edit_xliff(xlf, "cart.title", "Kundvagn")
    _edit_po(po, "cart.title", "Varukorgen")
    before = _hashes(repo)
    forward = import_files(WorktreeSource(repo), repo, [xlf, po])
    backward = import_files(WorktreeSource(repo), repo, [po, xlf], decide="theirs")
    expected = [
        (
            _where(xlf, "xliff", "cart.title"),
            f"the files change 'cart.title' differently: {_where(xlf, 'xliff', 'cart.title')} "
            f'says "Kundvagn"; {_where(po, "po", "cart.title")} says "Varukorgen"',
        )
    ]
    assert [(p.text.where, p.message) for p in forward.conflicts] == expected
    assert [(p.text.where, p.message) for p in backward.conflicts] == expected
    assert _hashes(repo) == before


def test_a_regional_export_carries_what_the_locale_inherits(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "fr-CA", "xliff", tmp_path)
    unit = ET.parse(path).getroot().find("x:file/x:unit[@name='cart.add_button']", NS)
    assert unit is not None
    assert unit.find("x:segment", NS).get("state") == "translated"  # type: ignore[union-attr]
    assert unit.findtext("x:segment/x:target", namespaces=NS) == "Ajouter au panier"
    assert unit.findtext("x:notes/x:note[@category='fallback']", namespaces=NS) == (
        "Inherited from fr: fr-CA shows the fr text. Changing the target makes it fr-CA's own "
        "text; leaving it as it is changes nothing."
    )


def test_plural_messages_name_the_categories_the_language_needs(repo: Path, tmp_path: Path) -> None:
    xlf = _export(repo, "sk", "xliff", tmp_path)
    unit = ET.parse(xlf).getroot().find("x:file/x:unit[@name='cart.items']", NS)
    assert unit is not None
    assert unit.findtext("x:notes/x:note[@category='plural']", namespaces=NS) == (
        "Slovak (sk) needs the plural categories one, few, many, other (CLDR): write a branch "
        "for each; =0-style exact branches are optional."
    )
    po = _export(repo, "sk", "po", tmp_path)
    header = read_po(io.BytesIO(po.read_bytes())).mime_headers
    assert dict(header)["Plural-Forms"] == (
        "nplurals=3; plural=(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2);"
    )


# --- inline codes (issue 24) -----------------------------------------------------------------


def _unit(path: Path, key: str) -> ET.Element:
    unit = ET.parse(path).getroot().find(f"x:file/x:unit[@name='{key}']", NS)
    assert unit is not None
    return unit


def test_arguments_and_tags_are_inline_codes_and_plural_branches_stay_visible(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    unit = _unit(path, "cart.subtotal")
    data = {d.get("id"): d.text for d in unit.iterfind("x:originalData/x:data", NS)}
    assert data == {"d1": "#", "d2": "<b>", "d3": "</b>", "d4": "{amount, number, currency}"}
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index('    <unit id="cart.subtotal" name="cart.subtotal">')
    target = next(line for line in lines[start:] if line.lstrip().startswith("<target>"))
    assert target.strip() == (
        "<target>Delsumma ({count, plural, one {"
        '<ph id="1" dataRef="d1" disp="#" equiv="#" /> vara} other {'
        '<ph id="2" dataRef="d1" disp="#" equiv="#" /> varor}}): '
        '<pc id="3" dataRefStart="d2" dataRefEnd="d3" dispStart="b" dispEnd="/b" equivStart="" '
        'equivEnd="">'
        '<ph id="4" dataRef="d4" disp="{amount, number, currency}" '
        'equiv="{amount, number, currency}" /></pc></target>'
    )


def _set_target_xml(path: Path, key: str, inner: str) -> None:
    """Replace a unit's <target> contents with ``inner`` (XLIFF markup), as a tool writes it."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f'<unit id="{key}"')
    opened = text.index("<target>", start) + len("<target>")
    closed = text.index("</target>", opened)
    path.write_text(text[:opened] + inner + text[closed:], encoding="utf-8")


def test_a_translation_made_with_the_codes_comes_back_as_icu(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    _set_target_xml(
        path,
        "cart.free_shipping_progress",
        'Handla för <pc id="1" dataRefStart="d1" dataRefEnd="d2"><ph id="2" dataRef="d3"/></pc>'
        " till, så är frakten gratis",
    )
    result = import_files(WorktreeSource(repo), repo, [path])
    assert (result.changed, result.findings) == ({SV: ["cart.free_shipping_progress"]}, [])
    assert (
        'cart.free_shipping_progress: "Handla för <b>{amount, number, currency}</b> till, så är '
        'frakten gratis"'
    ) in (repo / SV).read_text(encoding="utf-8").splitlines()


def test_codes_without_original_data_come_back_from_disp(repo: Path, tmp_path: Path) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    text = path.read_text(encoding="utf-8")
    start = text.index('<unit id="cart.free_shipping_progress"')
    cut = text.index("<originalData>", start)
    path.write_text(
        text[:cut] + text[text.index("</originalData>", cut) + len("</originalData>") :],
        encoding="utf-8",
    )
    _set_target_xml(
        path,
        "cart.free_shipping_progress",
        'Handla för <pc id="1" dispStart="b" dispEnd="/b">'
        '<ph id="2" disp="{amount, number, currency}"/></pc> till',
    )
    result = import_files(WorktreeSource(repo), repo, [path])
    assert result.changed == {SV: ["cart.free_shipping_progress"]}
    assert (
        'cart.free_shipping_progress: "Handla för <b>{amount, number, currency}</b> till"'
        in (repo / SV).read_text(encoding="utf-8").splitlines()
    )


def test_a_code_with_nothing_to_say_what_it_was_is_refused_at_its_unit(
    repo: Path, tmp_path: Path
) -> None:
    before = _hashes(repo)
    path = _export(repo, "sv", "xliff", tmp_path)
    _set_target_xml(path, "cart.free_shipping_progress", 'Handla för <ph id="9"/> till')
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [path])
    line = _line_of_unit(path, "cart.free_shipping_progress")
    assert raised.value.message == (
        f"{path}:{line}: unit 'cart.free_shipping_progress': <ph id='9'> has neither original "
        "data (dataRef) nor disp"
    )
    assert _hashes(repo) == before


def test_quoted_braces_line_breaks_and_broken_texts_keep_their_exact_text() -> None:
    from marketctl.commands.inline_codes import Pc, Ph, pieces, text_of

    assert pieces("It''s '{'literal'}' <b>{n}</b><br/>") == (
        "It''s '{'literal'}' ",
        Pc("<b>", "</b>", (Ph("{n}"),)),
        Ph("<br/>"),
    )
    for text in ("a {b", "{n, plural, one {# '#'} other {{x} #}}", "<b>x</i>", ""):
        assert text_of(pieces(text)) == text


def test_a_target_with_more_branches_than_its_source_copies_the_codes(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "sk", "xliff", tmp_path)
    target = _unit(path, "cart.items").find("x:segment/x:target", NS)
    assert target is not None
    codes = [(c.get("id"), c.get("copyOf"), c.get("dataRef"), c.get("disp")) for c in target]
    assert codes == [
        ("1", None, "d1", "#"),
        ("2", None, "d1", "#"),
        ("3", "1", None, "#"),  # Slovak's few and many: copies of the source's one code
        ("4", "1", None, "#"),
    ]
    assert import_files(WorktreeSource(repo), repo, [path]).changed == {}
