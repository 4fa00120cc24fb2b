"""Validation: loading findings, schema findings and rule findings, for a set of markets."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from marketctl.checks.messageformat import (
    borrow_source,
    parsing_scope,
    source_messages,
    walk_translations_only,
)
from marketctl.checks.overrides import apply_override
from marketctl.checks.rules import Rule, catalogue
from marketctl.checks.schemas import check_document, check_required
from marketctl.core.diagnostics import Finding, Location, Severity, unique_sorted
from marketctl.core.documents import Document
from marketctl.core.errors import UnknownEnvironmentError, UnknownMarketError, UsageProblem
from marketctl.core.parallel import default_jobs, run_all
from marketctl.reference import iso
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.repository.environments import ENVIRONMENTS
from marketctl.repository.loading import MARKETS, load_repository, schema_kind
from marketctl.repository.markets import DEFAULTS, LAYERED_KINDS, Layer, Market, Repository
from marketctl.repository.reference import REFERENCE
from marketctl.repository.settings import Settings
from marketctl.repository.sources import Source

#: The repository's reference data: every market's rules read it.
REFERENCE_FOLDER = f"markets/{REFERENCE}/"

#: The catalogue that defines the message keys, which every market reads.
SOURCE_CATALOGUE = f"{MARKETS}/{DEFAULTS}/messages/{SOURCE_LOCALE}.yaml"


@dataclass(frozen=True)
class Report:
    """The outcome of a validation run."""

    findings: tuple[Finding, ...]
    markets: tuple[str, ...]
    files: int
    # Every finding before --select/--ignore, [tool.marketctl] and inline ignores, with its
    # rule's own severity: what build checks for problems that make a bundle untrustworthy.
    unfiltered: tuple[Finding, ...] = ()
    # Errors that would stop ``marketctl build`` but that the settings hid from ``findings``,
    # each with why it still counts (validate fails on everything build would refuse).
    stopping: tuple[tuple[Finding, str], ...] = ()
    # Every finding before any setting read it, by what it depends on (what the unit store
    # keeps for the next run).
    collected: Collected | None = field(default=None, compare=False, repr=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or bool(self.stopping) or (strict and self.warnings > 0)


# Errors no setting may waive for a build: files that did not load or fit their schema, and
# messages, steps or times the compiler cannot turn into something a service can use.
UNIGNORABLE = ("MKT0", "MKT1", "MKT503", "MKT520", "MKT602", "MKT604", "MKT605")
_WHY_UNIGNORABLE = (
    "build refuses this error whatever ignore, select, severity or an inline ignore say: "
    "a bundle with it would be wrong or would not load"
)


def check_filters(settings: Settings) -> None:
    """A select, ignore or severity entry that matches no rule code is a usage error: a typo
    there would otherwise silently switch a check off (or on)."""
    codes = list(catalogue())
    for place, key, prefix in settings.origins:
        if any(code.startswith(prefix) for code in codes):
            continue
        where = place if place.startswith("--") else f"{place}: [tool.marketctl] {key}"
        raise UsageProblem(f"{where} '{prefix}' matches no rule code", _guess_code(prefix, codes))


def _guess_code(prefix: str, codes: list[str]) -> str:
    upper = prefix.strip().upper()
    if upper != prefix and any(code.startswith(upper) for code in codes):
        return f"did you mean '{upper}'? (codes are upper case)"
    digits = "MKT" + upper[3:].replace("O", "0").replace("I", "1").replace("L", "1")
    if upper.startswith("MKT") and any(code.startswith(digits) for code in codes):
        return f"did you mean '{digits}'? (codes are MKT and digits)"
    families = sorted({code[:4] for code in codes})
    close = difflib.get_close_matches(upper, [*families, *codes], n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? (`marketctl rules` lists the codes)"
    return "codes look like MKT301 or a prefix such as MKT3; `marketctl rules` lists them"


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
    build_settings: Settings | None = None,
    *,
    jobs: int | None = None,
) -> tuple[Repository, Report]:
    """Load and validate (with ``environment`` as the last layer when given); the repository
    is returned for the commands that go on (build).

    ``build_settings`` are the settings a build would read ([tool.marketctl] alone); errors
    they keep, and unignorable ones, make the report fail even when ``settings`` hide them.
    ``jobs``: see :func:`validate_repository`.
    """
    if settings is not None:
        check_filters(settings)
    repository = load_repository(source, jobs=jobs)
    select_environment(repository, environment)
    codes = select_markets(repository, names)
    report = validate_repository(repository, codes, settings, build_settings, jobs=jobs)
    return repository, report


def validate_repository(
    repository: Repository,
    codes: list[str],
    settings: Settings | None = None,
    build_settings: Settings | None = None,
    *,
    jobs: int | None = None,
) -> Report:
    """``jobs``: processes for the schema checks and the rules (None: as ``default_jobs``
    decides, one unless the repository is large enough to pay for the idle cores); the report
    is the same for any number."""
    collected = collect(repository, codes, jobs=jobs)
    return assemble(collected, codes, settings, build_settings, scope(repository, codes))


@dataclass
class Collected:
    """Every finding of a run before any setting reads it, grouped by what it depends on: the
    units :mod:`~marketctl.checks.incremental` keeps between runs and redoes one by one."""

    #: Loading findings (MKT0), by the file they point at.
    loading: dict[str, list[Finding]]
    #: Schema findings (MKT1), by document, for every document loaded.
    schema: dict[str, list[Finding]]
    #: Each market's rules (its own and its layers' files), by market code.
    markets: dict[str, list[Finding]]
    #: Rollout rules with an environment as the last layer: environment -> market -> findings.
    environments: dict[str, dict[str, list[Finding]]]
    #: Repository rules' findings by the file they point at, each with its rule's index.
    shared: dict[str, list[tuple[int, Finding]]]
    #: Inline ``# marketctl: ignore`` comments of every loaded document: line -> codes.
    ignores: dict[str, dict[int, frozenset[str]]]

    def ordered(self) -> list[Finding]:
        """The findings in one order whatever made them (the first of two equal findings is
        the one a report keeps): loading by file, schema by document, markets by code,
        repository rules by rule then file, environments by name then market."""
        found = [f for path in sorted(self.loading) for f in self.loading[path]]
        found += [f for path in sorted(self.schema) for f in self.schema[path]]
        found += [f for code in sorted(self.markets) for f in self.markets[code]]
        shared = [pair for path in sorted(self.shared) for pair in self.shared[path]]
        found += [f for _, f in sorted(shared, key=lambda pair: pair[0])]
        for name in sorted(self.environments):
            by_code = self.environments[name]
            found += [f for code in sorted(by_code) for f in by_code[code]]
        return found

    @property
    def schema_errors(self) -> set[str]:
        return {path for path, problems in self.schema.items() if problems}


def by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.file, []).append(finding)
    return grouped


def document_kinds(repository: Repository) -> list[tuple[Document, str]]:
    """Every loaded document with the schema it is checked against, in layer order."""
    kinds = [
        (document, schema_kind(layer, relative))
        for layer in repository.layers
        for relative, document in _layer_documents(layer)
    ]
    kinds += [(document, "environment") for document in repository.environments.values()]
    kinds += [(document, kind) for kind, document in repository.references.items()]
    return kinds


def schema_findings(kinds: list[tuple[Document, str]], jobs: int) -> dict[str, list[Finding]]:
    tasks = [partial(check_document, document, kind) for document, kind in kinds]
    return {
        document.path: list(problems)
        for (document, _), problems in zip(kinds, run_all(tasks, jobs), strict=True)
    }


def active_rules() -> list[Rule]:
    return [r for r in catalogue().values() if not r.retired]


def is_message_rule(rule: Rule) -> bool:
    """The message rules (MKT5): they read the catalogues, and share what they derive."""
    return rule.code.startswith("MKT5")


def collect(
    repository: Repository,
    codes: list[str],
    *,
    jobs: int | None = None,
    message_rules: bool = True,
) -> Collected:
    """Run every check on ``codes`` (and the repository rules) and keep what each found;
    ``message_rules=False``: all but the rules that read message catalogues (MKT5)."""
    documents = documents_of(repository)
    size = sum(len(document.raw) for document in documents.values())
    if jobs is None:
        jobs = default_jobs(size)
    # jsonschema-rs decides a file in microseconds: below tens of MB, starting processes and
    # sending the findings back costs more than it saves (0.13 s here, 0.18 s in two at 13 MB).
    schema = schema_findings(document_kinds(repository), min(jobs, default_jobs(size, 32_000_000)))
    schema_errors = {path for path, problems in schema.items() if problems}

    rules = [rule for rule in active_rules() if message_rules or not is_message_rule(rule)]
    tasks: list[Callable[[], list[tuple[int, list[Finding]]]]] = [
        partial(_market_findings, repository, code, rules, schema_errors) for code in codes
    ]
    shared = repository_rules(repository, schema_errors)
    if shared:
        if message_rules:
            tasks += message_tasks(repository, shared[0])
        tasks += [partial(repository_findings, repository, [pair]) for pair in shared[1]]
    # Last: each selects its environment while it runs (in its own process when forked).
    names = (
        checked_environments(repository, schema_errors) if repository.environment is None else []
    )
    every: list[Callable[[], Any]] = [*tasks]
    every += [partial(one_environment, repository, name, codes, schema_errors) for name in names]
    results = run_all(every, jobs)
    environments = dict(zip(names, results[len(tasks) :], strict=True))
    results = results[: len(tasks)]
    markets = {code: result[0][1] for code, result in zip(codes, results, strict=False)}
    pairs = [pair for result in results[len(codes) :] for pair in result]
    found_shared: dict[str, list[tuple[int, Finding]]] = {}
    for index, found in sorted(pairs, key=lambda pair: pair[0]):
        for finding in found:
            found_shared.setdefault(finding.file, []).append((index, finding))
    return Collected(
        loading=by_file(repository.findings),
        schema=schema,
        markets=markets,
        environments=environments,
        shared=found_shared,
        ignores={path: dict(document.ignores) for path, document in documents.items()},
    )


def message_tasks(
    repository: Repository, rules: list[tuple[int, Rule]]
) -> list[Callable[[], list[tuple[int, list[Finding]]]]]:
    """The message rules as one task for the source catalogue's own texts and one per
    translation catalogue: what they say about a catalogue depends on it and the source alone,
    so each task holds one catalogue's messages, and the tasks spread over processes."""
    paths = [
        document.path
        for layer in repository.layers
        for tag, document in layer.messages.items()
        if not (layer.name == DEFAULTS and tag == SOURCE_LOCALE)
    ]
    tasks: list[Callable[[], list[tuple[int, list[Finding]]]]] = [
        partial(message_findings, repository, rules, None)
    ]
    tasks += [partial(message_findings, repository, rules, frozenset({path})) for path in paths]
    return tasks


def message_findings(
    repository: Repository, rules: list[tuple[int, Rule]], paths: frozenset[str] | None
) -> list[tuple[int, list[Finding]]]:
    """The message rules on the source catalogue's own texts (``paths`` None), or on the
    translations of the catalogues at ``paths`` against the source."""
    source_messages(repository)  # parsed once per process; each catalogue's own are let go
    with parsing_scope():
        part = catalogues_only(repository, paths or frozenset())
        borrow_source(part, repository)
        if paths is not None:
            walk_translations_only(part)
        return [
            (
                index,
                [
                    finding
                    for finding in rule.check_repository(part)  # type: ignore[misc]
                    if paths is None or finding.file in paths
                ],
            )
            for index, rule in rules
        ]


def catalogues_only(repository: Repository, paths: frozenset[str]) -> Repository:
    """The source catalogue and the translation catalogues at ``paths``, each in a copy of its
    layer with nothing else: what the message rules read about them."""
    source = repository.source_catalogue

    def narrowed(layer: Layer) -> Layer:
        messages = {
            tag: document
            for tag, document in layer.messages.items()
            if document.path in paths or document is source
        }
        return Layer(layer.name, layer.directory, messages=messages)

    return Repository(
        source_label=repository.source_label,
        defaults=narrowed(repository.defaults),
        regions={name: narrowed(layer) for name, layer in repository.regions.items()},
        markets={code: narrowed(layer) for code, layer in repository.markets.items()},
        findings=[],
    )


def repository_rules(
    repository: Repository, schema_errors: set[str]
) -> tuple[list[tuple[int, Rule]], list[tuple[int, Rule]]] | None:
    """The repository rules with their catalogue index, message rules first, the others apart;
    None where a shared file (features, the source catalogue) does not fit its schema."""
    if any(path in schema_errors for path in repository.shared_files):
        return None
    shared = [(i, r) for i, r in enumerate(active_rules()) if r.check_repository is not None]
    return (
        [pair for pair in shared if is_message_rule(pair[1])],
        [pair for pair in shared if not is_message_rule(pair[1])],
    )


def assemble(
    collected: Collected,
    codes: list[str],
    settings: Settings | None,
    build_settings: Settings | None,
    in_scope: Callable[[str], bool],
) -> Report:
    """The report: the findings in scope, filtered and rated by the settings, and the errors
    build would stop on that the settings hid."""
    settings = settings or Settings()
    build_settings = build_settings or settings
    ignores = collected.ignores
    scoped = [rated(finding) for finding in collected.ordered() if in_scope(finding.file)]
    kept = unique_sorted(_kept(scoped, settings, ignores))
    # Broken settings are reported whatever the settings select (they are what is broken).
    settings_findings = [rated(finding) for finding in settings.findings]
    scoped.extend(settings_findings)
    kept = unique_sorted([*kept, *settings_findings])
    checked = [path for path in ignores if in_scope(path)]
    shown = set(kept)
    stopping: list[tuple[Finding, str]] = []
    for finding in unique_sorted(scoped):
        if finding.severity is not Severity.ERROR or finding in shown:
            continue
        if finding.code.startswith(UNIGNORABLE):
            stopping.append((finding, _WHY_UNIGNORABLE))
    if build_settings is not settings:
        stopped = {finding for finding, _ in stopping}
        for finding in unique_sorted(_kept(scoped, build_settings, ignores)):
            if finding.severity is Severity.ERROR and finding not in shown | stopped:
                why = "hidden by --select/--ignore, which build does not read: it refuses this"
                stopping.append((finding, why))
    return Report(
        tuple(kept),
        tuple(codes),
        len(checked),
        tuple(unique_sorted(scoped)),
        tuple(sorted(stopping, key=lambda pair: pair[0].sort_key())),
        collected,
    )


def _kept(
    findings: Iterable[Finding],
    settings: Settings,
    ignores: dict[str, dict[int, frozenset[str]]],
) -> list[Finding]:
    return [
        finding.with_severity(settings.severity_of(finding.code, finding.severity))
        for finding in findings
        if settings.is_selected(finding.code) and not _ignored_inline(finding, ignores)
    ]


def environment_findings(
    repository: Repository, codes: list[str], schema_errors: set[str]
) -> dict[str, dict[str, list[Finding]]]:
    """Rollout rules (MKT6xx) with each environment as the last layer, reported only where an
    environment file is at fault: a plain ``validate`` then fails on everything ``build --env``
    would refuse, without each market's own findings repeated per environment."""
    names = checked_environments(repository, schema_errors)
    return {name: one_environment(repository, name, codes, schema_errors) for name in names}


def checked_environments(repository: Repository, schema_errors: set[str]) -> list[str]:
    """The environments whose rollouts are checked: those whose files fit the schema."""
    return [
        name
        for name, document in repository.environments.items()
        if document.path not in schema_errors
    ]


def one_environment(
    repository: Repository, name: str, codes: list[str], schema_errors: set[str]
) -> dict[str, list[Finding]]:
    """:func:`environment_findings` for one environment. It selects the environment while it
    runs, so in one process it runs after every other task (:func:`collect`)."""
    document = repository.environments[name]
    rules = [
        rule
        for rule in catalogue().values()
        if rule.check_market is not None and not rule.retired and rule.code.startswith("MKT6")
    ]
    by_code: dict[str, list[Finding]] = {}
    try:
        repository.select_environment(name)
        for code in codes:
            market = repository.market(code)
            if _required_findings(market) or not _is_checkable(market, schema_errors):
                continue
            by_code[code] = [
                replace(finding, market=finding.market or code)
                for rule in rules
                for finding in rule.check_market(market)  # type: ignore[misc]
                if finding.file == document.path
            ]
    finally:
        repository.select_environment(None)
    return by_code


def _market_findings(
    repository: Repository, code: str, rules: list[Rule], schema_errors: set[str]
) -> list[tuple[int, list[Finding]]]:
    return [(0, market_findings(repository, code, rules, schema_errors))]


def market_findings(
    repository: Repository, code: str, rules: list[Rule], schema_errors: set[str]
) -> list[Finding]:
    """One market's required keys and market rules, once its files load and fit the schema."""
    market = repository.market(code)
    missing = _required_findings(market)
    found = list(missing)
    if not missing and _is_checkable(market, schema_errors):
        documents = {d.path: d for layer in market.layers for d in layer.files.values()}
        for rule in rules:
            if rule.check_market is None:
                continue
            for finding in rule.check_market(market):
                if rule.overridable:
                    finding = apply_override(finding, documents)
                found.append(replace(finding, market=finding.market or code))
    return found


def repository_findings(
    repository: Repository, rules: list[tuple[int, Rule]]
) -> list[tuple[int, list[Finding]]]:
    """What each repository rule finds, with its index."""
    return [(index, list(rule.check_repository(repository))) for index, rule in rules]  # type: ignore[misc]


def rated(finding: Finding) -> Finding:
    """The finding with its rule's default severity, where the maker left it unrated."""
    if finding.severity is Severity.UNRATED:
        return finding.with_severity(catalogue()[finding.code].severity)
    return finding


def scope(repository: Repository, codes: list[str]) -> Callable[[str], bool]:
    """Which files the named markets are made of: their own folders, their layers' files,
    every environment (a market is built with each), the repository's reference data
    (``markets/_reference/``, which every market's rules read), the feature and source
    catalogues, and
    of the layers' message catalogues those along each locale's CLDR fallback chain (a broken
    fr.yaml is not Japan's problem; a broken sv.yaml is Sweden's and Finland's).

    Paths, not loaded documents: a file that did not load (a YAML syntax error, a duplicate
    key) is still what the market reads, and its findings fail the scoped run as they fail an
    unscoped one (issue 20)."""
    if set(codes) == set(repository.markets):
        return lambda path: True
    read = read_paths(repository, codes)
    own = (
        *(repository.markets[code].directory + "/" for code in codes),
        f"{MARKETS}/{ENVIRONMENTS}/",
        REFERENCE_FOLDER,  # the repository's reference data: every market's rules read it
    )
    layers = tuple(
        {layer.directory + "/" for code in codes for layer in repository.market(code).layers}
    )

    def in_scope(path: str) -> bool:
        if path in read or path.startswith(own):
            return True
        return path.startswith(layers) and "/messages/" not in path

    return in_scope


def read_paths(repository: Repository, codes: list[str]) -> set[str]:
    """The shared files ``codes`` read, whether or not they loaded: the feature and source
    catalogues, and each layer's catalogue of every tag along each locale's fallback chain."""
    read = {f"{MARKETS}/{DEFAULTS}/features.yaml", SOURCE_CATALOGUE}
    read.update(repository.shared_files)
    for code in codes:
        market = repository.market(code)
        for tag in market.locales:
            for chain_tag in fallback_chain(tag):
                read.update(
                    f"{layer.directory}/messages/{chain_tag}.yaml" for layer in market.layers
                )
    return read


def _layer_documents(layer: Layer) -> list[tuple[str, Document]]:
    pairs = [(f"{kind}.yaml", document) for kind, document in layer.files.items()]
    pairs += [(f"messages/{tag}.yaml", document) for tag, document in layer.messages.items()]
    return pairs


def documents_of(repository: Repository) -> dict[str, Document]:
    """Every loaded document (layers and environments) by path."""
    documents = {
        document.path: document
        for layer in repository.layers
        for _, document in _layer_documents(layer)
    }
    documents.update((document.path, document) for document in repository.environments.values())
    documents.update((document.path, document) for document in repository.references.values())
    return documents


def _is_checkable(market: Market, schema_errors: set[str]) -> bool:
    """Rules read resolved values; they run once the files the market reads load and fit the
    schema. A catalogue no locale of the market reads does not stop them (a broken sv.yaml
    must not hide a wrong rate in Japan: issue 20)."""
    if "market" not in market.own.files:
        return False
    if any(not name.startswith("messages/") for layer in market.layers for name in layer.broken):
        return False
    tags = {tag for locale in market.locales for tag in fallback_chain(locale)}

    def read(layer: Layer, relative: str) -> bool:
        if not relative.startswith("messages/"):
            return True
        tag = relative.removeprefix("messages/").removesuffix(".yaml")
        return tag in tags or (layer.name == DEFAULTS and tag == SOURCE_LOCALE)

    for layer in market.layers:
        if any(read(layer, f"{name}.yaml") for name in layer.broken):
            return False
        if any(
            document.path in schema_errors
            for relative, document in _layer_documents(layer)
            if read(layer, relative)
        ):
            return False
    return True


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


def _ignored_inline(finding: Finding, ignores: dict[str, dict[int, frozenset[str]]]) -> bool:
    lines = ignores.get(finding.file)
    if lines is None:
        return False
    return finding.code in lines.get(finding.line, frozenset())
