"""The repository model: layers of documents, and markets resolved from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marketctl.core.diagnostics import Finding, Location
from marketctl.core.documents import Document
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.repository.layering import Resolved, resolve
from marketctl.repository.reference import Reference, reference_of

LAYERED_KINDS = ("market", "tax", "warranty", "rollout")
DEFAULTS = "_defaults"
REGIONS = "_regions"


@dataclass
class Layer:
    """One folder of markets/: ``_defaults``, ``_regions/eu`` or a market such as ``se``."""

    name: str
    directory: str
    files: dict[str, Document] = field(default_factory=dict)
    messages: dict[str, Document] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)

    @property
    def is_market(self) -> bool:
        return not self.name.startswith("_")


@dataclass(frozen=True)
class MessageHit:
    """A message text as found along a locale's fallback chain."""

    key: str
    tag: str
    text: str
    document: Document

    @property
    def location(self) -> Location:
        return self.document.value_location((self.key,))


class _ResolvedKinds(dict[str, Resolved]):
    def __init__(self, layers: tuple[Layer, ...]) -> None:
        super().__init__()
        self._layers = layers

    def __missing__(self, kind: str) -> Resolved:
        if kind not in LAYERED_KINDS:
            raise KeyError(kind)
        found = self[kind] = resolve(
            layer.files[kind] for layer in self._layers if kind in layer.files
        )
        return found


@dataclass
class Market:
    """A market after layering: what validate checks and build compiles."""

    code: str
    layers: tuple[Layer, ...]
    repository: Repository

    @cached_property
    def resolved(self) -> dict[str, Resolved]:
        """Each kind of file resolved across the layers, when first read (a rule that reads
        only market.yaml of a hundred markets resolves nothing else)."""
        return _ResolvedKinds(self.layers)

    @property
    def own(self) -> Layer:
        """The market's own folder (environment layers, when selected, come after it)."""
        for layer in reversed(self.layers):
            if layer.name == self.code:
                return layer
        return self.layers[-1]

    @property
    def market(self) -> dict[str, Any]:
        return self.resolved["market"].data

    @property
    def tax(self) -> dict[str, Any]:
        return self.resolved["tax"].data

    @property
    def warranty(self) -> dict[str, Any]:
        return self.resolved["warranty"].data

    @property
    def rollout(self) -> dict[str, Any]:
        return self.resolved["rollout"].data

    @property
    def locales(self) -> list[str]:
        locales = self.market.get("locales")
        return [tag for tag in locales if isinstance(tag, str)] if isinstance(locales, list) else []

    @property
    def is_live(self) -> bool:
        return self.market.get("status") == "live"

    def location(self, kind: str, path: tuple[str | int, ...]) -> Location:
        """Where a resolved value was written; the market's own file when nobody wrote it."""
        found = self.resolved[kind].location(path)
        if found is not None:
            return found
        own = self.own.files.get(kind) or self.own.files.get("market")
        if own is not None:
            return own.value_location(())
        return Location(f"{self.own.directory}/{kind}.yaml")

    def key_location(self, kind: str, path: tuple[str | int, ...]) -> Location:
        found = self.resolved[kind].key_location(path)
        return found if found is not None else self.location(kind, path)

    @property
    def files(self) -> list[str]:
        """Every file this market is made of, across its layers."""
        paths: list[str] = []
        for layer in self.layers:
            paths.extend(document.path for document in layer.files.values())
            paths.extend(document.path for document in layer.messages.values())
        paths.extend(self.repository.shared_files)
        return sorted(set(paths))

    def catalogues(self, tag: str) -> list[tuple[str, Document]]:
        """The catalogues a locale reads, in lookup order: each tag of its CLDR chain, in the
        market, then its region, then ``_defaults``. The source catalogue is not included."""
        known: dict[str, list[tuple[str, Document]]] = self.__dict__.setdefault(
            "_catalogues_of", {}
        )
        cached = known.get(tag)
        if cached is None:
            cached = known[tag] = self._catalogues(tag)
        return list(cached)

    def _catalogues(self, tag: str) -> list[tuple[str, Document]]:
        found: list[tuple[str, Document]] = []
        for chain_tag in fallback_chain(tag):
            for layer in reversed(self.layers):
                document = layer.messages.get(chain_tag)
                if document is None:
                    continue
                if layer.name == DEFAULTS and chain_tag == SOURCE_LOCALE:
                    continue
                found.append((chain_tag, document))
        return found

    def message(self, tag: str, key: str) -> MessageHit | None:
        """The text a locale shows for a key, following the fallback chain to the source."""
        for chain_tag, document in self.catalogues(tag):
            text = document.data.get(key)
            if isinstance(text, str):
                return MessageHit(key, chain_tag, text, document)
        if SOURCE_LOCALE in fallback_chain(tag):
            return self.repository.source_message(key)
        return None


@dataclass
class Repository:
    """Every layer of markets/, loaded, plus what stopped any file from loading."""

    source_label: str
    defaults: Layer
    regions: dict[str, Layer]
    markets: dict[str, Layer]
    findings: list[Finding]
    #: ``markets/_environments/<name>.yaml`` by name; the last layer of every market when
    #: :attr:`environment` names one of them.
    environments: dict[str, Document] = field(default_factory=dict)
    environment: str | None = None
    #: ``markets/_reference/<kind>.yaml`` by kind (tax_law, consumer_law): the repository's
    #: additions to marketctl's reference data (:mod:`marketctl.repository.reference`).
    references: dict[str, Document] = field(default_factory=dict)
    _markets: dict[str, Market] = field(default_factory=dict, init=False, repr=False)
    # What the floors above derive from the loaded files once per run (the message texts every
    # message rule walks); the repository is not changed after loading.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def select_environment(self, name: str | None) -> None:
        """Resolve markets for environment ``name`` from now on (None: no environment layer).

        Raises KeyError for an environment that has no file.
        """
        if name is not None and name not in self.environments:
            raise KeyError(name)
        if name != self.environment:
            self.environment = name
            self._markets.clear()

    def forget_resolved(self) -> None:
        """Drop the markets resolved so far and what was derived from the files: for a loader
        that adds files after loading (:func:`~marketctl.repository.loading.load_more`)."""
        self._markets.clear()
        self.derived.clear()

    def environment_layers(self, code: str) -> list[Layer]:
        """The selected environment's part for every market, then its part for ``code``."""
        if self.environment is None:
            return []
        from marketctl.repository.environments import ENVIRONMENTS, part

        document = self.environments[self.environment]
        directory = f"markets/{ENVIRONMENTS}"
        name = f"{ENVIRONMENTS}/{self.environment}"
        layers = [Layer(name, directory, {"rollout": part(document, (), ("features",))})]
        if isinstance(document.get(("markets", code)), dict):
            own = part(document, ("markets", code), ("features",))
            layers.append(Layer(f"{name}/{code}", directory, {"rollout": own}))
        return layers

    @property
    def reference(self) -> Reference:
        """The packaged reference data with this repository's additions, read once."""
        found = self.derived.get("reference")
        if found is None:
            found = self.derived["reference"] = reference_of(self.references)
        result: Reference = found
        return result

    @property
    def reference_files(self) -> list[str]:
        return [document.path for document in self.references.values()]

    @property
    def layers(self) -> list[Layer]:
        return [self.defaults, *self.regions.values(), *self.markets.values()]

    @property
    def features(self) -> Document | None:
        return self.defaults.files.get("features")

    @property
    def source_catalogue(self) -> Document | None:
        return self.defaults.messages.get(SOURCE_LOCALE)

    @property
    def shared_files(self) -> list[str]:
        return [d.path for d in (self.features, self.source_catalogue) if d is not None]

    @property
    def source_keys(self) -> list[str]:
        catalogue = self.source_catalogue
        return list(catalogue.data) if catalogue is not None else []

    def source_message(self, key: str) -> MessageHit | None:
        catalogue = self.source_catalogue
        if catalogue is None:
            return None
        entry = catalogue.data.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("message"), str):
            return MessageHit(key, SOURCE_LOCALE, entry["message"], catalogue)
        return None

    def market(self, code: str) -> Market:
        cached = self._markets.get(code)
        if cached is None:
            own = self.markets[code]
            layers = [self.defaults]
            region = own.files.get("market")
            region_name = region.data.get("region") if region is not None else None
            if isinstance(region_name, str) and region_name in self.regions:
                layers.append(self.regions[region_name])
            layers.append(own)
            layers.extend(self.environment_layers(code))
            cached = Market(code, tuple(layers), self)
            self._markets[code] = cached
        return cached
