"""``marketctl release rollback``: go back to an older set's content as a new, higher release.

Services refuse a release lower than the highest they accepted (``runtime.load(...,
state_dir=...)``), so republishing an old set does nothing but raise ``BundleError`` in every
service: that is rollback protection. Going back on purpose is a new release: the old set's
bundles, byte for byte, under a manifest whose release number is higher than the set it
replaces, signed again, and reviewed and published like any other release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from marketctl.commands.build import (
    MANIFEST,
    PartialBuildError,
    check_output,
    next_release,
    read_previous_set,
    write_directory,
)
from marketctl.commands.bundle import serialize
from marketctl.commands.signing import SIGNATURE, load_signing_key, sign_manifest

__all__ = ["RolledBack", "rollback"]


@dataclass(frozen=True)
class RolledBack:
    output: Path
    release: int  # the new release number
    content_of: int  # the release whose content it carries
    signed_by: str | None


def rollback(
    source: Path, output: Path, signing_key: Path | None = None, release: int | None = None
) -> RolledBack:
    """Write ``source``'s bundles into ``output`` as a new release, higher than the set in
    ``output`` and than ``source`` (both verified first); nothing is written on failure."""
    check_output(output.absolute())
    key = load_signing_key(signing_key) if signing_key is not None else None
    old = read_previous_set(source)
    if old is None:
        raise PartialBuildError(
            f"{source} holds no set (no {MANIFEST})",
            "name the folder of the release to go back to (a build's output)",
        )
    number = next_release(output, release)
    if release is None:
        number = max(number, old.manifest["release"] + 1)
    manifest = dict(old.manifest)
    manifest["release"] = number
    files = {f"{code}.json": raw for code, (_, raw) in old.raw.items()}
    files[MANIFEST] = serialize(manifest)
    signed_by = None
    if key is not None:
        files[SIGNATURE], signed_by = sign_manifest(key, files[MANIFEST])
    write_directory(output, files)
    return RolledBack(output, number, old.manifest["release"], signed_by)
