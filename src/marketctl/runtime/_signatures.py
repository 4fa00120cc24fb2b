"""Ed25519 signatures of a bundle set's manifest: the format, and checking one.

``marketctl build --sign KEY`` writes ``manifest.sig`` beside ``manifest.json``::

    {"algorithm": "ed25519", "key_id": "3f1c...", "signature": "<base64 of 64 bytes>"}

The signature covers the exact bytes of ``manifest.json``; the manifest holds every bundle's
SHA-256 and size and the environment, so one signature covers the whole set. Checksums catch
damage; the signature catches replacement by whoever can write the files but not the key.
``key_id`` is the first 16 hex digits of the SHA-256 of the raw 32-byte public key: it only
picks the trusted key to try, it is not itself trusted.

``cryptography`` is imported only when a service names trusted keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from marketctl.runtime._bundles import _parse
from marketctl.runtime.errors import BundleError

__all__ = ["SIGNATURE", "TrustedKey", "key_id", "trusted_keys", "verify_manifest"]

SIGNATURE: Final = "manifest.sig"
ALGORITHM: Final = "ed25519"
MAX_SIGNATURE_BYTES: Final = 4096
_KEY_ID: Final = re.compile(r"[0-9a-f]{16}")
_RESIGN: Final = "sign the set again with marketctl build --sign"

KeySource = str | bytes | os.PathLike[str]


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key: Any  # cryptography's Ed25519PublicKey


def key_id(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def _load_public_key(source: KeySource) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(source, os.PathLike):
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_SIGNATURE_BYTES)
        except OSError as error:
            raise ValueError(f"cannot read trusted key {os.fspath(source)}: {error}") from None
    else:
        data = source.encode("ascii", "replace") if isinstance(source, str) else source
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise ValueError(
            "a trusted key must be an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----), "
            "such as the .pub file of marketctl keys generate"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"a trusted key must be Ed25519, got {type(key).__name__}")
    return key


def trusted_keys(sources: Iterable[KeySource]) -> tuple[TrustedKey, ...]:
    """Parse the keys a service trusts; ValueError for anything that is not an Ed25519 key."""
    from cryptography.hazmat.primitives import serialization

    keys = []
    for source in sources:
        public = _load_public_key(source)
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        keys.append(TrustedKey(key_id(raw), public))
    if not keys:
        raise ValueError("trust is empty: name at least one public key, or pass trust=None")
    return tuple(keys)


def verify_manifest(
    display: str, manifest: bytes, signature: bytes | None, trust: tuple[TrustedKey, ...]
) -> str:
    """Check ``signature`` (the bytes of manifest.sig) over ``manifest``; the key id that
    signed it. BundleError naming ``display`` (the signature file) otherwise."""
    from cryptography.exceptions import InvalidSignature

    if signature is None:
        raise BundleError(
            display,
            "missing: this service trusts only signed sets (build with marketctl build --sign)",
        )
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise BundleError(display, f"larger than {MAX_SIGNATURE_BYTES} bytes: not a signature")
    document = _parse(display, signature, max_depth=2, hint=_RESIGN)
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise BundleError(display, f"not an {ALGORITHM} signature written by marketctl build")
    signer, encoded = document.get("key_id"), document.get("signature")
    if not isinstance(signer, str) or not isinstance(encoded, str):
        raise BundleError(display, "has no key_id or signature text")
    if not _KEY_ID.fullmatch(signer):
        raise BundleError(display, "its key_id is not 16 lower-case hex digits; " + _RESIGN)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(display, "the signature is not base64") from None
    known = [key for key in trust if key.key_id == signer]
    if not known:
        trusted = ", ".join(key.key_id for key in trust)
        raise BundleError(
            display,
            f"signed by key {signer}, which this service does not trust (it trusts {trusted})",
        )
    try:
        known[0].public_key.verify(raw, manifest)
    except InvalidSignature:
        raise BundleError(
            display,
            f"the signature by key {signer} does not match manifest.json: the set was changed "
            "after it was signed",
        ) from None
    return signer
