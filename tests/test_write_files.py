"""Files written together or not at all (issue 22): core.files.write_files, and the translation
import that writes its catalogues through it."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from marketctl.commands.exchange import export_locale, import_files
from marketctl.core.errors import MarketctlError
from marketctl.core.files import write_files
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

CHATTR = shutil.which("chattr")


def _listing(*folders: Path) -> list[str]:
    return sorted(str(path) for folder in folders for path in folder.iterdir())


def test_every_file_is_replaced_and_keeps_its_permissions(tmp_path: Path) -> None:
    first, second = tmp_path / "a/first.yaml", tmp_path / "b/second.yaml"
    first.parent.mkdir()
    first.write_bytes(b"old\n")
    first.chmod(0o600)
    write_files({first: b"new\n", second: b"made\n"})
    assert (first.read_bytes(), second.read_bytes()) == (b"new\n", b"made\n")
    assert (first.stat().st_mode & 0o777, second.stat().st_mode & 0o777) == (0o600, 0o644)
    assert _listing(first.parent, second.parent) == [str(first), str(second)]  # nothing left


def test_a_failure_on_the_second_file_leaves_the_first_untouched(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_bytes(b"old\n")
    second.mkdir()  # a folder where a file should go: renaming onto it fails
    before = first.stat()
    with pytest.raises(OSError) as raised:
        write_files({first: b"new\n", second: b"new\n"})
    assert raised.value.filename == str(second)
    assert first.read_bytes() == b"old\n"
    assert first.stat().st_ino == before.st_ino  # the same file, not a copy of it
    assert _listing(tmp_path) == [str(first), str(second)]


def test_a_new_file_is_removed_again_when_a_later_one_fails(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    second.mkdir()
    with pytest.raises(OSError):
        write_files({first: b"new\n", second: b"new\n"})
    assert _listing(tmp_path) == [str(second)]


def test_a_failure_while_staging_replaces_nothing(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_bytes(b"old\n")
    (tmp_path / "file").write_bytes(b"")
    second = tmp_path / "file/second.yaml"  # its folder is a file: it cannot be staged
    with pytest.raises(OSError) as raised:
        write_files({first: b"new\n", second: b"new\n"})
    assert raised.value.filename == str(second)
    assert first.read_bytes() == b"old\n"
    assert _listing(tmp_path) == [str(tmp_path / "file"), str(first)]


def _immutable(path: Path, on: bool) -> bool:
    if CHATTR is None:
        return False
    flag = "+i" if on else "-i"
    return subprocess.run([CHATTR, flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def frozen() -> Iterator[list[Path]]:
    """Paths made immutable by a test, made mutable again afterwards (tmp_path cleanup)."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        _immutable(path, False)


def test_an_import_that_cannot_write_its_second_catalogue_writes_none(
    repo: Path, tmp_path: Path, frozen: list[Path]
) -> None:
    """fr.yaml is written before sv.yaml: sv.yaml made immutable, fr.yaml stays as it was."""
    messages = repo / "markets/_defaults/messages"
    repository = load_repository(WorktreeSource(repo))
    files = []
    for tag, text in (("fr", "Mon panier"), ("sv", "Kundvagn")):
        name, data = export_locale(repository, tag, "po", missing_only=False)
        path = tmp_path / name
        path.write_bytes(data)
        _translate(path, "cart.title", text)
        files.append(path)
    before = {name: (messages / name).read_bytes() for name in ("fr.yaml", "sv.yaml")}
    if not _immutable(messages / "sv.yaml", True):
        pytest.skip("chattr +i is not available here")
    frozen.append(messages / "sv.yaml")
    with pytest.raises(MarketctlError) as raised:
        import_files(WorktreeSource(repo), repo, files)
    assert raised.value.message == (
        f"cannot write {messages / 'sv.yaml'}: Operation not permitted; nothing was imported"
    )
    assert {name: (messages / name).read_bytes() for name in before} == before
    assert sorted(path.name for path in messages.iterdir() if path.name.startswith(".")) == []
    _immutable(messages / "sv.yaml", False)
    result = import_files(WorktreeSource(repo), repo, files)
    assert result.changed == {
        "markets/_defaults/messages/fr.yaml": ["cart.title"],
        "markets/_defaults/messages/sv.yaml": ["cart.title"],
    }


def _translate(path: Path, key: str, text: str) -> None:
    """The PO file with ``key``'s translation replaced (PO keys are message contexts)."""
    catalog = read_po(io.BytesIO(path.read_bytes()))
    found = [message for message in catalog if message.context == key]
    assert len(found) == 1
    found[0].string = text
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    path.write_bytes(buffer.getvalue())
