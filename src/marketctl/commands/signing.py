"""Ed25519 keys for signed releases: generate a pair, load the private key, sign a manifest.

Why ``cryptography``: Ed25519 is not in the standard library, and signing code is exactly what
should come from a well-kept, audited library (pyca/cryptography, OpenSSL underneath, wheels for
every platform) rather than be written here. The runtime imports it only when a service names
trusted keys. The signature format is :mod:`marketctl.runtime._signatures`.

Key handling (README, "Signed releases"): the private key lives in the CI secret store and is
written to a file only for the build step; services get the public key with their config;
rotating means trusting the old and the new public key, signing with the new one, then dropping
the old one once no set signed with it is served.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from marketctl.core.errors import MarketctlError
from marketctl.runtime._signatures import ALGORITHM, SIGNATURE, key_id

__all__ = ["SIGNATURE", "generate_key_pair", "load_signing_key", "sign_manifest"]


def load_signing_key(path: Path) -> Any:
    """The Ed25519 private key in PEM (PKCS#8, unencrypted) at ``path``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = path.read_bytes()
    except OSError as error:
        raise MarketctlError(
            f"cannot read the signing key {path}: {error.strerror or error}",
            "pass the private key file written by marketctl keys generate",
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise MarketctlError(
            f"{path} is not an unencrypted private key in PEM",
            "pass the private key file written by marketctl keys generate (never the .pub)",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise MarketctlError(
            f"{path} is a {type(key).__name__}, not an Ed25519 key",
            "generate one with marketctl keys generate",
        )
    return key


def public_key_id(private_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return key_id(raw)


def sign_manifest(private_key: Any, manifest: bytes) -> tuple[bytes, str]:
    """The bytes of manifest.sig for ``manifest``, and the signing key's id."""
    signer = public_key_id(private_key)
    document = {
        "algorithm": ALGORITHM,
        "key_id": signer,
        "signature": base64.b64encode(private_key.sign(manifest)).decode("ascii"),
    }
    return (json.dumps(document, sort_keys=True, indent=1) + "\n").encode("ascii"), signer


def generate_key_pair(private_path: Path) -> tuple[Path, str]:
    """Write a new private key (mode 0600, refusing to overwrite) and its ``.pub``.

    Refused inside a git work tree unless git ignores the path: an untracked key is one
    ``git add -A`` away from the repository's history (issue 20).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise MarketctlError(f"{path} exists", "choose another name; keys are never replaced")
    _refuse_tracked_path(private_path)
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private)
        public_path.write_bytes(public)
    except OSError as error:
        raise MarketctlError(f"cannot write the key: {error.strerror or error}") from None
    return public_path, public_key_id(key)


def _refuse_tracked_path(path: Path) -> None:
    """A MarketctlError when ``path`` is inside a git work tree and git does not ignore it."""
    absolute = path.absolute()
    folder = next((p for p in absolute.parents if p.is_dir()), None)
    if folder is None:
        return
    try:
        import git
    except ImportError:  # GitPython without a git executable: look for the work tree alone
        top = next((p for p in (folder, *folder.parents) if (p / ".git").exists()), None)
        if top is not None:
            raise MarketctlError(
                f"{path} is inside the git work tree {top}, and without git marketctl cannot "
                "tell whether git ignores it: a private key there can be committed",
                "write the key outside the work tree (e.g. ~/.config/marketctl/release.pem)",
            ) from None
        return
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return
    with repo:
        top_text = repo.working_tree_dir
        if top_text is None:  # a bare repository has no work tree to commit from
            return
        top = Path(top_text)
        try:
            relative = absolute.resolve().relative_to(top.resolve())
        except ValueError:
            return
        if relative.parts[:1] == (".git",):
            return
        try:
            repo.git.check_ignore("--quiet", str(relative))
        except git.GitCommandError as error:
            if error.status != 1:  # 1: not ignored; anything else: git could not answer
                raise MarketctlError(
                    f"cannot ask git whether it ignores {path}: {error.stderr.strip()}",
                    "write the key outside the work tree (e.g. ~/.config/marketctl/release.pem)",
                ) from None
            raise MarketctlError(
                f"{path} is inside the git work tree {top} and git does not ignore it: a "
                "private key there can be committed",
                f"add '/{relative.as_posix()}' to {top / '.gitignore'}, or write the key "
                "outside the work tree (e.g. ~/.config/marketctl/release.pem)",
            ) from None
