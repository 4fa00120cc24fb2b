"""Reading a bundle directory and verifying it against its manifest.

Everything is read through one directory file descriptor opened at the start: ``marketctl
build`` replaces the output directory by renaming a new one into place, so a load that runs
while a build finishes reads either the old set or the new one, never a mix (the descriptor
keeps pointing at the directory it opened, whatever name it has by then).

What is checked, in this order, each failure a :class:`BundleError` naming the file:
the manifest exists, is JSON, has a format version this runtime reads and a well-formed
``bundles`` table; no ``*.json`` in the directory is missing from the manifest; then for each
listed bundle: the file exists, has the manifest's size and SHA-256, is JSON, has a known
format version and holds the market it is listed as.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final

from marketctl.runtime.errors import BundleError

__all__ = ["MANIFEST", "SUPPORTED_FORMATS", "BundleSet", "read_bundle_set"]

MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
#: Bundle format versions this runtime reads (``format`` in the manifest and in each bundle).
SUPPORTED_FORMATS: Final = frozenset({1})

_CODE: Final = re.compile(r"[a-z]{2}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_REBUILD: Final = "rebuild the directory with marketctl build"


@dataclass(frozen=True, slots=True)
class BundleSet:
    """The verified, parsed content of a bundle directory."""

    path: str
    manifest: Mapping[str, Any]
    # market code -> (display path of its file, parsed bundle)
    bundles: Mapping[str, tuple[str, dict[str, Any]]]
    # The exact bytes of manifest.json (what a signature covers) and of manifest.sig, if any.
    manifest_bytes: bytes = b""
    signature: bytes | None = None


def _format_problem(value: object) -> str | None:
    if type(value) is int and value in SUPPORTED_FORMATS:
        return None
    supported = ", ".join(str(v) for v in sorted(SUPPORTED_FORMATS))
    if value is None:
        return f"no format version (this runtime reads version {supported})"
    return (
        f"format version {json.dumps(value)} is not supported by this runtime (it reads "
        f"version {supported}); upgrade marketctl, or build with the version the service uses"
    )


def _parse(display: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as error:
        raise BundleError(
            display, f"not UTF-8 text ({error.reason} at byte {error.start}); " + _REBUILD
        ) from None
    except json.JSONDecodeError as error:
        raise BundleError(
            display,
            f"not valid JSON (line {error.lineno} column {error.colno}: {error.msg}); " + _REBUILD,
        ) from None


class _Directory:
    """Files opened relative to one directory descriptor (by path where that is unsupported)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None
        if os.open in os.supports_dir_fd and os.listdir in os.supports_fd:
            flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
            try:
                self.fd = os.open(path, flags)
            except FileNotFoundError:
                raise BundleError(path, "no such directory (run marketctl build first)") from None
            except NotADirectoryError:
                raise BundleError(path, "not a directory") from None
            except OSError as error:
                raise BundleError(path, f"cannot open: {error.strerror}") from None
        elif not os.path.isdir(path):
            raise BundleError(path, "no such directory (run marketctl build first)")

    def display(self, name: str) -> str:
        return os.path.join(self.path, name)

    def _opener(self) -> Callable[[str, int], int] | None:
        fd = self.fd
        if fd is None:
            return None

        def opener(name: str, flags: int) -> int:
            return os.open(name, flags | getattr(os, "O_CLOEXEC", 0), dir_fd=fd)

        return opener

    def read(self, name: str, missing: str) -> bytes:
        target = name if self.fd is not None else self.display(name)
        try:
            handle: IO[bytes]
            with open(target, "rb", opener=self._opener()) as handle:
                return handle.read()
        except FileNotFoundError:
            raise BundleError(self.display(name), missing) from None
        except IsADirectoryError:
            raise BundleError(self.display(name), "is a directory, not a file") from None
        except OSError as error:
            raise BundleError(self.display(name), f"cannot read: {error.strerror}") from None

    def names(self) -> list[str]:
        try:
            return os.listdir(self.fd if self.fd is not None else self.path)
        except OSError as error:
            raise BundleError(self.path, f"cannot list: {error.strerror}") from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _entries(display: str, manifest: object) -> dict[str, tuple[str, str, int]]:
    """The manifest's bundles as code -> (file, sha256, bytes), checked for shape."""
    if not isinstance(manifest, dict):
        raise BundleError(display, "not a JSON object; " + _REBUILD)
    problem = _format_problem(manifest.get("format"))
    if problem is not None:
        raise BundleError(display, problem)
    table = manifest.get("bundles")
    if not isinstance(table, dict):
        raise BundleError(display, "has no 'bundles' table; " + _REBUILD)
    entries: dict[str, tuple[str, str, int]] = {}
    for code, entry in table.items():
        where = f"bundles.{code}"
        if not _CODE.fullmatch(code):
            raise BundleError(display, f"{where}: '{code}' is not a market code (two letters a-z)")
        if not isinstance(entry, dict):
            raise BundleError(display, f"{where} is not an object")
        file, digest, size = entry.get("file"), entry.get("sha256"), entry.get("bytes")
        # The file name is used as is inside the directory: no paths, no other market's file.
        if file != f"{code}.json":
            raise BundleError(
                display, f"{where}.file is {json.dumps(file)}, expected '{code}.json'"
            )
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise BundleError(display, f"{where}.sha256 is not a SHA-256 in lower-case hex")
        if type(size) is not int or size < 0:
            raise BundleError(display, f"{where}.bytes is not a size in bytes")
        entries[code] = (file, digest, size)
    return entries


def _verify(display: str, code: str, data: bytes, digest: str, size: int) -> dict[str, Any]:
    if len(data) != size:
        what = "truncated" if len(data) < size else "longer than built"
        raise BundleError(
            display,
            f"{len(data)} bytes, but manifest.json says {size} ({what}; {_REBUILD})",
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise BundleError(
            display,
            f"SHA-256 {actual} does not match manifest.json ({digest}): the file changed "
            f"after the build; {_REBUILD}",
        )
    bundle = _parse(display, data)
    if not isinstance(bundle, dict):
        raise BundleError(display, "not a JSON object; " + _REBUILD)
    problem = _format_problem(bundle.get("format"))
    if problem is not None:
        raise BundleError(display, problem)
    if bundle.get("market") != code:
        raise BundleError(
            display,
            f"holds market {json.dumps(bundle.get('market'))}, but manifest.json lists it "
            f"as '{code}'",
        )
    return bundle


def read_bundle_set(path: str | os.PathLike[str]) -> BundleSet:
    """Read and verify every bundle of a directory written by ``marketctl build``."""
    root = os.fspath(path)
    directory = _Directory(root)
    try:
        manifest_display = directory.display(MANIFEST)
        manifest_bytes = directory.read(
            MANIFEST, f"missing: {root} is not the output of marketctl build"
        )
        manifest = _parse(manifest_display, manifest_bytes)
        try:
            signature: bytes | None = directory.read(SIGNATURE, "")
        except BundleError:
            signature = None
        entries = _entries(manifest_display, manifest)
        listed = {file for file, _, _ in entries.values()}
        for name in sorted(directory.names()):
            if name.endswith(".json") and name != MANIFEST and name not in listed:
                raise BundleError(
                    directory.display(name),
                    "not listed in manifest.json (left over from another build?); " + _REBUILD,
                )
        bundles: dict[str, tuple[str, dict[str, Any]]] = {}
        for code, (file, digest, size) in sorted(entries.items()):
            display = directory.display(file)
            data = directory.read(file, "listed in manifest.json but missing; " + _REBUILD)
            bundles[code] = (display, _verify(display, code, data, digest, size))
    finally:
        directory.close()
    return BundleSet(root, manifest, bundles, manifest_bytes, signature)
