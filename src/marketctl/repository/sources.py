"""Where market files are read from.

Every command reads through a :class:`Source`, so that a future ``diff`` can read a git revision
(from git objects, never by checking out) through the same loading path as the working tree.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from marketctl.core.diagnostics import Finding
from marketctl.core.documents import Document, load_document
from marketctl.core.limits import MAX_FILE_BYTES, FileRefusedError, read_regular_file, too_large


class Source(Protocol):
    """A tree of files below a repository root, addressed by posix paths relative to it."""

    @property
    def label(self) -> str: ...

    def list_files(self, directory: str) -> list[str]:
        """Every file below ``directory`` (recursively), sorted; hidden files are skipped."""
        ...

    def read(self, path: str) -> bytes: ...

    def escapes_root(self, path: str) -> bool:
        """True where the path is a link that leads outside the repository."""
        ...


def linked_folders(source: Source, directory: str) -> list[str]:
    """Folders below ``directory`` that are symbolic links, for a source that can have them
    (an optional method: :meth:`WorktreeSource.linked_folders`)."""
    method = getattr(source, "linked_folders", None)
    return list(method(directory)) if method is not None else []


@dataclass(frozen=True)
class WorktreeSource:
    """The files as they are on disk."""

    root: Path

    @property
    def label(self) -> str:
        return "working tree"

    def list_files(self, directory: str) -> list[str]:
        return self._walk(directory)[0]

    def linked_folders(self, directory: str) -> list[str]:
        """Folders that are symbolic links are not followed, and not silently skipped either:
        loading reports each one (MKT021). A market folder that is a link to another market
        would make two markets one, and one that leads outside the repository would validate
        and build files that are not in the pull request."""
        return self._walk(directory)[1]

    def _walk(self, directory: str) -> tuple[list[str], list[str]]:
        base = self.root / directory
        found: list[str] = []
        linked: list[str] = []
        for current, dirs, files in os.walk(base):
            for name in dirs:
                if not name.startswith(".") and os.path.islink(os.path.join(current, name)):
                    linked.append((Path(current) / name).relative_to(self.root).as_posix())
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                if name.startswith("."):
                    continue
                found.append((Path(current) / name).relative_to(self.root).as_posix())
        return sorted(found), sorted(linked)

    def read(self, path: str) -> bytes:
        """The file's bytes, through the limits of :mod:`marketctl.core.limits`: a regular
        file (FileRefusedError otherwise) of at most 2 MiB, checked before reading."""
        return read_regular_file(self.root / path)

    def escapes_root(self, path: str) -> bool:
        try:
            target = (self.root / path).resolve()
        except (RuntimeError, OSError):
            return False  # a link loop: reading it reports the loop
        return not target.is_relative_to(self.root.resolve())


class DocumentMemo:
    """Parsed documents by path and SHA-256 of their bytes, for a process that loads the same
    tree again and again (the language server): a file is parsed again only when its bytes
    change. Only the latest version of each path is kept. Documents are frozen values that no
    reader changes, so one can serve every load."""

    def __init__(self) -> None:
        self._documents: dict[str, tuple[bytes, tuple[Document | None, list[Finding]]]] = {}

    def load(self, path: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
        digest = hashlib.sha256(raw).digest()
        found = self._documents.get(path)
        if found is not None and found[0] == digest:
            document, problems = found[1]
            return document, list(problems)
        parsed = load_document(path, raw)
        self._documents[path] = (digest, (parsed[0], list(parsed[1])))
        return parsed

    def forget(self, paths: Iterable[str]) -> None:
        for path in paths:
            self._documents.pop(path, None)


class SourceOn:
    """A source made on another: whatever it does not override is the other's."""

    def __init__(self, source: Source) -> None:
        self._source = source

    @property
    def document_memo(self) -> DocumentMemo | None:
        """The memo of parsed documents the source below keeps, if any."""
        memo: DocumentMemo | None = getattr(self._source, "document_memo", None)
        return memo

    @property
    def label(self) -> str:
        return self._source.label

    def list_files(self, directory: str) -> list[str]:
        return self._source.list_files(directory)

    def linked_folders(self, directory: str) -> list[str]:
        return linked_folders(self._source, directory)

    def read(self, path: str) -> bytes:
        return self._source.read(path)

    def escapes_root(self, path: str) -> bool:
        return self._source.escapes_root(path)


class NarrowedSource(SourceOn):
    """A source that lists only some of its files: the others are left unread (their findings,
    where needed, come from the unit store). ``links``: report links to folders as the source
    does (a narrowed run of the whole tree), or none (a run of some files only)."""

    def __init__(self, source: Source, paths: set[str], *, links: bool = False) -> None:
        super().__init__(source)
        self.paths = paths
        self._links = links

    def list_files(self, directory: str) -> list[str]:
        return sorted(path for path in self.paths if path.startswith(directory + "/"))

    def linked_folders(self, directory: str) -> list[str]:
        return super().linked_folders(directory) if self._links else []


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``markets/``."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "markets").is_dir():
            return candidate
    return None


_SYMLINK_MODE = 0o120000


class GitSource:
    """The files of one git revision, read from git objects (never by checking out).

    ``root`` is the folder holding ``markets/`` in the working tree; paths are relative to it,
    as for :class:`WorktreeSource`, so both go through the same loading path.
    """

    def __init__(self, root: Path, revision: str) -> None:
        from marketctl.core.errors import MarketctlError

        try:
            import git
        except ImportError as error:  # GitPython without a git executable
            raise MarketctlError(f"git is not available: {error}", "install git") from None
        try:
            self._repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise MarketctlError(
                f"{root} is not inside a git repository",
                "diff compares git revisions: run it in a clone of the config repository",
            ) from None
        try:
            self._commit = self._repo.commit(revision)
            self._commit.tree  # noqa: B018 - resolves the objects now: a shallow clone fails here
        except (git.BadName, ValueError, IndexError, git.GitCommandError):
            # IndexError: a reflog entry that does not exist ('HEAD@{5}' in a young clone).
            shallow = Path(self._repo.git_dir, "shallow").exists()
            raise MarketctlError(
                f"unknown git revision '{revision}'",
                "fetch full history: git fetch --unshallow"
                if shallow
                else f"fetch it first (git fetch origin {revision}), or name a commit that exists",
            ) from None
        top = Path(self._repo.working_tree_dir or root).resolve()
        prefix = root.resolve().relative_to(top).as_posix()
        self._prefix = "" if prefix == "." else prefix + "/"
        self.revision = revision
        self.commit = self._commit.hexsha

    @property
    def label(self) -> str:
        return f"{self.revision} ({self.commit[:12]})"

    def _blob(self, path: str) -> Any:
        try:
            return self._commit.tree / (self._prefix + path)
        except KeyError:
            return None

    def list_files(self, directory: str) -> list[str]:
        tree = self._blob(directory)
        if tree is None or tree.type != "tree":
            return []
        found = []
        try:
            items = list(tree.traverse())
        except (ValueError, OSError, KeyError) as error:
            from marketctl.core.errors import MarketctlError

            raise MarketctlError(
                f"cannot list {directory} at {self.label}: a git object is missing or damaged "
                f"({type(error).__name__})",
                "run git fsck; fetch the objects again (git fetch), or clone afresh",
            ) from None
        for item in items:
            name = item.path.rsplit("/", 1)[-1]
            if item.type != "blob" or name.startswith("."):
                continue
            if any(part.startswith(".") for part in item.path.split("/")):
                continue
            found.append(item.path[len(self._prefix) :])
        return sorted(found)

    def linked_folders(self, directory: str) -> list[str]:
        return []  # a committed link is a blob: escapes_root refuses it

    def read(self, path: str) -> bytes:
        blob = self._blob(path)
        if blob is None:
            raise FileNotFoundError(path)
        try:
            size = int(blob.size)  # from the object header: checked before the data is read
            if size > MAX_FILE_BYTES:
                raise too_large(size)
            data: bytes = blob.data_stream.read()
        except FileRefusedError:
            raise
        except (ValueError, OSError, KeyError) as error:
            # A damaged repository is not a finding about the markets: stop (exit 1).
            from marketctl.core.errors import MarketctlError

            raise MarketctlError(
                f"cannot read {path} at {self.label}: git object {blob.hexsha[:12]} is "
                f"missing or damaged ({type(error).__name__})",
                "run git fsck; fetch the objects again (git fetch), or clone afresh",
            ) from None
        return data

    def escapes_root(self, path: str) -> bool:
        # A committed symbolic link is refused whatever it points at: its target is outside
        # what the revision holds.
        blob = self._blob(path)
        return blob is not None and blob.mode == _SYMLINK_MODE
