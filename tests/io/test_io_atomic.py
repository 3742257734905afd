"""The save path keeps the owner's intent: umask, permissions, symbolic links, leftovers."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from nnstudio.examples import example
from nnstudio.io import ProjectError, load_project, save_project
from nnstudio.io.atomic import STALE_AFTER_S, write_bytes

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and processes")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_077():
    old = os.umask(0o077)
    yield
    os.umask(old)


@posix_only
def test_a_new_file_honours_the_umask(tmp_path, umask_077):
    path = write_bytes(tmp_path / "new.bin", b"data")
    assert mode(path) == 0o600


@posix_only
def test_a_new_file_under_the_usual_umask_is_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_bytes(tmp_path / "new.bin", b"data")
    finally:
        os.umask(old)
    assert mode(path) == 0o644


@posix_only
def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(example("xor"), path)
    os.chmod(path, 0o640)
    save_project(example("xor"), path)
    assert mode(path) == 0o640


@posix_only
def test_the_autosave_copies_the_projects_permissions(tmp_path):
    from nnstudio.gui import recovery  # Qt is only needed for the slot's lock file
    from nnstudio.io.project import project_bytes

    project = tmp_path / "secret.nnstudio"
    save_project(example("xor"), project)
    os.chmod(project, 0o600)
    slot = recovery.new_slot(tmp_path / "recovery")
    try:
        slot.write(project_bytes(example("xor")), project)
    finally:
        slot.release()
    assert slot.work.parent == tmp_path / "recovery"
    assert mode(slot.work) == 0o600
    assert load_project(slot.work).data == example("xor").data


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_saving_through_a_symlink_writes_the_target(tmp_path):
    real = tmp_path / "real" / "p.nnstudio"
    real.parent.mkdir()
    save_project(example("xor"), real)
    link = tmp_path / "link.nnstudio"
    link.symlink_to(real)
    doc = example("spiral")
    save_project(doc, link)
    assert link.is_symlink()
    assert load_project(real).data["name"] == "spiral"
    assert sorted(p.name for p in real.parent.iterdir()) == ["p.nnstudio"]


@posix_only
def test_leftovers_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "p.nnstudio"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)  # that process has ended
    killed = tmp_path / f".p.nnstudio.{dead_pid}-abcd1234.tmp"
    killed.write_bytes(b"half a project")
    old_style = tmp_path / ".p.nnstudio.k2j4h5g6.tmp"  # an older version's name
    old_style.write_bytes(b"half")
    stale = os.stat(old_style).st_mtime - STALE_AFTER_S - 1
    os.utime(old_style, (stale, stale))
    alive = tmp_path / f".p.nnstudio.{os.getppid()}-abcd1234.tmp"  # a save still running
    alive.write_bytes(b"in progress")
    other = tmp_path / ".other.nnstudio.12345678.tmp"
    other.write_bytes(b"not ours to judge")

    save_project(example("xor"), path)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["p.nnstudio", alive.name, other.name])


def test_a_read_only_folder_is_reported_by_its_own_name(tmp_path, monkeypatch):
    """As a read-only folder answers (faked: the tests may run as root, who writes anywhere)."""
    folder = tmp_path / "handout"
    folder.mkdir()
    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(ProjectError) as info:
        save_project(example("xor"), folder / "p.nnstudio")
    message = str(info.value)
    assert message.startswith("p.nnstudio: cannot write the file: the folder")
    assert str(folder) in message and "Permission denied" in message
    assert ".tmp" not in message
    assert list(folder.iterdir()) == []
