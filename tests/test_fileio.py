"""plancc.fileio: the one reader and the one writer every file goes through.

Reads take regular files only and are bounded; writes are atomic and refuse to replace a device,
a FIFO, a directory, a socket or an input. Failed writes are made real, not mocked: a small
tmpfs that fills up (when the test may mount one) and RLIMIT_FSIZE in a child process.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from special_files import bounded, char_device, make_fifo

from plancc.errors import InputError, OutputError
from plancc.fileio import LIMITS, check_output, read_bytes, read_text, write_atomically

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        yield path


# ---------------------------------------------------------------------------------------------
# Reading


def test_read_text_returns_the_file_without_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfkey: value\n")
    assert read_text(path) == "key: value\n"


def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    with pytest.raises(InputError, match=r"pipe.yaml: is a FIFO \(named pipe\), not a regular"):
        bounded(lambda: read_bytes(fifo), fifo)


def test_a_character_device_is_refused_instead_of_read_forever() -> None:
    with pytest.raises(InputError, match="/dev/zero: is a character device, not a regular file"):
        bounded(lambda: read_bytes(Path("/dev/zero")))


def test_a_socket_is_refused(unix_socket: Path) -> None:
    with pytest.raises(InputError, match="is a socket, not a regular file"):
        read_bytes(unix_socket)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory, not a file"):
        read_bytes(tmp_path)


def test_a_missing_file_names_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: no such plan file"):
        read_bytes(tmp_path / "nope.yaml", what="plan file")


def test_an_empty_path_is_refused() -> None:
    with pytest.raises(InputError, match="no token file given"):
        read_bytes("", what="token file")


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(b"x" * LIMITS["token file"])
    assert len(read_bytes(path, kind="token file")) == LIMITS["token file"]
    path.write_bytes(b"x" * (LIMITS["token file"] + 1))
    with pytest.raises(InputError, match="larger than 64 KiB, the most plancc reads for a token"):
        read_bytes(path, kind="token file")


def test_a_huge_sparse_snapshot_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    with path.open("wb") as f:
        f.truncate(LIMITS["snapshot"] + 1)  # 64 MiB of holes: no disk used
    with pytest.raises(InputError, match="larger than 64 MiB, the most plancc reads for a snap"):
        read_bytes(path, kind="snapshot")


def test_text_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"ok: \xff\n")
    with pytest.raises(InputError, match=r"a.yaml: not UTF-8 text \(byte 4\)"):
        read_text(path)


# ---------------------------------------------------------------------------------------------
# Writing: what it does


def test_write_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["plan.yaml"]  # no temp file left behind


def test_write_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomically(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


# ---------------------------------------------------------------------------------------------
# Writing: what it refuses (InputError, exit 2), leaving everything as it was


def test_a_character_device_target_is_refused_and_stays_a_device(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    with pytest.raises(InputError, match="is a character device, not a regular file: refusing"):
        write_atomically(device, "plan\n")
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_fifo_target_is_refused_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    with pytest.raises(InputError, match=r"is a FIFO \(named pipe\), not a regular file"):
        bounded(lambda: write_atomically(fifo, "plan\n"), fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_directory_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(InputError, match="out: is a directory, not a file"):
        write_atomically(tmp_path / "out", "plan\n")


def test_a_socket_target_is_refused(unix_socket: Path) -> None:
    with pytest.raises(InputError, match="is a socket, not a regular file"):
        write_atomically(unix_socket, "plan\n")


def test_an_empty_target_path_is_refused() -> None:
    with pytest.raises(InputError, match="the output path is empty"):
        write_atomically("", "plan\n")


def test_a_target_ending_with_a_slash_is_refused_rather_than_written_as_a_file(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError, match=r"names a directory \(ends with /\), not a file"):
        write_atomically(f"{tmp_path}/plans/", "plan\n")
    assert os.listdir(tmp_path) == []


def test_a_path_with_a_nul_byte_is_refused_on_read_and_write(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="contains a NUL byte"):
        write_atomically(f"{tmp_path}/a\0b", "plan\n")
    with pytest.raises(InputError, match="contains a NUL byte"):
        read_bytes(f"{tmp_path}/a\0b")


def test_a_target_in_a_missing_directory_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot write: directory .*/nope does not exist"):
        write_atomically(tmp_path / "nope" / "plan.yaml", "plan\n")
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize(
    "spelling",
    [
        lambda d: d / "snap.json",
        lambda d: d / "sub" / ".." / "snap.json",
        lambda d: d / "alias.json",  # a symlink to it
        lambda d: d / "hard.json",  # a hard link: same inode, another name
    ],
    ids=["same-path", "dot-dot", "symlink", "hard-link"],
)
def test_a_target_that_is_an_input_is_refused_however_it_is_spelled(
    tmp_path: Path, spelling: Callable[[Path], Path]
) -> None:
    snap = tmp_path / "snap.json"
    snap.write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "alias.json").symlink_to(snap)
    os.link(snap, tmp_path / "hard.json")
    with pytest.raises(InputError, match="is also an input of this command"):
        write_atomically(spelling(tmp_path), "plan\n", inputs=[snap])
    assert snap.read_text() == "{}\n"


def test_inputs_that_are_not_given_are_ignored(tmp_path: Path) -> None:
    write_atomically(tmp_path / "plan.yaml", "plan\n", inputs=[None, ""])
    assert (tmp_path / "plan.yaml").read_text() == "plan\n"


def test_check_output_refuses_the_same_targets_before_any_work(tmp_path: Path) -> None:
    snap = tmp_path / "snap.json"
    snap.write_text("{}\n")
    with pytest.raises(InputError, match="is also an input"):
        check_output(snap, [snap])
    assert check_output(tmp_path / "plan.yaml", [snap]) == (tmp_path / "plan.yaml").resolve()


# ---------------------------------------------------------------------------------------------
# Writing: what a failed write leaves (OutputError, exit 1): the previous file, intact


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, mounted for this test only (skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_an_output_error_and_the_previous_file_stays(small_disk: Path) -> None:
    target = small_disk / "plan.yaml"
    target.write_text("the previous plan\n")
    with pytest.raises(OutputError, match=r"plan\.yaml: cannot write: No space left on device"):
        write_atomically(target, "x" * (1 << 20))
    assert target.read_text() == "the previous plan\n"
    assert os.listdir(small_disk) == ["plan.yaml"]


CHILD = """
import resource, signal, sys
from plancc.errors import OutputError
from plancc.fileio import write_atomically
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    write_atomically(sys.argv[1], "x" * 100_000)
except OutputError as exc:
    print(exc)
    sys.exit(exc.exit_code)
"""


def test_a_write_past_the_file_size_limit_is_an_output_error_and_the_previous_file_stays(
    tmp_path: Path,
) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("the previous plan\n")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 1, child.stderr
    assert child.stdout == f"{target}: cannot write: File too large\n"
    assert target.read_text() == "the previous plan\n"
    assert os.listdir(tmp_path) == ["plan.yaml"]


def test_a_secret_is_written_with_the_mode_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "agent.token"
    path.write_text("old\n")
    path.chmod(0o644)
    write_atomically(path, "secret\n", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "secret\n"
