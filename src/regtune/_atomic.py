"""Atomic file writes: everything regtune saves goes through a temporary file and a rename.

An interrupted or failed write (Ctrl-C, a full disk, an exception in the writer) leaves neither a
half-written file at the destination nor a temporary file beside it.
"""

import os
import tempfile
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
