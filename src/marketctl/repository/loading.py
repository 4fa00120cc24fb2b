"""Reading markets/ into a :class:`~marketctl.repository.markets.Repository`: the one loading path.

Every command (validate, build, explain) starts here, so they cannot disagree about which files
make a market. Problems with the tree itself (unknown files, folders that are not ISO codes, a
missing market.yaml) are findings, like problems inside the files.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import replace
from functools import partial

from marketctl.core.diagnostics import Finding, Location, finding
from marketctl.core.documents import Document, load_document
from marketctl.core.limits import FileRefusedError
from marketctl.core.parallel import default_jobs, run_all
from marketctl.reference import iso
from marketctl.repository.environments import ENVIRONMENTS, NAME
from marketctl.repository.markets import DEFAULTS, LAYERED_KINDS, REGIONS, Layer, Repository
from marketctl.repository.reference import KINDS as REFERENCE_KINDS
from marketctl.repository.reference import REFERENCE
from marketctl.repository.sources import DocumentMemo, Source, SourceOn, linked_folders

MARKETS = "markets"
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_DOCUMENTATION = (".md", ".txt")
_SCHEMA_LINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


def schema_kind(layer: Layer, relative: str) -> str:
    """The schema a file of a layer is checked against: market, tax, ..., messages, catalogue."""
    if relative.startswith("messages/"):
        is_source = layer.name == DEFAULTS and relative == "messages/en.yaml"
        return "catalogue" if is_source else "messages"
    return relative.removesuffix(".yaml")


def _known_files(layer: Layer) -> list[str]:
    names = [f"{kind}.yaml" for kind in LAYERED_KINDS]
    if layer.name == DEFAULTS:
        names.append("features.yaml")
    return names


def load_repository(source: Source, *, jobs: int | None = None) -> Repository:
    """Every layer of markets/ with what stopped any file from loading. ``jobs``: processes
    that parse the YAML files ahead (None: as ``default_jobs`` decides); the files are then
    placed one by one, in order, as when one process parses them."""
    source = _preparsed(source, jobs)
    findings: list[Finding] = []
    defaults = Layer(DEFAULTS, f"{MARKETS}/{DEFAULTS}")
    regions: dict[str, Layer] = {}
    markets: dict[str, Layer] = {}
    environments: dict[str, Document] = {}
    references: dict[str, Document] = {}
    for path in linked_folders(source, MARKETS):
        findings.append(
            finding(
                "MKT021",
                Location(path),
                f"{path} is a link to a folder: it is not followed, so its files are not "
                "validated or built",
                "commit the folder itself; two markets that share files share them through "
                "markets/_regions/ or markets/_defaults/",
            )
        )
    for path in source.list_files(MARKETS):
        _load_path(source, path, defaults, regions, markets, environments, findings, references)

    for code, layer in sorted(markets.items()):
        if "market" not in layer.files and "market" not in layer.broken:
            some_file = min(
                [*layer.files.values(), *layer.messages.values()],
                key=lambda d: d.path,
                default=None,
            )
            where = Location(some_file.path) if some_file else Location(layer.directory)
            findings.append(
                finding(
                    "MKT010",
                    where,
                    f"market '{code}' has no {layer.directory}/market.yaml",
                    f"add {layer.directory}/market.yaml (country, currency, locales, ...), "
                    "or remove the folder",
                )
            )
        market_file = layer.files.get("market")
        if market_file is not None:
            region = market_file.data.get("region")
            if isinstance(region, str) and region not in regions:
                known = ", ".join(sorted(regions)) or "none"
                guess = difflib.get_close_matches(region, list(regions), n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else f"known regions: {known}"
                findings.append(
                    finding(
                        "MKT011",
                        market_file.value_location(("region",)),
                        f"region '{region}' has no folder {MARKETS}/{REGIONS}/{region}/",
                        hint,
                    )
                )
    return Repository(
        source_label=source.label,
        defaults=defaults,
        regions=dict(sorted(regions.items())),
        markets=dict(sorted(markets.items())),
        findings=findings,
        environments=dict(sorted(environments.items())),
        references=dict(sorted(references.items())),
    )


def load_more(source: Source, repository: Repository, paths: list[str]) -> list[Finding]:
    """Load ``paths`` (files under markets/ that ``repository`` was loaded without, from a
    narrowed source) into their layers; their loading findings are returned, not added. The
    repository's resolved markets are dropped, since their layers changed."""
    findings: list[Finding] = []
    regions = dict(repository.regions)
    for path in paths:
        _load_path(
            source,
            path,
            repository.defaults,
            regions,
            repository.markets,
            repository.environments,
            findings,
            repository.references,
        )
    repository.regions = dict(sorted(regions.items()))
    repository.markets = dict(sorted(repository.markets.items()))
    repository.forget_resolved()
    return findings


def _load_path(
    source: Source,
    path: str,
    defaults: Layer,
    regions: dict[str, Layer],
    markets: dict[str, Layer],
    environments: dict[str, Document],
    findings: list[Finding],
    references: dict[str, Document],
) -> None:
    """Read one file under markets/ into its layer (or an environment, or the repository's
    reference data), or say why not."""
    if path.endswith(_DOCUMENTATION):
        return
    parts = path.split("/")[1:]
    if len(parts) < 2:
        findings.append(_stray_file(path))
        return
    if parts[0] == ENVIRONMENTS:
        _load_environment(source, path, parts[1:], environments, findings)
        return
    if parts[0] == REFERENCE:
        _load_reference(source, path, parts[1:], references, findings)
        return
    if parts[0] == DEFAULTS:
        layer, relative = defaults, "/".join(parts[1:])
    elif parts[0] == REGIONS:
        if len(parts) < 3:
            findings.append(_stray_file(path))
            return
        name = parts[1]
        layer = regions.setdefault(name, Layer(f"{REGIONS}/{name}", f"{MARKETS}/{REGIONS}/{name}"))
        relative = "/".join(parts[2:])
    else:
        directory = parts[0]
        problem = _market_directory_problem(directory)
        if problem is not None:
            if directory not in {f.file.split("/")[1] for f in findings if f.code == "MKT007"}:
                message, hint = problem
                findings.append(finding("MKT007", Location(path), message, hint))
            return
        layer = markets.setdefault(directory, Layer(directory, f"{MARKETS}/{directory}"))
        relative = "/".join(parts[1:])
    _load_into(source, layer, path, relative, findings)


def _load_environment(
    source: Source,
    path: str,
    parts: list[str],
    environments: dict[str, Document],
    findings: list[Finding],
) -> None:
    """``markets/_environments/<name>.yaml``: one file per environment, nothing else."""
    name = parts[0].removesuffix(".yaml")
    if len(parts) != 1 or not parts[0].endswith(".yaml") or not NAME.match(name):
        findings.append(
            finding(
                "MKT006",
                Location(path),
                f"unknown file '{'/'.join(parts)}' in {MARKETS}/{ENVIRONMENTS}/",
                "environments are single files named <name>.yaml in lower case, like "
                f"{MARKETS}/{ENVIRONMENTS}/staging.yaml",
            )
        )
        return
    raw = _read_file(source, path, findings)
    if raw is None:
        return
    document, problems = _parse(source, path, raw)
    findings.extend(problems)
    if document is not None:
        findings.extend(_schema_line_findings(document, "environment"))
        environments[name] = document


def _load_reference(
    source: Source,
    path: str,
    parts: list[str],
    references: dict[str, Document],
    findings: list[Finding],
) -> None:
    """``markets/_reference/tax_law.yaml`` and ``consumer_law.yaml``, nothing else."""
    kind = parts[0].removesuffix(".yaml")
    if len(parts) != 1 or kind not in REFERENCE_KINDS or not parts[0].endswith(".yaml"):
        known = " and ".join(f"{MARKETS}/{REFERENCE}/{name}.yaml" for name in REFERENCE_KINDS)
        findings.append(
            finding(
                "MKT006",
                Location(path),
                f"unknown file '{'/'.join(parts)}' in {MARKETS}/{REFERENCE}/",
                f"a repository's reference data is {known}",
            )
        )
        return
    raw = _read_file(source, path, findings)
    if raw is None:
        return
    document, problems = _parse(source, path, raw)
    findings.extend(problems)
    if document is not None:
        findings.extend(_schema_line_findings(document, kind))
        references[kind] = document


class _Preparsed(SourceOn):
    """A source whose YAML files were read, and parsed by several processes, ahead of loading."""

    def __init__(
        self,
        source: Source,
        raws: dict[str, bytes],
        parsed: dict[str, tuple[Document | None, list[Finding]]],
    ) -> None:
        super().__init__(source)
        self._raws = raws
        self.parsed = parsed

    def read(self, path: str) -> bytes:
        raw = self._raws.get(path)
        return raw if raw is not None else super().read(path)


def _preparsed(source: Source, jobs: int | None) -> Source:
    """``source``, with its YAML files parsed ahead in ``jobs`` processes where that pays."""
    if jobs is not None and jobs <= 1:
        return source
    raws: dict[str, bytes] = {}
    for path in source.list_files(MARKETS):
        if not path.endswith(".yaml") or source.escapes_root(path):
            continue
        try:
            raws[path] = source.read(path)
        except (FileRefusedError, OSError):
            continue  # read again when it is placed, for the finding that says why
    if jobs is None:
        jobs = default_jobs(sum(len(raw) for raw in raws.values()))
    if jobs <= 1 or len(raws) < 2:
        return _Preparsed(source, raws, {})
    names = sorted(raws, key=lambda name: -len(raws[name]))  # the largest first: even shares
    try:
        results = run_all([partial(_load_without_bytes, name, raws[name]) for name in names], jobs)
    except Exception:
        # A worker that fails (a result too deep to send back) is no error: the files are
        # parsed here instead.
        return _Preparsed(source, raws, {})
    parsed = {
        name: (None if document is None else replace(document, raw=raws[name]), problems)
        for name, (document, problems) in zip(names, results, strict=True)
    }
    return _Preparsed(source, raws, parsed)


def _load_without_bytes(path: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    """A document parsed in a worker, sent back without the bytes the parent already holds."""
    document, problems = load_document(path, raw)
    return (None if document is None else replace(document, raw=b"")), problems


def _parse(source: Source, path: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    if isinstance(source, _Preparsed):
        found = source.parsed.get(path)
        if found is not None:
            return found
    memo: DocumentMemo | None = getattr(source, "document_memo", None)
    if memo is not None:
        return memo.load(path, raw)
    return load_document(path, raw)


def _read_file(source: Source, path: str, findings: list[Finding]) -> bytes | None:
    """The file's bytes, or None with an MKT009 finding: a link out of the repository, a file
    the limits refuse (not a regular file, too large) or one that cannot be read."""
    if source.escapes_root(path):
        findings.append(
            finding(
                "MKT009",
                Location(path),
                "refused to load: the file is a link to a place outside the repository",
                "commit the file itself instead of a link",
            )
        )
        return None
    try:
        return source.read(path)
    except FileRefusedError as error:
        findings.append(finding("MKT009", Location(path), error.message, error.hint))
    except OSError as error:
        findings.append(
            finding(
                "MKT009",
                Location(path),
                f"cannot read the file: {error.strerror or error}",
                "check it",
            )
        )
    return None


def _stray_file(path: str) -> Finding:
    return finding(
        "MKT006",
        Location(path),
        f"{path} is not inside a market or layer folder",
        "market files live in markets/<cc>/, markets/_regions/<region>/ or markets/_defaults/",
    )


def _market_directory_problem(name: str) -> tuple[str, str] | None:
    if name.startswith("_"):
        return (
            f"'{name}' is not a layer: the layers are {DEFAULTS}, {REGIONS} and {ENVIRONMENTS}",
            "rename the folder, or move its files into a market folder",
        )
    if len(name) == 2 and name.isalpha() and iso.country(name) is not None:
        if name != name.lower():
            return (
                f"market folder '{name}' must be lower case",
                f"rename it to '{name.lower()}'",
            )
        return None
    hint = "market folders are named by lower-case ISO 3166-1 alpha-2 codes, like 'se' or 'jp'"
    aliases = {"uk": "gb", "el": "gr", "en": "gb"}
    if name.lower() in aliases:
        hint = f"the ISO 3166-1 code is '{aliases[name.lower()]}'; {hint}"
    else:
        matches = iso.search_countries(name)
        if matches:
            hint = f"did you mean '{matches[0].alpha_2.lower()}' ({matches[0].name})?"
    return (f"market folder '{name}' is not an ISO 3166-1 alpha-2 country code", hint)


def _load_into(
    source: Source, layer: Layer, path: str, relative: str, findings: list[Finding]
) -> None:
    known = _known_files(layer)
    is_message = relative.startswith("messages/") and relative.count("/") == 1
    if is_message:
        tag = relative.removeprefix("messages/").removesuffix(".yaml")
        if not relative.endswith(".yaml") or not _TAG.match(tag):
            findings.append(
                finding(
                    "MKT006",
                    Location(path),
                    f"unknown message file '{relative}'",
                    "message catalogues are named messages/<BCP 47 tag>.yaml, like "
                    "messages/fr-CA.yaml",
                )
            )
            return
    elif relative not in known:
        guess = difflib.get_close_matches(relative, known, n=1, cutoff=0.6)
        if not guess and relative.endswith(".yml"):
            guess = [relative.removesuffix(".yml") + ".yaml"]
        if relative == "features.yaml":
            hint = f"features.yaml belongs in {MARKETS}/{DEFAULTS}/ (the catalogue is shared)"
        elif guess and guess[0] in known:
            hint = f"did you mean {guess[0]}?"
        else:
            hint = f"the files of {layer.directory}/ are {', '.join(known)} and messages/<tag>.yaml"
        findings.append(
            finding(
                "MKT006", Location(path), f"unknown file '{relative}' in {layer.directory}/", hint
            )
        )
        return
    raw = _read_file(source, path, findings)
    if raw is None:
        layer.broken.add(relative.removesuffix(".yaml"))
        return
    document, problems = _parse(source, path, raw)
    findings.extend(problems)
    if document is None:
        layer.broken.add(relative.removesuffix(".yaml"))
        return
    kind = schema_kind(layer, relative)
    findings.extend(_schema_line_findings(document, kind))
    if is_message:
        layer.messages[relative.removeprefix("messages/").removesuffix(".yaml")] = document
    else:
        layer.files[relative.removesuffix(".yaml")] = document


def expected_schema_reference(path: str, kind: str) -> str:
    directory = posixpath.dirname(path)
    return posixpath.relpath(f"schemas/{kind}.schema.json", directory)


def _schema_line_findings(document: Document, kind: str) -> list[Finding]:
    expected = expected_schema_reference(document.path, kind)
    match = _SCHEMA_LINE.match(document.first_line)
    line = f"# yaml-language-server: $schema={expected}"
    if match is None:
        return [
            finding(
                "MKT008",
                Location(document.path, 1, 1),
                "the first line is not the yaml-language-server schema line",
                f"start the file with: {line}",
            )
        ]
    if match.group(1) != expected:
        return [
            finding(
                "MKT008",
                Location(document.path, 1, match.start(1) + 1),
                f"the schema line points at '{match.group(1)}', not at the {kind} schema",
                f"write: {line}",
            )
        ]
    return []
