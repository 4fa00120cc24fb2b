"""Writing output files atomically: one (CODEOWNERS, JUnit XML, reports), or a set that is
replaced together or not at all (catalogues written by a translation import)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place: a reader sees
    the old file or the new one, never half of one, and a failure leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_files(files: Mapping[Path, bytes]) -> None:
    """Replace every file of ``files`` or none (issue 22: an import that failed on its second
    catalogue had replaced the first).

    Every new file is staged first, beside its target and synced to disk; a failure there
    replaces nothing. Then each target is kept under a hard link and replaced by a rename; a
    failure there puts back what was replaced (and removes what did not exist), then raises.
    A file keeps its permissions. The OSError raised names the target that could not be
    written (``filename``).
    """
    staged: list[tuple[Path, str]] = []
    replaced: list[tuple[Path, str | None]] = []  # a target and its kept previous file
    current = Path()
    try:
        for current, data in files.items():
            staged.append((current, _stage(current, data)))
        for current, temporary in staged:
            kept = _keep(current)
            try:
                os.replace(temporary, current)
            except BaseException:
                if kept is not None:
                    os.unlink(kept)
                raise
            replaced.append((current, kept))
    except BaseException as error:
        for path, kept in reversed(replaced):
            with suppress(OSError):  # best effort: the error below says what failed
                if kept is None:
                    os.unlink(path)
                else:
                    os.replace(kept, path)
        for _, temporary in staged:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(current)) from error
        raise
    for _, kept in replaced:
        if kept is not None:
            Path(kept).unlink(missing_ok=True)


def _stage(path: Path, data: bytes) -> str:
    """A temporary file beside ``path`` holding ``data``, with ``path``'s permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _keep(path: Path) -> str | None:
    """A second name for the file at ``path`` (a hard link, so nothing is copied), or None
    where there is none."""
    kept = f"{path.parent}/.{path.name}.{secrets.token_hex(6)}.previous"
    try:
        os.link(path, kept)
    except FileNotFoundError:
        return None
    return kept
