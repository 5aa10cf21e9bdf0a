"""Every file plancc reads or writes goes through here, so no read hangs or grows without bound
and no write leaves half a file or replaces something it must not.

Reading (``read_bytes``, ``read_text``): only regular files. A FIFO, a device or a socket is
refused at once -- opened non-blocking, so a FIFO with no writer cannot hang the open -- and a
file over the limit for its kind (``LIMITS``) is refused before it is read into memory::

    text = read_text(Path("snap.json"), kind="snapshot")

Writing (``write_atomically``): a temp file in the target's directory, fsync, rename over the
target, fsync the directory; a reader sees the old file or the new one, never half of one.
Refused before anything is written, as an ``InputError`` (exit 2, one line): an empty path, a
directory that does not exist, a target that exists and is not a regular file (``-o /dev/null``
run as root would otherwise replace the device with a plain file), and a target that is one of
the command's ``inputs`` (same resolved path, or the same inode through a hard link)::

    write_atomically(out, dump_plan(plan), inputs=[snapshot, policy])

A write that fails midway (disk full, permission, file size limit) is an ``OutputError`` (exit
1, one line); the temp file is removed and the previous file is left as it was. A symlink is
written through: the file it points at is replaced, the link stays.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from plancc.errors import InputError, OutputError, Where

MiB = 1 << 20
# How large an input of each kind may be. Generous for what plancc writes itself (a snapshot of a
# 90-waypoint system is ~1 MiB, a saved twin a few MiB), tiny next to what would hurt: a
# mistaken path to a disk image or a log is refused in one line instead of filling memory.
LIMITS: dict[str, int] = {
    "recipe": 4 * MiB,
    "policy": 1 * MiB,
    "snapshot": 64 * MiB,
    "plan file": 64 * MiB,
    "file": 64 * MiB,  # a YAML/JSON input whose kind the reader was not told
    "twin state": 256 * MiB,
    "token file": 64 * 1024,
}

StrPath = str | os.PathLike[str]


# ---------------------------------------------------------------------------------------------
# Reading


def read_bytes(
    path: StrPath, *, kind: str = "file", what: str = "file", limit: int | None = None
) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` (default: ``LIMITS[kind]``);
    else an InputError naming the file (``what``: the words for "no such ..." -- "file",
    "plan file", "token file")."""
    limit = LIMITS[kind] if limit is None else limit
    file = os.fspath(path)
    if not file.strip():
        raise InputError(f"no {what} given (empty path)")
    where = Where(file)
    if "\0" in file:
        raise InputError("the path contains a NUL byte", where)
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(f"no such {what}", where) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing elsewhere
            raise InputError(f"{_kind_of(file)}, not a regular file", where) from None
        raise InputError(f"cannot read: {exc.strerror or exc}", where) from None
    too_large = f"larger than {_size(limit)}, the most plancc reads for a {kind}"
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a directory, not a file", where)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{_describe(st.st_mode)}, not a regular file", where)
        if st.st_size > limit:
            raise InputError(too_large, where)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the size can lie (/proc) or grow while we read
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(too_large, where)
    return data


def read_text(
    path: StrPath, *, kind: str = "file", what: str = "file", limit: int | None = None
) -> str:
    """``read_bytes`` decoded as UTF-8; a byte order mark (Windows editors) is not content."""
    data = read_bytes(path, kind=kind, what=what, limit=limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Where(os.fspath(path))) from None


# ---------------------------------------------------------------------------------------------
# Writing


def check_output(path: StrPath, inputs: Iterable[StrPath | None] = ()) -> Path:
    """The real path ``write_atomically`` would replace, or the InputError refusing it.

    Commands call it before long work so a bad ``-o`` fails at once, not after the compile.
    """
    raw = os.fspath(path)
    if not raw.strip():
        raise InputError("the output path is empty")
    where = Where(raw)
    if "\0" in raw:
        raise InputError("the output path contains a NUL byte", where)
    if raw.endswith(("/", os.sep)):
        raise InputError("names a directory (ends with /), not a file", where)
    real = Path(os.path.realpath(raw))  # through symlinks: replace the file, keep the link
    try:
        mode: int | None = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):  # the directory is checked below
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", where) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError("is a directory, not a file", where)
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{_describe(mode)}, not a regular file: refusing to replace it", where)
    parent = real.parent
    if not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise InputError(f"cannot write: directory {parent} {problem}", where)
    for given in inputs:
        if given is not None and os.fspath(given).strip() and _same_file(real, given):
            raise InputError(
                f"is also an input of this command ({os.fspath(given)}): refusing to overwrite"
                " it; write the output elsewhere",
                where,
            )
    return real


def write_atomically(
    path: StrPath,
    content: str | bytes,
    *,
    inputs: Iterable[StrPath | None] = (),
    mode: int | None = None,
) -> None:
    """Replace ``path`` with ``content`` (text is written as UTF-8) all at once; see the module
    docstring for what is refused (InputError) and what a failed write leaves (OutputError).

    ``mode``: the new file's permissions (0o600 for a secret: the temp file is 0600 from its
    first byte); default: the replaced file's mode, or 0666 less the umask for a new file.
    """
    real = check_output(path, inputs)
    where = Where(os.fspath(path))
    data = content.encode("utf-8") if isinstance(content, str) else content
    mode = _file_mode(real) if mode is None else mode
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", where) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; a plan is an ordinary file
        os.replace(tmp, real)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write: {exc.strerror or exc}", where) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(real.parent)


def _same_file(real: Path, other: StrPath) -> bool:
    if Path(os.path.realpath(other)) == real:
        return True
    try:
        return os.path.samefile(real, other)  # a hard link: same device and inode
    except OSError:
        return False


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (a crash right after must not bring the old file back)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the data itself is synced
    finally:
        os.close(fd)


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _describe(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "is a character device"
    if stat.S_ISBLK(mode):
        return "is a block device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return "is not a regular file"


def _kind_of(file: str) -> str:
    try:
        return _describe(os.stat(file).st_mode)
    except OSError:
        return "is not a regular file"


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"
