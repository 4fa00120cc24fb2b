"""Validation: loading findings, schema findings and rule findings, for a set of markets."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from marketctl.checks.rules import catalogue
from marketctl.checks.schemas import check_document, check_required
from marketctl.core.diagnostics import Finding, Location, Severity, unique_sorted
from marketctl.core.documents import Document
from marketctl.core.errors import UnknownEnvironmentError, UnknownMarketError
from marketctl.reference import iso
from marketctl.repository.loading import load_repository, schema_kind
from marketctl.repository.markets import LAYERED_KINDS, Layer, Market, Repository
from marketctl.repository.settings import Settings
from marketctl.repository.sources import Source


@dataclass(frozen=True)
class Report:
    """The outcome of a validation run."""

    findings: tuple[Finding, ...]
    markets: tuple[str, ...]
    files: int
    # Every finding before --select/--ignore, [tool.marketctl] and inline ignores, with its
    # rule's own severity: what build checks for problems that make a bundle untrustworthy.
    unfiltered: tuple[Finding, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def select_markets(repository: Repository, names: Iterable[str]) -> list[str]:
    """The markets named on the command line, all markets when none is named."""
    names = [name.lower() for name in names]
    if not names:
        return list(repository.markets)
    for name in names:
        if name not in repository.markets:
            known = ", ".join(repository.markets) or "none"
            guess = _guess_market(name, list(repository.markets))
            raise UnknownMarketError(
                f"no market '{name}' in markets/",
                f"did you mean '{guess}'?" if guess else f"the markets are: {known}",
            )
    return list(dict.fromkeys(names))


def _guess_market(name: str, known: list[str]) -> str | None:
    """A market code for a typo ('sw') or a country name ('sweden')."""
    country = iso.lookup_country(name)
    if country is not None and country.alpha_2.lower() in known:
        return country.alpha_2.lower()
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return close[0] if close else None


def select_environment(repository: Repository, name: str | None) -> None:
    """Make ``name`` (markets/_environments/<name>.yaml) the last layer of every market."""
    if name is None:
        repository.select_environment(None)
        return
    if name not in repository.environments:
        known = ", ".join(repository.environments) or "none"
        guess = difflib.get_close_matches(name, list(repository.environments), n=1)
        raise UnknownEnvironmentError(
            f"no environment '{name}': markets/_environments/{name}.yaml does not exist",
            f"did you mean '{guess[0]}'?"
            if guess
            else f"the environments are: {known} (add markets/_environments/{name}.yaml)",
        )
    repository.select_environment(name)


def validate_source(
    source: Source,
    names: Iterable[str] = (),
    settings: Settings | None = None,
    environment: str | None = None,
) -> tuple[Repository, Report]:
    """Load and validate (with ``environment`` as the last layer when given); the repository
    is returned for the commands that go on (build)."""
    repository = load_repository(source)
    select_environment(repository, environment)
    return repository, validate_repository(repository, select_markets(repository, names), settings)


def validate_repository(
    repository: Repository, codes: list[str], settings: Settings | None = None
) -> Report:
    settings = settings or Settings()
    documents = _documents(repository)
    findings = list(repository.findings)
    schema_errors: set[str] = set()
    for layer in repository.layers:
        for relative, document in _layer_documents(layer):
            problems = check_document(document, schema_kind(layer, relative))
            if problems:
                schema_errors.add(document.path)
            findings.extend(problems)
    for document in repository.environments.values():
        problems = check_document(document, "environment")
        if problems:
            schema_errors.add(document.path)
        findings.extend(problems)

    for code in codes:
        market = repository.market(code)
        missing = _required_findings(market)
        findings.extend(missing)
        if not missing and _is_checkable(market, schema_errors):
            for rule in catalogue().values():
                if rule.check_market is not None and not rule.retired:
                    findings.extend(
                        replace(finding, market=finding.market or code)
                        for finding in rule.check_market(market)
                    )
    shared_ok = not any(path in schema_errors for path in repository.shared_files)
    if shared_ok:
        for rule in catalogue().values():
            if rule.check_repository is not None and not rule.retired:
                findings.extend(rule.check_repository(repository))
    if repository.environment is None:
        findings.extend(_environment_findings(repository, codes, schema_errors))

    in_scope = _scope(repository, codes)
    scoped = [rated(finding) for finding in findings if in_scope(finding.file)]
    kept = [
        finding.with_severity(settings.severity_of(finding.code, finding.severity))
        for finding in scoped
        if settings.is_selected(finding.code) and not _ignored_inline(finding, documents)
    ]
    checked = [path for path in documents if in_scope(path)]
    return Report(
        tuple(unique_sorted(kept)), tuple(codes), len(checked), tuple(unique_sorted(scoped))
    )


def _environment_findings(
    repository: Repository, codes: list[str], schema_errors: set[str]
) -> list[Finding]:
    """Rollout rules (MKT6xx) with each environment as the last layer, reported only where an
    environment file is at fault: a plain ``validate`` then fails on everything ``build --env``
    would refuse, without each market's own findings repeated per environment."""
    found: list[Finding] = []
    try:
        for name, document in repository.environments.items():
            if document.path in schema_errors:
                continue
            repository.select_environment(name)
            for code in codes:
                market = repository.market(code)
                if _required_findings(market) or not _is_checkable(market, schema_errors):
                    continue
                for rule in catalogue().values():
                    if (
                        rule.check_market is None
                        or rule.retired
                        or not rule.code.startswith("MKT6")
                    ):
                        continue
                    found.extend(
                        replace(finding, market=finding.market or code)
                        for finding in rule.check_market(market)
                        if finding.file == document.path
                    )
    finally:
        repository.select_environment(None)
    return found


def rated(finding: Finding) -> Finding:
    """The finding with its rule's default severity, where the maker left it unrated."""
    if finding.severity is Severity.UNRATED:
        return finding.with_severity(catalogue()[finding.code].severity)
    return finding


def _scope(repository: Repository, codes: list[str]) -> Callable[[str], bool]:
    """Which files the named markets are made of: their own folders, the shared catalogues,
    their layers' files, and of the layers' message catalogues only those their locales read
    (a broken fr.yaml is not Japan's problem)."""
    if set(codes) == set(repository.markets):
        return lambda path: True
    own = tuple(repository.markets[code].directory + "/" for code in codes)
    layers = {layer.directory + "/" for code in codes for layer in repository.market(code).layers}
    read = {
        document.path
        for code in codes
        for tag in repository.market(code).locales
        for _, document in repository.market(code).catalogues(tag)
    }
    shared = set(repository.shared_files)

    def in_scope(path: str) -> bool:
        if path in shared or path in read or path.startswith(own):
            return True
        in_layer = any(path.startswith(directory) for directory in layers)
        return in_layer and "/messages/" not in path

    return in_scope


def _layer_documents(layer: Layer) -> list[tuple[str, Document]]:
    pairs = [(f"{kind}.yaml", document) for kind, document in layer.files.items()]
    pairs += [(f"messages/{tag}.yaml", document) for tag, document in layer.messages.items()]
    return pairs


def _documents(repository: Repository) -> dict[str, Document]:
    documents = {
        document.path: document
        for layer in repository.layers
        for _, document in _layer_documents(layer)
    }
    documents.update((document.path, document) for document in repository.environments.values())
    return documents


def _is_checkable(market: Market, schema_errors: set[str]) -> bool:
    """Rules read resolved values; they run once the market's files load and fit the schema."""
    for layer in market.layers:
        if layer.broken:
            return False
        if any(path in schema_errors for path in (d.path for _, d in _layer_documents(layer))):
            return False
    return "market" in market.own.files


def _required_findings(market: Market) -> list[Finding]:
    findings: list[Finding] = []
    own_market = market.own.files.get("market")
    if own_market is None:
        return findings  # MKT010 already says the market is missing its market.yaml
    fallback = (
        own_market.value_location(())
        if own_market
        else Location(f"{market.own.directory}/market.yaml")
    )
    for kind in LAYERED_KINDS:
        resolved = market.resolved[kind]
        if any(kind in layer.broken for layer in market.layers):
            continue
        if not resolved.documents and kind == "rollout":
            continue
        findings.extend(check_required(resolved, kind, market.own.files.get(kind), fallback))
    return findings


def _ignored_inline(finding: Finding, documents: dict[str, Document]) -> bool:
    document = documents.get(finding.file)
    if document is None:
        return False
    return finding.code in document.ignores.get(finding.line, frozenset())
