"""``marketctl release publish``: the published layout, one signed object per publish.

A build directory (``manifest.json``, ``manifest.sig``, ``<cc>.json``) is written for the
build; what an origin serves is written by this command into a bucket folder:

- ``<sha256>.json``: each bundle named by its SHA-256, written once and never changed (a file
  of that name already there with other bytes, a damaged copy, is replaced);
- ``release.json``: the envelope, the one signed object of the release: the exact text of the
  manifest (environment, release number, format, capabilities, every bundle's SHA-256 and size)
  and of its signature, replaced in one atomic write, after every bundle it names is in place.

A service reads it with ``runtime.load(".../release.json", env=..., trust=[...])``: the
signature is checked before any bundle is fetched, and a bundle that does not match the envelope
refuses the release for good. Older bundles stay (a service may still be fetching them); the
previous layout's files are neither written nor removed, so both can be served side by side.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marketctl.core.errors import MarketctlError
from marketctl.core.files import write_file

__all__ = ["Published", "envelope_bytes", "publish"]


@dataclass(frozen=True)
class Published:
    envelope: Path
    release: int
    environment: str | None
    signed: bool
    written: tuple[str, ...]  # bundle files written now (the others were in place)


def envelope_bytes(manifest: bytes, signature: bytes | None) -> bytes:
    """The envelope of a manifest and its signature, as release.json holds it."""
    from marketctl.runtime._http import ENVELOPE_FORMAT

    document: dict[str, Any] = {
        "envelope": ENVELOPE_FORMAT,
        "manifest": manifest.decode("utf-8"),
        "signature": signature.decode("utf-8") if signature is not None else None,
    }
    return (json.dumps(document, ensure_ascii=True, indent=1) + "\n").encode("ascii")


def _published_release(envelope: Path) -> int | None:
    from marketctl.runtime._bundles import _parse
    from marketctl.runtime._http import _envelope
    from marketctl.runtime.errors import BundleError

    if not envelope.is_file():
        return None
    try:
        manifest, _ = _envelope(str(envelope), envelope.read_bytes())
        parsed = _parse(str(envelope), manifest)
    except BundleError:
        return None  # not an envelope we can read: replacing it is the repair
    release = parsed.get("release") if isinstance(parsed, dict) else None
    return release if type(release) is int else None


def publish(source: Path, bucket: Path) -> Published:
    """Verify the build in ``source`` and write it into ``bucket`` in the published layout:
    bundles first, the envelope last, in one atomic write. Refuses a release lower than the
    one the bucket publishes (services would refuse it: go back with release rollback)."""
    from marketctl.runtime._bundles import read_bundle_set
    from marketctl.runtime._http import ENVELOPE
    from marketctl.runtime.errors import BundleError

    try:
        found = read_bundle_set(source)
    except BundleError as error:
        raise MarketctlError(
            f"cannot publish {source}: {error}", "build it again with marketctl build"
        ) from None
    release: int = found.manifest["release"]
    envelope = bucket / ENVELOPE
    published = _published_release(envelope)
    if published is not None and release < published:
        raise MarketctlError(
            f"{source} is release {release}, but {envelope} publishes release {published}: "
            "services refuse a lower release",
            "go back to old content as a new release with marketctl release rollback",
        )
    written: list[str] = []
    for _, entry in sorted(found.manifest["bundles"].items()):
        data = (source / entry["file"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:  # the bytes written must be the bytes verified
            raise MarketctlError(
                f"{source / entry['file']} changed while it was read", "publish it again"
            )
        target = bucket / f"{digest}.json"
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            continue
        write_file(target, data)
        written.append(target.name)
    write_file(envelope, envelope_bytes(found.manifest_bytes, found.signature))
    environment = found.manifest.get("environment")
    return Published(
        envelope,
        release,
        environment if isinstance(environment, str) else None,
        found.signature is not None,
        tuple(written),
    )
