"""``load()`` and the :class:`Markets` mapping it returns, with ``reload()``."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marketctl.runtime._bundles import MANIFEST, SIGNATURE, BundleSet, read_bundle_set
from marketctl.runtime._http import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    Validators,
    is_envelope,
    is_url,
    read_remote_set,
    url_file,
)
from marketctl.runtime._market import Market
from marketctl.runtime._signatures import KeySource, TrustedKey, trusted_keys, verify_manifest
from marketctl.runtime._state import ReleaseState, SetCopy, read_copied_set
from marketctl.runtime.errors import BundleError, UnknownMarketError

__all__ = ["Markets", "load"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class _Options:
    """What a service asked for at load(): every later reload checks the same."""

    environment: str | None
    trust: tuple[TrustedKey, ...] | None
    timeout: float
    max_bytes: int
    precompile: bool
    state_dir: str | None = None
    fallback_max_age: float | None = None


class _Generation:
    """One verified bundle set: never changed after it is built."""

    __slots__ = (
        "by_digest",
        "from_disk",
        "manifest",
        "manifest_bytes",
        "manifest_sha256",
        "markets",
        "path",
        "signature",
        "signed_by",
        "validators",
    )

    def __init__(
        self,
        path: str,
        manifest: Mapping[str, Any],
        markets: dict[str, Market],
        validators: Validators | None = None,
        signed_by: str | None = None,
        by_digest: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
        manifest_sha256: str = "",
        manifest_bytes: bytes = b"",
        signature: bytes | None = None,
        from_disk: bool = False,
    ):
        self.manifest_sha256 = manifest_sha256
        self.manifest_bytes = manifest_bytes
        self.signature = signature
        self.from_disk = from_disk
        self.path = path
        self.manifest = manifest
        self.markets = markets
        self.validators = validators
        self.signed_by = signed_by
        self.by_digest = by_digest or {}


def _display(bundle_set: BundleSet, name: str) -> str:
    if is_url(bundle_set.path):
        return url_file(bundle_set.path, name)
    return os.path.join(bundle_set.path, name)


def _check_manifest(bundle_set: BundleSet, options: _Options) -> str | None:
    """The environment and signature checks of a manifest (before its bundles are read over
    HTTP); the signing key's id when signed and trusted."""
    built_for = bundle_set.manifest.get("environment")
    if options.environment is not None and built_for != options.environment:
        what = f"environment '{built_for}'" if built_for else "no environment"
        raise BundleError(
            _display(bundle_set, MANIFEST),
            f"built for {what}, but this service runs in '{options.environment}': "
            f"build it with marketctl build --env {options.environment}",
        )
    if options.trust is None:
        return None
    return verify_manifest(
        _display(bundle_set, SIGNATURE),
        bundle_set.manifest_bytes,
        bundle_set.signature,
        options.trust,
    )


def _check_bundles(bundle_set: BundleSet) -> None:
    built_for = bundle_set.manifest.get("environment")
    for display, bundle in bundle_set.bundles.values():
        if bundle.get("environment") != built_for:
            raise BundleError(
                display,
                f"built for environment {bundle.get('environment')!r}, but manifest.json says "
                f"{built_for!r}: the set mixes builds",
            )


def _read(
    source: PathLike,
    options: _Options,
    current: _Generation | None,
    held: _Generation | None = None,
) -> _Generation | None:
    """Read, verify and build a generation; None when a URL's manifest is unchanged since
    ``current`` (its validators). ``held`` (default ``current``) holds the bundles to reuse."""
    held = current if held is None else held
    validators = None
    checked: list[str | None] = []  # the signer, when the manifest was checked over HTTP
    if isinstance(source, str) and is_url(source):
        same_source = current is not None and current.path == _normal_url(source)
        fetched = read_remote_set(
            source,
            validators=current.validators if same_source and current is not None else None,
            known=held.by_digest if held is not None else None,
            timeout=options.timeout,
            max_bytes=options.max_bytes,
            check_manifest=lambda partial: checked.append(_check_manifest(partial, options)),
            keep_bundle=_copy(source, options).keep_bundle if options.state_dir else None,
        )
        if fetched is None:
            return None
        bundle_set, validators = fetched.bundle_set, fetched.validators
    else:
        bundle_set = read_bundle_set(source)
    return _generation(bundle_set, options, validators, checked[0] if checked else None)


def _copy(source: str, options: _Options) -> SetCopy:
    assert options.state_dir is not None
    return SetCopy(options.state_dir, _normal_url(source), options.environment)


def _generation(
    bundle_set: BundleSet,
    options: _Options,
    validators: Validators | None = None,
    signed_by: str | None = None,
    from_disk: bool = False,
) -> _Generation:
    """The checks of a verified set (environment, signature), and its markets."""
    if signed_by is None:
        signed_by = _check_manifest(bundle_set, options)
    _check_bundles(bundle_set)
    markets = {code: Market(bundle, file) for code, (file, bundle) in bundle_set.bundles.items()}
    if options.precompile:
        for market in markets.values():
            market.precompile()
    entries = bundle_set.manifest["bundles"]
    by_digest = {entries[code]["sha256"]: pair for code, pair in bundle_set.bundles.items()}
    return _Generation(
        bundle_set.path,
        bundle_set.manifest,
        markets,
        validators,
        signed_by,
        by_digest,
        hashlib.sha256(bundle_set.manifest_bytes).hexdigest(),
        bundle_set.manifest_bytes,
        bundle_set.signature,
        from_disk,
    )


def _from_copy(source: PathLike, options: _Options, failure: BundleError) -> _Generation:
    """The last verified set kept on disk, for a start while the origin is down or serves a
    set this service refuses; ``failure`` (the origin's error) when there is none, or it is
    older than ``fallback_max_age``."""
    if not (isinstance(source, str) and is_url(source)) or options.state_dir is None:
        raise failure
    if options.fallback_max_age is None:
        raise failure
    import time

    found = _copy(source, options).read(options.fallback_max_age, time.time())
    if found is None:
        raise failure
    manifest, signature, bundles = found
    bundle_set = read_copied_set(_normal_url(source), manifest, signature, bundles)
    return _generation(bundle_set, options, from_disk=True)


def _accept(generation: _Generation, options: _Options) -> None:
    """Record the release (state_dir) and keep a copy of a set read over HTTP."""
    state = _check_release(generation, options)
    if state is None:
        return
    state.accept(generation.manifest["release"], generation.manifest_sha256)
    if is_url(generation.path) and not generation.from_disk:
        _copy(generation.path, options).keep_manifest(
            generation.manifest_bytes, generation.signature
        )


def _manifest_display(generation: _Generation) -> str:
    if is_url(generation.path):
        return url_file(generation.path, MANIFEST)
    return os.path.join(generation.path, MANIFEST)


def _release_state(generation: _Generation, options: _Options) -> ReleaseState | None:
    if options.state_dir is None:
        return None
    origin = generation.path if is_url(generation.path) else os.path.abspath(generation.path)
    return ReleaseState(options.state_dir, origin, options.environment)


def _check_release(generation: _Generation, options: _Options) -> ReleaseState | None:
    """Refuse a release lower than the highest one recorded in ``state_dir``."""
    state = _release_state(generation, options)
    if state is not None:
        state.check(
            _manifest_display(generation),
            generation.manifest["release"],
            generation.manifest_sha256,
        )
    return state


def _normal_url(url: str) -> str:
    return url if url.endswith("/") or is_envelope(url) else url + "/"


def _check_successor(current: _Generation, new: _Generation) -> None:
    """A new set may not silently drop a market in service, nor be older than the current."""
    withdrawn = set(new.manifest.get("withdrawn") or [])
    dropped = sorted(set(current.markets) - set(new.markets) - withdrawn)
    if dropped:
        raise BundleError(
            _manifest_display(new),
            f"drops market(s) {', '.join(dropped)} that this service is serving, without "
            "listing them as withdrawn; a market leaves only explicitly (status: withdrawn, or "
            "deleted from markets/ and rebuilt over the previous set); keeping the current set",
        )
    before, after = current.manifest["release"], new.manifest["release"]
    if after < before:
        raise BundleError(
            _manifest_display(new),
            f"release {after} is older than release {before} in service: a replayed release "
            "or a stale cache; keeping the current set (to go back on purpose, publish a new "
            "release with the old content: marketctl release rollback)",
        )


class Markets(Mapping[str, Market]):
    """The markets of a loaded bundle set: ``markets["jp"]``, ``"jp" in markets``, ``len()``.

    :meth:`reload` replaces the whole set at once. A :class:`Market` obtained before a reload
    keeps answering from the set it came from (markets are never changed in place), so a
    request that fetched ``markets["jp"]`` once sees one consistent bundle throughout.
    """

    def __init__(
        self, generation: _Generation, precompile: bool = False, options: _Options | None = None
    ) -> None:
        self._current = generation
        self._options = options or _Options(
            None, None, DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES, precompile
        )
        self._reload_lock = threading.Lock()
        self._refused: Validators | None = None

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
        """The directory (or base URL) the current set was loaded from."""
        return self._current.path

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The current set's manifest (format, generator, source commit, checksums)."""
        return self._current.manifest

    @property
    def source(self) -> Mapping[str, Any]:
        """Where the current set was built from: ``{"commit", "dirty", "built_at", ...}``."""
        source: Mapping[str, Any] = self._current.manifest.get("source") or {}
        return source

    @property
    def environment(self) -> str | None:
        """The environment the current set was built for (``build --env``), or None."""
        value = self._current.manifest.get("environment")
        return value if isinstance(value, str) else None

    @property
    def from_disk(self) -> bool:
        """True while the set in service is the local copy loaded because the origin could not
        be read at start (``state_dir``); False once a reload read the origin."""
        return self._current.from_disk

    @property
    def release(self) -> int:
        """The current set's release number (``marketctl build`` increases it every build)."""
        release: int = self._current.manifest["release"]
        return release

    @property
    def signed_by(self) -> str | None:
        """The id of the trusted key that signed the current set (None without ``trust``)."""
        return self._current.signed_by

    def reload(self, path: PathLike | None = None) -> bool:
        """Load and verify the set at ``path`` (the current directory or URL when None) and
        swap it in, all markets at once. Returns False when a URL's manifest was unchanged
        (HTTP 304: nothing else was fetched), True when a set was swapped in.

        The new set passes every check of :func:`load` (environment, signature) and two more:
        it does not drop a market in service unless its manifest lists it as withdrawn, and it
        was not built before the current one. If anything fails, :class:`BundleError` is raised
        and the current set stays in service, unchanged. Readers are never blocked: the swap is
        one attribute assignment; concurrent reloads are serialized.
        """
        with self._reload_lock:
            current = self._current
            target = current.path if path is None else path
            # After a manifest was refused for its content, polls ask whether it changed
            # (a 304 costs a few bytes) instead of fetching and refusing it again.
            refused = self._refused if path is None else None
            asking = current if refused is None else _Generation(current.path, {}, {}, refused)
            generation: _Generation | None = None
            try:
                generation = _read(target, self._options, asking, current)
                if generation is None:
                    return False
                _check_successor(current, generation)
                _check_release(generation, self._options)
            except BundleError as error:
                # Only a refusal of what the origin said is remembered: a transport failure or
                # a bundle not (yet) matching its manifest is tried again in full.
                said = getattr(error, "validators", None)
                if said is None and generation is not None:
                    said = generation.validators
                if said is not None:
                    self._refused = said
                raise
            self._refused = None
            self._current = generation
            _accept(generation, self._options)
            return True


def load(
    path: PathLike,
    *,
    env: str | None = None,
    trust: Iterable[KeySource] | None = None,
    precompile: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    state_dir: PathLike | None = None,
    fallback_max_age: float | None = 86400.0,
    insecure: bool = False,
) -> Markets:
    """Load and verify the bundle set written by ``marketctl build`` into ``path``: a directory,
    or the ``http(s)://`` URL of a copy of it (static server, CDN, object store).

    Verifies the manifest, each bundle's size, SHA-256 and format version and that it holds the
    market it is listed as; raises :class:`BundleError` naming the file otherwise.

    - ``env``: refuse a set built for another environment (``marketctl build --env``).
    - ``trust``: Ed25519 public keys (PEM text or bytes, or a path to a ``.pub`` file); refuse
      a set that is unsigned or not signed by one of them. Two keys while rotating.
    - Safe by default: a load names ``env`` or ``trust`` (both, in a service), and
      ``env="production"`` requires ``trust``. ``insecure=True`` says on purpose that this
      load checks neither (a test of a set it just built, a local tool); otherwise both are
      refused with a :class:`BundleError` saying what to pass.
    - ``state_dir``: a folder of the service's own (beside its cache) where the highest release
      accepted from this origin for this environment is recorded; a lower release is refused,
      also after a restart. Without it, only a running process refuses older releases. A set
      loaded over HTTP is also kept there (bundles by SHA-256, manifest and signature as
      verified); when the origin cannot be read at start, the copy is loaded instead if it is
      at most ``fallback_max_age`` seconds old (None: never), verified again, and
      :attr:`Markets.from_disk` says so until the next successful reload.
    - ``timeout`` (seconds for a whole fetch) and ``max_bytes`` (per file) apply to URLs.
    - ``precompile=True`` compiles every message at once (a broken message fails the load
      instead of its first use; slower start-up).

    Every :meth:`Markets.reload` checks the same.
    """
    if env == "production" and trust is None and not insecure:
        raise BundleError(
            "trust",
            "env='production' loads only sets signed by a trusted key: pass trust=[public "
            "key], or insecure=True to load unsigned sets on purpose",
        )
    if env is None and trust is None and not insecure:
        raise BundleError(
            "env",
            "without env= or trust= a load checks neither the environment a set was built for "
            "nor who signed it: pass env='<environment>' (marketctl build --env) and "
            "trust=[public key] (marketctl build --sign), or insecure=True to load it "
            "unchecked on purpose",
        )
    try:
        keys = trusted_keys(trust) if trust is not None else None
    except ValueError as error:
        raise BundleError("trust", str(error)) from None
    options = _Options(
        env,
        keys,
        timeout,
        max_bytes,
        precompile,
        os.fspath(state_dir) if state_dir is not None else None,
        fallback_max_age,
    )
    try:
        generation = _read(path, options, None)
        if generation is not None:
            _check_release(generation, options)
    except BundleError as failure:
        # The origin down, or serving what this service refuses (an older release): the last
        # verified copy, if there is one.
        generation = _from_copy(path, options, failure)
    if generation is None:  # _get refuses a 304 to a request that was not conditional
        raise BundleError(os.fspath(path), "the origin said 'not modified' to a first load")
    _accept(generation, options)
    return Markets(generation, precompile, options)
