"""write_atomic: the usual permissions, without touching the umask other threads create files under."""

import os
import secrets
import threading
from pathlib import Path

import pytest

from regtune._atomic import write_atomic

MASK = 0o027  # a umask unlike the usual 0o022, so a file that ignored it would show


@pytest.fixture
def umask():
    """Set the process umask to MASK for the test (no other thread runs yet); restore it after."""
    previous = os.umask(MASK)
    yield MASK
    os.umask(previous)


def test_other_threads_creating_files_during_a_write_keep_the_umask(tmp_path, umask, monkeypatch):
    # A thread such as a worker's heartbeat creates files while the writer runs. To make the race
    # deterministic, that thread creates one file during the write itself and one right after every
    # os.umask call the writer makes (while the mask it set is in force); each must get 0o666 & ~MASK.
    created = []

    def create_in_another_thread():
        def create():
            other = tmp_path / f"other-{len(created)}"
            os.close(os.open(other, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            created.append(other)

        thread = threading.Thread(target=create)
        thread.start()
        thread.join()

    real_umask = os.umask

    def umask_then_another_thread(mask):
        previous = real_umask(mask)
        create_in_another_thread()
        return previous

    monkeypatch.setattr(os, "umask", umask_then_another_thread)

    def write(tmp):
        create_in_another_thread()
        Path(tmp).write_text("content", encoding="utf-8")

    path = write_atomic(tmp_path / "out.txt", write)
    monkeypatch.undo()

    modes = {other.name: oct(other.stat().st_mode & 0o777) for other in created}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert path.read_text(encoding="utf-8") == "content"
    assert os.umask(umask) == umask  # the writer left the process umask as it found it


def test_the_file_gets_the_usual_permissions_not_the_temporary_files_0600(tmp_path, umask):
    path = write_atomic(tmp_path / "out.bin", lambda tmp: Path(tmp).write_bytes(b"\0\1"))
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_taken_temporary_name_is_skipped_not_opened(tmp_path, monkeypatch):
    names = iter(["taken000", "free0000"])
    monkeypatch.setattr(secrets, "token_hex", lambda nbytes: next(names))
    taken = tmp_path / ".out.txt.taken000.tmp"
    taken.write_text("someone else's", encoding="utf-8")
    seen = []

    def write(tmp):
        seen.append(Path(tmp).name)
        Path(tmp).write_text("ours", encoding="utf-8")

    write_atomic(tmp_path / "out.txt", write)
    assert seen == [".out.txt.free0000.tmp"]
    assert taken.read_text(encoding="utf-8") == "someone else's"
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "ours"


def test_a_failed_write_leaves_no_file(tmp_path):
    def write(tmp):
        Path(tmp).write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "out.txt", write)
    assert list(tmp_path.iterdir()) == []
