"""The command line: parse options, call the library, render, exit.

Exit codes, the same for every command: 0 clean (warnings allowed), 1 errors found or a known
failure, 2 usage error, 3 unexpected internal error. Heavy modules are imported inside the
commands so that ``marketctl --help`` starts fast.

One CLI: every command is declared through the same few pieces below (``command``,
``markets_argument``, ``format_option``), so option names, ``--root`` and ``--quiet`` (accepted
before or after the command name), the examples and the exit codes in ``--help`` are the same
everywhere. A new command uses them; tests/test_cli_contract.py checks every command does.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from marketctl import __version__
from marketctl.core.errors import MarketctlError, RootNotFoundError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])

_EXIT_CODES = (
    "\b\nExit codes:\n"
    "  0  clean (warnings allowed)\n"
    "  1  errors found, or a known failure (stderr says what to do)\n"
    "  2  usage error: unknown option, market or rule code\n"
    "  3  internal error: a bug in marketctl"
)


def epilog(*examples: str) -> str:
    """The end of a command's --help: examples, then the exit codes (the same for all)."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"\b\nExamples:\n{lines}\n\n{_EXIT_CODES}"


# --root and --quiet are accepted before and after the command name; the last one given wins.
_ROOT, _QUIET = "marketctl.root", "marketctl.quiet"


def _remember_root(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_root().meta[_ROOT] = value


def _remember_quiet(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta[_QUIET] = True


def _shared_options(function: F) -> F:
    function = click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=_remember_root,
        metavar="DIR",
        help="The folder that holds markets/ (default: found by walking up from here).",
    )(function)
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_remember_quiet,
        help="No summaries, progress or next steps: only results and errors.",
    )(function)


def quiet(ctx: click.Context) -> bool:
    return bool(ctx.find_root().meta.get(_QUIET, False))


def markets_argument(function: F) -> F:
    """MARKET... (default: every market); an unknown market is a usage error (exit 2)."""
    return click.argument("markets", nargs=-1, metavar="[MARKET]...")(function)


def format_option(*choices: str, help: str = "How to print the result.") -> Callable[[F], F]:
    """--format, text first; json on every command (schemas/*.output.schema.json)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


class _Percent(click.FloatRange):
    """A percentage 0..100: NaN and infinities are usage errors (a NaN passes every range check:
    `--fail-under nan` once let 89 % coverage through)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def _root(ctx: click.Context) -> Path:
    from marketctl.repository.sources import find_root

    given: Path | None = ctx.find_root().meta.get(_ROOT)
    if given is not None:
        if not (given / "markets").is_dir():
            raise RootNotFoundError(
                f"{given} has no markets/ folder", "pass the folder that holds markets/ to --root"
            )
        return given.resolve()
    found = find_root(Path.cwd())
    if found is None:
        raise RootNotFoundError(
            f"no markets/ folder in {Path.cwd()} or any folder above it",
            "run marketctl inside a config repository, or pass --root DIR",
        )
    return found


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=epilog("marketctl validate", "marketctl validate se --format github", "marketctl build"),
)
@click.version_option(__version__, prog_name="marketctl")
@_shared_options
def cli() -> None:
    """Markets as code: validate, explain and build the markets under markets/."""


def command(*examples: str, name: str | None = None) -> Callable[[F], click.Command]:
    """A marketctl command: registered on the group, with --root, --quiet and the epilog."""

    def decorate(function: F) -> click.Command:
        return cli.command(name=name, epilog=epilog(*examples))(_shared_options(function))

    return decorate


@command(
    "marketctl validate",
    "marketctl validate se jp --strict",
    "marketctl validate --select MKT3 --format json",
    "marketctl validate --format github   # annotations in a GitHub Actions log",
)
@markets_argument
@format_option("text", "json", "github", "sarif", help="How to print findings.")
@click.option("--strict", is_flag=True, help="Count warnings as errors.")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only rule codes with these prefixes, comma-separated or repeated (MKT3,MKT501). "
    "Without MKT0, MKT1 or MKT5, message catalogues are not read; what the cache cannot vouch "
    "for is listed as not checked.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Skip rule codes with these prefixes (errors that stop a build still count).",
)
@click.option(
    "--env",
    "environment",
    metavar="NAME",
    help="Validate with markets/_environments/NAME.yaml as the last layer.",
)
@click.option(
    "--no-group",
    is_flag=True,
    help="Print every finding (text): by default a code repeated in one file prints once.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not read or write .marketctl-cache/ (the same report, computed afresh). "
    "With the cache, a rerun redoes only what the changed files touch.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes for the checks (default: 1, or the idle cores on a very large repository).",
)
@click.option(
    "--path-prefix",
    metavar="PATH",
    help="github and sarif: put PATH before every file instead of the root's path inside "
    "the git work tree (which is the default, so annotations attach whatever --root is).",
)
@click.pass_context
def validate(
    ctx: click.Context,
    markets: tuple[str, ...],
    output_format: str,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    environment: str | None,
    no_group: bool,
    no_cache: bool,
    jobs: int | None,
    path_prefix: str | None,
) -> None:
    """Check MARKETs (default: all) against the schemas and the rule catalogue.

    Fails on every error that would stop `marketctl build`, including errors that --ignore,
    [tool.marketctl] or an inline ignore hide, and says why. Errors print before warnings.
    """
    from marketctl.commands.validating import validate_output

    result = validate_output(
        _root(ctx),
        markets,
        output_format,
        strict=strict,
        select=select,
        ignore=ignore,
        environment=environment,
        quiet=quiet(ctx),
        group=not no_group,
        use_cache=not no_cache,
        jobs=jobs,
        path_prefix=path_prefix,
    )
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(result.output, nl=False)
    ctx.exit(result.code)


@command(
    "marketctl build",
    "marketctl build jp -o /tmp/bundles",
    "marketctl build --env production --sign release.pem --format json",
    "marketctl build --env staging --pseudo -o /tmp/ui-test-bundles",
)
@markets_argument
@format_option("text", "json")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the bundles (default: dist/ beside markets/).",
)
@click.option(
    "--env",
    "environment",
    metavar="NAME",
    help="Build for markets/_environments/NAME.yaml (its name goes into every bundle).",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Build an environment that requires a clean tree from uncommitted files "
    "(the manifest records it).",
)
@click.option(
    "--sign",
    "signing_key",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="KEY",
    help="Sign the manifest with this Ed25519 private key (PEM), writing manifest.sig.",
)
@click.option(
    "--pseudo",
    is_flag=True,
    help="Add the pseudo-locales en-XA and ar-XB to every bundle, for UI tests (never with "
    "--env production).",
)
@click.option(
    "--release",
    type=int,
    metavar="N",
    help="The set's release number (default: the previous set's in the output plus one); "
    "must be higher than the previous one.",
)
@click.pass_context
def build(
    ctx: click.Context,
    markets: tuple[str, ...],
    output_format: str,
    output: Path | None,
    environment: str | None,
    allow_dirty: bool,
    signing_key: Path | None,
    pseudo: bool,
    release: int | None,
) -> None:
    """Validate MARKETs (default: all), then compile them into bundles.

    Writes <output>/<cc>.json and <output>/manifest.json, replacing the previous set
    atomically; writes nothing when validation finds errors. Naming markets rebuilds those
    and keeps the rest of the set already in <output>, verified first.
    """
    from marketctl.checks.reporters import REPORTERS
    from marketctl.commands.build import BuildRefusedError, render_build, render_build_json
    from marketctl.commands.build import build as build_bundles
    from marketctl.repository.settings import read_settings

    root = _root(ctx)
    target = output if output is not None else root / "dist"
    settings = read_settings(root)
    bar: Any = None
    silent = quiet(ctx) or output_format != "text"

    def progress(code: str, done: int, total: int) -> None:
        # A bar only where a person watches: CI logs get the summary line alone.
        nonlocal bar
        if silent or not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(
                length=total,
                label="compiling",
                file=sys.stderr,
                item_show_func=lambda item: item or "",
            )
        bar.update(1, code)
        if done == total:
            bar.render_finish()

    try:
        result = build_bundles(
            root,
            markets,
            target,
            settings,
            progress,
            environment,
            allow_dirty,
            signing_key,
            pseudo=pseudo,
            release=release,
        )
    except BuildRefusedError as refused:
        # Every error and warning it saw, grouped as validate groups them (issue 20).
        click.echo(REPORTERS[output_format].render(refused.report, quiet=True), nl=False)
        raise
    if output_format == "json":
        click.echo(render_build_json(result), nl=False)
        return
    click.echo(REPORTERS["text"].render(result.report, quiet=True), nl=False)
    if not quiet(ctx):
        click.echo(render_build(result, target))


@command("marketctl new gr --region eu", "marketctl new ch")
@click.argument("country", metavar="CC")
@click.option(
    "--region",
    metavar="REGION",
    help="A region under markets/_regions/ to layer under the market (eu).",
)
@format_option("text", "json")
@click.pass_context
def new(ctx: click.Context, country: str, region: str | None, output_format: str) -> None:
    """Scaffold markets/<cc>/ for the country CC (ISO 3166-1 alpha-2) from ISO and CLDR data.

    Values that cannot be derived are written as null with a TODO comment, so that
    `marketctl validate CC` lists them. Writes nothing if the folder exists.
    """
    from marketctl.commands.scaffold import RENDERERS, scaffold_market

    scaffold = scaffold_market(_root(ctx), country, region)
    if not quiet(ctx) or output_format != "text":
        click.echo(RENDERERS[output_format](scaffold), nl=False)


@command(
    "marketctl sources se",
    "marketctl sources --unverified",
    "marketctl sources us --unverified --format json",
)
@markets_argument
@click.option("--unverified", is_flag=True, help="Only facts not verified against the law.")
@format_option("text", "json")
@click.pass_context
def sources(
    ctx: click.Context, markets: tuple[str, ...], unverified: bool, output_format: str
) -> None:
    """List every legal fact of MARKETS (default: all) with its source, the days it is in
    force and whether it was verified against the official text: the legal reviewer's queue."""
    from marketctl.commands.legal_sources import list_sources, render_json, render_text

    report = list_sources(_root(ctx), markets, unverified)
    if not quiet(ctx) or output_format != "text":
        click.echo((render_json if output_format == "json" else render_text)(report), nl=False)


@command(
    "marketctl explain se warranty.legal_guarantee",
    "marketctl explain ca tax.rates.standard --format json",
    "marketctl explain jp messages.ja.cart.items",
)
@click.argument("market")
@click.argument("key")
@format_option("text", "json")
@click.option(
    "--env",
    "environment",
    metavar="NAME",
    help="Resolve with markets/_environments/NAME.yaml as the last layer.",
)
@click.pass_context
def explain(
    ctx: click.Context, market: str, key: str, output_format: str, environment: str | None
) -> None:
    """Show KEY of MARKET as resolved, the file:line it came from and what it overrode.

    KEY starts with the file kind: warranty.legal_guarantee, tax.rates.standard,
    market.currency, or messages.<locale>.<message key>; a list item is written
    tax.rates.standard[0] (as `marketctl sources` prints it) or tax.rates.standard.0.
    """
    from marketctl.checks.validation import select_environment, select_markets
    from marketctl.commands.explain import RENDERERS
    from marketctl.commands.explain import explain as explain_key
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    repository = load_repository(WorktreeSource(_root(ctx)))
    select_environment(repository, environment)
    (code,) = select_markets(repository, [market])
    click.echo(RENDERERS[output_format](explain_key(repository.market(code), key)), nl=False)


@command(
    "marketctl translations",
    "marketctl translations se --fail-under 100",
    "marketctl translations --missing se --format json",
    "marketctl translations export sv fi --format xliff -o to-translate/",
    "marketctl translations import to-translate/sv.xlf to-translate/fi.po",
)
@click.argument("words", nargs=-1, metavar="[MARKET]... | export LOCALE... | import FILE...")
@format_option(
    "text",
    "json",
    "xliff",
    "po",
    help="text or json for the table, the missing keys and the import report; "
    "xliff (XLIFF 2.0) or po (gettext) for export.",
)
@click.option(
    "--fail-under",
    type=_Percent(0, 100),
    metavar="PERCENT",
    help="Exit 1 when a locale of a live market translates less than PERCENT % of the source keys.",
)
@click.option(
    "--include-planned",
    is_flag=True,
    help="--fail-under: gate the locales of markets that are not live (planned, paused) too; "
    "by default they are reported below the table without failing.",
)
@click.option(
    "--missing",
    is_flag=True,
    help="List, per market and locale, the keys still falling back and to which locale.",
)
@click.option(
    "--missing-only",
    is_flag=True,
    help="export: only the keys the locale does not translate yet.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="export: the folder for the files (default: the current folder).",
)
@click.option(
    "--theirs",
    "decide",
    flag_value="theirs",
    help="import: where the repository and the file both changed a text since the export, "
    "take the file's.",
)
@click.option(
    "--ours",
    "decide",
    flag_value="ours",
    help="import: where both changed a text (or two files disagree), keep the repository's.",
)
@click.option(
    "--take-stale",
    is_flag=True,
    help="import: write translations made against an older source text, marked as needing review.",
)
@click.pass_context
def translations(
    ctx: click.Context,
    words: tuple[str, ...],
    output_format: str,
    fail_under: float | None,
    include_planned: bool,
    missing: bool,
    missing_only: bool,
    output: Path | None,
    decide: str | None,
    take_stale: bool,
) -> None:
    """Translation coverage of MARKETs (default: all), or exchange with translation tools.

    \b
    marketctl translations [MARKET]...        the share of source keys each locale translates
    marketctl translations --missing [MARKET]...   the keys each locale still lacks
    marketctl translations export LOCALE... --format xliff|po [--missing-only] [-o DIR]
    marketctl translations import FILE...     check every text, then write the catalogues

    ICU messages stay whole ICU texts in both formats (docs/translators.md).
    """
    action = words[0] if words and words[0] in ("export", "import") else "coverage"
    arguments = words[1:] if action != "coverage" else words
    exchange_format = output_format in ("xliff", "po")
    if action == "export" and not exchange_format:
        raise click.UsageError("translations export writes --format xliff or --format po")
    if action != "export" and exchange_format:
        raise click.UsageError(f"--format {output_format} is for `translations export`")
    if action != "export" and (missing_only or output is not None):
        raise click.UsageError("--missing-only and -o go with `translations export`")
    if action != "coverage" and (missing or fail_under is not None):
        raise click.UsageError("--missing and --fail-under go with the coverage table")
    if action != "import" and (decide or take_stale):
        raise click.UsageError("--theirs, --ours and --take-stale go with `translations import`")
    if include_planned and fail_under is None:
        raise click.UsageError("--include-planned goes with --fail-under")
    if action != "coverage" and not arguments:
        what = "LOCALE" if action == "export" else "FILE"
        raise click.UsageError(f"translations {action} needs at least one {what}")
    if action == "export":
        _export_translations(ctx, arguments, output_format, missing_only, output)
    elif action == "import":
        _import_translations(ctx, arguments, output_format, decide, take_stale)
    else:
        _coverage(ctx, arguments, output_format, fail_under, missing, include_planned)


def _coverage(
    ctx: click.Context,
    markets: Sequence[str],
    output_format: str,
    fail_under: float | None,
    missing: bool,
    include_planned: bool,
) -> None:
    from marketctl.checks.coverage import (
        MISSING_RENDERERS,
        RENDERERS,
        missing_translations,
        needs_review,
        require_coverage,
        translation_coverage,
    )
    from marketctl.checks.validation import select_markets
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    repository = load_repository(WorktreeSource(_root(ctx)))
    codes = select_markets(repository, markets)
    if missing:
        click.echo(
            MISSING_RENDERERS[output_format](missing_translations(repository, codes)), nl=False
        )
        return
    rows = translation_coverage(repository, codes)
    click.echo(RENDERERS[output_format](rows, needs_review(repository, codes)), nl=False)
    if fail_under is not None:
        note = require_coverage(rows, fail_under, include_planned)
        if note and not quiet(ctx):
            click.echo(note, err=True)


def _export_translations(
    ctx: click.Context,
    locales: Sequence[str],
    output_format: str,
    missing_only: bool,
    output: Path | None,
) -> None:
    from marketctl.commands.exchange import export_files
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    repository = load_repository(WorktreeSource(_root(ctx)))
    target = output if output is not None else Path.cwd()
    written = export_files(repository, locales, output_format, target, missing_only=missing_only)
    if not quiet(ctx):
        for path, count in written:
            click.echo(f"wrote {path} ({count} units)")


def _import_translations(
    ctx: click.Context,
    files: Sequence[str],
    output_format: str,
    decide: str | None,
    take_stale: bool,
) -> None:
    from marketctl.commands.exchange import ImportRefusedError, import_files, render_import
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import WorktreeSource

    root = _root(ctx)
    result = import_files(
        WorktreeSource(root),
        root,
        [Path(name) for name in files],
        decide=decide,
        take_stale=take_stale,
        require_review=read_settings(root).import_requires_review,
    )
    click.echo(render_import(result, output_format), nl=False)
    if result.conflicts:
        raise ImportRefusedError(
            "nothing was imported: the texts above conflict with the repository or each other",
            "decide with --theirs or --ours, or export again and redo the edits",
        )
    if result.refused:
        raise ImportRefusedError(
            "nothing was imported: the texts above break the message rules",
            "fix them in the translation tool and import the file again",
        )


@command(
    "marketctl report -o site/",
    "marketctl report se fi -o /tmp/report --format json",
    "marketctl report -o site/ --base origin/main",
)
@markets_argument
@format_option("text", "json", help="How to print what was written.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write the site into (replaced whole; a previous report or empty).",
)
@click.option(
    "--base",
    metavar="REV",
    help="Highlight what the working tree changes relative to this git revision (as diff).",
)
@click.option(
    "--render-anyway",
    is_flag=True,
    help="Write the report of a repository with errors, every page listing them in a banner.",
)
@click.pass_context
def report(
    ctx: click.Context,
    markets: tuple[str, ...],
    output_format: str,
    output: Path,
    base: str | None,
    render_anyway: bool,
) -> None:
    """Write a static HTML report of MARKETs (default: all): the market matrix, a calendar of
    dated changes, launch readiness, rollout pictures and a page of facts per market. Opens
    from file://.

    Validates first: a repository with errors gets no report (exit 1) unless --render-anyway.
    """
    import json

    from marketctl.checks.reporters import REPORTERS
    from marketctl.commands.report import write_report
    from marketctl.commands.site import ReportRefusedError, make_report
    from marketctl.core.clock import today

    try:
        pages = make_report(_root(ctx), markets, today(), render_anyway=render_anyway, base=base)
    except ReportRefusedError as refused:
        # Every error and warning validate reports, as build prints them when it refuses.
        click.echo(REPORTERS["text"].render(refused.report, quiet=True), nl=False)
        raise
    write_report(output, pages)
    if output_format == "json":
        click.echo(json.dumps({"version": 1, "output": str(output), "pages": sorted(pages)}))
    elif not quiet(ctx):
        click.echo(f"wrote {len(pages)} pages to {output}: open {output / 'index.html'}")


@command(
    "marketctl readiness",
    "marketctl readiness gr --format markdown",
    "marketctl readiness --format json --check",
)
@markets_argument
@format_option("text", "json", "markdown", help="markdown suits a chat message or a PR comment.")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when a planned market or a change of the next 90 days lacks something.",
)
@click.pass_context
def readiness(
    ctx: click.Context, markets: tuple[str, ...], output_format: str, check: bool
) -> None:
    """What each planned market among MARKETs (default: all) still lacks for its launch
    (unverified facts in force on the launch date, untranslated keys, specs present and
    passing, owners, rollout steps, days left), and what each change of the next 90 days
    rests on. The report's readiness page shows the same."""
    from marketctl.checks.validation import select_markets
    from marketctl.commands.readiness import RENDERERS, spec_runner
    from marketctl.commands.readiness import readiness as readiness_of
    from marketctl.core.clock import today
    from marketctl.core.errors import MarketctlError
    from marketctl.repository.loading import load_repository
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import WorktreeSource

    root = _root(ctx)
    repository = load_repository(WorktreeSource(root))
    codes = select_markets(repository, markets)
    result = readiness_of(repository, codes, today(), spec_runner(root, read_settings(root)))
    click.echo(RENDERERS[output_format](result), nl=False)
    if check and not result.ready:
        raise MarketctlError(
            "something is missing for a planned market or a scheduled change",
            "the list above says what; marketctl readiness --format json gives it to scripts",
        )


@command(
    "marketctl diff main",
    "marketctl diff main --format markdown > comment.md",
    "marketctl diff v1.4 v1.5 --market se --fail-on high",
)
@click.argument("base")
@click.argument("head", required=False)
@format_option("text", "markdown", "json", help="markdown suits a pull-request comment.")
@click.option(
    "-m",
    "--market",
    "markets",
    multiple=True,
    metavar="MARKET",
    help="Only this market (repeatable); the positional arguments are revisions.",
)
@click.option(
    "--env",
    "environment",
    metavar="NAME",
    help="Compare with markets/_environments/NAME.yaml as the last layer on both sides.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "low"]),
    metavar="LEVEL",
    help="Exit 1 when a change is at least this risky (high, medium or low).",
)
@click.pass_context
def diff(
    ctx: click.Context,
    base: str,
    head: str | None,
    output_format: str,
    markets: tuple[str, ...],
    environment: str | None,
    fail_on: str | None,
) -> None:
    """What changes between git revision BASE and HEAD (default: the working tree), market
    by market, after layering, each change with a risk class.

    A new market is shown in full: every fact with its source and verification status, and
    its rollout calendar in local time and UTC; a removed market lists what goes away; a
    change in _defaults or a region shows once with the markets it reaches. The markdown fits
    one GitHub comment (65,536 characters) by folding details.
    """
    from marketctl.commands.diff import RENDERERS, Risk, compare_sources
    from marketctl.repository.sources import GitSource, Source, WorktreeSource

    root = _root(ctx)
    head_source: Source = GitSource(root, head) if head else WorktreeSource(root)
    comparison = compare_sources(
        GitSource(root, base), head_source, base, head or "the working tree", environment, markets
    )
    click.echo(RENDERERS[output_format](comparison), nl=False)
    if fail_on is not None and comparison.reaches(Risk(fail_on)):
        ctx.exit(EXIT_FINDINGS)


@command(
    "marketctl test",
    "marketctl test jp --format json",
    "marketctl test --bundles dist --junit-xml reports/specs.xml",
    name="test",
)
@markets_argument
@format_option("text", "json")
@click.option(
    "--bundles",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    metavar="DIR",
    help="Test the bundles a build wrote there (default: build into a temporary folder).",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write the results as JUnit XML (for CI test reports).",
)
@click.pass_context
def spec_test(
    ctx: click.Context,
    markets: tuple[str, ...],
    output_format: str,
    bundles: Path | None,
    junit_xml: Path | None,
) -> None:
    """Run the checks in specs/*.yaml against built bundles, through the runtime that
    services use: tax rates, prices, messages, feature rollouts. Exit 1 when one fails."""
    from marketctl.checks.reporters import REPORTERS
    from marketctl.checks.validation import select_markets
    from marketctl.commands.build import BuildRefusedError
    from marketctl.commands.build import build as build_bundles
    from marketctl.commands.spectest import RENDERERS, run_specs
    from marketctl.commands.spectest import junit_xml as to_junit
    from marketctl.core.files import write_file
    from marketctl.repository.loading import load_repository
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import WorktreeSource

    root = _root(ctx)
    if markets and bundles is None:
        select_markets(load_repository(WorktreeSource(root)), markets)

    def build_into(target: Path) -> object:
        try:
            return build_bundles(root, markets, target, read_settings(root))
        except BuildRefusedError as refused:
            click.echo(REPORTERS["text"].render(refused.report, quiet=True), nl=False)
            raise

    run = run_specs(root, markets, bundles, build_into)
    click.echo(RENDERERS[output_format](run, quiet(ctx)), nl=False)
    if junit_xml is not None:
        write_file(junit_xml, to_junit(run))
    ctx.exit(EXIT_FINDINGS if run.failed else EXIT_OK)


@command(
    "marketctl owners",
    "marketctl owners --write",
    "marketctl owners --check   # in CI: fails when CODEOWNERS is stale",
)
@format_option("text", "json")
@click.option("--write", "mode", flag_value="write", help="Write .github/CODEOWNERS.")
@click.option(
    "--check", "mode", flag_value="check", help="Exit 1 when .github/CODEOWNERS is stale."
)
@click.pass_context
def owners(ctx: click.Context, output_format: str, mode: str | None) -> None:
    """CODEOWNERS from the owners: in markets/: legal files to the legal owners, catalogues
    to localisation, rollout to feature owners, the rest of a market to its team.

    Without --write or --check, prints what --write would write.
    """
    from marketctl.commands.owners import (
        check_codeowners,
        owner_rules,
        render_codeowners,
        render_json,
        write_codeowners,
    )
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    root = _root(ctx)
    rules = owner_rules(load_repository(WorktreeSource(root)))
    if mode == "check":
        check_codeowners(root, rules)
        if not quiet(ctx):
            click.echo(f".github/CODEOWNERS is up to date ({len(rules)} rules)")
    elif mode == "write":
        path = write_codeowners(root, rules)
        if not quiet(ctx):
            click.echo(f"wrote {path.relative_to(root)} ({len(rules)} rules)")
    if output_format == "json":
        click.echo(render_json(rules), nl=False)
    elif mode is None:
        click.echo(render_codeowners(rules), nl=False)


@command("marketctl lsp", "marketctl lsp --root ~/markets-repo")
@format_option("json", help="The protocol's own: JSON-RPC over stdin and stdout.")
@click.pass_context
def lsp(ctx: click.Context, output_format: str) -> None:
    """A Language Server Protocol server over stdin and stdout for editors (install
    marketctl[lsp]): the findings of validate as you type, explain as hover, go to
    definition, completion of codes and quick fixes. The editor starts it in the repository;
    docs/editors.md shows how for VS Code, Neovim and Helix."""
    from marketctl.core.errors import MarketctlError

    try:
        from marketctl.lsp import serve
    except ImportError as error:
        raise MarketctlError(
            f"the language server needs pygls ({error})",
            "install it with: pip install 'marketctl[lsp]'",
        ) from None
    serve()


@command("marketctl rules", "marketctl rules MKT301", "marketctl rules --format json")
@click.argument("code", required=False)
@format_option("text", "json")
def rules(code: str | None, output_format: str) -> None:
    """List the rule catalogue, or print one rule's documentation (marketctl rules MKT301)."""
    from marketctl.commands.ruledocs import render_rules

    click.echo(render_rules(code, output_format), nl=False)


def group(*examples: str, name: str | None = None) -> Callable[[F], click.Group]:
    """A group of marketctl commands (export, keys): --root, --quiet and the epilog too."""

    def decorate(function: F) -> click.Group:
        made = cli.group(name=name, epilog=epilog(*examples))(_shared_options(function))
        assert isinstance(made, click.Group)
        return made

    return decorate


def subcommand(parent: click.Group, name: str, *examples: str) -> Callable[[F], click.Command]:
    """A command of a group, declared like the others."""

    def decorate(function: F) -> click.Command:
        return parent.command(name=name, epilog=epilog(*examples))(_shared_options(function))

    return decorate


@group("marketctl export flagd --env production -o flags.json")
def export() -> None:
    """Write the markets in another tool's format (flagd)."""


@subcommand(
    export,
    "flagd",
    "marketctl export flagd",
    "marketctl export flagd --env production -o flags.json",
)
@format_option("json", help="flagd's flag definitions (JSON).")
@click.option(
    "--env",
    "environment",
    metavar="NAME",
    help="Export the rollouts of markets/_environments/NAME.yaml.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.",
)
@click.option(
    "--for",
    "evaluator",
    type=click.Choice(["flagd", "python"]),
    default="flagd",
    show_default=True,
    help="The evaluator the services use: flagd (the daemon, JavaScript flagd-core 4.x: "
    "flagd-fractional-v2) or python (Python flagd core 2.x, OpenFeature flagd provider 0.6: "
    "flagd-fractional-v3). Features with another scheme are refused.",
)
@click.option(
    "--rebucket",
    is_flag=True,
    help="Export features whose scheme the evaluator does not implement anyway; it decides "
    "them with its own scheme (other units than marketctl.runtime).",
)
@click.pass_context
def export_flagd(
    ctx: click.Context,
    output_format: str,
    environment: str | None,
    output: Path | None,
    evaluator: str,
    rebucket: bool,
) -> None:
    """flagd flag definitions for every feature: market targeting (context attribute
    'market'), the steps as $flagd.timestamp thresholds, fractional for the percentages,
    owner, expiry, requires and bucketing scheme in metadata."""
    from marketctl.checks.reporters import REPORTERS
    from marketctl.commands.build import BuildRefusedError
    from marketctl.commands.export import export_flagd as export_document
    from marketctl.commands.export import render, write_atomically
    from marketctl.repository.settings import read_settings

    root = _root(ctx)
    try:
        _, document = export_document(
            root, environment, read_settings(root), evaluator=evaluator, rebucket=rebucket
        )
    except BuildRefusedError as refused:
        click.echo(REPORTERS["text"].render(refused.report), nl=False, err=True)
        raise
    if output is None:
        click.echo(render(document), nl=False)
    else:
        write_atomically(output, render(document))
        if not quiet(ctx):
            click.echo(f"wrote {len(document['flags'])} flag(s) to {output}", err=True)


@group("marketctl keys generate release.pem")
def keys() -> None:
    """Ed25519 keys for signed releases (build --sign KEY, runtime.load(trust=[...]))."""


@subcommand(keys, "generate", "marketctl keys generate release.pem")
@click.argument("private_key", type=click.Path(dir_okay=False, path_type=Path))
@format_option("text", "json")
@click.pass_context
def keys_generate(ctx: click.Context, private_key: Path, output_format: str) -> None:
    """Write a new private key to PRIVATE_KEY (mode 0600) and its public key to
    PRIVATE_KEY.pub. Keep the private key in CI's secret store; give services the .pub."""
    import json

    from marketctl.commands.signing import generate_key_pair

    public, key_id = generate_key_pair(private_key)
    if output_format == "json":
        document = {"private": str(private_key), "public": str(public), "key_id": key_id}
        click.echo(json.dumps(document, indent=2))
    elif not quiet(ctx):
        click.echo(f"wrote {private_key} (private: keep it secret) and {public} (key id {key_id})")


@group("marketctl release rollback old-dist -o dist --sign release.pem")
def release() -> None:
    """Releases of a bundle set: release numbers only increase (services refuse lower ones)."""


@subcommand(release, "rollback", "marketctl release rollback old-dist -o dist --sign release.pem")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@format_option("text", "json")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The set to replace (its release number is the one to go above).",
)
@click.option(
    "--sign",
    "signing_key",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="KEY",
    help="Sign the new manifest with this Ed25519 private key (PEM).",
)
@click.option("--release", "number", type=int, metavar="N", help="The new release number.")
@click.pass_context
def release_rollback(
    ctx: click.Context,
    source: Path,
    output_format: str,
    output: Path,
    signing_key: Path | None,
    number: int | None,
) -> None:
    """Write the bundles of SOURCE (an older build, verified) into OUTPUT as a new release,
    numbered above both: the way back to old content that services accept."""
    from marketctl.commands.release import rollback

    done = rollback(source, output, signing_key, number)
    if output_format == "json":
        import json

        document = {
            "output": str(done.output),
            "release": done.release,
            "content_of": done.content_of,
            "signed_by": done.signed_by,
        }
        click.echo(json.dumps(document, indent=2))
    elif not quiet(ctx):
        signed = f", signed with key {done.signed_by}" if done.signed_by else ""
        click.echo(
            f"release {done.release} in {done.output}: the content of release "
            f"{done.content_of} from {source}{signed}"
        )


@subcommand(release, "publish", "marketctl release publish dist bucket/production")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@click.argument("bucket", type=click.Path(file_okay=False, path_type=Path))
@format_option("text", "json")
@click.pass_context
def release_publish(ctx: click.Context, source: Path, bucket: Path, output_format: str) -> None:
    """Write the build in SOURCE (verified) into BUCKET as one signed object per publish:
    bundles named by SHA-256 (written once), then release.json, the signed envelope, in one
    atomic write. Services load BUCKET's URL + release.json."""
    from marketctl.commands.publish import publish

    done = publish(source, bucket)
    if output_format == "json":
        import json

        document = {
            "envelope": str(done.envelope),
            "release": done.release,
            "environment": done.environment,
            "signed": done.signed,
            "written": list(done.written),
        }
        click.echo(json.dumps(document, indent=2))
    elif not quiet(ctx):
        signed = "signed" if done.signed else "unsigned"
        click.echo(
            f"published release {done.release} ({signed}) as {done.envelope}: "
            f"{len(done.written)} new bundle(s)"
        )


def _fail(message: str, code: int) -> int:
    click.echo(message, err=True)
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code: the one place that maps exceptions."""
    # A command runs once over bounded input (files are capped in size and node count): the
    # cyclic collector's pauses while YAML and rule data are built cost more than they free.
    gc.disable()
    try:
        return _run(argv)
    finally:
        gc.enable()


def _run(argv: Sequence[str] | None) -> int:
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of raising it.
        outcome = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="marketctl",
            standalone_mode=False,
        )
        if isinstance(outcome, int):
            return outcome
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else EXIT_FINDINGS
    except click.Abort:
        return _fail("Aborted.", EXIT_FINDINGS)
    except MarketctlError as error:
        text = f"Error: {error.message}"
        if error.hint:
            text += f"\n  {error.hint}"
        return _fail(text, error.exit_code)
    except BrokenPipeError:
        return EXIT_FINDINGS
    except Exception as error:  # the one place that catches everything: exit code 3
        if os.environ.get("MARKETCTL_DEBUG"):
            raise
        return _fail(
            f"marketctl: internal error: {type(error).__name__}: {error}\n"
            "  this is a bug in marketctl: please report it with the command you ran "
            "(set MARKETCTL_DEBUG=1 for the traceback)",
            EXIT_INTERNAL,
        )
    return EXIT_OK


def main() -> None:
    """The console script. Once the command is done (its files written and closed, its
    processes joined, its output flushed here), the process ends without tearing the
    interpreter down: freeing every object of a run one by one took a tenth of a second, a
    sixth of a cold ``validate``. Under coverage, which saves its data as Python exits, it
    exits the usual way."""
    code = run()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader gone early (| head), or a closed stream
        code = code or EXIT_FINDINGS
    if "coverage" in sys.modules:
        sys.exit(code)
    os._exit(code)
