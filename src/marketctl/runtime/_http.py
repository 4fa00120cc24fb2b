"""Reading a bundle set over HTTP(S): a static file server, a CDN or an object store.

The set is the same files as a build directory, under one base URL: ``manifest.json``,
``manifest.sig`` (when signed) and ``<cc>.json``. Publishers upload the bundles first and the
manifest last; a reader that sees a new manifest before its bundles arrive gets a checksum
mismatch, keeps its last good set and tries again on the next reload.

- The manifest is fetched with ``If-None-Match`` and the ETag of the last one: ``304 Not
  Modified`` means nothing changed and nothing else is fetched.
- A bundle whose SHA-256 is the same as one already held is not fetched again (the manifest
  names bundles by content), so a release that changes one market downloads one file.
- One deadline covers a whole fetch (every request of it, redirects included): when it passes,
  the open connection is shut down, so an origin that trickles a byte at a time cannot hold a
  reload past it (a socket timeout alone restarts with every byte). Every body has a size
  limit, checked against ``Content-Length`` first and enforced while reading; a bundle may not
  be longer than the manifest declares. Only ``http`` and ``https``, and no redirect from https
  to http. The manifest's environment and signature are checked before any bundle is fetched;
  everything is verified (sizes, SHA-256, format) before any of it is used.
- Only :class:`BundleError` leaves: an odd status (a 304 to a request that was not
  conditional, a 206, a 204), a malformed header or a broken connection is one, naming the URL.

The published layout (``marketctl publish``, a URL ending in ``/release.json``): one signed
object per publish. ``release.json`` is the envelope: the manifest's exact text (environment,
release, format, capabilities, each bundle's SHA-256 and size) and its signature, in one file a
publisher replaces in one atomic write; the bundles beside it are named by their SHA-256
(``<sha256>.json``), written once and never changed. The envelope's signature is checked before
any bundle is fetched, and no bundle is read past its declared size. As bundles are immutable, a
bundle that does not match the envelope is not "not uploaded yet": the release is refused for
good (the refusal carries the envelope's validators, so later polls ask "changed?" and cost a
304, or at most the envelope's bytes when the origin sends no validator).

Only the standard library (urllib): services need no HTTP client of ours.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from marketctl.runtime._bundles import MANIFEST, SIGNATURE, BundleSet, _entries, _parse, _verify
from marketctl.runtime.errors import BundleError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "ENVELOPE",
    "Fetched",
    "Validators",
    "is_envelope",
    "is_url",
    "read_remote_set",
    "url_file",
]

#: Seconds for a whole fetch (the manifest, its signature and every bundle it needs).
DEFAULT_TIMEOUT: Final = 10.0
#: Per file; a bundle is tens of kilobytes, a manifest less.
DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024
_SIGNATURE_MAX: Final = 4096
# What an ETag or Last-Modified may be to be sent back (printable ASCII, bounded): anything
# else is not used, rather than sent back into a header.
_VALIDATOR: Final = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
_LENGTH: Final = re.compile(r"[0-9]{1,19}")


#: The one signed file of the published layout (``marketctl publish``).
ENVELOPE: Final = "release.json"
#: The envelope's own format version (what ``"envelope"`` says).
ENVELOPE_FORMAT: Final = 1
_MAX_ENVELOPE_SIGNATURE: Final = 4096


def is_url(source: object) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def is_envelope(url: str) -> bool:
    """Whether ``url`` names a published envelope rather than a build directory."""
    return url.endswith("/" + ENVELOPE)


def url_file(path: str, name: str) -> str:
    """What a message about file ``name`` of the set at ``path`` names: the envelope itself
    holds the manifest and the signature."""
    return path if is_envelope(path) else path + name


@dataclass(frozen=True)
class Validators:
    """What the origin said identifies the manifest it sent (sent back to ask "changed?")."""

    etag: str | None = None
    last_modified: str | None = None
    # SHA-256 of an envelope's bytes: the same envelope again is unchanged, also from an
    # origin that sends neither ETag nor Last-Modified.
    sha256: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A set read over HTTP, verified against its manifest, with the manifest's validators."""

    bundle_set: BundleSet
    validators: Validators

    @property
    def etag(self) -> str | None:
        return self.validators.etag


class _Deadline:
    """The end of one fetch: when it passes, every connection opened for it is shut down, so a
    read blocked on a trickling origin returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # urllib closes the connection's socket object once the response holds the stream;
        # the descriptor stays open while the response reads, and shutting it down ends a
        # blocked read at once.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        """Stop the timer and wait for its thread (a fetch leaves no thread behind)."""
        self._timer.cancel()
        if self._timer is not threading.current_thread():
            self._timer.join()


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        refused = not newurl.startswith(("http://", "https://")) or (
            req.full_url.startswith("https://") and not newurl.startswith("https://")
        )
        if refused:
            fp.close()  # urllib closes it only after a redirect it follows
        if not newurl.startswith(("http://", "https://")):
            raise BundleError(req.full_url, f"redirected to {newurl[:200]}: not http(s), refused")
        if req.full_url.startswith("https://") and not newurl.startswith("https://"):
            raise BundleError(
                req.full_url, f"redirected to {newurl[:200]}: refused (https to http)"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """An opener whose connections the deadline can shut down."""

    def watched(base: type[http.client.HTTPConnection]) -> Callable[..., Any]:
        class Watched(base):  # type: ignore[valid-type,misc]
            def connect(self) -> None:
                super().connect()  # for https, the TLS socket once the handshake is done
                deadline.watch(self.sock)

        return Watched

    class _HTTP(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(watched(http.client.HTTPConnection), req)

    class _HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(
                watched(http.client.HTTPSConnection),
                req,
                context=self._context,  # type: ignore[attr-defined]
            )

    return urllib.request.build_opener(_Redirects(), _HTTP(), _HTTPS())


def _base(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BundleError(url, "not an http(s) URL of a bundle directory")
    if parts.query or parts.fragment:
        raise BundleError(url, "a bundle URL has no query or fragment: name the directory")
    return url if url.endswith("/") else url + "/"


class _Oversize(BundleError):
    """A body longer than the limit: for an immutable bundle, longer than it was declared."""


def _sane(value: str | None) -> str | None:
    return value if value is not None and _VALIDATOR.fullmatch(value) else None


def _get(
    opener: urllib.request.OpenerDirector,
    deadline: _Deadline,
    url: str,
    limit: int,
    validators: Validators | None = None,
    optional: bool = False,
) -> tuple[int, bytes, Validators]:
    """(status, body, validators). 304 gives an empty body; 404 of an optional file gives
    status 404. Anything else that is not a whole 200 answer within the limit and the deadline
    is a :class:`BundleError` naming ``url``."""
    conditional = validators is not None and (
        validators.etag is not None or validators.last_modified is not None
    )
    try:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if validators is not None and validators.etag is not None:
            request.add_header("If-None-Match", validators.etag)
        if validators is not None and validators.last_modified is not None:
            request.add_header("If-Modified-Since", validators.last_modified)
        with opener.open(request, timeout=deadline.remaining()) as response:
            if response.status != 200:
                raise BundleError(
                    url, f"HTTP {response.status} {response.reason[:80]}: expected 200 OK"
                )
            length = response.headers.get("Content-Length")
            declared = int(length) if length is not None and _LENGTH.fullmatch(length) else None
            if declared is not None and declared > limit:
                raise _Oversize(url, f"{declared} bytes, above the limit of {limit}")
            body = response.read(limit + 1)
            if deadline.expired:
                raise TimeoutError
            if len(body) > limit:
                raise _Oversize(url, f"more than {limit} bytes, above the limit")
            if declared is not None and len(body) != declared:
                raise BundleError(
                    url, f"{len(body)} bytes received, Content-Length said {declared} (cut off)"
                )
            return (
                200,
                body,
                Validators(
                    _sane(response.headers.get("ETag")),
                    _sane(response.headers.get("Last-Modified")),
                ),
            )
    except BundleError:
        raise
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 304:
            if not conditional:
                raise BundleError(
                    url, "HTTP 304 Not Modified to a request that was not conditional"
                ) from None
            return 304, b"", validators or Validators()
        if error.code == 404 and optional:
            return 404, b"", Validators()
        raise BundleError(url, f"HTTP {error.code} {str(error.reason)[:80]}") from None
    except Exception as error:
        if deadline.expired or isinstance(error, TimeoutError):
            raise BundleError(
                url, f"no complete answer within {deadline.seconds:g} s (the fetch's deadline)"
            ) from None
        if isinstance(error, urllib.error.URLError):
            raise BundleError(url, f"cannot fetch: {str(error.reason)[:200]}") from None
        # A reset connection, a malformed status line or header, IncompleteRead, a URL urllib
        # cannot use: the origin's fault or the URL's, never the service's crash.
        raise BundleError(url, f"cannot fetch: {type(error).__name__} {str(error)[:200]}") from None


def read_remote_set(
    url: str,
    *,
    validators: Validators | None = None,
    known: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    check_manifest: Callable[[BundleSet], object] | None = None,
    keep_bundle: Callable[[str, bytes], object] | None = None,
) -> Fetched | None:
    """Fetch and verify the set under ``url``; None when the origin says the manifest is still
    the one ``validators`` identify (304).

    ``check_manifest`` sees the set with its manifest and signature but no bundles yet, before
    any bundle is fetched (the environment and signature checks). ``known`` maps a SHA-256 to a
    bundle already held and verified (display, parsed): such bundles are reused instead of
    fetched. ``keep_bundle(sha256, bytes)`` is given each fetched bundle once verified (the
    disk copy). ``timeout`` is the deadline of the whole fetch.
    """
    if is_envelope(url):
        return _read_envelope_set(
            url, validators, known, timeout, max_bytes, check_manifest, keep_bundle
        )
    base = _base(url)
    manifest_url = base + MANIFEST
    deadline = _Deadline(timeout)
    opener = _opener(deadline)
    try:
        status, manifest_bytes, new_validators = _get(
            opener, deadline, manifest_url, max_bytes, validators
        )
        if status == 304:
            return None
        manifest = _parse(manifest_url, manifest_bytes)
        entries = _entries(manifest_url, manifest)
        signature_status, signature_bytes, _ = _get(
            opener, deadline, base + SIGNATURE, _SIGNATURE_MAX, optional=True
        )
        signature = signature_bytes if signature_status != 404 else None
        if check_manifest is not None:
            try:
                check_manifest(BundleSet(base, manifest, {}, manifest_bytes, signature))
            except BundleError as refused:
                # Refused for what it says (environment, signature), not for a transport
                # failure: the caller may ask "changed?" about this manifest next time.
                refused.validators = new_validators  # type: ignore[attr-defined]
                raise
        bundles: dict[str, tuple[str, dict[str, Any]]] = {}
        for code, (file, digest, size) in sorted(entries.items()):
            display = base + file
            held = (known or {}).get(digest)
            if held is not None:
                bundles[code] = (display, held[1])
                continue
            if size > max_bytes:
                raise BundleError(display, f"{size} bytes, above the limit of {max_bytes}")
            # Never more than the manifest declares: a longer answer is refused at its
            # Content-Length, or after size + 1 bytes.
            _, data, _ = _get(opener, deadline, display, size)
            bundles[code] = (display, _verify(display, code, data, digest, size))
            if keep_bundle is not None:
                keep_bundle(digest, data)
    finally:
        deadline.cancel()
    return Fetched(BundleSet(base, manifest, bundles, manifest_bytes, signature), new_validators)


def _envelope(url: str, data: bytes) -> tuple[bytes, bytes | None]:
    """The manifest's bytes and the signature's (None when unsigned) of an envelope."""
    document = _parse(url, data, max_depth=2, hint="publish it again with marketctl publish")
    if not isinstance(document, dict) or set(document) != {"envelope", "manifest", "signature"}:
        raise BundleError(
            url,
            "not an envelope marketctl publish wrote (an object of envelope, manifest and "
            "signature); publish it again with marketctl publish",
        )
    if document["envelope"] != ENVELOPE_FORMAT or type(document["envelope"]) is not int:
        raise BundleError(
            url,
            f"envelope format {json.dumps(document['envelope'])[:40]} is not supported by this "
            f"runtime (it reads {ENVELOPE_FORMAT}); upgrade marketctl in the service",
        )
    manifest, signature = document["manifest"], document["signature"]
    if not isinstance(manifest, str) or not (signature is None or isinstance(signature, str)):
        raise BundleError(url, "manifest must be a string and signature a string or null")
    try:
        signed = signature.encode("utf-8") if signature is not None else None
        return manifest.encode("utf-8"), signed
    except UnicodeEncodeError:
        problem = "a lone surrogate in the envelope: not what marketctl wrote"
        raise BundleError(url, problem) from None


def _read_envelope_set(
    url: str,
    validators: Validators | None,
    known: Mapping[str, tuple[str, dict[str, Any]]] | None,
    timeout: float,
    max_bytes: int,
    check_manifest: Callable[[BundleSet], object] | None,
    keep_bundle: Callable[[str, bytes], object] | None,
) -> Fetched | None:
    _base(url)  # the scheme, no query or fragment
    base = url[: -len(ENVELOPE)]
    deadline = _Deadline(timeout)
    opener = _opener(deadline)
    try:
        status, data, said = _get(opener, deadline, url, max_bytes, validators)
        if status == 304:
            return None
        digest = hashlib.sha256(data).hexdigest()
        if validators is not None and validators.sha256 == digest:
            return None  # the same envelope, from an origin without validators
        new_validators = Validators(said.etag, said.last_modified, digest)
        try:
            manifest_bytes, signature = _envelope(url, data)
            if signature is not None and len(signature) > _MAX_ENVELOPE_SIGNATURE:
                raise BundleError(url, "the signature is too large to be one")
            manifest = _parse(url, manifest_bytes)
            entries = _entries(url, manifest)
            if check_manifest is not None:
                check_manifest(BundleSet(url, manifest, {}, manifest_bytes, signature))
            bundles: dict[str, tuple[str, dict[str, Any]]] = {}
            for code, (_, sha256, size) in sorted(entries.items()):
                display = f"{base}{sha256}.json"
                held = (known or {}).get(sha256)
                if held is not None:
                    bundles[code] = (display, held[1])
                    continue
                if size > max_bytes:
                    raise BundleError(display, f"{size} bytes, above the limit of {max_bytes}")
                try:
                    _, body, _ = _get(opener, deadline, display, size)
                except _Oversize as error:
                    raise BundleError(error.file, error.problem) from None
                except BundleError as error:
                    error.transient = True  # type: ignore[attr-defined]
                    raise
                bundles[code] = (display, _verify(display, code, body, sha256, size))
                if keep_bundle is not None:
                    keep_bundle(sha256, body)
        except BundleError as refused:
            # What the envelope says, or a bundle that does not match it (bundles are named by
            # their content and never change): this release is refused for good, and later
            # polls only ask whether the envelope changed. A transport failure is tried again.
            if not getattr(refused, "transient", False):
                refused.validators = new_validators  # type: ignore[attr-defined]
            raise
    finally:
        deadline.cancel()
    return Fetched(BundleSet(url, manifest, bundles, manifest_bytes, signature), new_validators)
