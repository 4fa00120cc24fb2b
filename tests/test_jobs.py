"""--jobs N (issue 11): the schema checks and the rules run in N forked processes, and the
report is the same, finding for finding and byte for byte, as with one."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import edit, invoke
from marketctl.core import parallel


def test_the_report_does_not_depend_on_the_number_of_processes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Findings of market rules in two markets, of a message rule and of the schema.
    edit(repo / "markets/ca/market.yaml", "launch_date: 2026-04-15", "launch_date: 2026-04-31")
    edit(repo / "markets/jp/rollout.yaml", "percent: 50}", "percent: 5}")
    edit(
        repo / "markets/_defaults/messages/sv.yaml",
        '"{gb, number, integer} GB"',
        '"{gb, spellout} GB"',
    )
    outputs = {
        jobs: invoke(capsys, repo, "validate", "--format", "json", "--jobs", str(jobs))
        for jobs in (1, 2, 3)
    }
    assert outputs[1].code == 1 and '"MKT503"' in outputs[1].out and '"MKT603"' in outputs[1].out
    assert outputs[2] == outputs[1]
    assert outputs[3] == outputs[1]


def test_run_all_keeps_the_order_and_uses_processes() -> None:
    import os

    tasks = [lambda i=i: (i, os.getpid()) for i in range(6)]
    results = parallel.run_all(tasks, 2)
    assert [i for i, _ in results] == list(range(6))
    assert os.getpid() not in {pid for _, pid in results}
    assert parallel.run_all(tasks, 1) == [(i, os.getpid()) for i in range(6)]
    assert parallel.default_jobs(10) == 1


def test_jobs_must_be_a_positive_number(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "validate", "--jobs", "0")
    assert outcome.code == 2
    assert "--jobs" in outcome.err


def test_bundles_are_the_same_for_any_number_of_processes(repo: Path) -> None:
    from marketctl.commands.build import compile_markets
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    repository = load_repository(WorktreeSource(repo))
    codes = list(repository.markets)
    seen: list[tuple[str, int, int]] = []
    one = compile_markets(repository, codes, jobs=1)
    two = compile_markets(repository, codes, lambda *step: seen.append(step), jobs=2)
    assert list(two) == codes == ["ca", "jp", "se"]
    assert two == one
    assert seen == [("ca", 1, 3), ("jp", 2, 3), ("se", 3, 3)]


def test_a_market_that_does_not_compile_is_named(repo: Path) -> None:
    from marketctl.commands.build import compile_markets
    from marketctl.core.errors import MarketctlError
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    edit(
        repo / "markets/_defaults/messages/sv.yaml",
        '"{gb, number, integer} GB"',
        '"{gb, spellout} GB"',
    )
    repository = load_repository(WorktreeSource(repo))
    with pytest.raises(MarketctlError, match=r"cannot compile market 'se': .*spellout"):
        compile_markets(repository, ["ca", "se"], jobs=2)


def test_files_parsed_by_several_processes_load_as_in_one(repo: Path) -> None:
    from marketctl.repository.loading import load_repository
    from marketctl.repository.sources import WorktreeSource

    (repo / "markets/jp/messages/ja.yaml").write_text("a: [1,\n", encoding="utf-8")  # MKT001
    edit(
        repo / "markets/se/tax.yaml",
        "prices_include_tax:",
        "rates: {}\nrates: {}\nprices_include_tax:",
    )  # MKT003
    one = load_repository(WorktreeSource(repo), jobs=1)
    two = load_repository(WorktreeSource(repo), jobs=2)

    assert [f.code for f in one.findings if f.code in ("MKT001", "MKT003")] == [
        "MKT001",
        "MKT003",
    ]
    assert two.findings == one.findings
    for first, second in zip(one.layers, two.layers, strict=True):
        assert first.broken == second.broken
        pairs = [
            *zip(first.files.values(), second.files.values(), strict=True),
            *zip(first.messages.values(), second.messages.values(), strict=True),
        ]
        for a, b in pairs:
            assert (a.path, a.data, a.first_line, a.ignores, a.raw) == (
                b.path,
                b.data,
                b.first_line,
                b.ignores,
                b.raw,
            )
            assert dict(a.values) == dict(b.values) and dict(a.keys) == dict(b.keys)


@pytest.mark.parametrize(
    ("work", "cores", "load", "expected"),
    [
        (parallel.PAYS_FROM - 1, 8, 0.0, 1),  # too little work to pay for a second process
        (parallel.PAYS_FROM, 2, 0.0, 2),  # an idle machine: every core
        (parallel.PAYS_FROM, 2, 0.4, 2),  # the second core mostly idle
        (parallel.PAYS_FROM, 2, 0.6, 1),  # the second core mostly busy
        (parallel.PAYS_FROM, 2, 4.5, 1),  # a busy machine: one process
        (parallel.PAYS_FROM, 8, 5.2, 3),  # three cores idle of eight
        (parallel.PAYS_FROM, 1, 0.0, 1),
    ],
)
def test_the_default_processes_are_the_idle_cores_for_large_work(
    work: int, cores: int, load: float, expected: int
) -> None:
    assert parallel.default_jobs(work, cores=cores, load=load) == expected


def test_the_default_reads_the_cores_and_the_load_of_this_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.2, 3.0, 3.0))
    assert parallel.default_jobs(parallel.PAYS_FROM) == 3
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (3.9, 0.0, 0.0))
    assert parallel.default_jobs(parallel.PAYS_FROM) == 1
