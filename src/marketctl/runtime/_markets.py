"""``load()`` and the :class:`Markets` mapping it returns, with ``reload()``."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from marketctl.runtime._bundles import read_bundle_set
from marketctl.runtime._market import Market
from marketctl.runtime.errors import UnknownMarketError

__all__ = ["Markets", "load"]

PathLike = str | os.PathLike[str]


class _Generation:
    """One verified bundle set: never changed after it is built."""

    __slots__ = ("manifest", "markets", "path")

    def __init__(self, path: str, manifest: Mapping[str, Any], markets: dict[str, Market]):
        self.path = path
        self.manifest = manifest
        self.markets = markets


def _load_generation(path: PathLike, precompile: bool) -> _Generation:
    bundle_set = read_bundle_set(path)
    markets = {code: Market(bundle, file) for code, (file, bundle) in bundle_set.bundles.items()}
    if precompile:
        for market in markets.values():
            market.precompile()
    return _Generation(bundle_set.path, bundle_set.manifest, markets)


class Markets(Mapping[str, Market]):
    """The markets of a loaded bundle set: ``markets["jp"]``, ``"jp" in markets``, ``len()``.

    :meth:`reload` replaces the whole set at once. A :class:`Market` obtained before a reload
    keeps answering from the set it came from (markets are never changed in place), so a
    request that fetched ``markets["jp"]`` once sees one consistent bundle throughout.
    """

    def __init__(self, generation: _Generation, precompile: bool = False) -> None:
        self._current = generation
        self._precompile = precompile
        self._reload_lock = threading.Lock()

    # -- mapping -------------------------------------------------------------------------

    def __getitem__(self, code: str) -> Market:
        markets = self._current.markets
        try:
            return markets[code]
        except KeyError:
            raise UnknownMarketError(code, markets) from None

    def __contains__(self, code: object) -> bool:
        return code in self._current.markets

    def get(self, code: str, default: Any = None) -> Any:
        return self._current.markets.get(code, default)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._current.markets))

    def __len__(self) -> int:
        return len(self._current.markets)

    def __repr__(self) -> str:
        return f"<Markets {', '.join(self._current.markets)} from {self._current.path}>"

    # -- the set -------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The directory the current set was loaded from."""
        return self._current.path

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The current set's manifest (format, generator, source commit, checksums)."""
        return self._current.manifest

    @property
    def source(self) -> Mapping[str, Any]:
        """Where the current set was built from: ``{"commit", "dirty", "built_at"}``."""
        source: Mapping[str, Any] = self._current.manifest.get("source") or {}
        return source

    def reload(self, path: PathLike | None = None) -> None:
        """Load and verify the set at ``path`` (the current directory when None) and swap it
        in, all markets at once.

        If the new set fails to load, :class:`BundleError` is raised and the current set stays
        in service, unchanged. Readers are never blocked: the swap is one attribute
        assignment; concurrent reloads are serialized.
        """
        with self._reload_lock:
            target = self._current.path if path is None else path
            generation = _load_generation(target, self._precompile)
            self._current = generation


def load(path: PathLike, *, precompile: bool = False) -> Markets:
    """Load and verify the bundle set written by ``marketctl build`` into ``path``.

    Verifies the manifest, each bundle's size, SHA-256 and format version and that it holds the
    market it is listed as; raises :class:`BundleError` naming the file otherwise. With
    ``precompile=True`` every message is compiled at once (a broken message fails the load
    instead of its first use; slower start-up).
    """
    return Markets(_load_generation(path, precompile), precompile)
