"""The report cache: ``.marketctl-cache/`` beside ``markets/``.

A run's output is stored under a key made of everything it depends on: the tool (its version and
the files it is made of, so an edited checkout is another tool), the cache format, the command
and its options, the settings (``pyproject.toml``), the day the rules take as today, and the path
and SHA-256 of every file under ``markets/``. A rerun on an unchanged tree reads the files,
hashes them and prints the stored output; any change makes another key, and the run is done
again (and stored). Nothing is imported beyond the standard library until the cache misses.

An entry is JSON with its own key and a checksum of its contents: one that does not parse, whose
key or checksum does not match, or that was written by another format is ignored (and replaced
by the next run), never trusted. A tree with anything but plain files and links under
``markets/`` (a FIFO, a device) is not cached at all. The folder is safe to delete; it ignores
itself for git (a ``.gitignore`` of ``*`` inside it).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CACHE_DIRECTORY", "Cached", "ReportCache"]

CACHE_DIRECTORY = ".marketctl-cache"
FORMAT = 1
_PACKAGE = Path(__file__).resolve().parents[1]
_TOOL_SUFFIXES = (".py", ".json", ".yaml", ".j2", ".txt")


@dataclass(frozen=True)
class Cached:
    """A stored run: what it printed and its exit code."""

    output: str
    code: int


def _tool_fingerprint() -> str:
    """The version and every file of the installed package (size and mtime): an edited checkout
    or another installation never reads this one's entries."""
    from marketctl import __version__

    digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0{_PACKAGE}".encode())
    for current, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(_TOOL_SUFFIXES):
                info = os.stat(os.path.join(current, name))
                digest.update(f"{current}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _tree_fingerprint(root: Path) -> str | None:
    """Path and SHA-256 of every file below markets/ (hidden ones too: the loader decides what
    they mean); None where something is not a plain file or a link to one."""
    digest = hashlib.sha256()
    base = root / "markets"
    for current, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(current, name)
            relative = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                # Where a link leads decides whether it is read (MKT009): key on the target.
                digest.update(f"L\0{relative}\0{os.path.realpath(path)}\0".encode())
                try:
                    info = os.stat(path)
                except OSError:
                    continue  # a dangling link: its name and target are in the key
            if not stat.S_ISREG(info.st_mode):
                return None
            with open(path, "rb") as handle:
                content = hashlib.sha256(handle.read()).hexdigest()
            digest.update(f"F\0{relative}\0{content}\0".encode())
    return digest.hexdigest()


class ReportCache:
    """Stored outputs of runs on one repository root."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = root
        self.directory = root / CACHE_DIRECTORY
        self.enabled = enabled

    def key(self, command: str, options: dict[str, object], today: str) -> str | None:
        """The key of a run, or None where it cannot be cached (or the cache is off)."""
        if not self.enabled:
            return None
        tree = _tree_fingerprint(self.root)
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
                "tree": tree,
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
                or entry.get("checksum") != _checksum(key, output, code)
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
            "checksum": _checksum(key, output, code),
        }
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
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


def _checksum(key: str, output: str, code: int) -> str:
    return hashlib.sha256(f"{key}\0{code}\0{output}".encode()).hexdigest()
