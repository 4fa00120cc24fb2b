"""Exports read, edited and written back by the tools translators use (issue 24): gettext's
``msgfmt -c``, polib (the PO library behind Weblate-style workflows), translate-toolkit's XLIFF 2.0
and PO stores and the npm ``xliff`` library; each edit comes back through ``translations import``.

Locally a missing tool skips its test; under CI (``CI=true``) it fails: .ci/run installs gettext,
the [test] extra polib and translate-toolkit, and ``npm ci --prefix tests/xliff`` the npm library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, line_of
from marketctl.commands.exchange import XLIFF_NS, ExchangeError, export_locale, import_files
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

CI = os.environ.get("CI") == "true"
XLIFF_TOOL = Path(__file__).parent / "xliff"
FR = "markets/_defaults/messages/fr.yaml"
FR_CA = "markets/ca/messages/fr-CA.yaml"
SK = "markets/_defaults/messages/sk.yaml"


def _available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _needs(available: bool, what: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not available and not CI, reason=f"{what} is not installed")


needs_msgfmt = _needs(shutil.which("msgfmt") is not None, "msgfmt (gettext)")
needs_polib = _needs(_available("polib"), "polib")
needs_toolkit = _needs(_available("translate.storage.xliff2"), "translate-toolkit")
needs_npm_xliff = _needs(
    shutil.which("node") is not None and (XLIFF_TOOL / "node_modules/xliff").is_dir(),
    "the npm xliff library (npm ci --prefix tests/xliff)",
)


def _export(root: Path, tag: str, fmt: str, out: Path) -> Path:
    name, data = export_locale(load_repository(WorktreeSource(root)), tag, fmt)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    return out / name


@needs_msgfmt
@pytest.mark.parametrize("tag", ["sv", "sk", "fr-CA", "ja", "de"])
def test_msgfmt_checks_the_exported_po(repo: Path, tmp_path: Path, tag: str) -> None:
    po = _export(repo, tag, "po", tmp_path)
    done = subprocess.run(
        ["msgfmt", "-c", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Only the translation-team fields an export cannot know are missing.
    assert [line for line in done.stderr.splitlines() if "header field" not in line] == []


@needs_polib
def test_polib_reads_the_export_and_its_edits_come_back(repo: Path, tmp_path: Path) -> None:
    import polib

    po = _export(repo, "sk", "po", tmp_path)
    catalog = polib.pofile(str(po))
    assert catalog.metadata["Plural-Forms"] == (
        "nplurals=3; plural=(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2);"
    )
    entries = {entry.msgctxt: entry for entry in catalog}
    assert len(entries) == 76
    assert all("icu-message-format" in entry.flags for entry in catalog)
    items = entries["cart.items"]
    assert "Slovak (sk) needs the plural categories one, few, many, other (CLDR)" in " ".join(
        items.comment.split()
    )
    assert "marketctl-export: source=" in items.comment
    entries["cart.title"].msgstr = "Nákupný košík"
    entries["cart.add_button"].msgstr = "Vložiť do košíka"
    entries["cart.add_button"].flags.append("fuzzy")  # a draft: not imported
    catalog.save(str(po))

    result = import_files(WorktreeSource(repo), repo, [po])
    assert (result.changed, result.skipped, result.findings) == (
        {SK: ["cart.title"]},
        {"fuzzy (PO): a draft": 1},
        [],
    )


@needs_toolkit
def test_translate_toolkit_reads_xliff_2_and_keeps_what_the_export_remembers(
    repo: Path, tmp_path: Path
) -> None:
    from translate.storage import xliff2

    path = _export(repo, "fr-CA", "xliff", tmp_path)
    store = xliff2.Xliff2File.parsefile(str(path))
    units = {unit.getid(): unit for unit in store.units}
    assert len(units) == 76
    inherited = units["cart.add_button"]  # fr-CA shows fr's text: translated, not empty
    assert (inherited.source, inherited.target, inherited.istranslated()) == (
        "Add to cart",
        "Ajouter au panier",
        True,
    )
    units["cart.title"].target = "Mon panier"
    units["cart.add_button"].target = "Mettre au panier"
    path.write_bytes(bytes(store))
    # fr changed the inherited text since the export: the file's edit of it is a conflict.
    edit(repo / FR, 'cart.add_button: "Ajouter au panier"', 'cart.add_button: "Ajouter"')

    result = import_files(WorktreeSource(repo), repo, [path])
    assert [(p.text.unit, p.message) for p in result.conflicts] == [
        (
            "cart.add_button",
            "'cart.add_button' changed in the repository since the export (now \"Ajouter\" at "
            f"{FR}:{line_of(repo / FR, 'cart.add_button:')}:18) and the file changes it to "
            '"Mettre au panier"',
        )
    ]
    taken = import_files(WorktreeSource(repo), repo, [path], decide="ours")
    assert (taken.added, taken.kept) == ({FR_CA: ["cart.title"]}, 1)


@needs_toolkit
def test_translate_toolkit_po_store_round_trips(repo: Path, tmp_path: Path) -> None:
    from translate.storage import pypo

    path = _export(repo, "sk", "po", tmp_path)
    store = pypo.pofile.parsefile(str(path))
    assert store.getheaderplural() == ("3", "(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2)")
    (unit,) = [u for u in store.units if u.getcontext() == "cart.title"]
    unit.target = "Nákupný košík"
    path.write_bytes(bytes(store))

    result = import_files(WorktreeSource(repo), repo, [path])
    assert (result.changed, result.findings) == ({SK: ["cart.title"]}, [])


def _npm_edit(source: Path, edited: Path, key: str, target: str, *indent: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(XLIFF_TOOL / "edit.mjs"), str(source), str(edited), key, target, *indent],
        capture_output=True,
        text=True,
        check=True,
    )
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


@needs_npm_xliff
def test_the_npm_xliff_library_reads_the_export_and_its_edit_comes_back(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "fr-CA", "xliff", tmp_path)
    edited = tmp_path / "edited.xlf"
    # Written without indentation: the library leaves text around inline codes alone then.
    seen = _npm_edit(path, edited, "cart.title", "Mon panier", "")
    assert (seen["units"], seen["target"]) == (76, "Votre panier")
    # The library drops <mda:metadata>, <originalData> and note categories but keeps the notes'
    # text, which says what the export was made from, and the codes' disp.
    assert any(note.startswith("marketctl-export: source=") for note in seen["notes"])
    assert "<originalData>" not in edited.read_text(encoding="utf-8")
    edit(repo / FR, 'cart.add_button: "Ajouter au panier"', 'cart.add_button: "Ajouter"')

    result = import_files(WorktreeSource(repo), repo, [edited])
    assert (result.added, result.conflicts, result.findings) == ({FR_CA: ["cart.title"]}, [], [])
    text = (repo / FR_CA).read_text(encoding="utf-8")
    assert "cart.add_button:" not in text  # the repository's newer fr text was not reverted
    assert "cart.subtotal:" not in text  # its inline codes came back as the same ICU text


@needs_npm_xliff
def test_inline_codes_the_npm_library_indents_are_refused_at_the_unit(
    repo: Path, tmp_path: Path
) -> None:
    path = _export(repo, "sv", "xliff", tmp_path)
    edited = tmp_path / "edited.xlf"
    _npm_edit(path, edited, "cart.title", "Kundvagn")  # the library's default indentation
    first = next(  # the first unit with an inline code in its source
        unit.get("name")
        for unit in ET.parse(path).getroot().iter(f"{{{XLIFF_NS}}}unit")
        if len(unit.find(f"{{{XLIFF_NS}}}segment/{{{XLIFF_NS}}}source"))  # type: ignore[arg-type]
    )
    line = next(
        n
        for n, text in enumerate(edited.read_text(encoding="utf-8").splitlines(), 1)
        if f'<unit id="{first}"' in text
    )
    with pytest.raises(ExchangeError) as raised:
        import_files(WorktreeSource(repo), repo, [edited])
    assert raised.value.message == (
        f"{edited}:{line}: unit '{first}': its source is not the English text it was exported "
        "with: a tool changed it (line breaks or spaces around inline codes?)"
    )
