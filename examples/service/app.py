"""A small backend service that answers market questions from verified bundles.

    python examples/service/app.py --bundles https://cdn.example.com/markets/production/ \
        --env production --trust release.pub --port 8080
    python examples/service/app.py --bundles dist --insecure --port 8080   # a local build

Loads the bundle set at start-up (every message compiled, so a bad set fails now, not on the
first request) and exits with status 1 and the problem on stderr when the set does not verify.
Then serves JSON over HTTP (see README.md): price, tax, message and feature decisions per market.
``kill -HUP`` reloads the bundles; a bad new set is refused and the running one kept.

Hostile input (issue 13): every bad request is a 400 in JSON (never a 500), a parameter an
endpoint does not use is refused, any method but GET is a 405 in JSON.

Hostile peers (issue 22): reloads run in a thread of their own (:class:`Reloads`); the SIGHUP
handler only writes a byte to a pipe, taking no lock a second signal could find held, and a burst
of any size while a reload runs makes one more. Connections are answered by a fixed pool of
threads (:class:`Server`): a request head is read without a thread, within 5 seconds, so half-open
and slow clients hold none, and at most 512 connections are open at once. The listen backlog is
1024, so bursts of clients are queued, not dropped.

Standard library only, besides :mod:`marketctl.runtime`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import re
import select
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marketctl import runtime

NAME = "marketctl-example-service"
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# No price or count needs more digits; longer numbers are refused before any arithmetic.
_MAX_DIGITS = 30
# Seconds a client has to start its request, and for each read and write after (issue 22).
REQUEST_TIMEOUT = 5.0


class RequestError(Exception):
    """A request the service refuses: status and message go to the client as JSON."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Query = Mapping[str, str]
Answer = dict[str, Any]


def _query(raw: str) -> dict[str, str]:
    try:
        parsed = parse_qs(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise RequestError(HTTPStatus.BAD_REQUEST, "the query string is not UTF-8") from None
    query: dict[str, str] = {}
    for name, values in parsed.items():
        if len(values) != 1:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"parameter '{name}' is given twice")
        query[name] = values[0]
    return query


def _required(query: Query, name: str) -> str:
    value = query.get(name)
    if not value:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"parameter '{name}' is required")
    return value


def _amount(text: str, name: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"parameter '{name}' must be a decimal amount such as 1299.00"
        )
    _short(text, name)
    return Decimal(text)


def _short(text: str, name: str) -> None:
    if sum(character.isdigit() for character in text) > _MAX_DIGITS:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"parameter '{name}' has more than {_MAX_DIGITS} digits"
        )


def _only(query: Query, *allowed: str) -> None:
    """Refuse a parameter the endpoint does not use: a typo (``ammount``) would otherwise be
    answered as if it had not been sent."""
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"unknown parameter '{unknown[0]}'; this endpoint takes "
            + (", ".join(allowed) if allowed else "no parameters"),
        )


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, "parameter 'on' must be a date such as 2026-01-01"
        ) from None


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            "parameter 'at' must be a time with its offset, such as 2027-01-20T00:00:00Z",
        ) from None
    if moment.tzinfo is None:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"parameter 'at' has no UTC offset ({text}): add Z or +09:00",
        )
    return moment


def _argument(name: str, text: str) -> object:
    """A message argument from the query string: integers and decimals become numbers."""
    if _DECIMAL.fullmatch(text):
        _short(text, name)
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return Decimal(text)
    return text


def price(market: runtime.Market, query: Query) -> Answer:
    _only(query, "amount", "locale")
    amount = _amount(_required(query, "amount"), "amount")
    locale = market.resolve_locale(query.get("locale"))
    return {
        "market": market.code,
        "locale": locale,
        "currency": market.currency,
        "amount": str(market.round_price(amount)),
        "formatted": market.format_price(amount, locale),
    }


def tax(market: runtime.Market, query: Query) -> Answer:
    _only(query, "kind", "region", "on", "net", "gross", "locale")
    if "net" in query and "gross" in query:
        raise RequestError(HTTPStatus.BAD_REQUEST, "give net or gross, not both")
    kind = query.get("kind", "standard")
    region = query.get("region")
    on = _day(query.get("on"))
    rate = market.tax_rate(kind, region=region, on=on)
    answer: Answer = {
        "market": market.code,
        "kind": kind,
        "region": region,
        "on": None if on is None else on.isoformat(),
        "rate": str(rate),
        "prices_include_tax": market.prices_include_tax,
    }
    if "locale" in query:  # the checkout's tax line, named and formatted from the bundle
        locale = market.resolve_locale(query["locale"])
        args = market.tax_message_arguments(locale, kind=kind, region=region, on=on)
        answer["locale"] = locale
        answer["line"] = market.message("checkout.tax_line", locale=locale, **args)
    if "net" in query:
        net = _amount(query["net"], "net")
        answer["net"] = str(market.round_price(net))
        answer["gross"] = str(market.gross_price(net, kind, region, on))
    elif "gross" in query:
        gross = _amount(query["gross"], "gross")
        answer["gross"] = str(market.round_price(gross))
        answer["net"] = str(market.net_price(gross, kind, region, on))
    return answer


def message(market: runtime.Market, query: Query) -> Answer:
    key = _required(query, "key")
    locale = market.resolve_locale(query.get("locale"))
    args = {
        name: _argument(name, value)
        for name, value in query.items()
        if name not in ("key", "locale")
    }
    unknown = sorted(set(args) - market.message_arguments(key, locale))
    if unknown:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"unknown parameter '{unknown[0]}': message '{key}' takes "
            + (", ".join(sorted(market.message_arguments(key, locale))) or "no arguments"),
        )
    return {
        "market": market.code,
        "key": key,
        "locale": locale,
        "text": market.format_message(key, args, locale),
    }


def feature(market: runtime.Market, query: Query) -> Answer:
    _only(query, "name", "unit", "at")
    name = _required(query, "name")
    unit = _required(query, "unit")
    at = _moment(query.get("at"))
    return {
        "market": market.code,
        "feature": name,
        "unit": unit,
        "at": None if at is None else at.isoformat(),
        "enabled": market.feature_enabled(name, unit, at),
        "percent": str(market.feature_percent(name, at)),
    }


ENDPOINTS: dict[str, Callable[[runtime.Market, Query], Answer]] = {
    "price": price,
    "tax": tax,
    "message": message,
    "feature": feature,
}


def answer(markets: runtime.Markets, target: str) -> tuple[HTTPStatus, Answer]:
    """The status and JSON body for a GET of ``target`` (path and query)."""
    parts = urlsplit(target)
    segments = [s for s in parts.path.split("/") if s]
    try:
        query = _query(parts.query)
        if segments in (["healthz"], ["markets"]):
            _only(query)
        if segments == ["healthz"]:
            return HTTPStatus.OK, {
                "status": "ok",
                "markets": sorted(markets),
                "source": dict(markets.source),
                "environment": markets.environment,
                "signed_by": markets.signed_by,
            }
        if segments == ["markets"]:
            return HTTPStatus.OK, {
                "markets": [
                    {
                        "code": market.code,
                        "name": market.name,
                        "currency": market.currency,
                        "locales": list(market.locales),
                    }
                    for market in markets.values()
                ]
            }
        if len(segments) == 3 and segments[0] == "markets" and segments[2] in ENDPOINTS:
            market = markets[segments[1]]
            return HTTPStatus.OK, ENDPOINTS[segments[2]](market, query)
        raise RequestError(HTTPStatus.NOT_FOUND, f"no such endpoint: {parts.path}")
    except RequestError as error:
        return error.status, _error(type(error).__name__, error.message)
    except runtime.RegionRequiredError as error:
        return HTTPStatus.BAD_REQUEST, _error(type(error).__name__, str(error))
    except (
        runtime.UnknownMarketError,
        runtime.UnknownLocaleError,
        runtime.UnknownMessageError,
        runtime.UnknownFeatureError,
        runtime.UnknownTaxError,
        runtime.NoRateInForceError,
    ) as error:
        return HTTPStatus.NOT_FOUND, _error(type(error).__name__, str(error))
    except (runtime.MessageError, ValueError, TypeError, ArithmeticError) as error:
        # ArithmeticError: decimal's InvalidOperation and friends on absurd numbers.
        return HTTPStatus.BAD_REQUEST, _error(type(error).__name__, str(error))


def _error(kind: str, message: str) -> Answer:
    return {"error": {"type": kind, "message": message}}


class Handler(BaseHTTPRequestHandler):
    server_version = NAME
    timeout = REQUEST_TIMEOUT  # each write (StreamRequestHandler.setup)

    def setup(self) -> None:
        # Server reads the request head before a thread takes the connection (issue 22): the
        # request is that connection and that head.
        connection, head = self.request
        self.request = connection
        super().setup()
        self.rfile = io.BytesIO(head)

    markets: runtime.Markets
    access_log = False

    def do_GET(self) -> None:
        try:
            status, body = answer(self.markets, self.path)
        except Exception as error:  # a bug: answer, and keep serving
            sys.stderr.write(f"{NAME}: internal error on {self.path}: {error!r}\n")
            status, body = HTTPStatus.INTERNAL_SERVER_ERROR, _error("InternalError", "internal")
        self._send(status, body)

    def _not_allowed(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _error("RequestError", f"method {self.command} is not allowed: only GET is supported"),
        )

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>; every method but GET gets the JSON 405 (not the
        # HTML 501 http.server sends for methods it has no handler for).
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed requests (a bad request line, oversized headers) answer in JSON too.
        status = HTTPStatus(code)
        self._send(status, _error("RequestError", message or status.phrase), close=True)

    def _send(self, status: HTTPStatus, body: Answer, close: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        if self.access_log:
            super().log_message(format, *args)


@dataclass
class _Arriving:
    """A connection whose request head is still arriving."""

    address: Any
    deadline: float
    head: bytearray = field(default_factory=bytearray)


class Server(HTTPServer):
    """Connections answered by a fixed pool of threads, so that no number of clients can make
    the service start threads without end, and no client can hold one (issue 22: closing 2,000
    half-open connections at once stopped it answering for 20 s).

    An accepted connection costs no thread while its request head (the request line and the
    headers, up to :attr:`max_head` bytes) arrives: this loop reads it as it comes, and hands
    it to a thread once it is whole. A client has :attr:`request_timeout` seconds for that;
    one that closes first, sends too much or runs out of time is closed. At most
    :attr:`max_connections` are open: past that, the one that has waited longest is closed.
    HTTP/1.0: one request per connection, and a GET has no body to read.
    """

    # socketserver's default backlog is 5: under 50 concurrent clients some connections were
    # refused (issue 13).
    request_queue_size = 1024
    workers = 16
    request_timeout = REQUEST_TIMEOUT
    max_connections = 512
    max_head = 65536

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.socket.setblocking(False)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="request")
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.socket, selectors.EVENT_READ)
        self._arriving: dict[socket.socket, _Arriving] = {}  # oldest first
        self._busy = 0
        self._busy_lock = threading.Lock()

    def serve(self) -> None:
        """Accept, read heads and hand them over until SystemExit (SIGTERM) or Ctrl-C."""
        try:
            while True:
                timeout = None
                if self._arriving:
                    first = next(iter(self._arriving.values()))
                    timeout = max(0.0, first.deadline - time.monotonic())
                for key, _ in self._selector.select(timeout):
                    if key.fileobj is self.socket:
                        self._accept()
                    elif key.fileobj in self._arriving:  # not closed by _accept meanwhile
                        self._read(key.fileobj)
                self._expire()
        finally:
            for connection in self._arriving:
                connection.close()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._selector.close()
            self.server_close()

    def _accept(self) -> None:
        for _ in range(64):  # a flood of connections still leaves time to answer
            try:
                connection, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of descriptors: make room, try again on the next turn
                self._close_oldest()
                return
            with self._busy_lock:
                busy = self._busy
            if len(self._arriving) + busy >= self.max_connections and not self._close_oldest():
                connection.close()
                continue
            connection.setblocking(False)
            self._arriving[connection] = _Arriving(address, time.monotonic() + self.request_timeout)
            self._selector.register(connection, selectors.EVENT_READ)

    def _read(self, connection: socket.socket) -> None:
        arriving = self._arriving[connection]
        try:
            data = connection.recv(self.max_head + 1 - len(arriving.head))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # closed (or reset) before its request was whole: nothing to answer
            self._close(connection)
            return
        arriving.head += data
        whole = b"\r\n\r\n" in arriving.head or b"\n\n" in arriving.head
        if not whole and len(arriving.head) <= self.max_head:
            return
        # Whole, or too long (the handler answers 431 or 414 from what it has).
        self._selector.unregister(connection)
        del self._arriving[connection]
        with self._busy_lock:
            self._busy += 1
        self._pool.submit(self._answer, connection, arriving)

    def _answer(self, connection: socket.socket, arriving: _Arriving) -> None:
        try:
            connection.setblocking(True)
            request: Any = (connection, bytes(arriving.head))  # Handler.setup takes it apart
            self.finish_request(request, arriving.address)
        except OSError:
            pass  # the client went away or timed out: nothing to answer
        except Exception as error:  # a bug: one line, and keep serving
            sys.stderr.write(f"{NAME}: internal error answering {arriving.address}: {error!r}\n")
        finally:
            self.shutdown_request(connection)
            with self._busy_lock:
                self._busy -= 1

    def _expire(self) -> None:
        now = time.monotonic()
        while self._arriving:
            connection, arriving = next(iter(self._arriving.items()))
            if arriving.deadline > now:
                return
            self._close(connection)

    def _close_oldest(self) -> bool:
        if not self._arriving:
            return False
        self._close(next(iter(self._arriving)))
        return True

    def _close(self, connection: socket.socket) -> None:
        self._selector.unregister(connection)
        del self._arriving[connection]
        connection.close()


class Reloads:
    """Reloads on a thread of their own, asked for by a signal handler through a pipe.

    The handler only writes a byte (never blocking: a full pipe already asks for a reload),
    so it takes no lock a second signal could find held (issue 22: a SIGHUP arriving inside
    the first one's ``Event.set()`` deadlocked the service). The thread reads every byte
    waiting before each reload: a burst of any size while a reload runs makes one more.
    """

    def __init__(self, markets: runtime.Markets) -> None:
        self.markets = markets
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def ask(self, signum: int = 0, frame: FrameType | None = None) -> None:
        """Ask for a reload; safe in a signal handler."""
        with suppress(BlockingIOError):
            os.write(self._write, b"\0")

    def start(self) -> None:
        threading.Thread(target=self._run, name="reloader", daemon=True).start()

    def _run(self) -> None:
        while True:
            select.select([self._read], [], [])
            with suppress(BlockingIOError):
                while os.read(self._read, 4096):
                    pass
            self._reload()

    def _reload(self) -> None:
        markets = self.markets
        try:
            markets.reload()
        except runtime.BundleError as error:
            sys.stderr.write(f"{NAME}: reload refused, still serving the previous set: {error}\n")
        except Exception as error:  # a bug in a reload must not stop the service
            sys.stderr.write(f"{NAME}: reload failed, still serving the previous set: {error!r}\n")
        else:
            sys.stderr.write(f"{NAME}: reloaded {', '.join(markets)} from {markets.path}\n")


def _bound_handler(markets: runtime.Markets, access_log: bool) -> type[Handler]:
    class BoundHandler(Handler):
        pass

    BoundHandler.markets = markets
    BoundHandler.access_log = access_log
    return BoundHandler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Market answers over HTTP, from bundles.")
    parser.add_argument(
        "--bundles",
        required=True,
        help="directory written by marketctl build, or the http(s) URL of a copy of it",
    )
    parser.add_argument(
        "--env", help="refuse a set not built for this environment (marketctl build --env)"
    )
    parser.add_argument(
        "--trust",
        action="append",
        type=pathlib.Path,
        metavar="PUBLIC_KEY",
        help="trust sets signed by this Ed25519 public key (PEM); repeat while rotating keys",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="load a set without --env and --trust (or unsigned in production) on purpose",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--access-log", action="store_true", help="log each request to stderr")
    options = parser.parse_args(argv)

    try:
        markets = runtime.load(
            options.bundles,
            env=options.env,
            trust=options.trust,
            insecure=options.insecure,
            precompile=True,
        )
    except runtime.BundleError as error:
        sys.stderr.write(f"{NAME}: cannot start: {error}\n")
        return 1

    try:
        server = Server((options.host, options.port), _bound_handler(markets, options.access_log))
    except OSError as error:
        sys.stderr.write(
            f"{NAME}: cannot listen on {options.host}:{options.port}: {error.strerror}\n"
        )
        return 1

    reloads = Reloads(markets)
    reloads.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, reloads.ask)
    signal.signal(signal.SIGTERM, stop)

    # The first line on stdout is the address: scripts and tests read the port from it.
    print(f"listening on http://{options.host}:{server.server_port}", flush=True)
    with suppress(KeyboardInterrupt):
        server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
