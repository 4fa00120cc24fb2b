"""``marketctl translations export/import``: catalogues to and from translation tools.

Translators work in translation tools, which speak XLIFF 2.0 (OASIS) and gettext PO. A locale is
exported as one file with a unit per source key: the key, the English source text, the
translator's description, ``max_length`` and the locale's current translation.

ICU messages stay ICU. A plural or select message is one unit whose source and target are the
whole ICU text (``{count, plural, one {# item} other {# items}}``), not gettext's
``msgid_plural`` forms: gettext plurals index the forms by a C expression per language and cannot
carry ``select``, ``selectordinal``, nested choices or explicit ``=0`` branches, and splitting a
message into fragments loses the sentence translators need to see. Translation tools that know ICU
(Crowdin, Phrase, Lokalise, Weblate with its ``icu-message-format`` check) show and check the
structure; every other tool shows the text. In XLIFF the ICU text is plain character data in
``<source>``/``<target>``; in PO it is ``msgid``/``msgstr`` with the flag ``icu-message-format``.

Import writes each incoming text into the catalogue that holds the locale's own translations (the
shared ``_defaults/messages/<lang>.yaml`` or a market's override file) by editing only the value
spans that change, so comments, order, quoting and escapes elsewhere in the file stay byte for
byte; an unchanged file is not written at all. Every incoming text is checked with the message
rules (MKT5xx) on the repository as it would be after the import before anything is written; an
empty target never deletes an existing translation.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode

from marketctl.checks.validation import validate_repository
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.errors import MarketctlError, UsageProblem
from marketctl.core.files import write_files
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.repository.loading import MARKETS, load_repository
from marketctl.repository.markets import DEFAULTS, Market, Repository
from marketctl.repository.settings import Settings
from marketctl.repository.sources import Source, SourceOn

__all__ = [
    "FORMATS",
    "ExchangeError",
    "ImportRefusedError",
    "ImportResult",
    "Unit",
    "UnknownLocaleError",
    "export_files",
    "export_locale",
    "import_files",
    "read_exchange_file",
    "render_import",
    "units_for",
]

FORMATS = ("xliff", "po")
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
SLR_NS = "urn:oasis:names:tc:xliff:sizerestriction:2.0"
ICU_FLAG = "icu-message-format"
# Incoming exchange files are capped before parsing: a catalogue of a few thousand keys is well
# under a megabyte.
MAX_EXCHANGE_BYTES = 16 * 1024 * 1024


class ExchangeError(MarketctlError):
    """An exchange file that cannot be imported (unknown locale or key, broken file, bad texts)."""


class UnknownLocaleError(ExchangeError, UsageProblem):
    """A locale named on the command line that no market serves: a usage error (exit 2)."""


class ImportRefusedError(ExchangeError):
    """Incoming texts break the message rules: nothing was written."""


@dataclass(frozen=True)
class Unit:
    """One message for a translator: the key and everything needed to translate it."""

    key: str
    source: str
    description: str = ""
    max_length: int | None = None
    target: str | None = None
    # Where the locale's text comes from today when its own file has none: (locale, text).
    fallback: tuple[str, str] | None = None


@dataclass(frozen=True)
class IncomingText:
    key: str
    target: str
    line: int


@dataclass(frozen=True)
class ExchangeFile:
    """What one XLIFF or PO file says: the locale and a text per key."""

    path: str
    locale: str
    texts: tuple[IncomingText, ...]


@dataclass
class ImportResult:
    """What an import changed, per catalogue file."""

    added: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    empty: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def written(self) -> list[str]:
        return sorted(set(self.added) | set(self.changed))

    @property
    def refused(self) -> bool:
        """True where an incoming text breaks a message rule: then nothing was written."""
        return any(finding.severity is Severity.ERROR for finding in self.findings)


# --- which catalogue a locale writes to ---------------------------------------------------------


def known_locales(repository: Repository) -> list[str]:
    """Every locale a translator can work on: each market's locales and their CLDR parents."""
    tags: dict[str, None] = {}
    for code in sorted(repository.markets):
        for tag in repository.market(code).locales:
            for chain_tag in fallback_chain(tag):
                if chain_tag != SOURCE_LOCALE:
                    tags.setdefault(chain_tag)
    for layer in repository.layers:
        for tag in layer.messages:
            if tag != SOURCE_LOCALE:
                tags.setdefault(tag)
    return sorted(tags)


def catalogue_path(repository: Repository, tag: str) -> str:
    """The file that holds ``tag``'s own translations, existing or to be created."""
    if tag == SOURCE_LOCALE:
        raise ExchangeError(
            f"'{tag}' is the source locale: its texts are written in "
            f"{MARKETS}/{DEFAULTS}/messages/{tag}.yaml, not imported",
            "export a target locale, e.g. `marketctl translations export sv`",
        )
    existing = [layer.messages[tag].path for layer in repository.layers if tag in layer.messages]
    if len(existing) == 1:
        return existing[0]
    if len(existing) > 1:
        raise ExchangeError(
            f"locale {tag} has catalogues in several places: {', '.join(sorted(existing))}",
            "keep one catalogue per locale (a shared one in _defaults or one market's override)",
        )
    known = known_locales(repository)
    if tag not in known:
        raise UnknownLocaleError(
            f"no market serves the locale '{tag}'",
            f"the locales are {', '.join(known)}; add the locale to a market's market.yaml first",
        )
    users = sorted(code for code in repository.markets if tag in repository.market(code).locales)
    if "-" in tag and len(users) == 1:
        return f"{MARKETS}/{users[0]}/messages/{tag}.yaml"
    return f"{MARKETS}/{DEFAULTS}/messages/{tag}.yaml"


def units_for(repository: Repository, tag: str, *, missing_only: bool = False) -> list[Unit]:
    """The units of one locale, in source order."""
    path = catalogue_path(repository, tag)
    own = _own_texts(repository, path)
    market = _a_market_using(repository, tag)
    units = []
    for key in repository.source_keys:
        entry = _source_entry(repository, key)
        target = own.get(key)
        fallback = None
        if target is None and market is not None:
            hit = market.message(tag, key)
            if hit is not None and hit.tag != tag:
                fallback = (hit.tag, hit.text)
        translated = target is not None or (fallback is not None and fallback[0] != SOURCE_LOCALE)
        if missing_only and translated:
            continue
        units.append(
            Unit(
                key=key,
                source=str(entry.get("message", "")),
                description=str(entry.get("description", "")),
                max_length=entry.get("max_length")
                if isinstance(entry.get("max_length"), int)
                else None,
                target=target,
                fallback=fallback,
            )
        )
    return units


def _source_entry(repository: Repository, key: str) -> dict[str, Any]:
    catalogue = repository.source_catalogue
    entry = catalogue.data.get(key) if catalogue is not None else None
    return entry if isinstance(entry, dict) else {}


def _own_texts(repository: Repository, path: str) -> dict[str, str]:
    for layer in repository.layers:
        for document in layer.messages.values():
            if document.path == path and isinstance(document.data, dict):
                return {k: v for k, v in document.data.items() if isinstance(v, str)}
    return {}


def _a_market_using(repository: Repository, tag: str) -> Market | None:
    """A market one of whose locales falls back along ``tag``: where its fallback is read."""
    for code in sorted(repository.markets):
        market = repository.market(code)
        if any(tag in fallback_chain(own) for own in market.locales):
            return market
    return None


# --- writing exchange files ----------------------------------------------------------------------


def export_locale(
    repository: Repository, tag: str, fmt: str, *, missing_only: bool = False
) -> tuple[str, bytes]:
    """The file name and bytes of one locale's exchange file."""
    units = units_for(repository, tag, missing_only=missing_only)
    original = catalogue_path(repository, tag)
    if fmt == "xliff":
        return f"{tag}.xlf", _write_xliff(tag, original, units)
    if fmt == "po":
        return f"{tag}.po", _write_po(tag, original, units)
    raise ExchangeError(f"unknown exchange format '{fmt}'", f"use one of {', '.join(FORMATS)}")


def export_files(
    repository: Repository,
    tags: Sequence[str],
    fmt: str,
    output: Path,
    *,
    missing_only: bool = False,
) -> list[tuple[Path, int]]:
    """Write one exchange file per locale into ``output``; each file is replaced atomically.

    Every locale is checked before anything is written, so a typo writes no file at all.
    """
    files = []
    for tag in dict.fromkeys(tags):
        name, data = export_locale(repository, tag, fmt, missing_only=missing_only)
        files.append(
            (output / name, data, len(units_for(repository, tag, missing_only=missing_only)))
        )
    for path, data, _ in files:
        _write_atomically(path, data)
    return [(path, count) for path, _, count in files]


def render_import(result: ImportResult, fmt: str) -> str:
    """What an import did (text or json), with the findings that refused it."""
    if fmt == "json":
        document = {
            "version": 1,
            "written": not result.refused and bool(result.written),
            "added": result.added,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "empty": result.empty,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity.value,
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "message": f.message,
                    "hint": f.hint,
                }
                for f in result.findings
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = [
        f"{f.location}: {f.code} {f.severity.value}: {f.message}"
        + (f"\n    hint: {f.hint}" if f.hint else "")
        for f in result.findings
    ]
    if not result.refused:
        for path in result.written:
            added, changed = result.added.get(path, []), result.changed.get(path, [])
            lines.append(f"{path}: {len(added)} added, {len(changed)} changed")
            lines.extend(f"  + {key}" for key in added)
            lines.extend(f"  ~ {key}" for key in changed)
        lines.append(
            f"{len(result.written)} catalogue(s) written; {result.unchanged} text(s) unchanged, "
            f"{result.empty} empty target(s) left alone"
        )
    return "\n".join(lines) + "\n"


def _write_xliff(tag: str, original: str, units: Sequence[Unit]) -> bytes:
    ET.register_namespace("", XLIFF_NS)
    ET.register_namespace("slr", SLR_NS)
    root = ET.Element(
        f"{{{XLIFF_NS}}}xliff", {"version": "2.0", "srcLang": SOURCE_LOCALE, "trgLang": tag}
    )
    file = ET.SubElement(root, f"{{{XLIFF_NS}}}file", {"id": "f1", "original": original})
    if any(unit.max_length is not None for unit in units):
        ET.SubElement(file, f"{{{SLR_NS}}}profiles", {"generalProfile": "xliff:codepoints"})
    for unit in units:
        attributes = {"id": _xliff_id(unit.key), "name": unit.key}
        if unit.max_length is not None:
            attributes[f"{{{SLR_NS}}}sizeRestriction"] = str(unit.max_length)
        element = ET.SubElement(file, f"{{{XLIFF_NS}}}unit", attributes)
        notes = ET.SubElement(element, f"{{{XLIFF_NS}}}notes")
        note = ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": "description"})
        note.text = unit.description
        ET.SubElement(
            notes, f"{{{XLIFF_NS}}}note", {"category": "format"}
        ).text = "ICU MessageFormat"
        if unit.fallback is not None:
            fallback = ET.SubElement(
                notes, f"{{{XLIFF_NS}}}note", {"category": "fallback", "appliesTo": "target"}
            )
            fallback.text = (
                f"Untranslated here; shown today from {unit.fallback[0]}: {unit.fallback[1]}"
            )
        segment = ET.SubElement(
            element,
            f"{{{XLIFF_NS}}}segment",
            {"state": "translated" if unit.target is not None else "initial"},
        )
        ET.SubElement(segment, f"{{{XLIFF_NS}}}source").text = unit.source
        if unit.target is not None:
            ET.SubElement(segment, f"{{{XLIFF_NS}}}target").text = unit.target
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _xliff_id(key: str) -> str:
    # XLIFF ids are NMTOKENs; message keys (letters, digits, dots, underscores) already are.
    return key


_PLACEHOLDER_HEADERS = (
    '"Report-Msgid-Bugs-To:',
    '"POT-Creation-Date:',
    '"PO-Revision-Date:',
    '"Last-Translator:',
    '"Language-Team:',
    '"Project-Id-Version:',
)


def _write_po(tag: str, original: str, units: Sequence[Unit]) -> bytes:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(
        locale=None,
        header_comment=(
            f"# {tag} translations of marketctl messages, for {original}.\n"
            "# Each msgstr is an ICU MessageFormat message: keep placeholders, plural and select\n"
            "# keywords and <tags> as they are in msgid.\n#"
        ),
        project="marketctl",
        fuzzy=False,
    )
    for unit in units:
        comments = [unit.description] if unit.description else []
        if unit.fallback is not None:
            comments.append(f"Untranslated here; shown today from {unit.fallback[0]}.")
        flags = [ICU_FLAG]
        if unit.max_length is not None:
            flags.append(f"max-length:{unit.max_length}")
        catalog.add(
            unit.source,
            unit.target or "",
            auto_comments=comments,
            flags=flags,
            context=unit.key,
        )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, omit_header=False)
    lines = buffer.getvalue().decode("utf-8").splitlines(keepends=True)
    # Babel fills the header with placeholders and the wall-clock time; an export is a function
    # of the catalogues (the same files give the same bytes), and tools need the Language.
    kept = [line for line in lines if not line.startswith(_PLACEHOLDER_HEADERS)]
    at = kept.index('"MIME-Version: 1.0\\n"\n') + 1
    kept.insert(at, f'"Language: {tag.replace("-", "_")}\\n"\n')
    text = "".join(kept)
    return text.encode("utf-8")


# --- reading exchange files ----------------------------------------------------------------------


def read_exchange_file(path: Path) -> ExchangeFile:
    """An XLIFF 2.0 or PO file's locale and texts; anything unsafe or malformed is refused."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ExchangeError(f"{path}: not a regular file", "pass an .xlf or .po file")
        if size > MAX_EXCHANGE_BYTES:
            raise ExchangeError(
                f"{path}: {size} bytes is more than an exchange file may hold "
                f"({MAX_EXCHANGE_BYTES} bytes)",
                "split the file by locale",
            )
        raw = path.read_bytes()
    except OSError as error:
        raise ExchangeError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if path.suffix.lower() in (".xlf", ".xliff") or raw.lstrip().startswith(b"<"):
        return _read_xliff(str(path), raw)
    if path.suffix.lower() in (".po", ".pot"):
        return _read_po(str(path), raw)
    raise ExchangeError(f"{path}: not an XLIFF (.xlf) or PO (.po) file")


def _refuse_dtd(path: str, raw: bytes) -> None:
    """Refuse DOCTYPEs, entity declarations and external references before parsing for real."""
    parser = xml.parsers.expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise ExchangeError(
            f"{path}: the file declares a DOCTYPE or entities, which are refused",
            "export the file again from the translation tool: XLIFF 2.0 needs no DTD",
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        parser.Parse(raw, True)
    except xml.parsers.expat.ExpatError as error:
        raise ExchangeError(
            f"{path}:{error.lineno}:{error.offset + 1}: not well-formed XML: "
            f"{xml.parsers.expat.ErrorString(error.code)}"
        ) from None


def _read_xliff(path: str, raw: bytes) -> ExchangeFile:
    _refuse_dtd(path, raw)
    line_of: dict[str, int] = {}
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == f"{XLIFF_NS} unit" and "name" in attributes:
            line_of.setdefault(attributes["name"], parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.Parse(raw, True)
    root = ET.fromstring(raw)
    if root.tag != f"{{{XLIFF_NS}}}xliff" or root.get("version") != "2.0":
        raise ExchangeError(
            f"{path}: not an XLIFF 2.0 document (root <{root.tag}> version {root.get('version')})",
            "export XLIFF 2.0 from the translation tool",
        )
    if root.get("srcLang") != SOURCE_LOCALE:
        raise ExchangeError(
            f"{path}: srcLang is '{root.get('srcLang')}', marketctl's source locale is "
            f"'{SOURCE_LOCALE}'"
        )
    tag = root.get("trgLang") or ""
    if not tag:
        raise ExchangeError(f"{path}: the <xliff> element has no trgLang", "set the target locale")
    texts = []
    for unit in root.iter(f"{{{XLIFF_NS}}}unit"):
        key = unit.get("name") or unit.get("id") or ""
        targets = [
            segment.find(f"{{{XLIFF_NS}}}target") for segment in unit.iter(f"{{{XLIFF_NS}}}segment")
        ]
        if len(targets) != 1:
            raise ExchangeError(
                f"{path}:{line_of.get(key, 1)}: unit '{key}' has {len(targets)} segments",
                "each message is one segment; do not split or join segments",
            )
        target = targets[0]
        text = "" if target is None else "".join(target.itertext())
        if target is not None and len(target):
            raise ExchangeError(
                f"{path}:{line_of.get(key, 1)}: unit '{key}' has inline elements in its target",
                "ICU placeholders are plain text ({name}); keep the target plain text",
            )
        texts.append(IncomingText(key, text, line_of.get(key, 1)))
    return ExchangeFile(path, tag, tuple(texts))


def _read_po(path: str, raw: bytes) -> ExchangeFile:
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        raise ExchangeError(f"{path}: not a valid PO file: {error}") from None
    tag = _po_language(raw)
    if not tag:
        raise ExchangeError(f"{path}: the PO header has no Language", 'add "Language: sv\\n"')
    # Findings point at the msgctxt line, which names the key (Babel counts the msgid's).
    context_lines: dict[str, int] = {}
    for number, written in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        if written.startswith('msgctxt "'):
            context_lines.setdefault(written[len('msgctxt "') :].rstrip().removesuffix('"'), number)
    texts = []
    for message in catalog:
        if not message.id or message.context is None:
            continue
        target = message.string if isinstance(message.string, str) else ""
        line = context_lines.get(message.context, message.lineno or 1)
        texts.append(IncomingText(message.context, target, line))
    return ExchangeFile(path, tag, tuple(texts))


def _po_language(raw: bytes) -> str:
    for line in raw.decode("utf-8", "replace").splitlines():
        stripped = line.strip()
        if stripped.startswith('"Language:'):
            return (
                stripped[len('"Language:') :]
                .strip()
                .strip('"')
                .removesuffix("\\n")
                .strip()
                .replace("_", "-")
            )
        if stripped.startswith("msgctxt"):
            break
    return ""


# --- importing -----------------------------------------------------------------------------------


def import_files(source: Source, root: Path, paths: Iterable[Path]) -> ImportResult:
    """Check every incoming text, then write the changed catalogues, or nothing at all."""
    repository = load_repository(source)
    if repository.source_catalogue is None:
        raise ExchangeError(
            "the source catalogue markets/_defaults/messages/en.yaml did not load",
            "run `marketctl validate` to see why",
        )
    keys = set(repository.source_keys)
    incoming: dict[str, dict[str, IncomingText]] = {}
    tags: dict[str, str] = {}
    result = ImportResult()
    for path in paths:
        exchange = read_exchange_file(path)
        try:
            target = catalogue_path(repository, exchange.locale)
        except UnknownLocaleError as unknown:
            # The locale comes from the file, not the command line: the file is refused.
            raise ExchangeError(f"{exchange.path}: {unknown.message}", unknown.hint) from None
        tags[target] = exchange.locale
        for text in exchange.texts:
            if text.key not in keys:
                raise ExchangeError(
                    f"{exchange.path}:{text.line}: unknown message key '{text.key}'",
                    "the keys are those of markets/_defaults/messages/en.yaml; export again",
                )
            if not text.target.strip():
                result.empty += 1
                continue
            incoming.setdefault(target, {})[text.key] = text

    new_files: dict[str, bytes] = {}
    for target, texts in incoming.items():
        current = _read_optional(source, target)
        updated, added, changed = _apply(target, current, texts, repository, tags[target])
        result.unchanged += len(texts) - len(added) - len(changed)
        if added:
            result.added[target] = added
        if changed:
            result.changed[target] = changed
        if added or changed:
            new_files[target] = updated
    if not new_files:
        return result

    after = load_repository(_OverlaySource(source, new_files))
    users = sorted(
        code
        for code in after.markets
        if any(
            tag in fallback_chain(own)
            for own in after.market(code).locales
            for tag in tags.values()
        )
    )
    report = validate_repository(after, users, Settings(select=("MKT0", "MKT1", "MKT5")))
    result.findings = [f for f in report.findings if f.file in new_files]
    if result.refused:
        return result
    try:
        write_files({root / target: data for target, data in sorted(new_files.items())})
    except OSError as error:
        raise MarketctlError(
            f"cannot write {error.filename}: {error.strerror}; nothing was imported",
            "make the catalogues writable and import the file again",
        ) from None
    return result


def _read_optional(source: Source, path: str) -> bytes | None:
    try:
        return source.read(path)
    except (OSError, KeyError):
        return None


def _apply(
    path: str,
    current: bytes | None,
    texts: dict[str, IncomingText],
    repository: Repository,
    tag: str,
) -> tuple[bytes, list[str], list[str]]:
    """The catalogue with the incoming texts: changed values edited in place, new keys inserted
    after their predecessor in source order."""
    if current is None:
        text = f"# yaml-language-server: $schema=../../../schemas/messages.schema.json\n# {tag}\n"
    else:
        text = current.decode("utf-8")
    spans = _value_spans(path, text)
    own = {key for key in spans}
    market = _a_market_using(repository, tag)
    edits: list[tuple[int, int, str]] = []
    added: list[str] = []
    changed: list[str] = []
    for key, incoming in texts.items():
        if key in spans:
            start, end, value = spans[key]
            if value != incoming.target:
                edits.append((start, end, _double_quoted(incoming.target)))
                changed.append(key)
            continue
        if market is not None:
            hit = market.message(tag, key)
            if hit is not None and hit.text == incoming.target and hit.tag != SOURCE_LOCALE:
                continue  # what it already shows through its parent: no override needed
        added.append(key)
    insertions: dict[int, list[str]] = {}
    order = repository.source_keys
    for key in sorted(added, key=order.index):
        before = [k for k in order[: order.index(key)] if k in own]
        offset = _line_end(text, spans[before[-1]][1]) if before else len(text)
        insertions.setdefault(offset, []).append(f"{key}: {_double_quoted(texts[key].target)}\n")
        own.add(key)
        spans[key] = (offset, offset, texts[key].target)
    for offset, entries in insertions.items():
        edits.append((offset, offset, "".join(entries)))
    if text and not text.endswith("\n") and any(o == len(text) for o in insertions):
        edits.append((len(text), len(text), "\n"))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text.encode("utf-8"), added, changed


def _line_end(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _value_spans(path: str, text: str) -> dict[str, tuple[int, int, str]]:
    """Each top-level key's value: (start, end) character offsets and its text."""
    if not text.strip():
        return {}
    yaml = YAML(typ="rt")
    try:
        node = yaml.compose(text)
    except YAMLError as error:
        raise ExchangeError(
            f"{path}: cannot edit the catalogue, it is not valid YAML: {error}",
            "run `marketctl validate` and fix it first",
        ) from None
    if node is None:
        return {}
    if not isinstance(node, MappingNode):
        raise ExchangeError(f"{path}: the catalogue is not a mapping", "run `marketctl validate`")
    spans = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and isinstance(value_node, ScalarNode):
            spans[str(key_node.value)] = (
                value_node.start_mark.index,
                value_node.end_mark.index,
                str(value_node.value),
            )
    return spans


_INVISIBLE = {0x00A0, 0x2007, 0x2009, 0x200A, 0x200B, 0x200C, 0x200D, 0x202F, 0x2060, 0xFEFF}


def _double_quoted(value: str) -> str:
    """A YAML double-quoted scalar; invisible spaces are written as escapes, as our files do."""
    out = ['"']
    for char in value:
        point = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif (
            point < 0x20
            or 0x7F <= point <= 0x9F
            or point in _INVISIBLE
            or 0xD800 <= point <= 0xDFFF
        ):
            out.append(f"\\u{point:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


class _OverlaySource(SourceOn):
    """A source with some files replaced: the repository as it would be after an import."""

    def __init__(self, base: Source, files: dict[str, bytes]) -> None:
        super().__init__(base)
        self._files = files

    def list_files(self, directory: str) -> list[str]:
        listed = set(super().list_files(directory))
        listed.update(path for path in self._files if path.startswith(directory.rstrip("/") + "/"))
        return sorted(listed)

    def linked_folders(self, directory: str) -> list[str]:
        return []  # an import is checked for the files it writes, not for links to folders

    def read(self, path: str) -> bytes:
        if path in self._files:
            return self._files[path]
        return super().read(path)

    def escapes_root(self, path: str) -> bool:
        return False if path in self._files else super().escapes_root(path)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
