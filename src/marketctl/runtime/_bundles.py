"""Reading a bundle directory and verifying it against its manifest.

Everything is read through one directory file descriptor opened at the start: ``marketctl
build`` replaces the output directory by renaming a new one into place, so a load that runs
while a build finishes reads either the old set or the new one, never a mix (the descriptor
keeps pointing at the directory it opened, whatever name it has by then).

What is checked, in this order, each failure a :class:`BundleError` naming the file:
the manifest exists, is a regular file of at most :data:`MAX_MANIFEST_BYTES`, is JSON within the
limits below, has a format version this runtime reads and matches ``manifest.schema.json``; no
``*.json`` in the directory is missing from the manifest; then for each listed bundle: the file
exists, is a regular file of the manifest's size (at most :data:`MAX_BUNDLE_BYTES`), has its
SHA-256, is JSON within the limits, has a known format version, holds the market it is listed
as and matches ``bundle.schema.json`` with sane values (:mod:`marketctl.runtime._schema`).

Limits (issue 13): only regular files are opened (a FIFO, a device or a socket, also behind a
link, is refused before it is opened, and the open itself never blocks); no file is read past
its cap; ``NaN``, ``Infinity`` and numbers beyond a float's range are refused; integers longer
than Python's digit limit and nesting deeper than the JSON parser's recursion limit are refused.
A bundle whose SHA-256 was already verified in this process is not checked again (the same bytes
give the same verdict), so that reloading an unchanged set costs about one ``json.load``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any, Final

from marketctl.runtime._schema import Invalid, Validator, compile_schema, with_value_rules
from marketctl.runtime.errors import BundleError
from marketctl.runtime.rollout import SCHEMES

__all__ = [
    "MANIFEST",
    "MAX_BUNDLE_BYTES",
    "MAX_MANIFEST_BYTES",
    "SUPPORTED_FORMATS",
    "BundleSet",
    "read_bundle_set",
]

MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
#: Bundle format versions this runtime reads (``format`` in the manifest and in each bundle).
SUPPORTED_FORMATS: Final = frozenset({2})
#: What this runtime understands of what a bundle may require (``capabilities``): a bundle
#: that needs anything else is refused rather than misread.
CAPABILITIES: Final = frozenset(f"bucketing:{scheme}" for scheme in SCHEMES)

_CODE: Final = re.compile(r"[a-z]{2}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_REBUILD: Final = "rebuild the directory with marketctl build"

#: The largest manifest the runtime reads.
MAX_MANIFEST_BYTES: Final = 4 * 1024 * 1024
#: The largest signature file the runtime reads.
MAX_SIGNATURE_BYTES: Final = 64 * 1024
#: The largest bundle the runtime reads (this repository's bundles are about 20 KiB).
MAX_BUNDLE_BYTES: Final = 64 * 1024 * 1024
#: The deepest nesting of arrays and objects the runtime parses (bundles nest 8 levels).
MAX_DEPTH: Final = 32
# Bundles whose SHA-256 passed every check in this process (bounded; see the module docs).
_VERIFIED: dict[str, None] = {}
_VERIFIED_LOCK = threading.Lock()
_VERIFIED_MAX: Final = 1024


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


def _capability_problem(value: object) -> str | None:
    if not isinstance(value, list):
        return None  # the schema words it
    unknown = sorted(
        {str(name)[:80] for name in value if not isinstance(name, str) or name not in CAPABILITIES}
    )
    if not unknown:
        return None
    return (
        f"needs {', '.join(unknown)}, which this runtime does not know (it knows "
        f"{', '.join(sorted(CAPABILITIES))}); upgrade marketctl in the service rather than "
        "misread the set"
    )


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberRefused(f"the number {text[:40]} is out of range")
    return value


def _parse_constant(text: str) -> Any:
    raise _NumberRefused(f"{text} is not a number JSON allows")


class _NumberRefused(ValueError):
    pass


# One decoder for every file: json.loads with hooks would build a new one per call.
_DECODER: Final = json.JSONDecoder(parse_float=_parse_float, parse_constant=_parse_constant)


class _FloatsSeen(json.JSONDecoder):
    """A decoder that also says whether the text held a fraction or an exponent (see
    :func:`_check_schema`); made per document, as it keeps that answer."""

    def __init__(self) -> None:
        self.floats = 0
        super().__init__(parse_float=self._float, parse_constant=_parse_constant)

    def _float(self, text: str) -> float:
        self.floats += 1
        return _parse_float(text)


# The brackets of a JSON text, outside its strings, each one level in or out.
_NOT_BRACKET: Final = bytes(c for c in range(256) if c not in b"[]{}")
_STEP: Final = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
_PAIR: Final = re.compile(rb"\[\]|\{\}")


def nests_deeper(data: bytes, max_depth: int) -> bool:
    """Whether the arrays and objects of JSON text ``data`` nest deeper than ``max_depth``,
    told before parsing it, in C-speed passes and without recursion, so that no parse of
    untrusted bytes can recurse (issue 22) and a bundle costs a fraction of its parse.

    Strings are cut out by their quotes once escaped backslashes and escaped quotes are gone
    (JSON escapes are two characters, read left to right); what is left of the brackets loses
    its innermost pairs once per level, at most ``max_depth + 1`` times. Brackets that never
    pair (a text that is not JSON) are counted one by one instead."""
    outside = b"".join(data.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[::2])
    brackets = outside.translate(None, _NOT_BRACKET)
    for depth in range(max_depth + 1):
        if not brackets:
            return False
        paired = _PAIR.sub(b"", brackets)
        if len(paired) == len(brackets):
            deepest = max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
            return depth + deepest > max_depth
        brackets = paired
    return True  # max_depth + 1 levels taken off: deeper than allowed, empty or not


def _parse(
    display: str,
    data: bytes,
    decoder: json.JSONDecoder = _DECODER,
    max_depth: int | None = MAX_DEPTH,
    hint: str = _REBUILD,
) -> Any:
    """``data`` parsed as JSON, or :class:`BundleError` naming ``display`` and what is wrong;
    nesting deeper than ``max_depth`` is refused before parsing."""
    if max_depth is not None and nests_deeper(data, max_depth):
        raise BundleError(display, f"nests deeper than {max_depth} levels; " + hint)
    try:
        return decoder.decode(data.decode("utf-8"))
    except _NumberRefused as error:
        raise BundleError(display, f"{error}; " + hint) from None
    except RecursionError:
        raise BundleError(display, "nests too deeply to be a bundle; " + hint) from None
    except UnicodeDecodeError as error:
        raise BundleError(
            display, f"not UTF-8 text ({error.reason} at byte {error.start}); " + hint
        ) from None
    except json.JSONDecodeError as error:
        raise BundleError(
            display,
            f"not valid JSON (line {error.lineno} column {error.colno}: {error.msg}); " + hint,
        ) from None
    except ValueError as error:  # an integer longer than sys.get_int_max_str_digits()
        raise BundleError(
            display, f"holds a number that cannot be read ({error}); " + hint
        ) from None


@cache
def _schema(kind: str) -> dict[str, Any]:
    """``schemas/<kind>.schema.json`` (the wheel carries a copy)."""
    packaged = resources.files("marketctl") / "schemas" / f"{kind}.schema.json"
    checkout = Path(__file__).resolve().parents[3] / "schemas" / f"{kind}.schema.json"
    for candidate in (packaged, checkout):
        try:
            schema: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
        except OSError:
            continue
        return schema
    raise BundleError(f"{kind}.schema.json", "missing from the marketctl installation; reinstall")


@cache
def _validator(kind: str) -> Validator:
    """The compiled check of the schema and the value rules, which words what is wrong."""
    return compile_schema(_schema(kind))


@cache
def _fast_validator(kind: str) -> Any:
    """The same schema and value rules checked by jsonschema-rs, in Rust: about a tenth of
    ``json.load``'s time, where the compiled check costs more than ``json.load`` itself."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(with_value_rules(_schema(kind)), validate_formats=True)


def _check_schema(display: str, kind: str, value: Any, floats: bool = True) -> None:
    """Raise :class:`BundleError` where ``value`` breaks the schema or the value rules.

    jsonschema-rs decides when a document holds no float (bundles hold none: their decimals are
    text): JSON Schema counts 1.0 as an integer, the schema does not. Whatever it refuses, or
    any document holding a float, goes through the compiled check, which words the problem."""
    try:
        if not floats and _fast_validator(kind).is_valid(value):
            return
        _validator(kind)(value)
    except Invalid as error:
        where = error.where.lstrip(".") or "the top level"
        raise BundleError(
            display, f"does not match {kind}.schema.json at {where}: {error.problem}"
        ) from None
    except RecursionError:
        raise BundleError(display, "nests too deeply to be checked; " + _REBUILD) from None
    except ValueError as error:  # jsonschema-rs on a value it cannot take
        raise BundleError(display, f"cannot be checked ({error}); " + _REBUILD) from None
    if not floats:
        # Refused by jsonschema-rs, accepted by the compiled check: still refused.
        problem = next(iter(_fast_validator(kind).iter_errors(value)), None)
        raise BundleError(
            display, f"does not match {kind}.schema.json: {problem.message if problem else '?'}"
        )


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

    def read(self, name: str, missing: str, limit: int) -> bytes:
        """The file's bytes: a regular file only (refused before it is opened otherwise, and
        opened without blocking), never more than ``limit + 1`` bytes read (the caller tells a
        file that is too long by its length)."""
        display = self.display(name)
        target = name if self.fd is not None else display
        try:
            _require_regular(display, os.stat(target, dir_fd=self.fd).st_mode)
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(target, flags, dir_fd=self.fd)
        except FileNotFoundError:
            raise BundleError(display, missing) from None
        except OSError as error:
            raise BundleError(display, f"cannot read: {error.strerror or error}") from None
        try:
            info = os.fstat(fd)
            _require_regular(display, info.st_mode)  # replaced between stat and open
            # One read for a file that has the size it had at fstat (a short read is the end
            # of a regular file); more only if it grew meanwhile, never past the limit.
            wanted = min(info.st_size, limit) + 1
            data = os.read(fd, wanted)
            if len(data) == wanted and wanted <= limit:
                chunks = [data]
                left = limit + 1 - len(data)
                while left > 0:
                    chunk = os.read(fd, min(left, 1 << 20))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    left -= len(chunk)
                data = b"".join(chunks)
        except OSError as error:
            raise BundleError(display, f"cannot read: {error.strerror or error}") from None
        finally:
            os.close(fd)
        return data

    def names(self) -> list[str]:
        try:
            return os.listdir(self.fd if self.fd is not None else self.path)
        except OSError as error:
            raise BundleError(self.path, f"cannot list: {error.strerror}") from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _require_regular(display: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise BundleError(display, "is a directory, not a file")
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    raise BundleError(display, f"is {kind}, not a regular file; refused without reading it")


def _remember(digest: str) -> None:
    with _VERIFIED_LOCK:
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.pop(next(iter(_VERIFIED)))
        _VERIFIED[digest] = None


def _entries(
    display: str, manifest: object, manifest_digest: str | None = None, floats: bool = True
) -> dict[str, tuple[str, str, int]]:
    """The manifest's bundles as code -> (file, sha256, bytes), checked for shape."""
    if not isinstance(manifest, dict):
        raise BundleError(display, "not a JSON object; " + _REBUILD)
    problem = _format_problem(manifest.get("format")) or _capability_problem(
        manifest.get("capabilities")
    )
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
        if size > MAX_BUNDLE_BYTES:
            raise BundleError(
                display,
                f"{where}.bytes is {size}, more than the {MAX_BUNDLE_BYTES} a bundle may have",
            )
        entries[code] = (file, digest, size)
    if manifest_digest is None or manifest_digest not in _VERIFIED:
        _check_schema(display, "manifest", manifest, floats)
        if manifest_digest is not None:
            _remember(manifest_digest)
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
    decoder = _FloatsSeen()
    # No count of the nesting first: these bytes are the ones the manifest (counted, and
    # signed where keys are trusted) lists by SHA-256, and a count costs more than the parse
    # (issue 26). JSON's C parser is bounded by the recursion limit (RecursionError is a
    # BundleError below), and the schema check refuses anything deeper than a bundle.
    bundle = _parse(display, data, decoder, max_depth=None)
    if not isinstance(bundle, dict):
        raise BundleError(display, "not a JSON object; " + _REBUILD)
    problem = _format_problem(bundle.get("format")) or _capability_problem(
        bundle.get("capabilities")
    )
    if problem is not None:
        raise BundleError(display, problem)
    if bundle.get("market") != code:
        raise BundleError(
            display,
            f"holds market {json.dumps(bundle.get('market'))}, but manifest.json lists it "
            f"as '{code}'",
        )
    if digest not in _VERIFIED:
        _check_schema(display, "bundle", bundle, floats=decoder.floats > 0)
        _remember(digest)
    return bundle


def read_bundle_set(path: str | os.PathLike[str]) -> BundleSet:
    """Read and verify every bundle of a directory written by ``marketctl build``."""
    root = os.fspath(path)
    directory = _Directory(root)
    try:
        manifest_display = directory.display(MANIFEST)
        manifest_bytes = directory.read(
            MANIFEST, f"missing: {root} is not the output of marketctl build", MAX_MANIFEST_BYTES
        )
        if len(manifest_bytes) > MAX_MANIFEST_BYTES:
            raise BundleError(
                manifest_display,
                f"more than the {MAX_MANIFEST_BYTES} bytes a manifest may have; " + _REBUILD,
            )
        decoder = _FloatsSeen()
        manifest = _parse(manifest_display, manifest_bytes, decoder)
        try:
            signature: bytes | None = directory.read(SIGNATURE, "", MAX_SIGNATURE_BYTES)
        except BundleError:
            signature = None
        if signature is not None and len(signature) > MAX_SIGNATURE_BYTES:
            raise BundleError(directory.display(SIGNATURE), "too large to be a signature")
        entries = _entries(
            manifest_display,
            manifest,
            hashlib.sha256(manifest_bytes).hexdigest(),
            floats=decoder.floats > 0,
        )
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
            data = directory.read(file, "listed in manifest.json but missing; " + _REBUILD, size)
            bundles[code] = (display, _verify(display, code, data, digest, size))
    finally:
        directory.close()
    return BundleSet(root, manifest, bundles, manifest_bytes, signature)
