"""How validate and build grow with the size of a repository (issue 11).

    python benchmarks/scale.py                      # the default sizes, a few minutes on 2 cores
    python benchmarks/scale.py --sizes 17x1000,100x1000 --runs 5
    python benchmarks/scale.py --sizes 3x100,100x5000 --features 1000
    python benchmarks/scale.py --keep /tmp/scale    # keep the generated repositories

Each size ``NxK`` is a synthetic repository with N markets and K source message keys (and
``--features F`` feature flags, each rolled out in every market and at 100 % in staging), made
by cloning the shipped markets: the first N shipped markets stay (ca, jp and se first; up to all
17), and every further market is a new market in another country, speaking one of the shipped
catalogues' languages with that country's own locale (``en-NG``, ``fr-SN``, ``es-MX``),
currency (CLDR's tender) and time zone (tzdata's zone.tab); countries whose statutory tax rate
marketctl reviews are left out (the clones carry Japan's tax history). Every source key is a
copy of a shipped one with its own text (``Refurbished 12``), translated in every catalogue with a
text of that catalogue's own (``Refurbished 12-3``), so each text is really parsed, as in real
catalogues, where two catalogues rarely share a text. The generated repositories validate
without errors; the script checks that before it times them.

For each size, in the same run and on the same bytes, it times (median of ``--runs`` cold
processes): ``marketctl validate``, ``marketctl build``, and the parse-only baseline, libyaml
(PyYAML's ``CSafeLoader``) loading every YAML file of markets/. The three run in rounds, one of
each per round, and a ratio is the median of the rounds' ratios: this machine's speed drifts by
a third over tens of seconds, and three blocks of five runs each measured different machines.
It prints the wall and the CPU ratios (CPU: user + system time of the process and its
children), the peak memory of each command (the process and all its workers together: the sum of
their proportional set sizes, polled), the fitted growth exponent of validate and build time in
bytes (least squares on log time over log bytes), and one line per target of the issue with its
figure. Countries with a CLDR locale in one of the shipped catalogues' languages limit N to 171:
there are 249 ISO countries in all, so the issue's 250 markets cannot be generated, and peak memory
per market is measured at the largest N instead.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKETS = ROOT / "markets"
DEFAULT_SIZES = "3x100,3x1000,17x1000,50x1000"
SCHEMA_LINE = "# yaml-language-server: $schema={}\n"
# The languages a clone may speak: it gets the shipped catalogue of its language, whose plural and
# ordinal categories are the ones its locale has (English: the source texts).
LANGUAGES = ("en", "fr", "sv", "es", "pt", "de", "nl", "it", "el", "fi", "sk")
# The shipped markets a synthetic repository keeps, in this order, before it adds clones.
REAL_ORDER = (
    "ca",
    "jp",
    "se",
    "de",
    "fr",
    "gb",
    "us",
    "it",
    "es",
    "nl",
    "be",
    "at",
    "ie",
    "fi",
    "pt",
    "gr",
    "sk",
)

PARSE_ONLY = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob('*.yaml')):
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""


# --- generating ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clone:
    country: str
    language: str
    currency: str
    zone: str


def _zones() -> dict[str, str]:
    """The first zone.tab zone of each country (tzdata package, the one marketctl pins)."""
    import tzdata

    table = Path(tzdata.__file__).parent / "zoneinfo" / "zone.tab"
    zones: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        codes, _, zone = line.split("\t")[:3]
        for code in codes.split(","):
            zones.setdefault(code, zone)
    return zones


def clones() -> list[Clone]:
    """Countries a shipped market can be cloned to, in a fixed order."""
    import babel.localedata
    from babel.languages import get_territory_language_info
    from babel.numbers import get_territory_currencies

    from marketctl.reference import iso
    from marketctl.reference.consumer_law import tax_law

    identifiers = set(babel.localedata.locale_identifiers())
    zones = _zones()
    found: list[Clone] = []
    for country in sorted(zones):
        if country.lower() in REAL_ORDER or iso.country(country) is None:
            continue
        if tax_law().standard_rate(country):
            continue
        spoken = get_territory_language_info(country)
        language = next(
            (lang for lang in LANGUAGES if f"{lang}_{country}" in identifiers and lang in spoken),
            None,
        )
        if language is None:
            continue
        currencies = get_territory_currencies(country, tender=True)
        if not currencies or iso.currency_name(currencies[0]) is None:
            continue
        found.append(Clone(country, language, currencies[0], zones[country]))
    return found


def _schema(path: str, kind: str) -> str:
    return SCHEMA_LINE.format(os.path.relpath(f"schemas/{kind}.schema.json", os.path.dirname(path)))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _variant(text: str, index: int) -> str:
    """A text of its own for copy ``index`` (copy 0 is the shipped text)."""
    return text if index == 0 else f"{text} {index}"


def _read_catalogue(path: Path) -> dict[str, str]:
    import yaml

    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return {key: value for key, value in data.items() if isinstance(value, str)}


def generate(target: Path, markets: int, keys: int, features: int) -> tuple[int, int]:
    """Write a repository; returns (markets, bytes of YAML under markets/)."""
    import yaml

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "schemas", target / "schemas")
    shutil.copytree(MARKETS, target / "markets")
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    out = target / "markets"

    source = yaml.load(
        (MARKETS / "_defaults/messages/en.yaml").read_text("utf-8"), yaml.CSafeLoader
    )
    shipped = list(source)
    copies = max(1, math.ceil(keys / len(shipped)))
    order = [(index, key) for index in range(copies) for key in shipped][: max(keys, 1)]

    def key_of(index: int, key: str) -> str:
        return key if index == 0 else f"{key}.v{index}"

    path = "markets/_defaults/messages/en.yaml"
    lines = [_schema(path, "catalogue")]
    for index, key in order:
        entry = source[key]
        lines.append(
            f"{key_of(index, key)}:\n  message: {_quote(_variant(entry['message'], index))}\n"
        )
        for field, value in entry.items():
            if field == "message" or (field == "max_length" and index > 0):
                continue
            written = _quote(value) if isinstance(value, str) else str(value).lower()
            lines.append(f"  {field}: {written}\n")
    (out / "_defaults/messages/en.yaml").write_text("".join(lines), "utf-8")

    texts = {
        language: _read_catalogue(MARKETS / f"_defaults/messages/{language}.yaml")
        for language in LANGUAGES
        if language != "en"
    }
    texts["en"] = {key: source[key]["message"] for key in shipped}

    made_catalogues: list[str] = []

    def catalogue(path: str, known: dict[str, str]) -> None:
        """A translation catalogue with every copy of the keys ``known`` translates, each copy's
        text its own in this catalogue (``Refurbished 12-3``: copy 12 in catalogue 3), as real
        catalogues' texts are: the same text in two catalogues is parsed once."""
        made_catalogues.append(path)
        mark = f"-{len(made_catalogues)}"
        written = [_schema(path, "messages")]
        for index, key in order:
            if key in known:
                text = _variant(known[key], index) + (mark if index else "")
                written.append(f"{key_of(index, key)}: {_quote(text)}\n")
        (target / path).write_text("".join(written), "utf-8")

    # The real markets kept (the reference three first), the others removed; every translation
    # catalogue left (shared ones and market overrides) grows to the K keys it translates.
    kept = [code for code in REAL_ORDER if (out / code).is_dir()][: max(1, markets)]
    for directory in sorted(out.iterdir()):
        if not directory.name.startswith(("_", ".")) and directory.name not in kept:
            shutil.rmtree(directory)
    for found in sorted(out.rglob("messages/*.yaml")):
        relative = found.relative_to(target).as_posix()
        if relative != "markets/_defaults/messages/en.yaml":
            catalogue(relative, _read_catalogue(found))

    flags = [f"bench_feature_{number:05d}" for number in range(max(0, features - 6))]
    if flags:
        with (out / "_defaults/features.yaml").open("a", encoding="utf-8") as handle:
            for flag in flags:
                handle.write(
                    f"  {flag}:\n    owner: team-bench\n    description: Benchmark flag.\n"
                )

    def rollout(directory: Path) -> None:
        if not flags:
            return
        with (directory / "rollout.yaml").open("a", encoding="utf-8") as handle:
            for flag in flags:
                handle.write(f"  {flag}:\n    - {{at: 2026-12-01T09:00, percent: 10}}\n")

    for real in kept:
        rollout(out / real)
    if flags:
        # Staging runs every feature at 100 % in every market, as the shipped staging does.
        with (out / "_environments/staging.yaml").open("a", encoding="utf-8") as handle:
            for flag in flags:
                handle.write(f"  {flag}: [{{at: 2026-11-01T00:00, percent: 100}}]\n")

    made = len(kept)
    for clone in clones()[: max(0, markets - made)]:
        code = clone.country.lower()
        directory = out / code
        directory.mkdir()
        for name in ("tax.yaml", "warranty.yaml", "rollout.yaml"):
            # Japan's law files: no region layer, no subdivisions.
            text = (out / "jp" / name).read_text("utf-8")
            if name == "rollout.yaml":
                text = re.sub(r"Times are \S+", f"Times are {clone.zone}", text)
            if name == "tax.yaml":  # the checkout names the tax in the clone's language too
                own = f'national: {{ja: "消費税", {clone.language}: "Tax"}}'
                text = text.replace('national: {ja: "消費税"}', own)
            (directory / name).write_text(text, "utf-8")
        locale = f"{clone.language}-{clone.country}"
        head = _schema(f"markets/{code}/market.yaml", "market").rstrip("\n")
        market_lines = [
            head,
            f"country: {clone.country}",
            f"name: Market {clone.country}",
            "status: live",
            "launch_date: 2025-03-01",
            f"currency: {clone.currency}",
            f"locales: [{locale}]",
            f"timezones: [{clone.zone}]",
        ]
        (directory / "market.yaml").write_text("\n".join(market_lines) + "\n", "utf-8")
        (directory / "messages").mkdir()
        catalogue(f"markets/{code}/messages/{locale}.yaml", texts[clone.language])
        made += 1
    size = sum(path.stat().st_size for path in out.rglob("*.yaml"))
    return made, size


# --- timing -------------------------------------------------------------------------------------


def _marketctl() -> str:
    found = Path(sys.executable).with_name("marketctl")
    return str(found) if found.exists() else shutil.which("marketctl") or "marketctl"


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _memory_of(pid: int) -> int:
    """The proportional set size of one process in bytes: its resident pages, each page shared
    with other processes (a forked worker's, its parent's) divided among them. Its RSS where the
    kernel does not say (no smaps_rollup)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    with open(f"/proc/{pid}/statm", "rb") as handle:
        return int(handle.read().split()[1]) * _PAGE


def _tree_memory(pid: int) -> int:
    """The memory of ``pid`` and all its descendants together, in bytes (Linux /proc; 0 where
    there is none): the sum of their proportional set sizes, so that the pages forked workers
    share with their parent count once."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += _memory_of(current)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", "rb") as handle:
                    pending += [int(child) for child in handle.read().split()]
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return total


class _Sampler(threading.Thread):
    """Polls the memory of a process tree until the process ends; ``peak`` is the most."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        last = 0
        while not self.done.wait(0.01):
            now = _tree_memory(self.pid)
            # Two samples in a row: a process forked between reading its parent and reading it
            # (to run a program: ldconfig, git) counts its parent's pages twice for one sample.
            self.peak = max(self.peak, min(last, now))
            last = now


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, int, int, str]:
    """Wall seconds, CPU seconds (the process and its children), peak memory in bytes (of the
    process and its children together, polled every 10 ms, and at least the largest single
    process's peak RSS), exit code and output of one cold process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    sampler = _Sampler(process.pid)
    sampler.start()
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    sampler.done.set()  # the output is closed: the process is ending
    sampler.join()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, max(sampler.peak, usage.ru_maxrss * 1024), process.returncode, output


@dataclass
class Timing:
    seconds: float
    cpu: float
    rss: int
    rounds: tuple[tuple[float, float], ...] = ()  # (wall, CPU) of each run, in order


def timed(command: list[str], cwd: Path, runs: int, check: bool = True) -> Timing:
    return timed_together([command], cwd, runs, check)[0]


def timed_together(
    commands: list[list[str]], cwd: Path | list[Path], runs: int, check: bool = True
) -> list[Timing]:
    """Each command ``runs`` times (in ``cwd``, or each in its own), in rounds: every round
    runs each command once, starting with a different one, so that a slow spell of the machine
    falls on all of them alike."""
    folders = cwd if isinstance(cwd, list) else [cwd] * len(commands)
    rounds: list[list[tuple[float, float]]] = [[] for _ in commands]
    peaks = [0] * len(commands)
    for number in range(runs):
        for offset in range(len(commands)):
            index = (number + offset) % len(commands)
            elapsed, cpu, rss, code, output = run(commands[index], folders[index])
            if check and code != 0:
                command = " ".join(commands[index])
                sys.exit(f"{command} failed ({code}) in {folders[index]}:\n{output[-3000:]}")
            rounds[index].append((elapsed, cpu))
            peaks[index] = max(peaks[index], rss)
    return [
        Timing(
            statistics.median(wall for wall, _ in found),
            statistics.median(cpu for _, cpu in found),
            peak,
            tuple(found),
        )
        for found, peak in zip(rounds, peaks, strict=True)
    ]


def ratio(timing: Timing, baseline: Timing, cpu: bool = False) -> float:
    """The median over rounds of each round's ratio (both timed in the same round)."""
    part = 1 if cpu else 0
    return statistics.median(
        mine[part] / theirs[part]
        for mine, theirs in zip(timing.rounds, baseline.rounds, strict=True)
    )


@dataclass
class Row:
    size: str
    markets: int
    keys: int
    bytes: int
    validate: Timing
    build: Timing
    parse: Timing


def _fit(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log y over log x."""
    if len(points) < 2:
        return None
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def _mb(value: int) -> str:
    return f"{value / 1e6:.1f} MB"


def measure(size: str, base: Path, runs: int, features: int, extra: list[str]) -> Row:
    markets, keys = (int(part) for part in size.lower().split("x"))
    target = base / f"repo-{markets}x{keys}x{features}"
    made, total = generate(target, markets, keys, features)
    marketctl = _marketctl()
    # Warm the disk cache and check the repository is valid before timing it.
    _, _, _, code, output = run([marketctl, "validate", "--no-cache", *extra], target)
    if code != 0:
        sys.exit(f"the generated repository {target} does not validate:\n{output[-3000:]}")
    # Cold means computed: the report cache would answer runs 2 to 5 otherwise.
    parse, validate, build = timed_together(
        [
            [sys.executable, "-c", PARSE_ONLY, str(target / "markets")],
            [marketctl, "validate", "--no-cache", *extra],
            [marketctl, "build", "-o", str(target / "dist")],
        ],
        target,
        runs,
    )
    return Row(size, made, keys, total, validate, build, parse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--features", type=int, default=6, help="feature flags (6 shipped)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the repositories here and keep them")
    parser.add_argument("--rerun", default="", help="NxK: also time no-change / one-file reruns")
    parser.add_argument("--small", action="store_true", help="also time the shipped markets")
    arguments = parser.parse_args()
    sizes = [size for size in arguments.sizes.split(",") if size]

    base = arguments.keep or Path(tempfile.mkdtemp(prefix="marketctl-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    header = (
        f"{'markets x keys':>15} {'YAML':>9} {'validate':>9} {'build':>9} {'parse':>8} "
        f"{'val/parse':>9} {'build/parse':>11} {'cpu v/p':>8} {'cpu b/p':>8} "
        f"{'mem val':>9} {'mem build':>9}"
    )
    print(f"runs: {arguments.runs} cold processes each (median wall time; 'cpu' ratios use the")
    print(f"median user+sys CPU time of the same runs); features: {arguments.features}")
    print(header)
    try:
        for size in sizes:
            row = measure(size, base, arguments.runs, arguments.features, [])
            rows.append(row)
            print(
                f"{f'{row.markets} x {row.keys}':>15} {_mb(row.bytes):>9} "
                f"{row.validate.seconds:>8.2f}s {row.build.seconds:>8.2f}s "
                f"{row.parse.seconds:>7.2f}s {ratio(row.validate, row.parse):>8.1f}x "
                f"{ratio(row.build, row.parse):>10.1f}x "
                f"{ratio(row.validate, row.parse, cpu=True):>7.1f}x "
                f"{ratio(row.build, row.parse, cpu=True):>7.1f}x "
                f"{_mb(row.validate.rss):>9} {_mb(row.build.rss):>9}",
                flush=True,
            )
        report(rows, arguments, base)
    finally:
        if arguments.keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(rows: list[Row], arguments: argparse.Namespace, base: Path) -> None:
    print()
    fit_validate = _fit([(row.bytes, row.validate.seconds) for row in rows])
    fit_build = _fit([(row.bytes, row.build.seconds) for row in rows])
    span = f"{rows[0].size} .. {rows[-1].size}" if rows else "-"
    print(
        f"growth exponent in bytes ({span}): validate {_exp(fit_validate)}, build {_exp(fit_build)}"
        " (target <= 1.1 from 3x100 to 100x5000)"
    )
    if len(rows) >= 2:
        # The fit over all sizes is pulled down by the fixed start-up cost of small runs; the
        # slope between the two largest sizes is the growth that is left.
        last = rows[-2:]
        validate_tail = _fit([(row.bytes, row.validate.seconds) for row in last])
        build_tail = _fit([(row.bytes, row.build.seconds) for row in last])
        cpu_tail = _fit([(row.bytes, row.validate.cpu) for row in last])
        print(
            f"growth exponent between the two largest ({last[0].size} .. {last[1].size}): "
            f"validate {_exp(validate_tail)} (CPU {_exp(cpu_tail)}), build {_exp(build_tail)}"
        )
    for row in rows:
        if row.size in ("17x1000", "100x1000"):
            found = ratio(row.validate, row.parse)
            print(f"target validate/parse at {row.size} <= 4x: {found:.1f}x")
            found = ratio(row.build, row.parse)
            print(f"target build/parse at {row.size} <= 6x: {found:.1f}x")
    _memory(rows)
    if arguments.rerun:
        rerun(arguments.rerun, base, arguments.runs, arguments.features)
    if arguments.small:
        small(base, arguments.runs)


def small(base: Path, runs: int) -> None:
    """The shipped markets cold: the three reference markets the issue was measured on (jp,
    ca, se with the shipped catalogues, alone in a repository), all 17, and ``--help``."""
    import yaml

    marketctl = _marketctl()
    source = yaml.load((MARKETS / "_defaults/messages/en.yaml").read_bytes(), yaml.CSafeLoader)
    reference = base / "reference-3"
    generate(reference, 3, len(source), 6)  # copy 0 of each key: the shipped texts
    three, shipped, help_ = timed_together(
        [
            [marketctl, "--root", str(reference), "validate", "--no-cache"],
            [marketctl, "--root", str(ROOT), "validate", "--no-cache"],
            [marketctl, "--help"],
        ],
        ROOT,
        runs,
    )
    print(
        "target shipped markets cold validate <= 0.3 s: "
        f"the three reference markets {three.seconds:.3f} s (CPU {three.cpu:.3f} s), "
        f"all 17 {shipped.seconds:.3f} s (CPU {shipped.cpu:.3f} s)"
    )
    print(f"target --help <= 0.1 s: {help_.seconds:.3f} s (CPU {help_.cpu:.3f} s)")


def _memory(rows: list[Row]) -> None:
    """Peak memory against the 1 GB target at 250 markets of 5,000 keys. 250 markets cannot be
    generated (see the module's text): from two sizes of 5,000 keys, peak memory is extended in a
    line to 250 markets, and the line says so."""
    large = sorted(
        {row.markets: row for row in rows if row.keys >= 5000}.values(), key=lambda r: r.markets
    )
    if not large:
        return
    top = large[-1]
    measured = f"validate {_mb(top.validate.rss)}, build {_mb(top.build.rss)} at {top.size}"
    if top.markets >= 250:
        print(f"target peak memory (all processes) at {top.size} <= 1 GB: {measured}")
        return
    if len(large) < 2:
        print(
            "target peak memory (all processes) at 250x5000 <= 1 GB: "
            f"not extended from one size ({measured})"
        )
        return
    low = large[0]

    def extended(low_rss: int, top_rss: int) -> str:
        per_market = (top_rss - low_rss) / (top.markets - low.markets)
        return _mb(int(top_rss + per_market * (250 - top.markets)))

    validate = extended(low.validate.rss, top.validate.rss)
    build = extended(low.build.rss, top.build.rss)
    print(
        "target peak memory (all processes) at 250x5000 <= 1 GB: "
        f"validate {validate}, build {build} "
        f"(extended in a line from {low.size} and {top.size}: {measured})"
    )


def rerun(size: str, base: Path, runs: int, features: int) -> None:
    """The cache: a rerun on an unchanged tree, and reruns after one file changed (a market's
    catalogue, a shared catalogue, a market's tax file); each edited run's report is checked
    against a run without the cache once."""
    markets, keys = (int(part) for part in size.lower().split("x"))
    target = base / f"repo-{markets}x{keys}x{features}"
    if not (target / "markets").is_dir():
        generate(target, markets, keys, features)
    marketctl = _marketctl()
    shutil.rmtree(target / ".marketctl-cache", ignore_errors=True)
    run([marketctl, "validate"], target)  # fills the cache
    unchanged = timed([marketctl, "validate"], target, runs)
    print(
        f"target no-change rerun at {size} <= 0.3 s: {unchanged.seconds:.3f} s "
        f"(CPU {unchanged.cpu:.3f} s)"
    )
    edits = [
        ("one-catalogue change", "markets/jp/messages/ja.yaml", "<= 1 s"),
        ("shared-catalogue change", "markets/_defaults/messages/sv.yaml", "(no target)"),
        ("one market file change", "markets/jp/tax.yaml", "(no target)"),
    ]
    for label, relative, target_text in edits:
        path = target / relative
        original = path.read_bytes()
        elapsed_all: list[float] = []
        cpu_all: list[float] = []
        try:
            for number in range(runs):
                path.write_bytes(_edited(original, number))
                elapsed, cpu, _, code, output = run([marketctl, "validate"], target)
                if number == 0:
                    fresh = run([marketctl, "validate", "--no-cache"], target)
                    if (fresh[3], fresh[4]) != (code, output):
                        sys.exit(f"{label}: the cached report differs from an uncached one")
                elapsed_all.append(elapsed)
                cpu_all.append(cpu)
        finally:
            path.write_bytes(original)
            run([marketctl, "validate"], target)  # the units of the original tree again
        print(
            f"target {label} at {size} {target_text}: {statistics.median(elapsed_all):.2f} s "
            f"(CPU {statistics.median(cpu_all):.2f} s; {relative})"
        )


def _edited(original: bytes, number: int) -> bytes:
    """The file with its first quoted value changed (a real edit, not a comment), and a
    comment that makes each edit another tree."""
    text = original.decode("utf-8")
    quote = text.find(': "')
    if quote >= 0:
        text = f"{text[: quote + 3]}~{number} {text[quote + 3 :]}"
    return f"{text}# edit {number}\n".encode()


def _exp(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
