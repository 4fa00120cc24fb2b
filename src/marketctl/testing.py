"""Helpers for services' own tests: build real bundles, load them, and break them on purpose.

.. code-block:: python

    from marketctl.testing import build_bundles, tamper

    def test_prices(tmp_path):
        markets = runtime.load(build_bundles(tmp_path / "dist", root=CONFIG_REPO), insecure=True)
        assert markets["jp"].format_price(Decimal("1299")) == "￥1,299"

    def test_refuses_a_tampered_set(tmp_path):
        dist = build_bundles(tmp_path / "dist", root=CONFIG_REPO)
        tamper(dist, "jp")
        with pytest.raises(runtime.BundleError): runtime.load(dist, insecure=True)

Unlike :mod:`marketctl.runtime`, this module uses the compiler (and so Babel, GitPython...):
import it in tests, not in the service. A test of bundles it just built loads them with
``insecure=True`` (no environment, no signature: the service itself names both).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from marketctl.runtime import Markets, load

__all__ = ["build_bundles", "edit_bundle", "load_bundles", "refresh_manifest", "tamper"]


def build_bundles(destination: Path, root: Path | None = None, markets: Iterable[str] = ()) -> Path:
    """Validate and compile the markets of ``root`` (the nearest folder above the current
    directory that holds ``markets/`` when None) into ``destination``, as ``marketctl build
    -o destination`` does; returns ``destination``. Raises if validation finds errors."""
    from marketctl.commands.build import build
    from marketctl.core.errors import RootNotFoundError
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import find_root

    if root is None:
        root = find_root(Path.cwd())
        if root is None:
            raise RootNotFoundError(
                "no markets/ folder at or above the current directory", "pass root="
            )
    build(root, list(markets), destination, read_settings(root))
    return destination


def load_bundles(
    destination: Path, root: Path | None = None, markets: Iterable[str] = ()
) -> Markets:
    """:func:`build_bundles`, then :func:`marketctl.runtime.load` of the result (with
    ``insecure=True``: the set was built here, unsigned, for no environment)."""
    return load(build_bundles(destination, root, markets), insecure=True)


def refresh_manifest(directory: Path) -> None:
    """Recompute every size and SHA-256 in ``directory/manifest.json`` from the files as they
    are now: for tests that edit a bundle and want the runtime to see the edit rather than a
    checksum mismatch."""
    path = directory / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["bundles"].values():
        data = (directory / entry["file"]).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["bytes"] = len(data)
    _write_json(path, manifest)


def edit_bundle(directory: Path, market: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to the parsed bundle of ``market``, write it back and refresh the
    manifest, so the set verifies and the runtime reads the edited content."""
    path = directory / f"{market}.json"
    bundle: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    change(bundle)
    _write_json(path, bundle)
    refresh_manifest(directory)


def tamper(directory: Path, market: str, offset: int | None = None) -> int:
    """Change one byte of ``market``'s bundle in place (same size, different SHA-256), as a
    corrupted download or a hand edit would; returns the offset changed (the middle of the
    file by default). The manifest is left as it was, so loading must fail."""
    path = directory / f"{market}.json"
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if offset is None else offset
    # Swap an ASCII digit or letter for another one, keeping the file valid UTF-8.
    while not (data[where] < 0x80 and chr(data[where]).isalnum()):
        where += 1
    data[where] = ord("1") if data[where] != ord("1") else ord("2")
    path.write_bytes(bytes(data))
    return where


def _write_json(path: Path, document: Any) -> None:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
