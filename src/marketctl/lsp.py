"""``marketctl lsp``: a Language Server Protocol server over stdio (``pip install
'marketctl[lsp]'``).

An entry point like :mod:`marketctl.cli`: it adapts the protocol to
:class:`~marketctl.commands.editor.EditorSession`, which keeps one repository loaded and answers
with the functions the commands use. It publishes the same findings as ``marketctl validate``
(codes, positions, severities, settings, inline ignores) for every file that has any, after
each edit (debounced) and for the files an edit affects elsewhere: a shared catalogue broken in
one buffer shows where it breaks. Hover is ``explain`` for every market that reads the file,
and the rule's documentation on a finding; go to definition jumps to the layer that supplies the
value and to what it overrides; completion offers the codes a key takes; quick fixes apply a
finding's ``did you mean``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from marketctl import __version__
from marketctl.commands.editor import EditorSession, quick_fixes, token_span
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.errors import MarketctlError
from marketctl.repository.sources import find_root

__all__ = ["DEBOUNCE_SECONDS", "MarketctlLanguageServer", "serve"]

#: How long the server waits after an edit for the next one before it validates.
DEBOUNCE_SECONDS = 0.02

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def _utf16(text: str) -> int:
    """The length of ``text`` in UTF-16 code units: how LSP counts characters on a line."""
    return len(text.encode("utf-16-le")) // 2


class MarketctlLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("marketctl", __version__)
        self.session: EditorSession | None = None
        self.findings: tuple[Finding, ...] = ()
        self.published: dict[str, tuple[Finding, ...]] = {}
        self._lines: dict[str, list[str]] = {}  # files' lines, read once per round
        self._lock = threading.Lock()  # one validation at a time, in the worker thread
        self._pending: asyncio.TimerHandle | None = None
        self._running = False
        self._again = False
        self._versions: dict[str, int] = {}  # the document versions the running round checks

    # -- validation ----------------------------------------------------------------------

    def schedule(self) -> None:
        """Validate once the edits pause; edits during a validation make one more run."""
        loop = asyncio.get_running_loop()
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(DEBOUNCE_SECONDS, self._start)

    def _start(self) -> None:
        self._pending = None
        if self._running:
            self._again = True
            return
        self._running = True
        session = self.session
        # What this round checks: the editor's texts now, and the versions they are of.
        texts = dict(session.texts) if session is not None else {}
        self._versions = {
            uri: document.version
            for uri, document in self.workspace.text_documents.items()
            if document.version is not None
        }
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.thread_pool, self._validate, texts)
        future.add_done_callback(lambda done: loop.call_soon_threadsafe(self._finished, done))

    def _finished(self, done: asyncio.Future[tuple[Finding, ...] | None]) -> None:
        self._running = False
        error = done.exception()
        findings = None if error is not None else done.result()
        if findings is not None:
            self.publish(findings)
        else:
            if error is not None:
                self.window_log_message(
                    types.LogMessageParams(types.MessageType.Error, f"marketctl: {error!r}")
                )
            self.protocol.notify(
                "marketctl/validated",
                {"findings": None, "versions": sorted(self._versions.items())},
            )
        if self._again:
            self._again = False
            self._start()

    def _validate(self, texts: dict[str, bytes]) -> tuple[Finding, ...] | None:
        session = self.session
        if session is None:
            return None
        with self._lock:
            try:
                return session.validate(texts).findings
            except MarketctlError as error:
                self.window_log_message(
                    types.LogMessageParams(types.MessageType.Warning, f"marketctl: {error}")
                )
                return None

    def publish(self, findings: Sequence[Finding]) -> None:
        """Publish each file's diagnostics where they changed since the last round (a file
        that no longer has any gets an empty list), then say the round is over."""
        session = self.session
        if session is None:
            return
        self.findings = tuple(findings)
        self._lines.clear()
        by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            by_file.setdefault(finding.file, []).append(finding)
        for relative in sorted(set(by_file) | set(self.published)):
            current = tuple(by_file.get(relative, ()))
            if self.published.get(relative) == current:
                continue
            uri = from_fs_path(str(session.root / relative))
            if uri is None:
                continue
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=[self._diagnostic(f) for f in current]
                )
            )
        self.published = {relative: tuple(found) for relative, found in by_file.items()}
        # Clients that wait for a whole round (tests, benchmarks) wait for this.
        self.protocol.notify(
            "marketctl/validated",
            {"findings": len(self.findings), "versions": sorted(self._versions.items())},
        )

    def _diagnostic(self, finding: Finding) -> types.Diagnostic:
        start = self._position(finding.file, finding.line, finding.column)
        end = types.Position(start.line, start.character + self._token_length(finding))
        return types.Diagnostic(
            range=types.Range(start, end),
            message=finding.message,
            severity=_SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Information),
            code=finding.code,
            source="marketctl",
            data={"hint": finding.hint, "market": finding.market},
        )

    def _line(self, relative: str, line: int) -> str:
        """One line of a file as the editor holds it (read once per round)."""
        session = self.session
        if session is None:
            return ""
        lines = self._lines.get(relative)
        if lines is None:
            raw = session.texts.get(relative)
            if raw is None:
                try:
                    raw = (session.root / relative).read_bytes()
                except OSError:
                    raw = b""
            lines = raw.decode("utf-8", "replace").splitlines()
            self._lines[relative] = lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _position(self, relative: str, line: int, column: int) -> types.Position:
        """A finding's 1-based line and character column as LSP's 0-based line and UTF-16
        offset."""
        text = self._line(relative, line)
        prefix = text[: max(column - 1, 0)]
        return types.Position(max(line - 1, 0), _utf16(prefix))

    def _token_length(self, finding: Finding) -> int:
        """The scalar the finding points at (at least one character)."""
        text = self._line(finding.file, finding.line)
        span = token_span(text, finding.column - 1)
        if span is None:
            return 1
        start, end = span
        return max(1, _utf16(text[start:end]))

    # -- documents ------------------------------------------------------------------------

    def relative(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        if self.session is None or path is None:
            return None
        return self.session.relative(Path(path))

    def character_column(self, uri: str, position: types.Position) -> tuple[str, int, int] | None:
        """The file, 1-based line and character column of an LSP position."""
        relative = self.relative(uri)
        if relative is None:
            return None
        text = self._line(relative, position.line + 1)
        units = text.encode("utf-16-le")[: position.character * 2]
        return relative, position.line + 1, len(units.decode("utf-16-le", "ignore")) + 1


server = MarketctlLanguageServer()


@server.feature(types.INITIALIZED)
def _initialized(ls: MarketctlLanguageServer, params: types.InitializedParams) -> None:
    root = ls.workspace.root_path
    found = find_root(Path(root)) if root else None
    if found is None:
        ls.window_show_message(
            types.ShowMessageParams(
                types.MessageType.Warning,
                "marketctl: no markets/ folder at or above the workspace; nothing to check",
            )
        )
        return
    ls.session = EditorSession(found)
    ls.schedule()


def _set(ls: MarketctlLanguageServer, uri: str) -> None:
    relative = ls.relative(uri)
    if relative is None or ls.session is None:
        return
    ls.session.set_text(relative, ls.workspace.get_text_document(uri).source)
    ls._lines.pop(relative, None)
    ls.schedule()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def _opened(ls: MarketctlLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _set(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def _changed(ls: MarketctlLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _set(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def _saved(ls: MarketctlLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.session is not None:
        ls.session.saved()
        ls._lines.clear()
        ls.schedule()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def _closed(ls: MarketctlLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    relative = ls.relative(params.text_document.uri)
    if relative is not None and ls.session is not None:
        ls.session.close(relative)
        ls._lines.pop(relative, None)
        ls.schedule()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def _watched(ls: MarketctlLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    if ls.session is not None:
        ls.session.saved()
        ls._lines.clear()
        ls.schedule()


@server.feature(types.TEXT_DOCUMENT_HOVER)
def _hover(ls: MarketctlLanguageServer, params: types.HoverParams) -> types.Hover | None:
    place = ls.character_column(params.text_document.uri, params.position)
    if place is None or ls.session is None:
        return None
    relative, line, column = place
    try:
        text = ls.session.hover(relative, line, column, ls.findings)
    except MarketctlError:
        return None
    if not text:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def _definition(
    ls: MarketctlLanguageServer, params: types.DefinitionParams
) -> list[types.Location] | None:
    place = ls.character_column(params.text_document.uri, params.position)
    if place is None or ls.session is None:
        return None
    session = ls.session
    try:
        found = session.definitions(*place)
    except MarketctlError:
        return None
    locations = []
    for location in found:
        uri = from_fs_path(str(session.root / location.file))
        if uri is None:
            continue
        start = ls._position(location.file, location.line, location.column)
        locations.append(types.Location(uri, types.Range(start, start)))
    return locations or None


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[" ", "[", ",", "-"]),
)
def _complete(
    ls: MarketctlLanguageServer, params: types.CompletionParams
) -> types.CompletionList | None:
    relative = ls.relative(params.text_document.uri)
    if relative is None or ls.session is None:
        return None
    document = ls.workspace.get_text_document(params.text_document.uri)
    lines = document.lines
    row = params.position.line
    line_text = lines[row][: params.position.character] if row < len(lines) else ""
    try:
        found = ls.session.completions(
            relative, line_text, [text.rstrip("\n") for text in lines[:row]]
        )
    except MarketctlError:
        return None
    return types.CompletionList(
        is_incomplete=False,
        items=[
            types.CompletionItem(
                label=item.label, detail=item.detail or None, kind=types.CompletionItemKind.Value
            )
            for item in found
        ],
    )


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def _code_actions(
    ls: MarketctlLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    relative = ls.relative(params.text_document.uri)
    if relative is None:
        return None
    wanted = params.range
    actions = []
    for finding in ls.findings:
        if finding.file != relative or not (
            wanted.start.line <= finding.line - 1 <= wanted.end.line
        ):
            continue
        text = ls._line(relative, finding.line)
        line = finding.line - 1
        for number, (start, end, replacement) in enumerate(quick_fixes(finding, text)):
            span = types.Range(
                types.Position(line, _utf16(text[:start])),
                types.Position(line, _utf16(text[:end])),
            )
            actions.append(
                types.CodeAction(
                    title=f"{finding.code}: replace with '{replacement}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[ls._diagnostic(finding)],
                    is_preferred=number == 0,
                    edit=types.WorkspaceEdit(
                        changes={params.text_document.uri: [types.TextEdit(span, replacement)]}
                    ),
                )
            )
    return actions or None


def serve(argv: Any = None) -> None:
    """Serve on stdin and stdout until the client says exit."""
    server.start_io()
