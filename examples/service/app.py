"""A small backend service that answers market questions from verified bundles.

    python examples/service/app.py --bundles dist --port 8080
    python examples/service/app.py --bundles https://cdn.example.com/markets/staging/ \
        --env staging --trust release.pub --port 8080

Loads the bundle set at start-up (every message compiled, so a bad set fails now, not on the
first request) and exits with status 1 and the problem on stderr when the set does not verify.
Then serves JSON over HTTP (see README.md): price, tax, message and feature decisions per market.
``kill -HUP`` reloads the bundles; a bad new set is refused and the running one kept.

Hostile input (issue 13): every bad request is a 400 in JSON (never a 500), a parameter an
endpoint does not use is refused, any method but GET is a 405 in JSON. Reloads run in a thread
of their own, never inside the signal handler (a second SIGHUP while the first reload held its
lock once hung the process): SIGHUPs only wake that thread, and several in a row make one reload.
The listen backlog is 128, so bursts of clients are queued, not dropped.

Standard library only, besides :mod:`marketctl.runtime`.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marketctl import runtime

NAME = "marketctl-example-service"
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# No price or count needs more digits; longer numbers are refused before any arithmetic.
_MAX_DIGITS = 30


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


class Server(ThreadingHTTPServer):
    # socketserver's default backlog is 5: under 50 concurrent clients some connections were
    # refused (issue 13).
    request_queue_size = 128
    daemon_threads = True


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
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--access-log", action="store_true", help="log each request to stderr")
    options = parser.parse_args(argv)

    try:
        markets = runtime.load(
            options.bundles, env=options.env, trust=options.trust, precompile=True
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

    wanted = threading.Event()

    def reloader() -> None:
        """Reloads run here, never in the signal handler: the handler only sets the event, so a
        second SIGHUP during a reload can neither deadlock on the reload lock nor be lost (it
        makes one more reload after this one)."""
        while True:
            wanted.wait()
            wanted.clear()
            try:
                markets.reload()
            except runtime.BundleError as error:
                sys.stderr.write(
                    f"{NAME}: reload refused, still serving the previous set: {error}\n"
                )
            except Exception as error:  # a bug in a reload must not stop the service
                sys.stderr.write(
                    f"{NAME}: reload failed, still serving the previous set: {error!r}\n"
                )
            else:
                sys.stderr.write(f"{NAME}: reloaded {', '.join(markets)} from {markets.path}\n")

    threading.Thread(target=reloader, name="reloader", daemon=True).start()

    def reload(signum: int, frame: FrameType | None) -> None:
        wanted.set()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGTERM, stop)

    # The first line on stdout is the address: scripts and tests read the port from it.
    print(f"listening on http://{options.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
