"""Where market files are read from.

Every command reads through a :class:`Source`, so that a future ``diff`` can read a git revision
(from git objects, never by checking out) through the same loading path as the working tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


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


@dataclass(frozen=True)
class WorktreeSource:
    """The files as they are on disk."""

    root: Path

    @property
    def label(self) -> str:
        return "working tree"

    def list_files(self, directory: str) -> list[str]:
        base = self.root / directory
        found: list[str] = []
        for current, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                if name.startswith("."):
                    continue
                found.append((Path(current) / name).relative_to(self.root).as_posix())
        return sorted(found)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def escapes_root(self, path: str) -> bool:
        target = (self.root / path).resolve()
        return not target.is_relative_to(self.root.resolve())


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
        except (git.BadName, ValueError):
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
        for item in tree.traverse():
            name = item.path.rsplit("/", 1)[-1]
            if item.type != "blob" or name.startswith("."):
                continue
            if any(part.startswith(".") for part in item.path.split("/")):
                continue
            found.append(item.path[len(self._prefix) :])
        return sorted(found)

    def read(self, path: str) -> bytes:
        blob = self._blob(path)
        if blob is None:
            raise FileNotFoundError(path)
        data: bytes = blob.data_stream.read()
        return data

    def escapes_root(self, path: str) -> bool:
        # A committed symbolic link is refused whatever it points at: its target is outside
        # what the revision holds.
        blob = self._blob(path)
        return blob is not None and blob.mode == _SYMLINK_MODE
