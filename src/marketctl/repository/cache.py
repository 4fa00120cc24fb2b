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

Nothing in the folder is trusted before it is read either (issue 22: a pull request can commit
it). Every folder and entry is opened relative to its parent without following links, as a
regular file (a FIFO opens without blocking and is refused), of at most
:data:`~marketctl.core.limits.MAX_CACHE_ENTRY_BYTES`, whose nesting is counted before JSON parses
it; entries are written to a new file renamed into place, so a link or FIFO in the way is
replaced, never written through. A cache folder that is itself a link, or that git tracks, is
not used at all. The seal key is read the same way, and replaced when it is not a 32-byte file.
What is ignored is told once, as a note (:class:`Notes`); it is never fatal. Files under
``markets/`` are stat'ed before they are hashed: one beyond the loader's limit is keyed by its
size (its report names only that), and the others are hashed in chunks.

Beside the stored reports, :class:`UnitStore` keeps one sealed entry per repository: the
findings of the last run by the files they depend on, which
:mod:`~marketctl.checks.incremental` updates for the files that changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from marketctl.core.limits import MAX_CACHE_ENTRY_BYTES, MAX_DEPTH, MAX_FILE_BYTES

__all__ = [
    "CACHE_DIRECTORY",
    "CacheProblem",
    "Cached",
    "Notes",
    "ReportCache",
    "Tree",
    "UnitStore",
    "tree_of",
]

CACHE_DIRECTORY = ".marketctl-cache"
FORMAT = 1
UNITS_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parents[1]
_TOOL_SUFFIXES = (".py", ".json", ".yaml", ".j2", ".txt")


@dataclass(frozen=True)
class Cached:
    """A stored run: what it printed and its exit code. ``notes`` (never stored) are what this
    run tells about the cache itself, for stderr."""

    output: str
    code: int
    notes: tuple[str, ...] = ()


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


def tree_of(root: Path, known: dict[str, tuple[object, str]] | None = None) -> Tree | None:
    """The tree below markets/ (hidden files too: the loader decides what they mean); None
    where something is not a plain file, a link to one, or a link to a folder.

    ``known``, kept by a long-lived caller (the language server) across calls: each file's
    digest by its device, inode, size and modification time, so an unchanged file is not read
    again; it is updated in place."""
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
            signature = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            seen = known.get(relative) if known is not None else None
            if seen is not None and seen[0] == signature:
                files[relative] = prefix + seen[1]
                continue
            try:
                content = _digest_of(path)
            except OSError:  # unreadable, or gone since the walk: the loader reports it
                return None
            if content is None:
                return None
            if known is not None:
                known[relative] = (signature, content)
            files[relative] = prefix + content
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(f"{relative}\0{files[relative]}\0".encode())
    return Tree(digest.hexdigest(), files)


def _digest_of(path: str | Path) -> str | None:
    """The SHA-256 of a regular file (links followed, as the loader follows them) read in
    chunks, or, for a file larger than the loader reads (MKT009, whose report names only the
    size), its size: a 10 GB file costs a stat, not its bytes (issue 22). None where it is not
    a regular file."""
    descriptor = os.open(path, _READ)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > MAX_FILE_BYTES:
            return f"size:{info.st_size}"
        digest = hashlib.sha256()
        read = 0
        while read <= MAX_FILE_BYTES:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                return digest.hexdigest()
            digest.update(chunk)
            read += len(chunk)
        return f"size:{os.fstat(descriptor).st_size}"  # grown since it was looked at
    finally:
        os.close(descriptor)


class CacheProblem(Exception):
    """Something in the cache that is not what marketctl writes there: a link, a FIFO, a
    device, a file too large or nested too deep. It is ignored, never read through or written
    through; ``note`` says so once."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class Notes:
    """What a run tells about its cache: each note once."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, note: str) -> None:
        if note not in self.lines:
            self.lines.append(note)


class ReportCache:
    """Stored outputs of runs on one repository root."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = root
        self.directory = root / CACHE_DIRECTORY
        self.notes = Notes()
        self.enabled = enabled and _usable(root, self.notes) and _seal_key(self.notes) is not None
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
        try:
            settings_hash = _digest_of(self.root / "pyproject.toml") or "not a file"
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

    def _parts(self, key: str) -> tuple[str, ...]:
        return (CACHE_DIRECTORY, f"v{FORMAT}", key[:2], f"{key}.json")

    def get(self, key: str | None) -> Cached | None:
        """The stored run, or None: missing, unreadable, corrupt or not this key's."""
        if key is None:
            return None
        entry = _read_entry(self.root, self._parts(key), self.notes)
        try:
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
        except (KeyError, TypeError, AttributeError):
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
        _write(self.root, self._parts(key), entry, self.notes)


class UnitStore:
    """The findings of the last run on one repository, by what they depend on: one sealed
    entry, replaced by each run that makes a new one. ``context`` is what the findings depend
    on besides the files (the tool, the day the rules take as today). ``notes`` are the
    report cache's (its checks of the folder stand for both)."""

    def __init__(
        self,
        root: Path,
        context: dict[str, object],
        *,
        enabled: bool = True,
        notes: Notes | None = None,
    ) -> None:
        self.root = root
        self.notes = notes if notes is not None else Notes()
        self.parts = (CACHE_DIRECTORY, f"v{FORMAT}", "findings.units")
        self.path = root.joinpath(*self.parts)
        self.enabled = (
            enabled
            and (notes is not None or _usable(root, self.notes))
            and _seal_key(self.notes) is not None
        )
        described = json.dumps(
            {"tool": _tool_fingerprint(), "format": UNITS_FORMAT, **context}, sort_keys=True
        )
        self.key = hashlib.sha256(described.encode()).hexdigest()

    def get(self) -> dict[str, Any] | None:
        """The stored units, or None: missing, unreadable, corrupt, unsealed or another key's."""
        if not self.enabled:
            return None
        entry = _read_entry(self.root, self.parts, self.notes)
        try:
            units = entry["units"]
            if (
                type(units) is not str
                or entry.get("key") != self.key
                or not _sealed(entry.get("seal"), self.key, units)
            ):
                return None
            loaded = _parse(units.encode("utf-8"))
            return loaded if isinstance(loaded, dict) else None
        except (KeyError, TypeError, AttributeError, ValueError):
            return None

    def put(self, units: dict[str, Any]) -> None:
        if not self.enabled:
            return
        text = json.dumps(units, separators=(",", ":"))
        entry = {"key": self.key, "units": text, "seal": _seal(self.key, text)}
        _write(self.root, self.parts, entry, self.notes)


# Opened without following links (a link is refused: ELOOP), never blocking (a FIFO opens at
# once and is refused by fstat), never inherited by a child process.
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE = _READ | _NOFOLLOW
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
_HINT = f"delete {CACHE_DIRECTORY} (it is rebuilt)"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _problem(parts: tuple[str, ...], what: str) -> CacheProblem:
    return CacheProblem(f"note: ignored {'/'.join(parts)}: {what}; {_HINT}")


def _refused(parts: tuple[str, ...], folder: int, error: OSError, expected: str) -> CacheProblem:
    """Why ``parts[-1]`` in the open ``folder`` could not be opened as ``expected``."""
    try:
        kind = _kind(os.lstat(parts[-1], dir_fd=folder).st_mode)
    except OSError:
        kind = ""
    if kind and kind != expected:
        return _problem(parts, f"it is {kind}, not {expected}")
    return _problem(parts, f"cannot be opened ({error.strerror})")


def _open_folder(root: Path, parts: tuple[str, ...], *, create: bool) -> int:
    """A descriptor of the folder ``root/parts``, each part opened without following links:
    a link, a file or anything else in the way is a CacheProblem; a missing part is made where
    ``create``, else FileNotFoundError."""
    descriptor = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    try:
        for index, part in enumerate(parts):
            reached = parts[: index + 1]
            try:
                child = os.open(part, _FOLDER, dir_fd=descriptor)
            except FileNotFoundError:
                if not create:
                    raise
                with suppress(FileExistsError):  # made at once by another run: opened below
                    os.mkdir(part, 0o777, dir_fd=descriptor)
                try:
                    child = os.open(part, _FOLDER, dir_fd=descriptor)
                except OSError as error:
                    raise _refused(reached, descriptor, error, "a folder") from None
            except OSError as error:
                raise _refused(reached, descriptor, error, "a folder") from None
            os.close(descriptor)
            descriptor = child
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _read_entry(root: Path, parts: tuple[str, ...], notes: Notes) -> Any:
    """The parsed entry at ``root/parts``, or None where it is missing or cannot be read; one
    that is not a regular file below real folders, or too large, or nested too deep, is noted
    and None."""
    try:
        data = _read_bytes(root, parts)
        return None if data is None else _parse(data)
    except CacheProblem as problem:
        notes.add(problem.note)
    except _TooDeep as error:
        notes.add(_problem(parts, str(error)).note)
    except ValueError:  # not JSON: damaged, and silently rebuilt (as an unsealed entry is)
        pass
    except OSError:
        pass
    return None


def _read_bytes(root: Path, parts: tuple[str, ...]) -> bytes | None:
    try:
        folder = _open_folder(root, parts[:-1], create=False)
    except FileNotFoundError:
        return None
    try:
        try:
            descriptor = os.open(parts[-1], _FILE, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _refused(parts, folder, error, "a file") from None
    finally:
        os.close(folder)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _problem(parts, f"it is {_kind(info.st_mode)}, not a file")
        if info.st_size > MAX_CACHE_ENTRY_BYTES:
            raise _problem(
                parts, f"{info.st_size} bytes, more than the {MAX_CACHE_ENTRY_BYTES} of an entry"
            )
        chunks: list[bytes] = []
        left = MAX_CACHE_ENTRY_BYTES + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(descriptor)
    if left <= 0:
        raise _problem(parts, f"more than the {MAX_CACHE_ENTRY_BYTES} bytes of an entry")
    return b"".join(chunks)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEP = [0] * 256
for _opening in b"[{":
    _STEP[_opening] = 1
for _closing in b"]}":
    _STEP[_closing] = -1


class _TooDeep(ValueError):
    pass


def _parse(data: bytes) -> Any:
    """JSON nested at most MAX_DEPTH deep (deeper is _TooDeep, found before it is parsed; what
    we write is 5 deep). ValueError for anything else that is not JSON."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise _TooDeep(f"nested more than {MAX_DEPTH} deep")
    try:
        return json.loads(data)
    except RecursionError:  # unreachable after the count above; never an internal error
        raise _TooDeep(f"nested more than {MAX_DEPTH} deep") from None


def _usable(root: Path, notes: Notes) -> bool:
    """Whether ``root``'s cache folder may be used: missing (made when written), or a real
    folder that git does not track (a cache committed to the repository is someone else's).
    Off where files cannot be opened relative to a folder (not POSIX): nothing else here
    opens a path without following links on the way."""
    if os.open not in os.supports_dir_fd or not _NOFOLLOW:
        return False
    try:
        info = os.lstat(root / CACHE_DIRECTORY)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        notes.add(
            f"note: the cache is off: {CACHE_DIRECTORY} is {_kind(info.st_mode)}, not a "
            f"folder; {_HINT}"
        )
        return False
    if _tracked_by_git(root):
        notes.add(
            f"note: the cache is off: {CACHE_DIRECTORY} is committed to git; remove it from "
            f"the repository (git rm -r --cached {CACHE_DIRECTORY})"
        )
        return False
    return True


def _tracked_by_git(root: Path) -> bool:
    """Whether git tracks anything under the cache folder (False where git cannot tell)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", CACHE_DIRECTORY],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and bool(done.stdout)


def _write(root: Path, parts: tuple[str, ...], entry: dict[str, Any], notes: Notes) -> None:
    """Write an entry atomically, in real folders only (never through a link); a cache that
    cannot be written is no error."""
    data = json.dumps(entry).encode("utf-8")
    try:
        top = _open_folder(root, parts[:1], create=True)
        try:
            if not stat.S_ISREG(_mode(top, ".gitignore")):
                _replace(top, ".gitignore", b"# marketctl's cache: safe to delete\n*\n")
        finally:
            os.close(top)
        folder = _open_folder(root, parts[:-1], create=True)
        try:
            _replace(folder, parts[-1], data)
        finally:
            os.close(folder)
    except CacheProblem as problem:
        notes.add(problem.note)
    except OSError:
        pass


def _mode(folder: int, name: str) -> int:
    """The mode of ``name`` in ``folder`` itself (0 where it is missing)."""
    try:
        return os.lstat(name, dir_fd=folder).st_mode
    except FileNotFoundError:
        return 0


def _replace(folder: int, name: str, data: bytes) -> None:
    """``name`` in ``folder`` replaced by a file holding ``data``, through a new file renamed
    into place: a rename replaces the name, whatever it was (a link, a FIFO), and nothing is
    written through it."""
    temporary = f".{secrets.token_hex(8)}.tmp"
    _make(folder, temporary, data)
    try:
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        os.unlink(temporary, dir_fd=folder)
        raise


def _make(folder: int, name: str, data: bytes) -> None:
    """A new file ``name`` in ``folder`` holding ``data``, readable by this user alone
    (FileExistsError where the name is taken, by anything)."""
    descriptor = os.open(name, _NEW, 0o600, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    except BaseException:
        os.close(descriptor)
        os.unlink(name, dir_fd=folder)
        raise
    os.close(descriptor)


_KEY_BYTES = 32


def _seal_key(notes: Notes | None = None) -> bytes | None:
    """This user's secret for sealing cache entries, made on first use; None where it cannot
    be read or made (then nothing is cached). What stands in its place and is not a regular
    file of 32 bytes (a link, a FIFO) is noted and replaced."""
    key, note = _seal_key_and_note()
    if note is not None and notes is not None:
        notes.add(note)
    return key


@cache
def _seal_key_and_note() -> tuple[bytes | None, str | None]:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "marketctl")
    path = os.path.join(folder, "seal.key")
    note = None
    try:
        key = _read_key(path)
        if key is not None:
            return key, None
    except CacheProblem as problem:
        note = problem.note
    with suppress(OSError):
        os.unlink(path)  # damaged, or not a file: made again below
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        try:
            temporary = f".{secrets.token_hex(8)}.tmp"
            _make(descriptor, temporary, secrets.token_bytes(_KEY_BYTES))
            try:
                # A link, not a rename: of two processes making the key at once, the first
                # one's stays and the other reads it, so neither seals entries the other
                # cannot read.
                os.link(temporary, "seal.key", src_dir_fd=descriptor, dst_dir_fd=descriptor)
            except FileExistsError:
                pass
            finally:
                os.unlink(temporary, dir_fd=descriptor)
        finally:
            os.close(descriptor)
        return _read_key(path), note
    except (OSError, CacheProblem):
        return None, note


def _read_key(path: str) -> bytes | None:
    """The seal key at ``path``: a regular file (not a link) of 32 bytes; None where it is
    missing or of another length; CacheProblem where it is not a regular file."""
    try:
        descriptor = os.open(path, _FILE)
    except FileNotFoundError:
        return None
    except OSError as error:
        try:
            kind = _kind(os.lstat(path).st_mode)
        except OSError:
            kind = "unreadable"
        raise CacheProblem(
            f"note: replaced the cache's seal key {path}: it is {kind}, not a file "
            f"({error.strerror})"
        ) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise CacheProblem(
                f"note: replaced the cache's seal key {path}: it is {_kind(info.st_mode)}, "
                "not a file"
            )
        key = os.read(descriptor, _KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    return key if len(key) == _KEY_BYTES else None


def _seal(*parts: str) -> str:
    key = _seal_key()
    assert key is not None  # callers are enabled only when there is a key
    # surrogatepass: an entry may hold any text JSON can (a lone surrogate from a damaged or
    # hostile file); it seals to some digest, and one that was never sealed fails the check.
    text = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _sealed(seal: object, *parts: str) -> bool:
    return isinstance(seal, str) and hmac.compare_digest(seal, _seal(*parts))
