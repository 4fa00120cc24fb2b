"""marketctl.runtime.load(): verification of a bundle set, every refusal, and reload()."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import copy_markets
from marketctl import runtime
from marketctl.runtime import BundleError, UnknownMarketError
from marketctl.testing import build_bundles, edit_bundle, refresh_manifest, tamper

REPOSITORY = Path(__file__).resolve().parents[2]
REBUILD = "rebuild the directory with marketctl build"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of this repository's markets; tests copy it before breaking it."""
    root = tmp_path_factory.mktemp("config")
    copy_markets(root)
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)


@pytest.fixture
def dist(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "dist"
    shutil.copytree(built, copy)
    return copy


def _manifest(dist: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _write_manifest(dist: Path, manifest: dict[str, Any]) -> None:
    (dist / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _load_error(dist: Path | str) -> str:
    with pytest.raises(BundleError) as caught:
        runtime.load(dist, insecure=True)
    return str(caught.value)


# --- a good set -----------------------------------------------------------------------------


UNCHECKED = (
    "env: without env= or trust= a load checks neither the environment a set was built for nor "
    "who signed it: pass env='<environment>' (marketctl build --env) and trust=[public key] "
    "(marketctl build --sign), or insecure=True to load it unchecked on purpose"
)


def test_a_load_naming_neither_env_nor_trust_is_refused_unless_told(dist: Path) -> None:
    """Safe by default (issue 23.5): loading a set unchecked is said on purpose, for load()
    and watch() alike (and so for every reload, which checks what load() was told)."""
    with pytest.raises(BundleError) as refused:
        runtime.load(dist)
    assert str(refused.value) == UNCHECKED
    threads = threading.active_count()
    with pytest.raises(BundleError) as refused:
        runtime.watch(dist, interval=1000)
    assert str(refused.value) == UNCHECKED
    assert threading.active_count() == threads  # no poller was started
    markets = runtime.load(dist, insecure=True)
    assert (markets.environment, markets.signed_by) == (None, None)
    assert markets.reload() is True


def test_load_gives_a_mapping_of_every_market(dist: Path) -> None:
    markets = runtime.load(dist, insecure=True)
    assert sorted(markets) == ["ca", "jp", "se"]
    assert len(markets) == 3
    assert "jp" in markets
    assert "xx" not in markets
    assert markets.get("xx") is None
    jp = markets["jp"]
    assert (jp.code, jp.country, jp.name, jp.currency, jp.currency_digits) == (
        "jp",
        "JP",
        "Japan",
        "JPY",
        0,
    )
    assert jp.locales == ("ja-JP",)
    assert markets["ca"].locales == ("en-CA", "fr-CA")
    assert markets.path == str(dist)
    assert markets.manifest["format"] == 2
    assert set(markets.source) == {"commit", "dirty", "built_at", "dirty_allowed"}


def test_load_accepts_a_str_path_and_precompiles_on_request(dist: Path) -> None:
    markets = runtime.load(str(dist), precompile=True, insecure=True)
    assert markets["se"].message("cart.items", count=2) == "2 varor"


def test_unknown_market_is_a_key_error_with_the_known_markets(dist: Path) -> None:
    markets = runtime.load(dist, insecure=True)
    with pytest.raises(UnknownMarketError) as caught:
        markets["de"]
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, runtime.MarketctlRuntimeError)
    assert str(caught.value) == "no market 'de' in the loaded bundles (markets: ca, jp, se)"
    with pytest.raises(UnknownMarketError) as caught:
        markets["JP"]
    assert str(caught.value) == (
        "no market 'JP' in the loaded bundles (markets: ca, jp, se); did you mean 'jp'?"
    )


def test_bundles_and_manifest_match_the_published_schemas(dist: Path) -> None:
    def check(document: str, schema: str) -> None:
        schema_data = json.loads((REPOSITORY / "schemas" / schema).read_text(encoding="utf-8"))
        data = json.loads((dist / document).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema_data).validate(data)

    check("manifest.json", "manifest.schema.json")
    for code in ("ca", "jp", "se"):
        check(f"{code}.json", "bundle.schema.json")


# --- refusals, each with its exact message --------------------------------------------------


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nothing"
    assert _load_error(missing) == f"{missing}: no such directory (run marketctl build first)"


def test_missing_manifest(dist: Path) -> None:
    (dist / "manifest.json").unlink()
    assert _load_error(dist) == (
        f"{dist}/manifest.json: missing: {dist} is not the output of marketctl build"
    )


def test_manifest_that_is_not_json(dist: Path) -> None:
    (dist / "manifest.json").write_text('{"format": 1,\n', encoding="utf-8")
    assert _load_error(dist) == (
        f"{dist}/manifest.json: not valid JSON (line 2 column 1: Expecting property name "
        f"enclosed in double quotes); {REBUILD}"
    )


def test_missing_bundle(dist: Path) -> None:
    (dist / "jp.json").unlink()
    assert _load_error(dist) == (f"{dist}/jp.json: listed in manifest.json but missing; {REBUILD}")


def test_truncated_bundle(dist: Path) -> None:
    size = (dist / "se.json").stat().st_size
    with open(dist / "se.json", "r+b") as handle:
        handle.truncate(4096)
    assert _load_error(dist) == (
        f"{dist}/se.json: 4096 bytes, but manifest.json says {size} (truncated; {REBUILD})"
    )


def test_bundle_with_one_byte_changed(dist: Path) -> None:
    expected = _manifest(dist)["bundles"]["jp"]["sha256"]
    tamper(dist, "jp")
    actual = hashlib.sha256((dist / "jp.json").read_bytes()).hexdigest()
    assert actual != expected
    assert _load_error(dist) == (
        f"{dist}/jp.json: SHA-256 {actual} does not match manifest.json ({expected}): the "
        f"file changed after the build; {REBUILD}"
    )


def test_unknown_manifest_format_version(dist: Path) -> None:
    manifest = _manifest(dist)
    manifest["format"] = 3
    _write_manifest(dist, manifest)
    assert _load_error(dist) == (
        f"{dist}/manifest.json: format version 3 is not supported by this runtime (it reads "
        "version 2); upgrade marketctl, or build with the version the service uses"
    )


def test_unknown_bundle_format_version(dist: Path) -> None:
    edit_bundle(dist, "ca", lambda bundle: bundle.update(format=3))
    assert _load_error(dist) == (
        f"{dist}/ca.json: format version 3 is not supported by this runtime (it reads "
        "version 2); upgrade marketctl, or build with the version the service uses"
    )


def test_manifest_without_format_version(dist: Path) -> None:
    manifest = _manifest(dist)
    del manifest["format"]
    _write_manifest(dist, manifest)
    assert _load_error(dist) == (
        f"{dist}/manifest.json: no format version (this runtime reads version 2)"
    )


def test_bundle_not_listed_in_the_manifest(dist: Path) -> None:
    shutil.copyfile(dist / "se.json", dist / "no.json")
    assert _load_error(dist) == (
        f"{dist}/no.json: not listed in manifest.json (left over from another build?); {REBUILD}"
    )


def test_other_files_in_the_directory_are_ignored(dist: Path) -> None:
    (dist / "README.txt").write_text("served by the CDN\n", encoding="utf-8")
    (dist / ".jp.json.swp").write_bytes(b"\0")
    assert sorted(runtime.load(dist, insecure=True)) == ["ca", "jp", "se"]


def test_bundle_holding_another_market(dist: Path) -> None:
    edit_bundle(dist, "se", lambda bundle: bundle.update(market="jp"))
    assert _load_error(dist) == (
        f"{dist}/se.json: holds market \"jp\", but manifest.json lists it as 'se'"
    )


def test_manifest_file_names_cannot_leave_the_directory(dist: Path) -> None:
    manifest = _manifest(dist)
    manifest["bundles"]["jp"]["file"] = "../jp.json"
    _write_manifest(dist, manifest)
    assert _load_error(dist) == (
        f"{dist}/manifest.json: bundles.jp.file is \"../jp.json\", expected 'jp.json'"
    )


def test_malformed_bundle_content(dist: Path) -> None:
    edit_bundle(dist, "jp", lambda bundle: bundle.update(price_rounding="up"))
    assert _load_error(dist) == (
        f"{dist}/jp.json: does not match bundle.schema.json at price_rounding: "
        '"up" is not one of "half_up", "half_even"'
    )
    edit_bundle(dist, "jp", lambda bundle: bundle.update(price_rounding="half_up"))
    edit_bundle(dist, "jp", lambda bundle: bundle.pop("currency"))
    assert _load_error(dist) == (
        f"{dist}/jp.json: does not match bundle.schema.json at the top level: "
        "required key 'currency' is missing"
    )


def test_broken_message_fails_a_precompiled_load(dist: Path) -> None:
    def break_message(bundle: dict[str, Any]) -> None:
        bundle["messages"]["sv-SE"]["messages"]["cart.items"] = "{count, plural, one {# vara}"

    edit_bundle(dist, "se", break_message)
    with pytest.raises(BundleError) as caught:
        runtime.load(dist, precompile=True, insecure=True)
    assert caught.value.file == f"{dist}/se.json"
    assert caught.value.problem.startswith("message 'cart.items' (sv-SE): invalid ICU message: ")
    # Without precompile the load succeeds and the message fails on first use, the same way.
    se = runtime.load(dist, insecure=True)["se"]
    with pytest.raises(BundleError) as caught:
        se.message("cart.items", count=1)
    assert caught.value.problem.startswith("message 'cart.items' (sv-SE): invalid ICU message: ")


def test_every_bundle_error_is_a_runtime_error(tmp_path: Path) -> None:
    with pytest.raises(runtime.MarketctlRuntimeError):
        runtime.load(tmp_path / "nothing", insecure=True)


# --- reload -----------------------------------------------------------------------------


def _rename(dist: Path, code: str, name: str) -> None:
    edit_bundle(dist, code, lambda bundle: bundle.update(name=name))


def test_reload_swaps_in_a_new_set(dist: Path, tmp_path: Path) -> None:
    markets = runtime.load(dist, insecure=True)
    before = markets["jp"]
    _rename(dist, "jp", "Nippon")
    markets.reload()
    assert markets["jp"].name == "Nippon"
    # A market taken before the reload keeps answering from its own set.
    assert before.name == "Japan"
    other = tmp_path / "other"
    shutil.copytree(dist, other)
    _rename(other, "se", "Sverige")
    markets.reload(other)
    assert markets.path == str(other)
    assert markets["se"].name == "Sverige"


def test_reload_keeps_the_last_good_set_when_the_new_one_fails(dist: Path) -> None:
    markets = runtime.load(dist, insecure=True)
    expected = _manifest(dist)["bundles"]["jp"]["sha256"]
    _rename(dist, "se", "Sverige")
    tamper(dist, "jp")  # the new set: se renamed, jp corrupted
    actual = hashlib.sha256((dist / "jp.json").read_bytes()).hexdigest()
    with pytest.raises(BundleError) as caught:
        markets.reload()
    assert str(caught.value) == (
        f"{dist}/jp.json: SHA-256 {actual} does not match manifest.json ({expected}): the "
        f"file changed after the build; {REBUILD}"
    )
    # Nothing of the refused set is visible: se keeps its old name too.
    assert markets["se"].name == "Sweden"
    assert markets["jp"].format_price(1299) == "￥1,299"
    (dist / "manifest.json").unlink()
    with pytest.raises(BundleError):
        markets.reload()
    assert sorted(markets) == ["ca", "jp", "se"]


def test_readers_are_never_blocked_or_shown_a_partial_set(dist: Path, tmp_path: Path) -> None:
    second = tmp_path / "second"
    shutil.copytree(dist, second)
    for code in ("ca", "jp", "se"):
        _rename(second, code, "renamed")
    markets = runtime.load(dist, insecure=True)
    names = {"ca": "Canada", "jp": "Japan", "se": "Sweden"}
    problems: list[str] = []
    reads = [0]
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                if sorted(markets) != ["ca", "jp", "se"]:
                    problems.append(f"markets {sorted(markets)}")
                for code, name in names.items():
                    if markets[code].name not in (name, "renamed"):
                        problems.append(f"{code} named {markets[code].name}")
            except Exception as error:
                problems.append(repr(error))
            reads[0] += 1

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for index in range(30):
            markets.reload(second if index % 2 == 0 else dist)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert reads[0] > 30
    assert {markets[code].name for code in names} == set(names.values())


def test_load_reads_the_directory_it_opened(dist: Path, tmp_path: Path) -> None:
    """A build swaps directories by rename: a directory renamed away after the load started
    is still read as a whole (the runtime holds a descriptor, not a path)."""
    from marketctl.runtime import _bundles

    renamed = tmp_path / "renamed"
    directory = _bundles._Directory(str(dist))
    try:
        os.rename(dist, renamed)
        assert json.loads(directory.read("manifest.json", "missing", 1 << 20))["format"] == 2
    finally:
        directory.close()


def test_refresh_manifest_makes_an_edited_set_verify(dist: Path) -> None:
    path = dist / "jp.json"
    path.write_bytes(path.read_bytes().replace(b'"name": "Japan"', b'"name": "Japon"'))
    with pytest.raises(BundleError):
        runtime.load(dist, insecure=True)
    refresh_manifest(dist)
    assert runtime.load(dist, insecure=True)["jp"].name == "Japon"


# --- what the runtime imports -----------------------------------------------------------


def test_runtime_imports_neither_click_git_nor_jinja2(dist: Path) -> None:
    script = f"""
import sys
from datetime import UTC, datetime
from decimal import Decimal
from marketctl import runtime
markets = runtime.load({str(dist)!r}, insecure=True)
after_load = sorted(m for m in sys.modules if m.split(".")[0] == "babel")
jp = markets["jp"]
jp.format_price(Decimal("1299"))
jp.tax_rate("standard")
jp.message("cart.items", locale="ja", count=3)
jp.feature_enabled("buyback", "user-42", datetime.now(UTC))
markets.reload()
loaded = {{m.split(".")[0] for m in sys.modules}}
print(sorted(loaded & {{"click", "git", "jinja2", "ruamel", "jsonschema", "pycountry"}}))
print(after_load)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    # Babel is only imported to parse plural rules, at the first message, not at load.
    assert result.stdout.splitlines() == ["[]", "[]"]


def test_the_runtime_reads_the_format_the_compiler_writes() -> None:
    # The runtime keeps its own list (it must not import the compiler and Babel's data).
    from marketctl.commands.bundle import FORMAT_VERSION

    assert FORMAT_VERSION in runtime.SUPPORTED_FORMATS
