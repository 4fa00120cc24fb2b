"""The translators' commands and the report, through the CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clitools import invoke
from marketctl.commands.exchange import XLIFF_NS


def test_export_writes_one_file_per_locale(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    done = invoke(
        capsys, repo, "translations", "export", "sv", "ja", "--format", "xliff", "-o", str(out)
    )
    assert done.code == 0
    assert done.out.splitlines() == [
        f"wrote {out / 'sv.xlf'} (76 units)",
        f"wrote {out / 'ja.xlf'} (76 units)",
    ]
    root = ET.parse(out / "ja.xlf").getroot()
    assert root.get("trgLang") == "ja"
    assert len(root.findall(f"{{{XLIFF_NS}}}file/{{{XLIFF_NS}}}unit")) == 76


def test_export_of_an_unknown_locale_is_a_usage_error_and_writes_nothing(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    done = invoke(
        capsys, repo, "translations", "export", "sv", "xx", "--format", "po", "-o", str(out)
    )
    assert done.code == 2
    assert done.err.startswith("Error: no market serves the locale 'xx'\n")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "sv"], "translations export writes --format xliff or --format po"),
        (["se", "--format", "po"], "--format po is for `translations export`"),
        (["import"], "translations import needs at least one FILE"),
        (
            ["export", "sv", "--format", "po", "--missing"],
            "--missing and --fail-under go with the coverage table",
        ),
        (["se", "-o", "x"], "--missing-only and -o go with `translations export`"),
        (
            ["export", "sv", "--format", "po", "--ours"],
            "--theirs, --ours and --take-stale go with `translations import`",
        ),
        (["se", "--take-stale"], "--theirs, --ours and --take-stale go with `translations import`"),
    ],
)
def test_options_that_do_not_fit_the_action_are_usage_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    done = invoke(capsys, repo, "translations", *args)
    assert done.code == 2
    assert message in done.err


def test_import_reports_what_changed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    invoke(capsys, repo, "translations", "export", "sv", "--format", "po", "-o", str(out))
    po = out / "sv.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace(
            'msgctxt "cart.title"\nmsgid "Your cart"\nmsgstr "Din varukorg"',
            'msgctxt "cart.title"\nmsgid "Your cart"\nmsgstr "Kundvagn"',
        ),
        encoding="utf-8",
    )
    done = invoke(capsys, repo, "translations", "import", str(po))
    (catalogue,) = repo.glob("markets/**/messages/sv.yaml")  # shared or Sweden's own
    assert (done.code, done.out) == (
        0,
        f"{catalogue.relative_to(repo).as_posix()}: 0 added, 1 changed\n"
        "  ~ cart.title\n"
        "1 catalogue(s) written; 75 text(s) unchanged, 0 empty target(s) left alone\n",
    )


def test_an_import_that_breaks_a_rule_exits_1_and_writes_nothing(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    invoke(capsys, repo, "translations", "export", "sv", "--format", "po", "-o", str(out))
    po = out / "sv.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace("Från {price, number, currency}", "Från {pris}"),
        encoding="utf-8",
    )
    (catalogue,) = repo.glob("markets/**/messages/sv.yaml")
    before = catalogue.read_bytes()
    done = invoke(capsys, repo, "translations", "import", str(po), "--format", "json")
    assert done.code == 1
    report = json.loads(done.out)
    assert report["written"] is False
    assert [f["code"] for f in report["findings"]] == ["MKT504", "MKT504"]
    assert done.err.startswith(
        "Error: nothing was imported: the texts above break the message rules"
    )
    assert catalogue.read_bytes() == before


def test_missing_lists_keys_per_locale(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = repo / "markets/jp/messages/ja.yaml"
    catalogue.write_text(
        "\n".join(
            line
            for line in catalogue.read_text(encoding="utf-8").splitlines()
            if not line.startswith("cart.title:")
        )
        + "\n",
        encoding="utf-8",
    )
    done = invoke(capsys, repo, "translations", "--missing", "jp", "--format", "json")
    assert (done.code, json.loads(done.out)) == (
        0,
        {
            "version": 1,
            "missing": [
                {"market": "jp", "locale": "ja-JP", "key": "cart.title", "falls_back_to": "en"}
            ],
        },
    )


def test_report_writes_the_site(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    done = invoke(capsys, repo, "report", "jp", "se", "-o", str(out), "--format", "json")
    assert done.code == 0
    pages = json.loads(done.out)["pages"]
    assert pages == sorted(p.name for p in out.glob("*.html"))
    assert {"index.html", "calendar.html", "market-jp.html", "market-se.html"} <= set(pages)


def test_build_pseudo_adds_the_pseudo_locales_and_production_refuses_them(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dist"
    assert invoke(capsys, repo, "build", "jp", "--pseudo", "-o", str(out), "-q").code == 0
    bundle = json.loads((out / "jp.json").read_text(encoding="utf-8"))
    assert bundle["locales"] == ["ja-JP", "en-XA", "ar-XB"]
    refused = invoke(
        capsys,
        repo,
        "build",
        "--env",
        "production",
        "--pseudo",
        "--allow-dirty",
        "-o",
        str(tmp_path / "prod"),
    )
    assert refused.code == 1
    assert refused.err.startswith(
        "Error: pseudo-locales are for test builds: --pseudo is refused with --env production\n"
    )


def test_an_xliff_in_shift_jis_exits_1_naming_the_file(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlf = tmp_path / "sv.xlf"
    xlf.write_bytes(
        b'<?xml version="1.0" encoding="Shift_JIS"?>\n'
        b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" '
        b'trgLang="sv"/>\n'
    )
    done = invoke(capsys, repo, "translations", "import", str(xlf))
    assert (done.code, done.err.splitlines()[0]) == (
        1,
        f'Error: {xlf}:1: the file declares encoding="Shift_JIS", which is refused',
    )


def test_a_conflict_exits_1_writes_nothing_and_reports_the_unit_in_json(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsonschema import Draft202012Validator

    out = tmp_path / "out"
    invoke(capsys, repo, "translations", "export", "sv", "--format", "xliff", "-o", str(out))
    xlf = out / "sv.xlf"
    xlf.write_text(
        xlf.read_text(encoding="utf-8").replace(
            "<target>Din varukorg</target>", "<target>Kundvagn</target>"
        ),
        encoding="utf-8",
    )
    catalogue = repo / "markets/_defaults/messages/sv.yaml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace('"Din varukorg"', '"Varukorgen"'),
        encoding="utf-8",
    )
    before = catalogue.read_bytes()
    done = invoke(capsys, repo, "translations", "import", str(xlf), "--format", "json")
    assert done.code == 1
    assert done.err.splitlines()[0] == (
        "Error: nothing was imported: the texts above conflict with the repository or each other"
    )
    report = json.loads(done.out)
    schema = json.loads(
        (Path(__file__).parents[1] / "schemas/translations-import.output.schema.json").read_text()
    )
    assert list(Draft202012Validator(schema).iter_errors(report)) == []
    line = next(
        n
        for n, text in enumerate(xlf.read_text(encoding="utf-8").splitlines(), 1)
        if 'name="cart.title"' in text
    )
    assert [(c["file"], c["line"], c["unit"], c["key"]) for c in report["conflicts"]] == [
        (str(xlf), line, "cart.title", "cart.title")
    ]
    assert catalogue.read_bytes() == before
    theirs = invoke(capsys, repo, "translations", "import", str(xlf), "--theirs")
    assert theirs.code == 0
    assert 'cart.title: "Kundvagn"' in catalogue.read_text(encoding="utf-8").splitlines()


def test_import_requires_review_in_pyproject_skips_units_merely_translated(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pyproject.toml").write_text("[tool.marketctl]\nimport_requires_review = true\n")
    out = tmp_path / "out"
    invoke(capsys, repo, "translations", "export", "sv", "--format", "xliff", "-o", str(out))
    xlf = out / "sv.xlf"
    xlf.write_text(
        xlf.read_text(encoding="utf-8").replace(
            "<target>Din varukorg</target>", "<target>Kundvagn</target>"
        ),
        encoding="utf-8",
    )
    done = invoke(capsys, repo, "translations", "import", str(xlf))
    assert (done.code, done.out) == (
        0,
        "1 unit(s) skipped for their state: 1 state translated (XLIFF): not reviewed, and "
        "import_requires_review is set\n"
        "0 catalogue(s) written; 75 text(s) unchanged, 0 empty target(s) left alone\n",
    )
