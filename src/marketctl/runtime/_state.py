"""The highest release a service accepted, kept on local disk per origin and environment.

Rollback protection that lives only in a process's memory ends with the process: a restarted
service would accept a replayed old release that a running one refuses (issue 23). With
``load(..., state_dir=...)`` the highest release number accepted from an origin for an
environment is written to a small file there, and a lower one is refused across restarts.
Release numbers come from ``marketctl build`` (the previous set's plus one), never a clock,
so no clock skew or ``SOURCE_DATE_EPOCH`` can switch the check off. A rollback on purpose is
a new, higher release (``marketctl release rollback``).

The file is ``release-<16 hex digits>.json`` (a hash of the origin and environment)::

    {"environment": "production", "manifest_sha256": "...", "origin": "https://...", "release": 42}

It is read like any untrusted file (regular files only, bounded) and replaced atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Final

from marketctl.runtime._bundles import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    BundleSet,
    _Directory,
    _entries,
    _parse,
    _verify,
)
from marketctl.runtime._http import ENVELOPE, is_envelope, url_file
from marketctl.runtime.errors import BundleError

__all__ = ["ReleaseState", "SetCopy", "read_copied_set"]

_MAX_STATE_BYTES: Final = 8192
_DELETE: Final = (
    "delete the file to accept any release again (this gives up rollback protection "
    "until the next release is accepted)"
)


@dataclass(frozen=True)
class Accepted:
    release: int
    manifest_sha256: str


class ReleaseState:
    """The release state file of one origin and environment in ``directory``."""

    def __init__(self, directory: str | os.PathLike[str], origin: str, environment: str | None):
        self.directory = os.fspath(directory)
        self.origin = origin
        self.environment = environment
        digest = hashlib.sha256(f"{origin}\0{environment or ''}".encode()).hexdigest()[:16]
        self.name = f"release-{digest}.json"
        self.path = os.path.join(self.directory, self.name)

    def accepted(self) -> Accepted | None:
        """The highest release accepted before (None when none was)."""
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as error:
            raise BundleError(self.directory, f"cannot make the state folder: {error}") from None
        directory = _Directory(self.directory)
        try:
            if self.name not in directory.names():
                return None
            data = directory.read(self.name, "missing", _MAX_STATE_BYTES)
        finally:
            directory.close()
        if len(data) > _MAX_STATE_BYTES:
            raise BundleError(self.path, "too large to be a release state file; " + _DELETE)
        document = _parse(self.path, data, max_depth=1, hint=_DELETE)
        release = document.get("release") if isinstance(document, dict) else None
        digest = document.get("manifest_sha256") if isinstance(document, dict) else None
        if type(release) is not int or release < 1 or not isinstance(digest, str):
            raise BundleError(self.path, "not a release state file marketctl wrote; " + _DELETE)
        return Accepted(release, digest)

    def check(self, display: str, release: int, manifest_sha256: str) -> None:
        """Refuse (BundleError naming ``display``) a release lower than the highest accepted.
        The same number with other content passes: a build into a fresh folder starts again
        at 1, and a service reloading a folder rebuilt in place sees its number again."""
        before = self.accepted()
        if before is None:
            return
        if release < before.release:
            raise BundleError(
                display,
                f"release {release} is older than release {before.release}, which this service "
                f"accepted before (recorded in {self.path}): a replayed release or a stale "
                "cache; to go back on purpose, publish a new release with the old content "
                "(marketctl release rollback)",
            )

    def accept(self, release: int, manifest_sha256: str) -> None:
        """Record ``release`` if it is higher than the one recorded (atomically)."""
        before = self.accepted()
        if before is not None and before.release >= release:
            return
        document = {
            "environment": self.environment,
            "manifest_sha256": manifest_sha256,
            "origin": self.origin,
            "release": release,
        }
        data = (json.dumps(document, sort_keys=True) + "\n").encode("utf-8")
        _write_atomically(self.directory, self.path, data)


class SetCopy:
    """The last verified set from one origin, kept on local disk for a start while the origin
    is down (issue 23.4): bundles by SHA-256 under ``bundles/`` (written once, never changed),
    and one file per origin and environment holding the manifest and its signature as they
    were verified (replaced atomically, so a copy is never half old, half new)."""

    def __init__(self, directory: str | os.PathLike[str], origin: str, environment: str | None):
        self.directory = os.fspath(directory)
        self.bundle_directory = os.path.join(self.directory, "bundles")
        digest = hashlib.sha256(f"{origin}\0{environment or ''}".encode()).hexdigest()[:16]
        self.name = f"set-{digest}.json"
        self.path = os.path.join(self.directory, self.name)

    def keep_bundle(self, sha256: str, data: bytes) -> None:
        target = os.path.join(self.bundle_directory, f"{sha256}.json")
        if os.path.exists(target):
            return
        os.makedirs(self.bundle_directory, exist_ok=True)
        _write_atomically(self.bundle_directory, target, data)

    def keep_manifest(self, manifest: bytes, signature: bytes | None) -> None:
        document = {
            "manifest": manifest.decode("utf-8"),
            "signature": signature.decode("utf-8", "replace") if signature is not None else None,
        }
        os.makedirs(self.directory, exist_ok=True)
        _write_atomically(self.directory, self.path, json.dumps(document).encode("utf-8"))

    def read(self, max_age: float, now: float) -> tuple[bytes, bytes | None, Any] | None:
        """(manifest bytes, signature bytes, a reader of bundles by SHA-256) of the copy, or
        None when there is none or it is older than ``max_age`` seconds."""
        try:
            written = os.stat(self.path).st_mtime
        except OSError:
            return None
        if now - written > max_age:
            return None
        directory = _Directory(self.directory)
        try:
            data = directory.read(self.name, "missing", MAX_MANIFEST_BYTES + _MAX_STATE_BYTES)
        finally:
            directory.close()
        document = _parse(self.path, data, max_depth=1, hint="delete it; it is a cache")
        if not isinstance(document, dict) or not isinstance(document.get("manifest"), str):
            raise BundleError(self.path, "not a set copy marketctl wrote; delete it")
        signature = document.get("signature")
        return (
            document["manifest"].encode("utf-8"),
            signature.encode("utf-8") if isinstance(signature, str) else None,
            self.bundle_directory,
        )


def _write_atomically(directory: str, target: str, data: bytes) -> None:
    try:
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise BundleError(target, f"cannot write: {error}") from None


def read_copied_set(
    base: str, manifest: bytes, signature: bytes | None, bundle_directory: str
) -> BundleSet:
    """The set of a disk copy, verified as a fetched one is (sizes, SHA-256, format, schema)."""
    display = url_file(base, MANIFEST)
    parsed = _parse(display, manifest)
    entries = _entries(display, parsed)
    directory = _Directory(bundle_directory)
    bundles: dict[str, tuple[str, dict[str, Any]]] = {}
    try:
        for code, (file, digest, size) in sorted(entries.items()):
            data = directory.read(f"{digest}.json", "missing from the local copy", size)
            named = f"{base[: -len(ENVELOPE)]}{digest}.json" if is_envelope(base) else base + file
            bundles[code] = (named, _verify(named, code, data, digest, size))
    finally:
        directory.close()
    return BundleSet(base, parsed, bundles, manifest, signature)
