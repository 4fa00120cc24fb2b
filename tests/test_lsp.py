"""marketctl lsp, driven end to end by pytest-lsp's client over stdio, as an editor drives it.

The server runs as a real subprocess (``python -m marketctl lsp``) in a copy of this
repository. Its diagnostics are compared with ``marketctl validate --format json`` on the
same tree (the edit saved in a second copy), finding for finding.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import REPOSITORY

TIMEOUT = 60.0  # seconds for one round of diagnostics on a loaded 2-core machine


def _copy(root: Path) -> Path:
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return _copy(tmp_path / "config")


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "marketctl", "lsp"],
        server_env={"MARKETCTL_TODAY": "2026-12-08", "MARKETCTL_NO_CACHE": "1"},
    )
)
async def client(lsp_client: LanguageClient, workspace: Path) -> Any:
    rounds: list[dict[str, int]] = []  # the document versions each finished round checked
    lsp_client.rounds = rounds  # type: ignore[attr-defined]

    @lsp_client.feature("marketctl/validated")
    def _validated(params: Any) -> None:
        # [[uri, version], ...]: the versions of the open documents the round checked.
        rounds.append({str(uri): int(version) for uri, version in params.versions})

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="config")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def _round(client: LanguageClient, uri: str | None = None, version: int = 0) -> None:
    """Wait until a round of diagnostics has finished that checked ``uri`` at ``version`` or
    later (any round, without a uri)."""
    rounds: list[dict[str, int]] = client.rounds  # type: ignore[attr-defined]

    def done() -> bool:
        return any(uri is None or found.get(uri, 0) >= version for found in rounds)

    async def wait() -> None:
        while not done():
            await client.wait_for_notification("marketctl/validated")

    await asyncio.wait_for(wait(), TIMEOUT)


def _validate(root: Path) -> list[tuple[str, int, int, str, str, str]]:
    marketctl = Path(sys.executable).with_name("marketctl")
    done = subprocess.run(
        [str(marketctl), "--root", str(root), "validate", "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"MARKETCTL_TODAY": "2026-12-08", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode in (0, 1), done.stderr
    return sorted(
        (f["file"], f["line"], f["column"], f["code"], f["severity"], f["message"])
        for f in json.loads(done.stdout)["findings"]
    )


_SEVERITY = {1: "error", 2: "warning", 3: "info"}


def _published(
    client: LanguageClient, root: Path, texts: Path | None = None
) -> list[tuple[str, int, int, str, str, str]]:
    """The published diagnostics as validate's (file, line, column, ...): columns are
    converted from UTF-16 offsets with the lines of ``texts`` (the tree as the editor holds
    it; ``root`` by default)."""
    found = []
    for uri, diagnostics in client.diagnostics.items():
        relative = Path(uri.removeprefix("file://")).relative_to(root).as_posix()
        for d in diagnostics:
            lines = ((texts or root) / relative).read_text(encoding="utf-8").splitlines()
            text = lines[d.range.start.line] if d.range.start.line < len(lines) else ""
            units = text.encode("utf-16-le")[: d.range.start.character * 2]
            column = len(units.decode("utf-16-le")) + 1
            found.append(
                (
                    relative,
                    d.range.start.line + 1,
                    column,
                    str(d.code),
                    _SEVERITY[int(d.severity or 3)],
                    d.message,
                )
            )
    return sorted(found)


def _open(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "yaml", 1, path.read_text(encoding="utf-8"))
        )
    )
    return uri


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


@pytest.mark.asyncio
async def test_diagnostics_are_validates_findings_as_the_user_types(
    client: LanguageClient, workspace: Path, tmp_path: Path
) -> None:
    await _round(client)
    assert _published(client, workspace) == _validate(workspace)

    tax = workspace / "markets/se/tax.yaml"
    uri = _open(client, tax)
    edited = tax.read_text(encoding="utf-8").replace("- percent: 25\n", "- percent: 24\n", 1)
    _change(client, uri, 2, edited)
    await _round(client, uri, 2)

    saved = _copy(tmp_path / "saved")
    (saved / "markets/se/tax.yaml").write_text(edited, encoding="utf-8")
    expected = _validate(saved)
    assert any(f[0] == "markets/se/tax.yaml" for f in expected)
    # The editor's buffer is not on disk: positions are read from the saved copy.
    assert _published(client, workspace, saved) == expected


@pytest.mark.asyncio
async def test_a_broken_shared_catalogue_is_reported_where_it_breaks(
    client: LanguageClient, workspace: Path, tmp_path: Path
) -> None:
    await _round(client)
    catalogue = workspace / "markets/_defaults/messages/sv.yaml"
    uri = _open(client, catalogue)
    edited = catalogue.read_text(encoding="utf-8") + 'cart.title: "x\n'
    _change(client, uri, 2, edited)
    await _round(client, uri, 2)
    saved = _copy(tmp_path / "saved")
    (saved / "markets/_defaults/messages/sv.yaml").write_text(edited, encoding="utf-8")
    expected = _validate(saved)
    assert [f for f in expected if f[0].endswith("messages/sv.yaml")]
    assert _published(client, workspace, saved) == expected


@pytest.mark.asyncio
async def test_hover_explains_the_value_in_every_market(
    client: LanguageClient, workspace: Path
) -> None:
    warranty = workspace / "markets/_regions/eu/warranty.yaml"
    uri = _open(client, warranty)
    lines = warranty.read_text(encoding="utf-8").splitlines()
    row = next(n for n, text in enumerate(lines) if text.strip().startswith("months:"))
    column = lines[row].index("months:") + len("months: ")
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(row, column))
    )
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    # Every market of the region reads this file; the first eight are shown, then a count.
    assert text.startswith("**at** `warranty.legal_guarantee.0.months` = `24`  \nfrom markets/at/")
    assert text.endswith("… and 2 more markets")


@pytest.mark.asyncio
async def test_completion_offers_currencies_and_rule_codes(
    client: LanguageClient, workspace: Path
) -> None:
    market = workspace / "markets/se/market.yaml"
    uri = _open(client, market)
    lines = market.read_text(encoding="utf-8").splitlines()
    row = next(n for n, text in enumerate(lines) if text.startswith("currency:"))
    result = await client.text_document_completion_async(
        types.CompletionParams(
            types.TextDocumentIdentifier(uri), types.Position(row, len("currency: "))
        )
    )
    assert result is not None
    labels = [item.label for item in result.items]  # type: ignore[union-attr]
    assert "SEK" in labels and "EUR" in labels
    lines[row] = "currency: SEK  # marketctl: ignore["
    _change(client, uri, 2, "\n".join(lines) + "\n")
    result = await client.text_document_completion_async(
        types.CompletionParams(
            types.TextDocumentIdentifier(uri), types.Position(row, len(lines[row]))
        )
    )
    assert result is not None
    assert "MKT202" in [item.label for item in result.items]  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_a_did_you_mean_is_a_quick_fix(client: LanguageClient, workspace: Path) -> None:
    await _round(client)
    market = workspace / "markets/se/market.yaml"
    uri = _open(client, market)
    text = market.read_text(encoding="utf-8").replace("currency: SEK", "currency: SEC", 1)
    _change(client, uri, 2, text)
    await _round(client, uri, 2)
    row = next(n for n, line in enumerate(text.splitlines()) if line.startswith("currency:"))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(row, 0), types.Position(row, 13)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    (fix,) = [a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred]
    assert fix.title == "MKT202: replace with 'SEK'"
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri]
    assert (edit.range.start.character, edit.range.end.character, edit.new_text) == (
        10,
        13,
        "SEK",
    )


@pytest.mark.asyncio
async def test_definition_goes_to_the_layer_that_supplies_the_value(
    client: LanguageClient, workspace: Path
) -> None:
    # Canada's fr-CA catalogue overrides a text of the shared French catalogue: from the shared
    # text, the definition is where Canada writes its own, and the other French markets' value
    # is this very line (not listed).
    shared = workspace / "markets/_defaults/messages/fr.yaml"
    uri = _open(client, shared)
    lines = shared.read_text(encoding="utf-8").splitlines()
    row = next(n for n, text in enumerate(lines) if text.startswith("cart.continue_shopping:"))
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), types.Position(row, 30))
    )
    assert found is not None
    targets = {
        (
            Path(location.uri.removeprefix("file://")).relative_to(workspace).as_posix(),
            location.range.start.line + 1,
        )
        for location in found  # type: ignore[union-attr]
    }
    canada = workspace / "markets/ca/messages/fr-CA.yaml"
    canada_row = next(
        n
        for n, text in enumerate(canada.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("cart.continue_shopping:")
    )
    assert ("markets/ca/messages/fr-CA.yaml", canada_row) in targets
    assert all(
        file != "markets/_defaults/messages/fr.yaml" or line != row + 1 for file, line in targets
    )
