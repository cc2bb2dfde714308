"""Atomic file writes: everything regtune saves goes through a temporary file and a rename.

An interrupted or failed write (Ctrl-C, a full disk, an exception in the writer) leaves neither a
half-written file at the destination nor a temporary file beside it. The file gets the permissions of
any new file (0o666 less the umask): the temporary file is created with them, so the process umask is
never read or changed (changing it, even for a moment, would change the files that other threads,
such as a tuning worker's heartbeat, create meanwhile).
"""

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path, write, *, what="output"):
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, sync it, rename it to ``path``.

    Parameters
    ----------
    path : str or Path
        Destination; its folder must exist.
    write : callable
        Writes the content to the path it is given.
    what : str, default="output"
        Names the folder in the error raised when it does not exist.

    Returns
    -------
    path : Path
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{what} folder {str(path.parent)!r} does not exist")
    tmp = _new_temporary_file(path)
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _new_temporary_file(path, attempts=100):
    """Create the empty file ``.<name>.<8 random hex digits>.tmp`` beside ``path``; return its path.

    ``O_EXCL`` makes the name ours alone (an existing file or link of that name is never opened), and
    the mode 0o666 lets the kernel apply the umask (or the folder's default ACL) as for any new file.
    """
    for _ in range(attempts):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return str(tmp)
    raise FileExistsError(f"no free temporary file name beside {str(path)!r} after {attempts} attempts")
