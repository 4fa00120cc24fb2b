"""``marketctl build``: validated markets → ``dist/<cc>.json`` + ``dist/manifest.json``.

The output directory is replaced as a whole: the new set is written into a fresh directory
beside it and renamed into place, so a reader never sees a mix of old and new bundles and a
failed or interrupted build leaves the previous output untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.core import get_cldr_version

from marketctl import __version__
from marketctl.checks.validation import Report, validate_source
from marketctl.commands.bundle import FORMAT_VERSION, compile_bundle, serialize
from marketctl.core.diagnostics import Severity
from marketctl.core.errors import MarketctlError
from marketctl.reference import tz
from marketctl.repository.markets import Repository
from marketctl.repository.settings import Settings
from marketctl.repository.sources import WorktreeSource

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Revision:
    """Where the sources came from: a commit (None outside git) and whether markets/ had
    uncommitted changes."""

    commit: str | None
    dirty: bool | None
    committed_at: datetime | None = None


@dataclass(frozen=True)
class BuildResult:
    report: Report
    output: Path | None
    bundles: Mapping[str, str]  # market code -> sha256


class BuildRefusedError(MarketctlError):
    """Validation found errors: nothing was written."""

    def __init__(self, report: Report, unignorable: bool = False) -> None:
        if unignorable:
            super().__init__(
                f"{report.errors} error(s) that a build cannot ignore: nothing was built",
                "a bundle with these would be wrong or would not load; fix them (ignores and "
                "severity settings do not apply to them)",
            )
        else:
            super().__init__(
                f"validation found {report.errors} error(s): nothing was built",
                "fix the findings above, then build again",
            )
        self.report = report


# Errors no setting may waive for a build: files that did not load or fit their schema, and
# messages, steps or times the compiler cannot turn into something a service can use.
_UNIGNORABLE = ("MKT0", "MKT1", "MKT503", "MKT602", "MKT604", "MKT605")


def _unignorable(report: Report) -> Report | None:
    blocking = tuple(
        finding
        for finding in report.unfiltered
        if finding.code.startswith(_UNIGNORABLE) and finding.severity is Severity.ERROR
    )
    return replace(report, findings=blocking) if blocking else None


def source_revision(root: Path) -> Revision:
    """The commit and dirtiness of the repository holding ``root``, read with GitPython."""
    try:
        import git
    except ImportError:  # GitPython imports fine but fails without a git executable
        return Revision(None, None)
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return Revision(None, None)
    with repo:
        try:
            commit = repo.head.commit
        except ValueError:  # a repository without commits yet
            return Revision(None, True)
        markets = os.path.relpath(root / "markets", repo.working_tree_dir or root)
        dirty = repo.is_dirty(untracked_files=True, path=markets)
        return Revision(commit.hexsha, dirty, commit.committed_datetime.astimezone(UTC))


def build_time(revision: Revision) -> str | None:
    """SOURCE_DATE_EPOCH, else the commit's time; never the wall clock (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise MarketctlError(
                f"SOURCE_DATE_EPOCH is '{epoch}', not a number of seconds",
                "unset it, or set it to a Unix timestamp such as $(git log -1 --format=%ct)",
            ) from None
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if revision.committed_at is not None and not revision.dirty:
        return revision.committed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def manifest(bundles: Mapping[str, bytes], revision: Revision) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        # The data releases the bundles were compiled with: what makes two builds of the same
        # sources differ is a different CLDR (formats, plurals) or tz (UTC instants) release.
        "generator": {
            "name": "marketctl",
            "version": __version__,
            "cldr": get_cldr_version(),
            "tzdata": tz.version(),
        },
        "source": {
            "commit": revision.commit,
            "dirty": revision.dirty,
            "built_at": build_time(revision),
        },
        "bundles": {
            code: {
                "file": f"{code}.json",
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for code, data in sorted(bundles.items())
        },
    }


Progress = Callable[[str, int, int], None]
"""Called after each market is compiled: its code, how many are done, how many in all."""


def compile_markets(
    repository: Repository, codes: Sequence[str], progress: Progress | None = None
) -> dict[str, bytes]:
    compiled: dict[str, bytes] = {}
    for done, code in enumerate(codes, start=1):
        try:
            compiled[code] = serialize(compile_bundle(repository.market(code)))
        except (ValueError, KeyError, LookupError) as error:
            # Validation should have said so first; a market that still cannot compile is
            # named rather than left to a traceback.
            raise MarketctlError(
                f"cannot compile market '{code}': {error}",
                f"run marketctl validate {code}; if it reports nothing, this is a bug in "
                "marketctl: please report it",
            ) from error
        if progress is not None:
            progress(code, done, len(codes))
    return compiled


def build(
    root: Path,
    names: Iterable[str],
    output: Path,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Validate, compile and write. Raises BuildRefusedError (nothing written) on errors."""
    check_output(output.absolute(), root)
    repository, report = validate_source(WorktreeSource(root), names, settings)
    if report.failed():
        raise BuildRefusedError(report)
    blocking = _unignorable(report)
    if blocking is not None:
        raise BuildRefusedError(blocking, unignorable=True)
    bundles = compile_markets(repository, report.markets, progress)
    files = dict((f"{code}.json", data) for code, data in bundles.items())
    document = manifest(bundles, source_revision(root))
    files[MANIFEST] = serialize(document)
    write_directory(output, files)
    return BuildResult(
        report, output, {code: entry["sha256"] for code, entry in document["bundles"].items()}
    )


def check_output(output: Path, root: Path | None = None) -> None:
    """Refuse an output that is not ours to replace.

    The output directory is replaced whole, so it must be missing, empty, or a previous build
    (it holds a manifest written by marketctl). Never the repository, markets/ or a folder
    that holds them, and never a link (replacing it would leave the link's target stale).
    """
    if output.is_symlink():
        raise MarketctlError(
            f"{output} is a symbolic link",
            "pass the directory itself to -o (bundles replace the directory they are in)",
        )
    if output.exists() and not output.is_dir():
        raise MarketctlError(f"{output} exists and is not a directory", "choose another -o")
    if root is not None:
        resolved, top = output.resolve(), root.resolve()
        if (
            resolved == top
            or top.is_relative_to(resolved)
            or resolved.is_relative_to(top / "markets")
        ):
            raise MarketctlError(
                f"{output} holds the markets themselves: a build replaces its output directory",
                "write the bundles to a folder of their own, such as -o dist",
            )
    if output.is_dir() and any(output.iterdir()) and not _is_previous_build(output):
        raise MarketctlError(
            f"{output} is not empty and is not a previous marketctl build",
            "a build replaces its output directory whole: choose an empty or new folder",
        )


def _is_previous_build(output: Path) -> bool:
    try:
        manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    generator = manifest.get("generator") if isinstance(manifest, dict) else None
    return isinstance(generator, dict) and generator.get("name") == "marketctl"


def write_directory(output: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` as the whole new content of ``output``, atomically.

    Builds into the same output take turns (a lock file beside it), so one never removes
    another's work in progress. The set replaced last is kept as ``.<name>.previous`` until
    the next build, so a service that was reading it when the swap happened can finish.
    """
    output = output.absolute()
    check_output(output)
    parent = output.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = open(parent / f".{output.name}.lock", "a+b")  # noqa: SIM115 - held to the end
    except OSError as error:
        raise MarketctlError(f"cannot write into {parent}: {error.strerror}") from None
    with lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        _remove_leftovers(output)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=parent))
        except OSError as error:
            raise MarketctlError(f"cannot write into {parent}: {error.strerror}") from None
        try:
            for name, data in sorted(files.items()):
                with open(staging / name, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            # mkdtemp makes a private (0700) directory; the output is read by services.
            staging.chmod(0o777 & ~_umask())
            _swap_into_place(staging, output)
            _fsync_directory(parent)
        except OSError as error:
            _remove(staging)
            raise MarketctlError(
                f"cannot write {output}: {error.strerror or error}",
                "the previous output, if any, is untouched",
            ) from None
        if staging.exists():  # after an exchange it holds the set just replaced
            previous = parent / f".{output.name}.previous"
            _remove(previous)
            os.rename(staging, previous)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _remove_leftovers(output: Path) -> None:
    """Staging directories of interrupted builds (a crash between write and rename); only
    called with the output's lock held, so no build is using them."""
    for pattern in (f".{output.name}.new-*", f".{output.name}.old-*"):
        for stale in output.parent.glob(pattern):
            _remove(stale)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_into_place(staging: Path, output: Path) -> None:
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        return
    # No atomic exchange on this system: the old set moves aside for an instant; a reader
    # then sees no directory rather than a mix (the runtime verifies every checksum anyway).
    aside = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    aside.rmdir()
    os.rename(output, aside)
    try:
        os.rename(staging, output)
    except OSError:
        os.rename(aside, output)  # put the previous set back before reporting the failure
        raise
    os.rename(aside, staging)


def _exchange(first: Path, second: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two directories in one atomic step."""
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    try:
        renameat2 = ctypes.CDLL(library, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def _fsync_directory(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
