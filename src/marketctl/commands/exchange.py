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
structure; every other tool shows the text. In XLIFF, arguments and tags are inline codes that
tools protect, and the plural and select structure stays text around its branches
(:mod:`~marketctl.commands.inline_codes`); in PO the whole ICU text is ``msgid``/``msgstr`` with
the flag ``icu-message-format``.

Each unit carries what it was exported from (the SHA-256 of its source and target, in XLIFF
``<mda:metadata>`` and a note, in PO a ``#.`` comment), and import compares three ways per key:
the export, the repository now and the file (:func:`import_files`). Drafts (PO ``fuzzy``, XLIFF
``initial``) are not imported.

Import writes each incoming text into the catalogue that holds the locale's own translations (the
shared ``_defaults/messages/<lang>.yaml`` or a market's override file) by editing only the value
spans that change, so comments, order, quoting and escapes elsewhere in the file stay byte for
byte; an unchanged file is not written at all. Every incoming text is checked with the message
rules (MKT5xx) on the repository as it would be after the import before anything is written, and
the findings are reported at the unit of the file that brought the text; an empty target never
deletes an existing translation.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode

from marketctl.checks.coverage import REVIEW_MARK
from marketctl.checks.messageformat import (
    SyntaxProblem,
    language_name,
    parse_message,
    plural_categories,
)
from marketctl.checks.validation import validate_repository
from marketctl.commands.inline_codes import InlineCodeError, UnitCodes, pieces, read_inline
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.errors import MarketctlError, UsageProblem
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
MDA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"
# The metadata group and PO comment that carry what an export was made from.
EXPORT_META = "marketctl-export"
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

    @property
    def inherited(self) -> bool:
        """The locale shows a translation it inherits along its fallback chain (sk-SK from sk)."""
        return (
            self.target is None
            and self.fallback is not None
            and (self.fallback[0] != SOURCE_LOCALE)
        )

    @property
    def shown(self) -> str | None:
        """The target an export carries: the locale's own text, or the translation it inherits
        (issue 24: a regional export of a market translated through its parent is not empty)."""
        if self.target is not None:
            return self.target
        return self.fallback[1] if self.inherited and self.fallback is not None else None


def text_hash(text: str | None) -> str:
    """What an export remembers of a text: 16 hex digits of its SHA-256, empty for no text."""
    if text is None:
        return ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class IncomingText:
    """One unit (XLIFF) or entry (PO) of an exchange file."""

    key: str
    target: str
    line: int
    path: str = ""
    unit: str = ""  # the XLIFF unit id; empty for PO
    # Why the text is not final ("fuzzy", "state initial"), empty when it is.
    draft: str = ""
    # What the export was made from (text_hash), None where the file does not say.
    source_hash: str | None = None
    target_hash: str | None = None
    # The source text as the file has it, to check against source_hash.
    source: str | None = None

    @property
    def where(self) -> str:
        """``sv.xlf:12: unit 'cart.title'`` or ``sv.po:40: entry 'cart.title'``."""
        if self.unit:
            return f"{self.path}:{self.line}: unit '{self.unit}'"
        return f"{self.path}:{self.line}: entry '{self.key}'"


@dataclass(frozen=True)
class ImportProblem:
    """A unit the import did not take as it stands: a conflict, or a translation of an older
    source text."""

    text: IncomingText
    message: str
    hint: str

    def render(self) -> str:
        return f"{self.text.where}: {self.message}\n    hint: {self.hint}"


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
    # Both the repository and the file changed a text since the export, or two files disagree.
    conflicts: list[ImportProblem] = field(default_factory=list)
    # Translations made against an older source text: left out, or taken and marked for review.
    stale: list[ImportProblem] = field(default_factory=list)
    # Keys written with the needing-review mark, per catalogue.
    review: dict[str, list[str]] = field(default_factory=dict)
    # Units left out for their state (draft), by reason.
    skipped: dict[str, int] = field(default_factory=dict)
    # Conflicts decided for the repository's text (--ours).
    kept: int = 0

    @property
    def written(self) -> list[str]:
        return sorted(set(self.added) | set(self.changed))

    @property
    def refused(self) -> bool:
        """True where an incoming text breaks a message rule or a conflict is undecided: then
        nothing was written."""
        return bool(self.conflicts) or any(
            finding.severity is Severity.ERROR for finding in self.findings
        )


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
            "skipped_for_state": result.skipped,
            "kept_ours": result.kept,
            "needs_review": result.review,
            "conflicts": [_problem_json(p) for p in result.conflicts],
            "stale": [_problem_json(p) for p in result.stale],
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
    lines.extend(f"{problem.render()}" for problem in result.conflicts)
    lines.extend(f"{problem.render()}" for problem in result.stale)
    if result.skipped:
        lines.append(
            f"{sum(result.skipped.values())} unit(s) skipped for their state: "
            + ", ".join(f"{count} {why}" for why, count in sorted(result.skipped.items()))
        )
    if result.kept:
        lines.append(f"{result.kept} conflicting text(s) kept as the repository has them (--ours)")
    if not result.refused:
        for path in result.written:
            added, changed = result.added.get(path, []), result.changed.get(path, [])
            lines.append(f"{path}: {len(added)} added, {len(changed)} changed")
            lines.extend(f"  + {key}" for key in added)
            lines.extend(f"  ~ {key}" for key in changed)
            lines.extend(f"  ? {key} needs review" for key in result.review.get(path, []))
        lines.append(
            f"{len(result.written)} catalogue(s) written; {result.unchanged} text(s) unchanged, "
            f"{result.empty} empty target(s) left alone"
        )
    return "\n".join(lines) + "\n"


def _problem_json(problem: ImportProblem) -> dict[str, Any]:
    return {
        "file": problem.text.path,
        "line": problem.text.line,
        "unit": problem.text.unit or None,
        "key": problem.text.key,
        "message": problem.message,
        "hint": problem.hint,
    }


def _write_xliff(tag: str, original: str, units: Sequence[Unit]) -> bytes:
    ET.register_namespace("", XLIFF_NS)
    ET.register_namespace("slr", SLR_NS)
    ET.register_namespace("mda", MDA_NS)
    root = ET.Element(
        f"{{{XLIFF_NS}}}xliff", {"version": "2.0", "srcLang": SOURCE_LOCALE, "trgLang": tag}
    )
    file = ET.SubElement(root, f"{{{XLIFF_NS}}}file", {"id": "f1", "original": original})
    if any(unit.max_length is not None for unit in units):
        ET.SubElement(file, f"{{{SLR_NS}}}profiles", {"generalProfile": "xliff:codepoints"})
    filled: list[tuple[ET.Element, list[ET.Element]]] = []
    for unit in units:
        attributes = {"id": _xliff_id(unit.key), "name": unit.key}
        if unit.max_length is not None:
            attributes[f"{{{SLR_NS}}}sizeRestriction"] = str(unit.max_length)
        element = ET.SubElement(file, f"{{{XLIFF_NS}}}unit", attributes)
        # Modules come first in a unit (XLIFF 2.0 core schema); tools keep <mda:metadata>.
        metadata = ET.SubElement(element, f"{{{MDA_NS}}}metadata")
        group = ET.SubElement(metadata, f"{{{MDA_NS}}}metaGroup", {"category": EXPORT_META})
        for kind, text in (("source-sha256", unit.source), ("target-sha256", unit.shown)):
            ET.SubElement(group, f"{{{MDA_NS}}}meta", {"type": kind}).text = text_hash(text)
        notes = ET.SubElement(element, f"{{{XLIFF_NS}}}notes")
        # The same as a note, which libraries that drop modules keep (the npm xliff package).
        ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": EXPORT_META}).text = _made_from(
            unit
        )
        note = ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": "description"})
        note.text = unit.description
        ET.SubElement(
            notes, f"{{{XLIFF_NS}}}note", {"category": "format"}
        ).text = "ICU MessageFormat"
        guidance = plural_guidance(unit.source, tag)
        if guidance:
            ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": "plural"}).text = guidance
        if unit.fallback is not None:
            fallback = ET.SubElement(
                notes, f"{{{XLIFF_NS}}}note", {"category": "fallback", "appliesTo": "target"}
            )
            fallback.text = fallback_note(unit, tag)
        shown = unit.shown
        codes = UnitCodes(XLIFF_NS)
        # Filled apart and put in after ET.indent, which would indent mixed content.
        contents = [ET.Element(f"{{{XLIFF_NS}}}source")]
        codes.fill(contents[0], pieces(unit.source), source=True)
        if shown is not None:
            contents.append(ET.Element(f"{{{XLIFF_NS}}}target"))
            codes.fill(contents[1], pieces(shown), source=False)
        codes.original_data(element)
        segment = ET.SubElement(
            element,
            f"{{{XLIFF_NS}}}segment",
            {"state": "translated" if shown is not None else "initial"},
        )
        for content in contents:
            ET.SubElement(segment, content.tag)
        filled.append((segment, contents))
    ET.indent(root)
    for segment, contents in filled:
        for index, content in enumerate(contents):
            content.tail = segment[index].tail
            segment[index] = content
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _made_from(unit: Unit) -> str:
    return f"{EXPORT_META}: source={text_hash(unit.source)} target={text_hash(unit.shown)}"


def fallback_note(unit: Unit, tag: str) -> str:
    """What a unit without its own text shows today, and what editing it does."""
    assert unit.fallback is not None
    source, text = unit.fallback
    if unit.inherited:
        return (
            f"Inherited from {source}: {tag} shows the {source} text. Changing the target makes "
            f"it {tag}'s own text; leaving it as it is changes nothing."
        )
    return f"Untranslated here; shown today from {source}: {text}"


def plural_guidance(source: str, tag: str) -> str:
    """Which CLDR plural categories the target language needs for a plural message."""
    parsed = parse_message(source)
    if isinstance(parsed, SyntaxProblem):
        return ""
    kinds = sorted({choice.type for choice in parsed.choices} & {"plural", "selectordinal"})
    said = []
    for kind in kinds:
        categories = plural_categories(tag, ordinal=kind == "selectordinal")
        if categories is None:
            continue
        names = ", ".join(c for c in CLDR_ORDER if c in categories.categories)
        what = "plural" if kind == "plural" else "ordinal (selectordinal)"
        said.append(f"{language_name(tag)} needs the {what} categories {names} (CLDR)")
    if not said:
        return ""
    return "; ".join(said) + ": write a branch for each; =0-style exact branches are optional."


CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


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
            "# keywords and <tags> as they are in msgid. Plurals are ICU branches inside one\n"
            "# msgstr (gettext has no ICU): Plural-Forms is there for tools, msgid_plural is not\n"
            "# used.\n#"
        ),
        project="marketctl",
        fuzzy=False,
    )
    for unit in units:
        comments = [unit.description] if unit.description else []
        guidance = plural_guidance(unit.source, tag)
        if guidance:
            comments.append(guidance)
        if unit.inherited:
            comments.append(fallback_note(unit, tag))
        elif unit.fallback is not None:
            comments.append(f"Untranslated here; shown today from {unit.fallback[0]}.")
        comments.append(_made_from(unit))
        flags = [ICU_FLAG]
        if unit.max_length is not None:
            flags.append(f"max-length:{unit.max_length}")
        catalog.add(
            unit.source,
            unit.shown or "",
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
    plural_forms = _plural_forms(tag)
    if plural_forms:
        kept.insert(at + 1, f'"Plural-Forms: {plural_forms}\\n"\n')
    text = "".join(kept)
    return text.encode("utf-8")


def _plural_forms(tag: str) -> str:
    """gettext's Plural-Forms for the language (Babel derives it from CLDR)."""
    from babel.messages.plurals import get_plural

    try:
        return str(get_plural(tag.replace("-", "_")).plural_forms)
    except (ValueError, LookupError):
        return ""


# --- reading exchange files ----------------------------------------------------------------------


def read_exchange_file(path: Path, *, require_review: bool = False) -> ExchangeFile:
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
        return _read_xliff(str(path), raw, require_review)
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


_XML_DECLARATION = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_MADE_FROM = re.compile(EXPORT_META + r": source=([0-9a-f]*) target=([0-9a-f]*)")
_PO_CHARSET = re.compile(r'^"Content-Type:[^"]*charset=([^"\\;\s]*)', re.MULTILINE)
# XLIFF 2.0 files are XML, which every parser reads in UTF-8 and UTF-16; PO files are read as
# UTF-8 (gettext's own tools write nothing else for a catalogue with non-ASCII text). A file that
# declares anything else is refused before it is decoded (issue 22: Shift_JIS and UTF-7 once
# reached the parser and ended in a traceback).
XML_ENCODINGS = ("utf-8", "utf-16")
PO_CHARSETS = ("utf-8", "us-ascii", "ascii")


def _refuse_xml_encoding(path: str, raw: bytes) -> None:
    head = raw[:512]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    declared = _XML_DECLARATION.match(head.lstrip(b"\xef\xbb\xbf"))
    if declared is None:
        return  # no declaration: XML says UTF-8 (or UTF-16 with its byte order mark)
    encoding = declared.group(1).decode("ascii", "replace")
    if encoding.lower() not in XML_ENCODINGS:
        raise ExchangeError(
            f'{path}:1: the file declares encoding="{encoding}", which is refused',
            "export the file again as UTF-8 (or UTF-16), as XLIFF tools write it by default",
        )


def _xliff_draft(state: str, require_review: bool) -> str:
    """Why a segment's state is not final, or "". A missing state is read as translated: XLIFF
    says ``initial``, but libraries that write no state at all (the npm ``xliff``) would
    otherwise have every edit skipped."""
    if state == "initial":
        return "state initial (XLIFF): a draft"
    if state == "translated" and require_review:
        return "state translated (XLIFF): not reviewed, and import_requires_review is set"
    return ""


def _read_xliff(path: str, raw: bytes, require_review: bool = False) -> ExchangeFile:
    _refuse_xml_encoding(path, raw)
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
        data = {
            str(item.get("id")): "".join(item.itertext())
            for item in unit.iterfind(f"{{{XLIFF_NS}}}originalData/{{{XLIFF_NS}}}data")
        }
        source = next(unit.iter(f"{{{XLIFF_NS}}}segment")).find(f"{{{XLIFF_NS}}}source")
        try:
            text = "" if target is None else read_inline(target, data, XLIFF_NS)
            written = None if source is None else read_inline(source, data, XLIFF_NS)
        except InlineCodeError as error:
            raise ExchangeError(
                f"{path}:{line_of.get(key, 1)}: unit '{unit.get('id') or key}': {error}",
                "keep the inline codes the export wrote (copy them from the source)",
            ) from None
        segment_state = next(unit.iter(f"{{{XLIFF_NS}}}segment")).get("state", "")
        hashes = {
            meta.get("type"): (meta.text or "").strip()
            for meta in unit.iterfind(
                f"{{{MDA_NS}}}metadata/{{{MDA_NS}}}metaGroup[@category='{EXPORT_META}']"
                f"/{{{MDA_NS}}}meta"
            )
        }
        if not hashes:
            noted = _MADE_FROM.search(
                "\n".join(note.text or "" for note in unit.iter(f"{{{XLIFF_NS}}}note"))
            )
            if noted is not None:
                hashes = {"source-sha256": noted.group(1), "target-sha256": noted.group(2)}
        texts.append(
            IncomingText(
                key,
                text,
                line_of.get(key, 1),
                path=path,
                unit=unit.get("id") or key,
                draft=_xliff_draft(segment_state, require_review),
                source_hash=hashes.get("source-sha256"),
                target_hash=hashes.get("target-sha256"),
                source=written,
            )
        )
    return ExchangeFile(path, tag, tuple(texts))


def _read_po(path: str, raw: bytes) -> ExchangeFile:
    from babel.messages.pofile import PoFileError, read_po

    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ExchangeError(
            f"{path}:{line}: the file is not UTF-8 (byte {error.start})",
            "save the PO file as UTF-8 with charset=UTF-8 in its Content-Type header",
        ) from None
    charset = _PO_CHARSET.search(decoded)
    if charset is not None and charset.group(1).lower() not in PO_CHARSETS:
        line = decoded[: charset.start()].count("\n") + 1
        raise ExchangeError(
            f"{path}:{line}: the header declares charset={charset.group(1)}, which is refused",
            "save the PO file as UTF-8 with charset=UTF-8 in its Content-Type header",
        )
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
        if isinstance(message.id, tuple | list):
            key = message.context or str(message.id[0])
            raise ExchangeError(
                f"{path}:{context_lines.get(key, message.lineno or 1)}: the entry "
                f"'{key}' has msgid_plural forms, which marketctl does not import",
                "ICU plurals travel inside one text: write the whole "
                "{count, plural, one {...} other {...}} message in one msgstr",
            )
        if not message.id or message.context is None:
            continue
        target = message.string if isinstance(message.string, str) else ""
        line = context_lines.get(message.context, message.lineno or 1)
        made_from = _MADE_FROM.search("\n".join(message.auto_comments))
        texts.append(
            IncomingText(
                message.context,
                target,
                line,
                path=path,
                draft="fuzzy (PO): a draft" if message.fuzzy else "",
                source_hash=made_from.group(1) if made_from else None,
                target_hash=made_from.group(2) if made_from else None,
                source=message.id if isinstance(message.id, str) else None,
            )
        )
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


DECISIONS = ("theirs", "ours")


def import_files(
    source: Source,
    root: Path,
    paths: Iterable[Path],
    *,
    decide: str | None = None,
    take_stale: bool = False,
    require_review: bool = False,
) -> ImportResult:
    """Check every incoming text, then write the changed catalogues, or nothing at all.

    Each unit is compared three ways (issue 24): the text it was exported with (the hashes the
    export wrote), the repository's text now, and the file's. A text only the file changed is
    taken; one only the repository changed is kept; one both changed is a conflict, decided by
    ``decide`` ("theirs": the file's, "ours": the repository's) or refused. A translation made
    against a source text that has changed since is left out, or with ``take_stale`` written and
    marked as needing review. Several files for one locale are merged key by key, in an order
    that does not depend on the command line: two files changing a key differently conflict.
    """
    repository = load_repository(source)
    if repository.source_catalogue is None:
        raise ExchangeError(
            "the source catalogue markets/_defaults/messages/en.yaml did not load",
            "run `marketctl validate` to see why",
        )
    keys = set(repository.source_keys)
    tags: dict[str, str] = {}
    result = ImportResult()
    # (catalogue, key) -> the units that change it, from every file.
    candidates: dict[tuple[str, str], list[IncomingText]] = {}
    review: set[tuple[str, str]] = set()
    now: dict[str, dict[str, Unit]] = {}
    places: dict[str, dict[str, str]] = {}
    for path in sorted(paths, key=str):
        exchange = read_exchange_file(path, require_review=require_review)
        try:
            target = catalogue_path(repository, exchange.locale)
        except UnknownLocaleError as unknown:
            # The locale comes from the file, not the command line: the file is refused.
            raise ExchangeError(f"{exchange.path}: {unknown.message}", unknown.hint) from None
        tags[target] = exchange.locale
        if exchange.locale not in now:
            now[exchange.locale] = {u.key: u for u in units_for(repository, exchange.locale)}
        for text in exchange.texts:
            if text.key not in keys:
                raise ExchangeError(
                    f"{exchange.path}:{text.line}: unknown message key '{text.key}'",
                    "the keys are those of markets/_defaults/messages/en.yaml; export again",
                )
            if text.source is not None and text.source_hash not in (None, text_hash(text.source)):
                raise ExchangeError(
                    f"{text.where}: its source is not the English text it was exported with: "
                    "a tool changed it (line breaks or spaces around inline codes?)",
                    "export again and leave sources as they are (the npm xliff library: "
                    "js2xliff(js, {indent: ''}) keeps mixed content unchanged)",
                )
            if not text.target.strip():
                result.empty += 1
                continue
            unit = now[exchange.locale][text.key]
            if exchange.locale not in places:
                places[exchange.locale] = _places(source, repository, exchange.locale)
            place = places[exchange.locale].get(text.key, "")
            taken = _three_way(text, unit, decide, take_stale, result, place)
            if taken:
                candidates.setdefault((target, text.key), []).append(text)
                if text.source_hash is not None and text.source_hash != text_hash(unit.source):
                    review.add((target, text.key))
    incoming: dict[str, dict[str, IncomingText]] = {}
    order = {key: index for index, key in enumerate(repository.source_keys)}
    for (target, key), offers in sorted(
        candidates.items(), key=lambda c: (c[0][0], order[c[0][1]])
    ):
        if len({offer.target for offer in offers}) > 1:
            if decide == "ours":
                result.kept += 1
                continue
            said = "; ".join(f'{offer.where} says "{offer.target}"' for offer in offers)
            result.conflicts.append(
                ImportProblem(
                    offers[0],
                    f"the files change '{key}' differently: {said}",
                    "keep one of the texts in the files and import again, or --ours to keep "
                    "the repository's",
                )
            )
            continue
        incoming.setdefault(target, {})[key] = offers[0]
    if result.conflicts:
        return result

    new_files: dict[str, bytes] = {}
    for target, texts in incoming.items():
        current = _read_optional(source, target)
        marked = {key for (path, key) in review if path == target}
        updated, added, changed = _apply(target, current, texts, repository, tags[target], marked)
        if marked & {*added, *changed}:
            result.review[target] = sorted(
                marked & {*added, *changed}, key=repository.source_keys.index
            )
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
    result.findings = _at_the_units(
        [f for f in report.findings if f.file in new_files], new_files, incoming, source
    )
    if result.refused:
        return result
    for target, data in sorted(new_files.items()):
        _write_atomically(root / target, data)
    return result


def _places(source: Source, repository: Repository, tag: str) -> dict[str, str]:
    """Where each key's text for ``tag`` is written today (``file:line:column``): the locale's
    own catalogue, else the one it inherits from."""
    found: dict[str, str] = {}
    for chain_tag in fallback_chain(tag):
        if chain_tag == SOURCE_LOCALE:
            break
        try:
            path = catalogue_path(repository, chain_tag)
        except ExchangeError:
            continue
        raw = _read_optional(source, path)
        if raw is None:
            continue
        text = raw.decode("utf-8", "replace")
        for key, (start, _, _) in _value_spans(path, text).items():
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            found.setdefault(key, f"{path}:{line}:{column}")
    return found


def _three_way(
    text: IncomingText,
    unit: Unit,
    decide: str | None,
    take_stale: bool,
    result: ImportResult,
    place: str = "",
) -> bool:
    """Whether a unit's text is taken; what is not is counted or reported in ``result``."""
    now = unit.shown
    said = "now deleted" if now is None else f'now "{now}"' + (f" at {place}" if place else "")
    if text.target_hash is None:
        changed_by_file = text.target != now  # a file that does not say: as it always was
    else:
        changed_by_file = text_hash(text.target) != text.target_hash
    if not changed_by_file or text.target == now:
        result.unchanged += 1
        return False
    if text.draft:  # counted only where the file has something new: a draft is not taken
        result.skipped[text.draft] = result.skipped.get(text.draft, 0) + 1
        return False
    if text.target_hash is not None and text_hash(now) != text.target_hash:
        if decide == "ours":
            result.kept += 1
            return False
        if decide != "theirs":
            result.conflicts.append(
                ImportProblem(
                    text,
                    f"'{unit.key}' changed in the repository since the export "
                    f'({said}) and the file changes it to "{text.target}"',
                    "decide with --theirs (take the file's text) or --ours (keep the "
                    "repository's), or export again and redo the edit",
                )
            )
            return False
    if text.source_hash is not None and text.source_hash != text_hash(unit.source):
        result.stale.append(
            ImportProblem(
                text,
                f"'{unit.key}': the English source changed since the export (now "
                f'"{unit.source}"); the translation was made against the old one'
                + (f" (the repository's text: {place})" if place else "")
                + (": written, marked as needing review" if take_stale else ": left out"),
                "review the translation against the new source, then delete the "
                f"`{REVIEW_MARK}` comment"
                if take_stale
                else "export again and translate the new source, or import with --take-stale "
                "to write it marked as needing review",
            )
        )
        return take_stale
    return True


def _at_the_units(
    findings: list[Finding],
    new_files: dict[str, bytes],
    incoming: dict[str, dict[str, IncomingText]],
    source: Source,
) -> list[Finding]:
    """The rule findings on the catalogues as they would be, moved to the unit of the exchange
    file that brought the text (issue 24: a file a tool rewrote has no useful YAML line); the
    YAML position is named where the text is already in the repository."""
    moved = []
    for found in findings:
        texts = incoming.get(found.file, {})
        key = _key_at(found.file, new_files[found.file].decode("utf-8"), found.line)
        text = texts.get(key) if key is not None else None
        if text is None:
            moved.append(found)
            continue
        current = _read_optional(source, found.file)
        spans = _value_spans(found.file, current.decode("utf-8")) if current else {}
        where = ""
        if key in spans:
            written = current.decode("utf-8") if current else ""
            line = written.count("\n", 0, spans[key][0]) + 1
            column = spans[key][0] - (written.rfind("\n", 0, spans[key][0]) + 1) + 1
            where = f" (the repository's text: {found.file}:{line}:{column})"
        unit = ""
        if text.unit:
            unit = f"unit '{text.unit}': " if text.unit == key else f"unit '{text.unit}' ({key}): "
        moved.append(
            replace(
                found,
                file=text.path,
                line=text.line,
                column=1,
                message=f"{unit}{found.message}{where}",
            )
        )
    return moved


def _key_at(path: str, text: str, line: int) -> str | None:
    """The top-level key whose value is on ``line`` of a catalogue."""
    for key, (start, end, _) in _value_spans(path, text).items():
        if text.count("\n", 0, start) + 1 <= line <= text.count("\n", 0, end) + 1:
            return key
    return None


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
    marked: set[str] | frozenset[str] = frozenset(),
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
                mark = ""
                if key in marked and REVIEW_MARK not in text[end : _line_end(text, end)]:
                    mark = f"  {REVIEW_MARK}"
                edits.append((start, end, _double_quoted(incoming.target) + mark))
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
        mark = f"  {REVIEW_MARK}" if key in marked else ""
        insertions.setdefault(offset, []).append(
            f"{key}: {_double_quoted(texts[key].target)}{mark}\n"
        )
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


_INVISIBLE = {
    0x00A0, 0x2007, 0x2009, 0x200A, 0x200B, 0x200C, 0x200D, 0x202F, 0x2060, 0xFEFF,
    *range(0x202A, 0x202F), *range(0x2066, 0x206A),  # bidi controls: MKT512 reads them
}  # fmt: skip


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
