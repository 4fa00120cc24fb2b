"""Where market files are read from.

Every command reads through a :class:`Source`, so that a future ``diff`` can read a git revision
(from git objects, never by checking out) through the same loading path as the working tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


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
