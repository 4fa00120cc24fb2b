"""``marketctl new CC``: start a market's folder from ISO, CLDR and the reviewed law data.

What can be derived is written, with a comment naming where it comes from:

- the country's code and English name: ISO 3166-1 (pycountry);
- its currency: CLDR's legal tender in the territory today (``territories.tenders_on``, the same
  answer as ``babel.numbers.get_territory_currencies(cc, today, tender=True)``);
- its locales: CLDR's official and de facto official languages of the territory
  (``babel.languages.get_official_languages(cc, de_facto=True)``, by population share), each as
  ``<language>-<CC>`` where CLDR has that locale, else the closest tag CLDR has;
- its time zones: CLDR's zones of the territory (``territories.territory_zones``), in CLDR's order;
- the tax and consumer-law facts that marketctl's reviewed data files
  (``marketctl/reference/data/tax_law.yaml``, ``consumer_law.yaml``) hold for the country or its
  region.

Everything else is written as ``null`` with a ``# TODO`` comment on its line, so that
``marketctl validate`` reports each unfilled value where it is to be written (MKT101): nothing is
invented. The files come from the Jinja2 templates in ``marketctl/templates``. The folder is
written beside ``markets/<cc>`` and renamed into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from marketctl.checks.coverage import missing_keys
from marketctl.commands.scaffold_facts import (
    TODO,
    _cldr_version,
    _market_view,
    _sales_tax_view,
    _tax_view,
    _warranty_view,
    quoted,
    tax_names,
    yaml_scalar,
)
from marketctl.core.clock import today
from marketctl.core.documents import load_document
from marketctl.core.errors import MarketctlError
from marketctl.reference.locales import fallback_chain
from marketctl.reference.membership import eu_membership
from marketctl.reference.territories import (
    closest,
    country_name,
    country_named,
)
from marketctl.repository.loading import MARKETS, load_repository
from marketctl.repository.markets import REGIONS
from marketctl.repository.sources import WorktreeSource

__all__ = ["RENDERERS", "Scaffold", "render_scaffold", "scaffold_market"]


@dataclass(frozen=True)
class Scaffold:
    """What ``scaffold_market`` wrote and what the person who ran it should know."""

    code: str  # lower case, the folder's name
    directory: str  # markets/<cc>, relative to the root
    files: tuple[str, ...]  # file names inside the directory, in the order written
    todos: int  # lines marked TODO: values left for the team
    notes: tuple[str, ...]


def scaffold_market(root: Path, code: str, region: str | None = None) -> Scaffold:
    """Write ``markets/<cc>/`` for the country ``code`` names, layered on ``region``.

    Raises :class:`MarketctlError`, writing nothing, when ``code`` is not an ISO 3166-1 alpha-2
    code, the market's folder exists, or the region has no folder under ``markets/_regions``.
    """
    country = _country_code(code)
    cc = country.lower()
    directory = f"{MARKETS}/{cc}"
    target = root / MARKETS / cc
    if target.exists() or target.is_symlink():
        raise MarketctlError(
            f"{directory} already exists",
            f"edit its files, or remove the folder to scaffold {cc} again",
        )
    day = today()
    notes: list[str] = []
    if region is not None:
        _check_region(root, region)
    region = _membership_region(country, region, day, notes)
    if region is not None:
        _check_region(root, region)  # inferred: the repository must have the region's folder

    market = _market_view(country, region, day)
    sales = _sales_tax_view(country, day, notes)
    tax = _tax_view(country, region, day, notes if sales is None else [])
    names = tax_names(country, market.locales)
    warranty = _warranty_view(country, region, notes)
    context = {
        "cc": cc,
        "country": country,
        "name": market.name,
        "today": day,
        "cldr": _cldr_version(),
    }
    texts: dict[str, str] = {
        "market.yaml": _render("market.yaml.j2", context, market=market),
        "tax.yaml": _render("tax.yaml.j2", context, tax=tax, names=names)
        if sales is None
        else _render("sales_tax.yaml.j2", context, sales=sales, names=names),
    }
    if warranty is not None:
        texts["warranty.yaml"] = _render("warranty.yaml.j2", context, warranty=warranty)
    texts["rollout.yaml"] = _render("rollout.yaml.j2", context)
    for name, text in texts.items():
        _check_rendered(f"{directory}/{name}", text)

    _create_directory(target, {name: text.encode("utf-8") for name, text in texts.items()})
    notes.extend(_catalogue_notes(root, cc))
    todos = sum(text.count(TODO) for text in texts.values())
    return Scaffold(cc, directory, tuple(texts), todos, tuple(notes))


def render_scaffold(scaffold: Scaffold) -> str:
    """The command's report: the files written, the notes, and what to do next."""
    lines = [f"created {scaffold.directory}/"]
    lines += [f"  {scaffold.directory}/{name}" for name in scaffold.files]
    lines += [f"note: {note}" for note in scaffold.notes]
    validate = f"`marketctl validate {scaffold.code}`"
    if scaffold.todos:
        plural = "s" if scaffold.todos > 1 else ""
        lines.append(f"{scaffold.todos} value{plural} marked TODO")
        lines.append(f"next: fill the values marked TODO, then run {validate}")
    else:
        lines.append("no value is marked TODO")
        lines.append(f"next: review the values and their sources, then run {validate}")
    return "\n".join(lines) + "\n"


def render_scaffold_json(scaffold: Scaffold) -> str:
    document = {
        "version": 1,
        "market": scaffold.code,
        "directory": scaffold.directory,
        "files": [f"{scaffold.directory}/{name}" for name in scaffold.files],
        "todos": scaffold.todos,
        "notes": list(scaffold.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Scaffold], str]] = {
    "text": render_scaffold,
    "json": render_scaffold_json,
}


# ------------------------------------------------------------------------------------------------
# The command line's arguments


def _country_code(text: str) -> str:
    """The ISO 3166-1 alpha-2 code ``text`` is (upper case), else an error with a guess."""
    word = text.strip()
    if len(word) == 2 and word.isascii() and word.isalpha() and country_name(word) is not None:
        return word.upper()
    hint = "market folders are named by ISO 3166-1 alpha-2 codes, like 'se' or 'jp'"
    # Fuzzy search over two letters finds nonsense ('xx' → Malta): only names and alpha-3
    # codes are looked up.
    guess = country_named(word) if len(word) > 2 else None
    if guess is not None:
        hint = f"did you mean '{guess.lower()}' ({country_name(guess)})?"
    raise MarketctlError(f"'{text}' is not an ISO 3166-1 alpha-2 country code", hint)


def _membership_region(country: str, region: str | None, day: date, notes: list[str]) -> str | None:
    """The region the EU membership list gives the country: inferred when ``--region`` is not
    given, and a ``--region`` that contradicts the list is refused (MKT210 would reject it)."""
    union = eu_membership()
    member = union.is_member(country, day)
    said = union.describe(country, day)
    if region is None:
        if member:
            notes.append(f"region: {union.region} because {said} ({union.source.title})")
            return union.region
        return None
    if member and region != union.region:
        raise MarketctlError(
            f"{said}: --region {region} contradicts the EU membership list",
            f"leave out --region (it is inferred) or write --region {union.region}",
        )
    if not member and region == union.region:
        raise MarketctlError(
            f"{said}: --region {region} contradicts the EU membership list",
            f"leave out --region: the {union.region.upper()} layer's floors are not "
            f"{country}'s law",
        )
    return region


def _check_region(root: Path, region: str) -> None:
    folder = root / MARKETS / REGIONS
    known = (
        sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    if region in known:
        return
    guess = closest(region.lower(), known)
    hint = f"known regions: {', '.join(known) or 'none'}"
    if guess:
        hint = f"did you mean '{guess[0]}'? {hint}"
    raise MarketctlError(f"region '{region}' has no folder {MARKETS}/{REGIONS}/{region}/", hint)


# ------------------------------------------------------------------------------------------------
# Rendering and writing


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("marketctl.commands", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML: values are quoted by yaml_scalar / quoted
    )
    environment.filters["yaml"] = yaml_scalar
    environment.filters["quoted"] = quoted
    return environment


def _render(template: str, context: Mapping[str, Any], **values: Any) -> str:
    return _environment().get_template(template).render(**context, **values)


def _check_rendered(path: str, text: str) -> None:
    """A template that renders broken YAML is a bug in marketctl: never write it."""
    document, problems = load_document(path, text.encode("utf-8"))
    if document is None or problems:
        reasons = "; ".join(f"{p.line}:{p.column}: {p.message}" for p in problems)
        raise RuntimeError(f"the scaffold of {path} is not valid YAML: {reasons}")


def _create_directory(target: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into a new folder beside ``target`` and rename it into place.

    Unlike ``build.write_directory`` this never replaces anything: a rename onto a folder that
    appeared in the meantime (and is not empty) fails, and the staging folder is removed.
    """
    parent = target.parent
    try:
        for stale in parent.glob(f".{target.name}.new-*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=parent))
    except OSError as error:
        raise MarketctlError(f"cannot write into {parent}: {error.strerror or error}") from None
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        staging.chmod(0o755)
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise MarketctlError(
            f"cannot create {MARKETS}/{target.name}: {error.strerror or error}",
            "nothing was written",
        ) from None


def _catalogue_notes(root: Path, cc: str) -> list[str]:
    """The locales that have no catalogue along their CLDR fallback chain, as MKT501 sees it."""
    repository = load_repository(WorktreeSource(root))
    if cc not in repository.markets:
        return []
    market = repository.market(cc)
    total = len(repository.source_keys)
    notes: list[str] = []
    for tag in dict.fromkeys(market.locales):
        missing = missing_keys(market, tag)
        if not missing:
            continue
        chain = " → ".join(fallback_chain(tag))
        language = fallback_chain(tag)[-1]
        notes.append(
            f"{tag} needs a catalogue ({total - len(missing)} of {total} messages translated "
            f"along {chain}): add {MARKETS}/{cc}/messages/{tag}.yaml, or "
            f"{MARKETS}/_defaults/messages/{language}.yaml to share it with other markets"
        )
    if notes:
        notes.append(f"`marketctl translations {cc}` shows each locale's coverage")
    return notes
