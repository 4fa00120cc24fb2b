"""``validate --select`` of rules that read no message catalogue: the catalogues are not read
when the unit store vouches for them.

Message catalogues are most of a repository's bytes, and only the loading, schema and message
rules (MKT0, MKT1, MKT5) read them. When the command line's ``--select`` (with the settings)
keeps none of those, validate loads every other file and runs the other rules; the catalogues
are left unread (issue 11) where the unit store (:mod:`~marketctl.checks.incremental`) holds
each catalogue the selected markets read as it is now: its loading, schema and message findings
are taken from there, and so are the missing translations (MKT501) of the markets, none of
whose files changed. So the gate of issue 10 (validate fails on whatever build refuses) holds.

Where the store cannot vouch for one of them (a catalogue changed since the last full run, a
market's file changed, or nothing stored), the run is not narrowed: a scoped or selected run
checks every file its markets read, as an unscoped run does (issue 20).
"""

from __future__ import annotations

from typing import Any

from marketctl.checks import incremental
from marketctl.checks.rules import catalogue
from marketctl.checks.validation import (
    Collected,
    Report,
    active_rules,
    assemble,
    collect,
    is_message_rule,
    scope,
    select_environment,
    select_markets,
)
from marketctl.repository.cache import Tree
from marketctl.repository.loading import MARKETS, load_repository
from marketctl.repository.markets import Repository
from marketctl.repository.settings import Settings
from marketctl.repository.sources import NarrowedSource, Source

__all__ = ["needs_no_catalogue", "report_without_catalogues"]

#: The rule families that read message catalogues.
CATALOGUE_FAMILIES = ("MKT0", "MKT1", "MKT5")


def needs_no_catalogue(settings: Settings) -> bool:
    """Whether the settings select no rule that reads a message catalogue."""
    return not any(
        settings.is_selected(code) for code in catalogue() if code.startswith(CATALOGUE_FAMILIES)
    )


def is_catalogue(path: str) -> bool:
    """``markets/<layer>/messages/<tag>.yaml`` (and the region's), the source catalogue too."""
    parts = path.split("/")
    return len(parts) >= 4 and parts[0] == MARKETS and parts[-2] == "messages"


def report_without_catalogues(
    source: Source,
    tree: Tree | None,
    units: dict[str, Any] | None,
    markets: tuple[str, ...],
    environment: str | None,
    settings: Settings,
    build_settings: Settings,
    jobs: int | None,
) -> Report | None:
    """Validate without reading message catalogues; ``units`` (the store's, or None) and
    ``tree`` (the files' hashes now) say which catalogues' findings are still known. None when
    the store cannot vouch for every catalogue the markets read, or for the missing
    translations of a market: then only a full run says what build would refuse (issue 20)."""
    stored = _stored(tree, units)
    if stored is None:
        return None
    paths = source.list_files(MARKETS)
    catalogues = [path for path in paths if is_catalogue(path)]
    narrowed = NarrowedSource(source, set(paths) - set(catalogues), links=True)
    repository = load_repository(narrowed, jobs=jobs)
    select_environment(repository, environment)
    codes = select_markets(repository, markets)
    old, files, broken = stored
    known = _unchanged(catalogues, tree, stored)
    in_scope = scope(repository, codes)
    if any(path not in known and in_scope(path) for path in catalogues):
        return None
    if not all(_market_unchanged(repository, code, tree, files) for code in codes):
        return None
    if any(code not in old.markets for code in codes):
        return None

    incremental.mark_unread(repository, known, broken, old.schema_errors)
    collected = collect(repository, codes, jobs=jobs, message_rules=False)
    rules = active_rules()
    for path in known:
        for part in ("loading", "schema", "ignores"):
            found = getattr(old, part).get(path)
            if found is not None:
                getattr(collected, part)[path] = found
        pairs = [pair for pair in old.shared.get(path, []) if is_message_rule(rules[pair[0]])]
        if pairs:
            collected.shared.setdefault(path, []).extend(pairs)
    for code in codes:
        collected.markets[code] += [
            finding for finding in old.markets[code] if finding.code.startswith("MKT5")
        ]
    return assemble(collected, codes, settings, build_settings, in_scope)


def _stored(
    tree: Tree | None, units: dict[str, Any] | None
) -> tuple[Collected, dict[str, str], set[str]] | None:
    if tree is None or units is None:
        return None
    try:
        return incremental.decode(units)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _unchanged(
    catalogues: list[str],
    tree: Tree | None,
    stored: tuple[Collected, dict[str, str], set[str]] | None,
) -> set[str]:
    """The catalogues whose stored findings are theirs now: the catalogue and the source
    catalogue (which the message rules compare with) both unchanged."""
    if tree is None or stored is None:
        return set()
    files = stored[1]

    def same(path: str) -> bool:
        return path in tree.files and files.get(path) == tree.files[path]

    if not same(incremental.SOURCE_CATALOGUE):
        return set()
    return {path for path in catalogues if same(path)}


def _market_unchanged(
    repository: Repository, code: str, tree: Tree | None, files: dict[str, str]
) -> bool:
    """Every file under the market's layers (its folder, its region, ``_defaults``) as the
    stored run read it."""
    if tree is None:
        return False
    directories = tuple(layer.directory + "/" for layer in repository.market(code).layers)
    current = {path: digest for path, digest in tree.files.items() if path.startswith(directories)}
    before = {path: digest for path, digest in files.items() if path.startswith(directories)}
    return current == before
