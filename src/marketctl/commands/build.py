"""``marketctl build``: validated markets → ``dist/<cc>.json`` + ``dist/manifest.json``.

The output directory is replaced as a whole: the new set is written into a fresh directory
beside it and renamed into place, so a reader never sees a mix of old and new bundles and a
failed or interrupted build leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
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
from functools import partial
from pathlib import Path
from typing import Any

from babel.core import get_cldr_version

from marketctl import __version__
from marketctl.checks.validation import Report, validate_source
from marketctl.commands.bundle import FORMAT_VERSION, compile_bundle, serialize
from marketctl.commands.signing import SIGNATURE, load_signing_key, sign_manifest
from marketctl.core.errors import MarketctlError
from marketctl.core.parallel import default_jobs, run_all
from marketctl.reference import tz
from marketctl.repository.environments import requires_clean_tree
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
    bundles: Mapping[str, str]  # market code -> sha256, every market of the set
    built: tuple[str, ...] = ()  # compiled by this build
    kept: tuple[str, ...] = ()  # kept, verified, from the previous set (a partial build)
    withdrawn: tuple[str, ...] = ()  # listed as leaving the set
    environment: str | None = None
    signed_by: str | None = None  # key id of the signature
    release: int = 1  # the set's release number (only increases)


class DirtyTreeError(MarketctlError):
    """A build for an environment that requires a clean tree, from uncommitted sources."""


class ReleaseNumberError(MarketctlError):
    """A release number that does not increase on the set it replaces."""


class PartialBuildError(MarketctlError):
    """A partial build cannot keep the rest of the existing set."""


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


def _unignorable(report: Report) -> Report | None:
    """The errors no setting may waive (checks.validation.UNIGNORABLE), as a report."""
    if not report.stopping:
        return None
    blocking = tuple(finding for finding, _ in report.stopping)
    return replace(report, findings=blocking, stopping=())


def source_revision(root: Path) -> Revision:
    """The commit and dirtiness of the repository holding ``root``, read with GitPython."""
    if not _maybe_in_git(root):
        return Revision(None, None)
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


def _maybe_in_git(root: Path) -> bool:
    """Whether GitPython could find a repository for ``root`` (it looks from ``root`` up, and
    reads no GIT_DIR when given a path): a ``.git`` in it or a folder above, or a folder that
    is itself a git directory. Where none is, GitPython is not imported (it takes about 0.1 s, a
    tenth of building the shipped markets)."""
    chains = [(folder, *folder.parents) for folder in (root.absolute(), root.resolve())]
    for candidate in (folder for chain in chains for folder in chain):
        if (candidate / ".git").exists() or (
            (candidate / "HEAD").is_file()
            and (candidate / "objects").is_dir()
            and (candidate / "refs").is_dir()
        ):
            return True
    return False


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


def manifest(
    bundles: Mapping[str, bytes],
    revision: Revision,
    environment: str | None = None,
    dirty_allowed: bool = False,
    kept: Mapping[str, Mapping[str, Any]] | None = None,
    withdrawn: Iterable[str] = (),
    release: int = 1,
) -> dict[str, Any]:
    """The manifest of a set: ``bundles`` compiled now from ``revision``, plus the ``kept``
    entries of a previous set (a partial build), the markets leaving the set, and its release
    number."""
    entries: dict[str, Any] = {
        code: {
            "file": f"{code}.json",
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "commit": revision.commit,
            "capabilities": json.loads(data)["capabilities"],
        }
        for code, data in bundles.items()
    }
    for code, entry in (kept or {}).items():
        entries[code] = dict(entry)
    required = sorted({name for entry in entries.values() for name in entry["capabilities"]})
    return {
        "format": FORMAT_VERSION,
        # Services configured for one environment refuse a set built for another.
        "environment": environment,
        # Services refuse a release lower than the highest they accepted, across restarts:
        # never a clock (SOURCE_DATE_EPOCH, an uncommitted tree), always the previous + 1.
        "release": release,
        # What a runtime must understand to read the set; one that does not refuses it.
        "capabilities": required,
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
            # --allow-dirty for an environment that requires a clean tree: said, not hidden.
            "dirty_allowed": dirty_allowed,
        },
        "bundles": dict(sorted(entries.items())),
        # Markets that leave the set on purpose (status: withdrawn, or deleted from markets/):
        # a service drops them on reload; any other market missing from a set is refused.
        "withdrawn": sorted(set(withdrawn)),
    }


Progress = Callable[[str, int, int], None]
"""Called after each market is compiled: its code, how many are done, how many in all."""


def compile_markets(
    repository: Repository,
    codes: Sequence[str],
    progress: Progress | None = None,
    environment: str | None = None,
    pseudo: bool = False,
    jobs: int | None = None,
) -> dict[str, bytes]:
    """Each market's bundle; ``jobs`` processes (None: all cores for a large repository)."""
    if jobs is None:
        documents = [d for layer in repository.layers for d in layer.files.values()]
        documents += [d for layer in repository.layers for d in layer.messages.values()]
        jobs = default_jobs(sum(len(document.raw) for document in documents))
    tasks = [partial(_compile_one, repository, code, environment, pseudo) for code in codes]
    compiled: dict[str, bytes] = {}

    def collect(index: int, result: tuple[bytes | None, str]) -> None:
        code = codes[index]
        bundle, problem = result
        if bundle is None:
            # Validation should have said so first; a market that still cannot compile is
            # named rather than left to a traceback.
            raise MarketctlError(
                f"cannot compile market '{code}': {problem}",
                f"run marketctl validate {code}; if it reports nothing, this is a bug in "
                "marketctl: please report it",
            )
        compiled[code] = bundle
        if progress is not None:
            progress(code, index + 1, len(codes))

    run_all(tasks, jobs, collect)
    return compiled


def _compile_one(
    repository: Repository, code: str, environment: str | None, pseudo: bool
) -> tuple[bytes | None, str]:
    """A market's bundle, or None and why it does not compile (a plain string crosses between
    processes where an exception might not)."""
    try:
        bundle = compile_bundle(repository.market(code), pseudo=pseudo)
        bundle["environment"] = environment
        return serialize(bundle), ""
    except (ValueError, KeyError, LookupError) as error:
        return None, str(error)


def render_build_json(result: BuildResult) -> str:
    """``build --format json``: where the bundles went, their checksums, and the findings."""
    from marketctl.checks.reporters import REPORTERS

    findings = json.loads(REPORTERS["json"].render(result.report))
    document = {
        "version": 1,
        "output": str(result.output) if result.output is not None else None,
        "release": result.release,
        "bundles": dict(result.bundles),
        "summary": findings["summary"],
        "findings": findings["findings"],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def build(
    root: Path,
    names: Iterable[str],
    output: Path,
    settings: Settings | None = None,
    progress: Progress | None = None,
    environment: str | None = None,
    allow_dirty: bool = False,
    signing_key: Path | None = None,
    pseudo: bool = False,
    release: int | None = None,
) -> BuildResult:
    """Validate, compile and write. Raises BuildRefusedError (nothing written) on errors.

    With ``environment``, ``markets/_environments/<environment>.yaml`` is the last layer and
    its name is written into every bundle and the manifest. Naming markets rebuilds those and
    keeps the rest of the set already in ``output`` (verified first, never trusted). With
    ``signing_key`` (an Ed25519 private key in PEM) the manifest is signed (``manifest.sig``).
    ``pseudo`` adds the pseudo-locales en-XA and ar-XB to every bundle, for UI testing; it is
    refused for production. The set's release number is ``release``, else the previous set's
    in ``output`` plus one (1 for a first build); it must be higher than the previous one.
    """
    if pseudo and environment == "production":
        raise MarketctlError(
            "pseudo-locales are for test builds: --pseudo is refused with --env production",
            "build staging or a local set with --pseudo, production without it",
        )
    names = list(names)
    check_output(output.absolute(), root)
    key = load_signing_key(signing_key) if signing_key is not None else None
    repository, report = validate_source(WorktreeSource(root), names, settings, environment)
    if report.errors:
        raise BuildRefusedError(report)
    blocking = _unignorable(report)
    if blocking is not None:
        raise BuildRefusedError(blocking, unignorable=True)
    revision = source_revision(root)
    dirty_allowed = _check_clean_tree(repository, environment, revision, allow_dirty)
    withdrawn = {code for code in repository.markets if _is_withdrawn(repository, code)}
    codes = [code for code in report.markets if code not in withdrawn]
    kept: dict[str, Mapping[str, Any]] = {}
    kept_files: dict[str, bytes] = {}
    # Markets the previous set served that are gone from markets/ leave it explicitly, and so
    # do those it already listed as leaving (a service may still hold them). A full build
    # replaces every bundle, so it reads only the previous manifest's market list; a partial
    # build keeps bundles, so it verifies the whole previous set first.
    previous = read_previous_set(output) if names else None
    served, leaving = _previous_markets(output)
    number = next_release(output, release)
    withdrawn |= {code for code in served if code not in repository.markets}
    withdrawn |= {code for code in leaving if code not in codes}
    if previous is not None:
        _check_compatible(previous, environment, output)
        for code, (_, raw) in sorted(previous.raw.items()):
            if code in codes or code in withdrawn:
                continue
            kept[code] = previous.manifest["bundles"][code]
            kept_files[f"{code}.json"] = raw
    withdrawn -= set(codes) | set(kept)
    bundles = compile_markets(repository, codes, progress, environment, pseudo)
    files = {f"{code}.json": data for code, data in bundles.items()}
    files.update(kept_files)
    document = manifest(bundles, revision, environment, dirty_allowed, kept, withdrawn, number)
    files[MANIFEST] = serialize(document)
    signed_by = None
    if key is not None:
        files[SIGNATURE], signed_by = sign_manifest(key, files[MANIFEST])
    write_directory(output, files)
    return BuildResult(
        report,
        output,
        {code: entry["sha256"] for code, entry in document["bundles"].items()},
        built=tuple(codes),
        kept=tuple(kept),
        withdrawn=tuple(document["withdrawn"]),
        environment=environment,
        signed_by=signed_by,
        release=number,
    )


#: The highest release number (JSON's exact integers; services compare them as numbers).
MAX_RELEASE = 2**53 - 1


def previous_release(output: Path) -> int:
    """The release number of the set in ``output`` (0 when there is none, or it predates
    release numbers)."""
    try:
        document = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return 0
    number = document.get("release") if isinstance(document, dict) else None
    return number if type(number) is int and 0 < number <= MAX_RELEASE else 0


def next_release(output: Path, release: int | None = None) -> int:
    """The release number of a new set in ``output``: ``release`` if given, else the previous
    one plus one; refused unless higher than the previous one."""
    previous = previous_release(output)
    number = previous + 1 if release is None else release
    if not 0 < number <= MAX_RELEASE:
        raise ReleaseNumberError(
            f"release {number} is out of range: a release number is 1 to {MAX_RELEASE}"
        )
    if number <= previous:
        raise ReleaseNumberError(
            f"release {number} is not higher than release {previous} in {output}: services "
            "that accepted it would refuse this set",
            f"give --release {previous + 1} or higher, or leave --release out",
        )
    return number


def _previous_markets(output: Path) -> tuple[list[str], list[str]]:
    """The markets the previous manifest in ``output`` lists, and those it lists as withdrawn
    (empty when there is no readable manifest: a first build)."""
    try:
        document = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], []
    if not isinstance(document, dict):
        return [], []
    bundles, withdrawn = document.get("bundles"), document.get("withdrawn")
    return (
        [str(code) for code in bundles] if isinstance(bundles, dict) else [],
        [str(code) for code in withdrawn] if isinstance(withdrawn, list) else [],
    )


def _is_withdrawn(repository: Repository, code: str) -> bool:
    market_file = repository.markets[code].files.get("market")
    return market_file is not None and market_file.get(("status",)) == "withdrawn"


def _check_clean_tree(
    repository: Repository, environment: str | None, revision: Revision, allow_dirty: bool
) -> bool:
    """Refuse uncommitted sources for an environment that requires a clean tree; True when
    ``allow_dirty`` waived it (the manifest records that)."""
    if environment is None or not requires_clean_tree(repository.environments[environment]):
        return False
    if revision.dirty is False:
        return False
    if allow_dirty:
        return True
    if revision.dirty is None:
        raise DirtyTreeError(
            f"environment '{environment}' builds from a commit, and markets/ is not in a git "
            "repository",
            "build from a clone of the config repository, or pass --allow-dirty (recorded in "
            "the manifest)",
        )
    raise DirtyTreeError(
        f"environment '{environment}' builds from a commit, and markets/ has uncommitted changes",
        "commit or stash them (git status markets/), or pass --allow-dirty (recorded in the "
        "manifest as source.dirty_allowed)",
    )


@dataclass(frozen=True)
class PreviousSet:
    """The set already in the output, verified against its own manifest."""

    manifest: Mapping[str, Any]
    bundles: Mapping[str, Any]  # code -> parsed bundle
    raw: Mapping[str, tuple[str, bytes]]  # code -> (file name, bytes as verified)


def read_previous_set(output: Path) -> PreviousSet | None:
    """The previous build in ``output``, every checksum verified; None when there is none."""
    from marketctl.runtime._bundles import read_bundle_set
    from marketctl.runtime.errors import BundleError

    if not (output / MANIFEST).is_file():
        return None
    try:
        found = read_bundle_set(output)
    except BundleError as error:
        raise PartialBuildError(
            f"the set in {output} does not verify, so it cannot be kept: {error}",
            "build every market (marketctl build without market names) to replace it",
        ) from None
    raw: dict[str, tuple[str, bytes]] = {}
    for code, (display, _) in found.bundles.items():
        data = Path(display).read_bytes()
        entry = found.manifest["bundles"][code]
        # Re-read for copying: the bytes kept must be the bytes verified.
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise PartialBuildError(
                f"{display} changed while it was being read", "run the build again"
            )
        raw[code] = (display, data)
    return PreviousSet(found.manifest, {c: b for c, (_, b) in found.bundles.items()}, raw)


def _check_compatible(previous: PreviousSet, environment: str | None, output: Path) -> None:
    """A set is one environment, one generator: a partial build that would mix refuses."""
    built_for = previous.manifest.get("environment")
    if built_for != environment:
        raise PartialBuildError(
            f"{output} holds a set built for {_env_name(built_for)}, and this build is for "
            f"{_env_name(environment)}: one set cannot mix environments",
            "build every market for this environment, or write to another -o",
        )
    ours = manifest({}, Revision(None, None))["generator"]
    if previous.manifest.get("generator") != ours:
        raise PartialBuildError(
            f"{output} was built by {json.dumps(previous.manifest.get('generator'))}, not by "
            f"this marketctl ({json.dumps(ours)}): its bundles would differ from new ones",
            "build every market (marketctl build without market names)",
        )


def _env_name(environment: object) -> str:
    return f"environment '{environment}'" if environment else "no environment"


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
            try:
                if not _remove(previous):
                    raise OSError("the previous set cannot be removed")
                os.rename(staging, previous)
            except OSError:
                # The new set is in place; keeping the replaced one is only a courtesy to
                # readers mid-load, so a stale one that will not go away never fails a build.
                _remove(staging)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove(path: Path) -> bool:
    """Remove a file or a whole directory, also one left read-only (a read-only ``dist/``
    swapped aside becomes the previous set); True when it is gone. Never raises: a stale set
    that cannot be removed is left, and the build goes on without it (issue 13)."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
            return True
        if not path.exists():
            return True
        shutil.rmtree(path, ignore_errors=True)
        if path.exists():
            # Our own build's directories: give them back the write bit, then try again.
            for current, _, _ in os.walk(path):
                with contextlib.suppress(OSError):
                    os.chmod(current, 0o700)
            shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass
    return not os.path.lexists(path)


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


def render_build(result: BuildResult, target: Path) -> str:
    """The summary line(s) of a build."""
    where = f"{target}" + (f" for environment '{result.environment}'" if result.environment else "")
    lines = [f"built {len(result.built)} bundle(s) into {where}: {', '.join(result.built)}"]
    if result.kept:
        lines.append(
            f"kept {len(result.kept)} verified from the previous set: {', '.join(result.kept)}"
        )
    if result.withdrawn:
        lines.append(f"withdrawn (services drop them): {', '.join(result.withdrawn)}")
    if result.signed_by:
        lines.append(f"signed manifest.json with key {result.signed_by}")
    return "\n".join(lines)
