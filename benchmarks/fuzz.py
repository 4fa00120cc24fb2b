"""Fuzz validate, build and runtime.load with mutated real market files and bundles (issue 13).

    python benchmarks/fuzz.py --minutes 3 [--seed N]

Property-based (hypothesis): each case takes one of this repository's market files or built
bundles and mutates it (hostile scalars such as ``.nan``, ``1e-999999999``, ``"\\ud800"``,
aliases, deep nesting; byte flips, insertions and deletions; repeated lines). Then, in-process
(no process per case):

- repository cases: the mutated file replaces the original in an in-memory copy of markets/,
  which is loaded and validated; when validation finds no error, every market is compiled
  into a bundle and the bundles are read back through the runtime's verification;
- bundle cases: the mutated bundle is resealed (its manifest hash updated, as an attacker who
  can write both would) and the set loaded with ``runtime.load(precompile=True)``; a set that
  loads is asked for prices, tax and messages.

- cache cases (issue 22): the report cache of a repository, with one thing in it mutated (an
  entry's bytes or JSON, the unit store's findings resealed with the real key, or an entry, a
  folder or the cache itself replaced by a link to /dev/zero, to a folder outside, a FIFO, a
  folder, a 64 MiB sparse file or deep nesting); the unsealed ones are read back, the resealed
  findings brought up to date for the tree, and the others validated through the cache:
  the report must be byte for byte the one computed without the cache, and nothing may appear
  outside the repository;
- import cases (issue 22): an exported XLIFF or PO file of a locale, mutated (its texts, its
  declaration, its bytes), imported into a scratch copy of the repository: a result or an
  ``ExchangeError``, and the catalogues unchanged whenever the import refuses.

What counts as a crash: any exception other than a finding (validate), ``MarketctlError``
(build, import), ``BundleError`` (load), and the documented ``LookupError``/``ValueError``/
``TypeError`` of the runtime's calls; a cached report that differs from the uncached one; and
any Python warning, which would print on stderr. Crashes are grouped by signature (exception
type and the innermost marketctl frame). Prints, per target, cases per minute and its distinct
signatures, then each signature with one reproducing input; exit status 1 when there is one.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 25

HOSTILE_SCALARS = [
    ".nan",
    "-.inf",
    "1e-999999999",
    "1e+999999999",
    "9" * 400,
    '"\\ud800"',
    '"\\udfff x"',
    "!!python/object:os.system x",
    "*undefined",
    "&a [*a]",
    "[" * 80 + "]" * 80,
    "{" * 80 + "}" * 80,
    '"{n, spellout}"',
    '"{n, number, ::compact-short}"',
    '"{n, plural, one {#} other {# {m, select, a {x} other {y}}}}"',
    '"' + "{a}" * 300 + '"',
    "2026-02-30",
    "0x" + "f" * 40,
    "-0",
    "''",
    "~",
    "true",
    "<<: *x",
    "? [a, b]\n: c",
]


@dataclass
class Crash:
    signature: str
    detail: str
    example: str
    target: str = ""


class MemorySource:
    """markets/ in memory: the loading path reads it as it reads the working tree."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    @property
    def label(self) -> str:
        return "fuzz"

    def list_files(self, directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return sorted(path for path in self.files if path.startswith(prefix))

    def read(self, path: str) -> bytes:
        from marketctl.core.limits import MAX_FILE_BYTES, too_large

        data = self.files[path]
        if len(data) > MAX_FILE_BYTES:
            raise too_large(len(data))
        return data

    def escapes_root(self, path: str) -> bool:
        return False


def market_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "markets").rglob("*.yaml")):
        files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return files


def built_bundles(directory: Path) -> Path:
    from marketctl.testing import build_bundles

    scratch = directory / "config"
    shutil.copytree(ROOT / "markets", scratch / "markets")
    return build_bundles(directory / "dist", root=scratch)


class _Printed(Exception):
    """A Python warning: it would be printed on stderr beside the findings, so it counts."""

    def __init__(self, warning: warnings.WarningMessage) -> None:
        super().__init__(f"{warning.category.__name__}: {str(warning.message)[:300]}")
        self.where = f"{Path(warning.filename).name}:{warning.lineno}"


def _signature(error: BaseException) -> str:
    if isinstance(error, Mismatch):
        return f"mismatch: {error}"
    if isinstance(error, _Printed):
        return f"warning {str(error).split(':', 1)[0]} at {error.where}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "marketctl" in f.filename and "benchmarks" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    return f"{type(error).__name__} at {place}"


_PARSED: dict[tuple[str, bytes], Any] = {}


def _cached_load_document(path: str, raw: bytes) -> Any:
    """Unchanged files are parsed once per run: only the mutated one costs a parse."""
    from marketctl.core.documents import load_document

    key = (path, raw)
    if key not in _PARSED:
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = load_document(path, raw)
    return _PARSED[key]


def document_case(path: str, data: bytes) -> None:
    """Parse one mutated file through the limits: a finding or a document, never a crash."""
    from marketctl.core.documents import load_document

    load_document(path, data)


def repository_case(files: dict[str, bytes], path: str, data: bytes) -> None:
    """Validate (and, when clean, build and load) markets/ with ``path`` replaced by ``data``.
    Raises only on a crash."""
    from marketctl.checks.validation import validate_repository
    from marketctl.commands.build import compile_markets
    from marketctl.core.errors import MarketctlError
    from marketctl.repository import loading

    changed = dict(files)
    changed[path] = data
    original = loading.load_document
    loading.load_document = _cached_load_document
    try:
        repository = loading.load_repository(MemorySource(changed))  # type: ignore[arg-type]
    finally:
        loading.load_document = original
    codes = _reached(repository, path, data)
    report = validate_repository(repository, codes)
    if report.failed() or not codes:
        return
    try:
        compiled = compile_markets(repository, codes)
    except MarketctlError:
        return
    with tempfile.TemporaryDirectory() as scratch:
        _write_set(Path(scratch), {f"{c}.json": b for c, b in compiled.items()})
        _load_and_use(Path(scratch))


def _reached(repository: Any, path: str, data: bytes) -> list[str]:
    """The markets a mutated file is part of: its own market, or for a shared layer two of
    the markets it reaches (chosen by the content, so a case is reproducible). Validating all
    seventeen for every case would cost a second each; the shared file is checked the same."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] in repository.markets:
        return [parts[1]]
    codes = sorted(repository.markets)
    if not codes:
        return []
    start = int.from_bytes(hashlib.sha256(data).digest()[:4], "big") % len(codes)
    return sorted({codes[start], codes[(start + 7) % len(codes)]})


def _write_set(directory: Path, bundles: dict[str, bytes]) -> None:
    from marketctl import __version__

    entries = {}
    for name, data in bundles.items():
        (directory / name).write_bytes(data)
        entries[name.removesuffix(".json")] = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
    manifest = {
        "format": 1,
        "generator": {"name": "marketctl", "version": __version__, "cldr": "0", "tzdata": "0"},
        "source": {"commit": None, "dirty": None, "built_at": None},
        "bundles": entries,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def bundle_case(directory: Path, name: str, data: bytes) -> None:
    """Load a set of one bundle, ``name`` with content ``data``, sealed with a matching
    manifest (as an attacker who can write both would). Raises on a crash."""
    for stale in directory.glob("*.json"):
        stale.unlink()
    _write_set(directory, {name: data})
    _load_and_use(directory)


_EXPECTED_CALL_ERRORS = (LookupError, ValueError, TypeError)


def _load_and_use(directory: Path) -> None:
    from marketctl import runtime

    try:
        markets = runtime.load(directory, precompile=True, insecure=True)
    except runtime.BundleError:
        return
    for market in markets.values():
        calls: list[Callable[[], object]] = [
            lambda m=market: m.format_price(Decimal("1299.5")),  # type: ignore[misc]
            lambda m=market: m.format_price(10**20),  # type: ignore[misc]
            lambda m=market: m.tax_rate("standard", region=_a_region(m)),  # type: ignore[misc]
            lambda m=market: m.gross_price(Decimal("100"), region=_a_region(m)),  # type: ignore[misc]
            lambda m=market: m.message("checkout.total", amount=Decimal("12.5")),  # type: ignore[misc]
            lambda m=market: m.message("cart.items", count=3),  # type: ignore[misc]
            lambda m=market: [m.feature_enabled(f, "unit-1") for f in m.features],  # type: ignore[misc]
        ]
        for call in calls:
            try:
                call()
            except runtime.BundleError:
                pass  # found on first use: allowed (a broken part of a set not precompiled)
            except _EXPECTED_CALL_ERRORS:
                pass


def _a_region(market: Any) -> str | None:
    regions = market.data.get("tax", {}).get("regions") or {}
    return sorted(regions)[0] if isinstance(regions, dict) and regions else None


# --- mutations (hypothesis strategies) ------------------------------------------------------


def strategies(files: dict[str, bytes], bundles: dict[str, bytes]) -> Any:
    from hypothesis import strategies as st

    yaml_paths = sorted(files)

    def mutate_yaml(draw: Any) -> tuple[str, bytes]:
        path = draw(st.sampled_from(yaml_paths))
        lines = files[path].decode("utf-8").split("\n")
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["scalar", "bytes", "dup", "drop", "indent"]))
            index = draw(st.integers(0, max(len(lines) - 1, 0)))
            line = lines[index] if lines else ""
            if kind == "scalar" and ": " in line:
                key, _, _ = line.partition(": ")
                lines[index] = f"{key}: {draw(st.sampled_from(HOSTILE_SCALARS))}"
            elif kind == "scalar" and line.lstrip().startswith("- "):
                lead = line[: len(line) - len(line.lstrip())]
                lines[index] = f"{lead}- {draw(st.sampled_from(HOSTILE_SCALARS))}"
            elif kind == "dup":
                lines.insert(index, line)
            elif kind == "drop" and lines:
                del lines[index]
            elif kind == "indent":
                lines[index] = " " * draw(st.integers(0, 6)) + line.lstrip()
            else:
                raw = bytearray(line.encode("utf-8", "surrogateescape"))
                position = draw(st.integers(0, len(raw)))
                raw[position:position] = draw(st.binary(min_size=1, max_size=4))
                lines[index] = raw.decode("utf-8", "surrogateescape")
        text = "\n".join(lines)
        return path, text.encode("utf-8", "surrogateescape")

    def mutate_bundle(draw: Any) -> tuple[str, bytes]:
        name = draw(st.sampled_from(sorted(bundles)))
        document = json.loads(bundles[name])
        for _ in range(draw(st.integers(1, 3))):
            _mutate_json(document, draw)
        text = json.dumps(document, ensure_ascii=draw(st.booleans()))
        return name, text.encode("utf-8", "surrogatepass")  # a lone surrogate: invalid UTF-8

    return st.composite(mutate_yaml)(), st.composite(mutate_bundle)()


_JSON_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**6,
    10**30,
    1.5,
    "",
    "NaN",
    "1e999999",
    "2026-02-30",
    "-0.5",
    "9" * 60,
    "\ud800",
    "{n, plural, other {#}}",
    "{x, spellout}",
    [],
    {},
    [[[[[]]]]],
    {"other": "x"},
]


def _mutate_json(document: Any, draw: Any) -> None:
    from hypothesis import strategies as st

    node = document
    for _ in range(draw(st.integers(1, 7))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            child = node[key]
            if not isinstance(child, dict | list) or not child or draw(st.booleans()):
                choice = draw(st.integers(0, 9))
                if choice == 0:
                    del node[key]
                elif choice == 1:
                    node[key + "_x"] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                else:
                    node[key] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                return
            node = child
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            child = node[index]
            if not isinstance(child, dict | list) or not child or draw(st.booleans()):
                node[index] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                return
            node = child
        else:
            return


# --- the report cache (issue 22) -------------------------------------------------------------

REFERENCE_MARKETS = ("ca", "jp", "se")


class Mismatch(Exception):
    """A case that ended without an exception but not as it must (a cached report that is
    not the uncached one, a refused import that changed a catalogue)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def reference_copy(root: Path) -> Path:
    """markets/ with the shared folders and the reference markets only (as the tests have it)."""
    source = ROOT / "markets"

    def others(folder: str, names: list[str]) -> list[str]:
        if Path(folder) != source:
            return []
        return [n for n in names if not n.startswith("_") and n not in REFERENCE_MARKETS]

    shutil.copytree(source, root / "markets", ignore=others)
    return root


class CacheBench:
    """A repository with a report cache, the report computed without it, and the cache's
    bytes as the run wrote them: each case changes one thing, then everything is put back.

    The environment is the cache's own while the bench is open (``with``): this user's seal
    key in the scratch folder, and ``MARKETCTL_NO_CACHE`` (the test suite's) unset.
    """

    CACHE = ".marketctl-cache"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = reference_copy(directory / "config")
        self.outside = directory / "outside"
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> CacheBench:
        from marketctl.repository import cache

        for name, value in (
            ("XDG_CACHE_HOME", str(self.directory / "user-cache")),
            ("MARKETCTL_NO_CACHE", None),
        ):
            self._saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        cache._seal_key_and_note.cache_clear()
        if not hasattr(self, "expected"):
            self._prepare()
        return self

    def _prepare(self) -> None:
        from marketctl.commands.validating import validate_output

        self.expected = validate_output(self.root, (), "json", use_cache=False)
        validate_output(self.root, (), "json")
        base = self.root / self.CACHE
        self.pristine = {
            path.relative_to(base).as_posix(): path.read_bytes()
            for path in sorted(base.rglob("*"))
            if path.is_file()
        }
        (self.entry,) = [name for name in self.pristine if name.endswith(".json")]
        self.units = "v1/findings.units"
        self.key = json.loads(self.pristine[self.entry])["key"]

    def __exit__(self, *exc: object) -> None:
        from marketctl.repository import cache

        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        cache._seal_key_and_note.cache_clear()

    def restore(self) -> None:
        base = self.root / self.CACHE
        _remove(base)
        for name, data in self.pristine.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(data)
        _remove(self.outside)
        self.outside.mkdir()
        (self.outside / "file").write_bytes(b"outside\n")


def _remove(path: Path) -> None:
    """A folder and everything in it (FIFOs and links too, never followed)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


SHAPES = ("dev-zero", "link-outside", "link-outside-file", "fifo", "folder", "sparse", "deep")


def cache_case(bench: CacheBench, kind: str, where: str, data: bytes) -> None:
    """One damaged cache, read or used; raises on a crash or a Mismatch."""
    from marketctl.checks import incremental
    from marketctl.commands.validating import validate_output
    from marketctl.repository import cache
    from marketctl.repository.sources import WorktreeSource

    bench.restore()
    base = bench.root / bench.CACHE
    try:
        if kind == "entry":  # unsealed bytes where the report is: the report, or nothing
            (base / bench.entry).write_bytes(data)
            found = cache.ReportCache(bench.root).get(bench.key)
            trusted = found is not None and data != bench.pristine[bench.entry]
            if trusted and found != bench.expected:
                raise Mismatch("entry", "a damaged entry was trusted")
        elif kind == "units":  # unsealed bytes where the units are: ignored
            (base / bench.units).write_bytes(data)
            store = cache.UnitStore(bench.root, {"today": _today()})
            units = store.get()
            if units is not None and data != bench.pristine[bench.units]:
                pristine = json.loads(json.loads(bench.pristine[bench.units])["units"])
                if units != pristine:
                    raise Mismatch("units", "damaged units were trusted")
        elif kind == "resealed":  # units sealed with the real key: used, never a crash
            store = cache.UnitStore(bench.root, {"today": _today()})
            text = data.decode("utf-8", "surrogatepass")
            entry = {"key": store.key, "units": text, "seal": cache._seal(store.key, text)}
            (base / bench.units).write_text(json.dumps(entry), encoding="utf-8")
            units = store.get()
            tree = cache.tree_of(bench.root)
            if units is not None and tree is not None:
                incremental.update(WorktreeSource(bench.root), tree, units)
            (base / bench.entry).unlink()
            validate_output(bench.root, (), "json")
        else:  # a shape where a file or folder of the cache is
            target = base / where
            if where == bench.units:
                (base / bench.entry).unlink()  # so that the units are read
            _remove(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            _shape(target, kind, bench.outside)
            result = validate_output(bench.root, (), "json")
            if (result.output, result.code) != (bench.expected.output, bench.expected.code):
                raise Mismatch(f"{kind} at {where}", "the cached report is not the uncached one")
            if (
                sorted(p.name for p in bench.outside.iterdir()) != ["file"]
                or (bench.outside / "file").read_bytes() != b"outside\n"
            ):
                raise Mismatch(f"{kind} at {where}", "something was written outside")
    finally:
        bench.restore()


def _shape(target: Path, kind: str, outside: Path) -> None:
    if kind == "dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "link-outside":
        target.symlink_to(outside)
    elif kind == "link-outside-file":
        target.symlink_to(outside / "file")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "sparse":
        with open(target, "wb") as handle:
            handle.truncate(64 * 1024 * 1024)
    else:
        target.write_bytes(b"[" * 100_000 + b"]" * 100_000)


def _today() -> str:
    from marketctl.core.clock import today

    return today().isoformat()


def cache_strategy(bench: CacheBench) -> Any:
    from hypothesis import strategies as st

    def damaged(draw: Any) -> tuple[str, str, bytes]:
        kind = draw(st.sampled_from(["entry", "units", "resealed", "shape"]))
        if kind == "shape":
            where = draw(
                st.sampled_from(
                    [
                        bench.entry,
                        bench.units,
                        "v1",
                        bench.entry.split("/")[0] + "/" + bench.entry.split("/")[1],
                        ".gitignore",
                        "",
                    ]
                )
            )
            return draw(st.sampled_from(SHAPES)), where, b""
        if kind == "resealed":
            document = json.loads(json.loads(bench.pristine[bench.units])["units"])
            for _ in range(draw(st.integers(1, 3))):
                _mutate_json(document, draw)
            return kind, "", json.dumps(document).encode("utf-8", "surrogatepass")
        name = bench.entry if kind == "entry" else bench.units
        raw = bench.pristine[name]
        if draw(st.booleans()):
            document = json.loads(raw)
            for _ in range(draw(st.integers(1, 3))):
                _mutate_json(document, draw)
            return kind, "", json.dumps(document).encode("utf-8", "surrogatepass")
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 4))):
            position = draw(st.integers(0, len(data)))
            if draw(st.booleans()):
                data[position:position] = draw(st.binary(min_size=1, max_size=8))
            else:
                del data[position : position + draw(st.integers(1, 64))]
        return kind, "", bytes(data)

    return st.composite(damaged)()


# --- translation import (issue 22) -------------------------------------------------------------

IMPORT_TAGS = ("sv", "fr", "ja")
IMPORT_TEXTS = [
    "\x00",
    "a\x00b",
    "\x07bell",
    "\u202eevil",
    "\u2066x\u2069",
    "\ufeff",
    "{",
    "}",
    "'{'",
    "{n, plural, other {#}}",
    "{x, spellout}",
    "{price, number, currency}",
    "x" * 20_000,
    "\r\n",
    "]]>",
    "%s %(name)s",
    "",
    " ",
]
ENCODINGS = ["UTF-8", "utf-16", "UTF-16LE", "Shift_JIS", "UTF-7", "latin-1", "ascii", "bogus", ""]


class ImportBench:
    """A scratch repository and each reference locale exported as XLIFF and PO."""

    def __init__(self, directory: Path) -> None:
        from marketctl.commands.exchange import export_locale
        from marketctl.repository.loading import load_repository
        from marketctl.repository.sources import WorktreeSource

        self.root = reference_copy(directory / "config")
        self.incoming = directory / "incoming"
        self.incoming.mkdir()
        repository = load_repository(WorktreeSource(self.root))
        self.exported: dict[tuple[str, str], tuple[str, bytes]] = {}
        for tag in IMPORT_TAGS:
            for fmt in ("xliff", "po"):
                self.exported[tag, fmt] = export_locale(repository, tag, fmt, missing_only=False)
        self.catalogues = self._catalogues()

    def _catalogues(self) -> dict[Path, bytes]:
        return {
            path: path.read_bytes()
            for path in sorted((self.root / "markets").rglob("*"))
            if path.is_file()
        }

    def restore(self) -> None:
        for path, data in self.catalogues.items():
            if path.read_bytes() != data:
                path.write_bytes(data)


def import_case(bench: ImportBench, name: str, data: bytes) -> None:
    """Import one mutated exchange file; raises on a crash or a Mismatch."""
    from marketctl.commands.exchange import import_files
    from marketctl.core.errors import MarketctlError
    from marketctl.repository.sources import WorktreeSource

    path = bench.incoming / name
    path.write_bytes(data)
    try:
        try:
            result = import_files(WorktreeSource(bench.root), bench.root, [path])
        except MarketctlError:
            refused = True
        else:
            refused = result.refused
        if refused and bench._catalogues() != bench.catalogues:
            raise Mismatch("import", "a refused import changed a catalogue")
    finally:
        bench.restore()
        path.unlink()


def import_strategy(bench: ImportBench) -> Any:
    import re
    from xml.sax.saxutils import escape

    from hypothesis import strategies as st

    keys = sorted(bench.exported)

    def mutated(draw: Any) -> tuple[str, bytes]:
        tag, fmt = draw(st.sampled_from(keys))
        name, raw = bench.exported[tag, fmt]
        text = raw.decode("utf-8")
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["text", "text", "encoding", "plural", "bytes", "cut"]))
            if kind == "text":
                hostile = draw(st.sampled_from(IMPORT_TEXTS))
                if fmt == "xliff":
                    spans = [m.span(1) for m in re.finditer(r"<target>(.*?)</target>", text)]
                    value = escape(hostile) if draw(st.booleans()) else hostile
                else:
                    spans = [m.span(1) for m in re.finditer(r'msgstr "(.*)"', text)]
                    value = json.dumps(hostile, ensure_ascii=draw(st.booleans()))[1:-1]
                if spans:
                    start, end = spans[draw(st.integers(0, len(spans) - 1))]
                    text = text[:start] + value + text[end:]
            elif kind == "encoding":
                encoding = draw(st.sampled_from(ENCODINGS))
                if fmt == "xliff":
                    text = re.sub(r"encoding=[\"'][^\"']*[\"']", f'encoding="{encoding}"', text)
                else:
                    text = re.sub(r"charset=[^\\\"]*", f"charset={encoding}", text)
            elif kind == "plural" and fmt == "po":
                text = text.replace('msgstr "', 'msgid_plural "x"\nmsgstr[0] "', 1)
            elif kind == "cut":
                text = text[: draw(st.integers(0, len(text)))]
            else:
                position = draw(st.integers(0, len(text)))
                text = text[:position] + draw(st.text(max_size=4)) + text[position:]
        data = text.encode("utf-8", "surrogatepass")
        if draw(st.integers(0, 5)) == 0:
            data = text.encode(draw(st.sampled_from(["utf-16", "latin-1", "shift_jis"])), "replace")
        return name, data

    return st.composite(mutated)()


# --- the driver ------------------------------------------------------------------------------


# What each target fuzzes, for the report (the driver's lanes).
TARGETS = {
    "document": "one mutated market file through the limits",
    "repository": "load, validate, build when clean, runtime.load",
    "bundle": "resealed, runtime.load with precompile, calls",
    "cache": "a damaged .marketctl-cache read or used by validate",
    "import": "a mutated XLIFF or PO imported",
}


def run(
    seconds: float,
    seed: int | None = None,
    report: Callable[[str], None] = print,
    targets: tuple[str, ...] | None = None,
) -> dict[str, Crash]:
    """Fuzz ``targets`` (default: all of TARGETS; document and repository share one slot) for
    about ``seconds`` in all; the distinct crashes by signature."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException

    files = market_files()
    crashes: dict[str, Crash] = {}
    counts = dict.fromkeys(TARGETS, 0)
    chosen = TARGETS if targets is None else targets
    with tempfile.TemporaryDirectory() as scratch:
        dist = built_bundles(Path(scratch))
        bundle_names = sorted(p.name for p in dist.glob("*.json") if p.name != "manifest.json")
        bundles = {name: (dist / name).read_bytes() for name in bundle_names}
        yaml_cases, bundle_cases = strategies(files, bundles)
        single = Path(scratch) / "single"
        single.mkdir()

        def record(kind: str, example: str, error: BaseException) -> None:
            signature = _signature(error)
            if signature not in crashes:
                crashes[signature] = Crash(
                    signature, "".join(traceback.format_exception(error))[-2000:], example, kind
                )
                report(f"new crash signature ({kind}): {signature}")

        batch = settings(
            max_examples=BATCH,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )

        @batch
        @given(st.tuples(yaml_cases, st.integers(0, 3)))
        def fuzz_repository(case: tuple[tuple[str, bytes], int]) -> None:
            (path, data), choice = case
            # Parsing through the limits is cheap; a whole validate + build + load costs
            # about a hundred parses, so one case in four goes the whole way.
            whole = choice == 0
            lane = "repository" if whole else "document"
            counts[lane] += 1
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    if whole:
                        repository_case(files, path, data)
                    else:
                        document_case(path, data)
                except Exception as error:
                    record(lane, f"{path}: {data[:300]!r}", error)
            for warning in printed:
                record(lane, f"{path}: {data[:300]!r}", _Printed(warning))

        @batch
        @given(bundle_cases)
        def fuzz_bundles(case: tuple[str, bytes]) -> None:
            counts["bundle"] += 1
            name, data = case
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    bundle_case(single, name, data)
                except Exception as error:
                    record("bundle", f"{name}: {data[:300]!r}", error)
            for warning in printed:
                record("bundle", f"{name}: {data[:300]!r}", _Printed(warning))

        cache_bench = CacheBench(Path(scratch) / "cache")
        import_bench = ImportBench(Path(scratch) / "import") if "import" in chosen else None

        def fuzz_cache() -> None:
            with cache_bench:
                _fuzz_cache()

        @batch
        @given(st.deferred(lambda: cache_strategy(cache_bench)))
        def _fuzz_cache(case: tuple[str, str, bytes]) -> None:
            counts["cache"] += 1
            kind, where, data = case
            example = f"{kind} at {where or '.marketctl-cache'}: {data[:300]!r}"
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    cache_case(cache_bench, kind, where, data)
                except Exception as error:
                    record("cache", example, error)
            for warning in printed:
                record("cache", example, _Printed(warning))

        @batch
        @given(st.deferred(lambda: import_strategy(import_bench)))  # type: ignore[arg-type]
        def fuzz_import(case: tuple[str, bytes]) -> None:
            counts["import"] += 1
            name, data = case
            assert import_bench is not None
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    import_case(import_bench, name, data)
                except Exception as error:
                    record("import", f"{name}: {data[:300]!r}", error)
            for warning in printed:
                record("import", f"{name}: {data[:300]!r}", _Printed(warning))

        slots: list[tuple[tuple[str, ...], Callable[[], None]]] = [
            (("document", "repository"), fuzz_repository),
            (("bundle",), fuzz_bundles),
            (("cache",), fuzz_cache),
            (("import",), fuzz_import),
        ]
        slots = [(lanes, test) for lanes, test in slots if set(lanes) & set(chosen)]
        spent: dict[str, float] = {}
        started = time.monotonic()
        runs = 0
        for index, (lanes, test) in enumerate(slots, start=1):
            # Batches of BATCH examples, each a fresh hypothesis run (new random choices),
            # until the slot's time is up.
            begun = time.monotonic()
            until = started + seconds * index / len(slots)
            while time.monotonic() < until:
                runs += 1
                run_test = test if seed is None else fixed_seed(seed + runs)(test)
                try:
                    run_test()
                except HypothesisException as error:  # pragma: no cover - reported
                    report(f"hypothesis stopped: {error}")
            for lane in lanes:
                spent[lane] = time.monotonic() - begun
        elapsed = time.monotonic() - started
    for lane in chosen:
        found = sorted(c.signature for c in crashes.values() if c.target == lane)
        minutes = max(spent.get(lane, 0.0), 1e-9) / 60
        report(
            f"{lane}: {counts[lane]} cases, {counts[lane] / minutes:.0f} per minute, "
            f"{len(found)} crash signatures ({TARGETS[lane]})"
            + "".join(f"\n  - {signature}" for signature in found)
        )
    total = sum(counts.values())
    report(
        f"{total} cases in {elapsed:.0f} s ({total / elapsed:.1f} cases/s, "
        f"{total / elapsed * 60:.0f} per minute)"
    )
    report(f"distinct crash signatures: {len(crashes)}")
    for crash in crashes.values():
        report(f"- {crash.signature}\n  example: {crash.example}\n{crash.detail}")
    return crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(TARGETS),
        help="fuzz only this target (repeat for more; default: all)",
    )
    options = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    os.environ.setdefault("MARKETCTL_FUZZ", "1")
    crashes = run(
        options.minutes * 60,
        options.seed,
        targets=tuple(options.target) if options.target else None,
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
