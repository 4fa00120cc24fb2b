"""Reading a bundle set over HTTP(S): a static file server, a CDN or an object store.

The set is the same files as a build directory, under one base URL: ``manifest.json``,
``manifest.sig`` (when signed) and ``<cc>.json``. Publishers upload the bundles first and the
manifest last; a reader that sees a new manifest before its bundles arrive gets a checksum
mismatch, keeps its last good set and tries again on the next reload.

- The manifest is fetched with ``If-None-Match`` and the ETag of the last one: ``304 Not
  Modified`` means nothing changed and nothing else is fetched.
- A bundle whose SHA-256 is the same as one already held is not fetched again (the manifest
  names bundles by content), so a release that changes one market downloads one file.
- Every request has a timeout; every body a size limit, checked against ``Content-Length``
  first and enforced while reading; only ``http`` and ``https``, and no redirect from https to
  http. Everything is verified (sizes, SHA-256, format, and the caller's environment and
  signature checks) before any of it is used.

Only the standard library (urllib): services need no HTTP client of ours.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from marketctl.runtime._bundles import MANIFEST, SIGNATURE, BundleSet, _entries, _parse, _verify
from marketctl.runtime.errors import BundleError

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "Fetched", "is_url", "read_remote_set"]

DEFAULT_TIMEOUT: Final = 10.0
#: Per file; a bundle is tens of kilobytes, a manifest less.
DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024
_SIGNATURE_MAX: Final = 4096


def is_url(source: object) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Fetched:
    """A set read over HTTP, verified against its manifest, with the manifest's ETag."""

    bundle_set: BundleSet
    etag: str | None


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if req.full_url.startswith("https://") and not newurl.startswith("https://"):
            raise BundleError(req.full_url, f"redirected to {newurl}: refused (https to http)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_NoDowngrade())


def _base(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BundleError(url, "not an http(s) URL of a bundle directory")
    if parts.query or parts.fragment:
        raise BundleError(url, "a bundle URL has no query or fragment: name the directory")
    return url if url.endswith("/") else url + "/"


def _get(
    url: str, timeout: float, limit: int, etag: str | None = None, optional: bool = False
) -> tuple[int, bytes, str | None]:
    """(status, body, ETag). 304 gives an empty body; 404 of an optional file gives status 404."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if etag is not None:
        request.add_header("If-None-Match", etag)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise BundleError(url, f"{length} bytes, above the limit of {limit}")
            body = response.read(limit + 1)
            if len(body) > limit:
                raise BundleError(url, f"more than {limit} bytes, above the limit")
            if length is not None and length.isdigit() and len(body) != int(length):
                raise BundleError(
                    url, f"{len(body)} bytes received, Content-Length said {length} (cut off)"
                )
            return response.status, body, response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return 304, b"", etag
        if error.code == 404 and optional:
            return 404, b"", None
        raise BundleError(url, f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise BundleError(url, f"cannot fetch: {error.reason}") from None
    except TimeoutError:
        raise BundleError(url, f"no answer within {timeout:g} s") from None
    except OSError as error:  # connection reset mid-body, IncompleteRead, ...
        raise BundleError(url, f"cannot fetch: {error}") from None
    except ValueError as error:  # a URL urllib cannot use
        raise BundleError(url, f"cannot fetch: {error}") from None


def read_remote_set(
    url: str,
    *,
    etag: str | None = None,
    known: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched | None:
    """Fetch and verify the set under ``url``; None when the manifest's ETag is still ``etag``.

    ``known`` maps a SHA-256 to a bundle already held and verified (display, parsed): such
    bundles are reused instead of fetched.
    """
    import http.client

    base = _base(url)
    manifest_url = base + MANIFEST
    try:
        status, manifest_bytes, new_etag = _get(manifest_url, timeout, max_bytes, etag)
        if status == 304:
            return None
        manifest = _parse(manifest_url, manifest_bytes)
        entries = _entries(manifest_url, manifest)
        signature_status, signature, _ = _get(
            base + SIGNATURE, timeout, _SIGNATURE_MAX, optional=True
        )
        bundles: dict[str, tuple[str, dict[str, Any]]] = {}
        for code, (file, digest, size) in sorted(entries.items()):
            display = base + file
            held = (known or {}).get(digest)
            if held is not None:
                bundles[code] = (display, held[1])
                continue
            if size > max_bytes:
                raise BundleError(display, f"{size} bytes, above the limit of {max_bytes}")
            _, data, _ = _get(display, timeout, max_bytes)
            bundles[code] = (display, _verify(display, code, data, digest, size))
    except http.client.HTTPException as error:
        raise BundleError(url, f"cannot fetch: {type(error).__name__} {error}") from None
    return Fetched(
        BundleSet(
            base,
            manifest,
            bundles,
            manifest_bytes,
            signature if signature_status != 404 else None,
        ),
        new_etag,
    )
