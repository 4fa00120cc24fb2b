"""The report cache: ``.marketctl-cache/`` beside ``markets/``.

A run's output is stored under a key made of everything it depends on: the tool (its version and
the files it is made of, so an edited checkout is another tool), the cache format, the command
and its options, the settings (``pyproject.toml``), the day the rules take as today, and the path
and SHA-256 of every file under ``markets/``. A rerun on an unchanged tree reads the files,
hashes them and prints the stored output; any change makes another key, and the run is done
again (and stored). Nothing is imported beyond the standard library until the cache misses.

An entry is JSON with its own key and a seal: an HMAC of its contents under a key kept outside
the repository, in this user's cache folder (``$XDG_CACHE_HOME/marketctl/seal.key``, made on
first use, readable by the user alone). An entry that does not parse, whose key or seal does not
match, or that was written by another format is ignored (and replaced by the next run), never
trusted: one planted in a pull request, or copied from another machine, cannot be sealed. Where
the seal key cannot be read or made, nothing is cached. A tree with anything but plain files and
links under ``markets/`` (a FIFO, a device) is not cached at all. The folder is safe to delete;
it ignores itself for git (a ``.gitignore`` of ``*`` inside it).

Beside the stored reports, :class:`UnitStore` keeps one sealed entry per repository: the
findings of the last run by the files they depend on, which
:mod:`~marketctl.checks.incremental` updates for the files that changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIRECTORY", "Cached", "ReportCache", "Tree", "UnitStore", "tree_of"]

CACHE_DIRECTORY = ".marketctl-cache"
FORMAT = 1
UNITS_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parents[1]
_TOOL_SUFFIXES = (".py", ".json", ".yaml", ".j2", ".txt")


@dataclass(frozen=True)
class Cached:
    """A stored run: what it printed and its exit code."""

    output: str
    code: int


@cache
def _tool_fingerprint() -> str:
    """The version and every file of the installed package (size and mtime): an edited checkout
    or another installation never reads this one's entries. Walked once per process (the report
    cache and the unit store both key on it)."""
    from marketctl import __version__

    digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0{_PACKAGE}".encode())
    for current, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(_TOOL_SUFFIXES):
                info = os.stat(os.path.join(current, name))
                digest.update(f"{current}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Tree:
    """What a run reads under markets/: each file's path and SHA-256 (a link's target too, and
    each link to a folder as such), and one digest of them all."""

    digest: str
    files: dict[str, str]


def tree_of(root: Path) -> Tree | None:
    """The tree below markets/ (hidden files too: the loader decides what they mean); None
    where something is not a plain file, a link to one, or a link to a folder."""
    files: dict[str, str] = {}
    base = root / "markets"
    for current, dirs, names in os.walk(base):
        dirs.sort()
        for name in dirs:
            path = os.path.join(current, name)
            if os.path.islink(path):
                # Not followed (MKT021), but it is part of what the run reports.
                files[os.path.relpath(path, root)] = f"folder-link:{os.path.realpath(path)}"
        for name in sorted(names):
            path = os.path.join(current, name)
            relative = os.path.relpath(path, root)
            info = os.lstat(path)
            prefix = ""
            if stat.S_ISLNK(info.st_mode):
                # Where a link leads decides whether it is read (MKT009): key on the target.
                prefix = f"link:{os.path.realpath(path)}:"
                try:
                    info = os.stat(path)
                except OSError:
                    files[relative] = prefix  # a dangling link: its name and target
                    continue
            if not stat.S_ISREG(info.st_mode):
                return None
            with open(path, "rb") as handle:
                files[relative] = prefix + hashlib.sha256(handle.read()).hexdigest()
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(f"{relative}\0{files[relative]}\0".encode())
    return Tree(digest.hexdigest(), files)


class ReportCache:
    """Stored outputs of runs on one repository root."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = root
        self.directory = root / CACHE_DIRECTORY
        self.enabled = enabled and _seal_key() is not None
        self._tree: Tree | None = None

    @property
    def tree(self) -> Tree | None:
        """The tree as this run read it (hashed once per run)."""
        if self._tree is None:
            self._tree = tree_of(self.root)
        return self._tree

    def key(self, command: str, options: dict[str, object], today: str) -> str | None:
        """The key of a run, or None where it cannot be cached (or the cache is off)."""
        if not self.enabled:
            return None
        tree = self.tree
        if tree is None:
            return None
        settings = self.root / "pyproject.toml"
        try:
            settings_hash = hashlib.sha256(settings.read_bytes()).hexdigest()
        except OSError:
            settings_hash = "none"
        described = json.dumps(
            {
                "tool": _tool_fingerprint(),
                "command": command,
                "options": options,
                "settings": settings_hash,
                "today": today,
                "tree": tree.digest,
            },
            sort_keys=True,
        )
        return hashlib.sha256(described.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str | None) -> Cached | None:
        """The stored run, or None: missing, unreadable, corrupt or not this key's."""
        if key is None:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            output, code = entry["output"], entry["code"]
            if (
                entry.get("format") != FORMAT
                or entry.get("key") != key
                or type(output) is not str
                or type(code) is not int
                or not _sealed(entry.get("checksum"), key, str(code), output)
            ):
                return None
            return Cached(output, code)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str | None, output: str, code: int) -> None:
        """Store a run (atomically); a cache that cannot be written is no error."""
        if key is None:
            return
        entry = {
            "format": FORMAT,
            "key": key,
            "code": code,
            "output": output,
            "checksum": _seal(key, str(code), output),
        }
        _write(self.directory, self._path(key), entry)


class UnitStore:
    """The findings of the last run on one repository, by what they depend on: one sealed
    entry, replaced by each run that makes a new one. ``context`` is what the findings depend
    on besides the files (the tool, the day the rules take as today)."""

    def __init__(self, root: Path, context: dict[str, object], *, enabled: bool = True) -> None:
        self.directory = root / CACHE_DIRECTORY
        self.path = self.directory / f"v{FORMAT}" / "findings.units"
        self.enabled = enabled and _seal_key() is not None
        described = json.dumps(
            {"tool": _tool_fingerprint(), "format": UNITS_FORMAT, **context}, sort_keys=True
        )
        self.key = hashlib.sha256(described.encode()).hexdigest()

    def get(self) -> dict[str, Any] | None:
        """The stored units, or None: missing, unreadable, corrupt, unsealed or another key's."""
        if not self.enabled:
            return None
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
            units = entry["units"]
            if (
                type(units) is not str
                or entry.get("key") != self.key
                or not _sealed(entry.get("seal"), self.key, units)
            ):
                return None
            loaded = json.loads(units)
            return loaded if isinstance(loaded, dict) else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def put(self, units: dict[str, Any]) -> None:
        if not self.enabled:
            return
        text = json.dumps(units, separators=(",", ":"))
        entry = {"key": self.key, "units": text, "seal": _seal(self.key, text)}
        _write(self.directory, self.path, entry)


def _write(directory: Path, path: Path, entry: dict[str, Any]) -> None:
    """Write an entry atomically; a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# marketctl's cache: safe to delete\n*\n", encoding="utf-8")
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(entry, handle)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


@cache
def _seal_key() -> bytes | None:
    """This user's secret for sealing cache entries, made on first use; None where it cannot
    be read or made (then nothing is cached)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "marketctl", "seal.key")
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        if len(key) == 32:
            return key
        os.unlink(path)  # damaged: made again below
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))  # mkstemp: readable by this user alone
            # A link, not a rename: of two processes making the key at once, the first one's
            # stays and the other reads it, so neither seals entries the other cannot read.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        with open(path, "rb") as handle:
            key = handle.read()
        return key if len(key) == 32 else None
    except OSError:
        return None


def _seal(*parts: str) -> str:
    key = _seal_key()
    assert key is not None  # callers are enabled only when there is a key
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def _sealed(seal: object, *parts: str) -> bool:
    return isinstance(seal, str) and hmac.compare_digest(seal, _seal(*parts))
