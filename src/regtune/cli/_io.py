"""What every command shares: reading DATA, checking columns, atomic writes, option types.

Errors raised here are ``ValueError`` (or ``FileNotFoundError``) with a one-line message; the command
boundary in ``_main.py`` turns them into ``Error: ...`` and exit code 1.
"""

import os
import re
import tempfile
from pathlib import Path

import click

TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path, what="DATA"):
    """``"csv"`` or ``"parquet"`` from a file name, or a ValueError naming the accepted suffixes."""
    kind = TABLE_SUFFIXES.get(Path(path).suffix.lower())
    if kind is None:
        raise ValueError(f"{what} must be a .csv or .parquet file, got {str(path)!r}")
    return kind


def read_table(path):
    """Read a CSV or Parquet file into a pandas DataFrame."""
    import pandas as pd

    kind = table_format(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f"DATA file {str(path)!r} does not exist")
    frame = pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def check_columns(frame, names, what="column"):
    """Raise a one-line ValueError naming the first ``names`` missing from ``frame``."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        listed = ", ".join(map(str, frame.columns))
        if len(missing) == 1:
            raise ValueError(f"{what} {missing[0]!r} not found; columns are: {listed}")
        raise ValueError(f"{what}s {', '.join(map(repr, missing))} not found; columns are: {listed}")


def split_target(frame, target):
    """``(X, y)``: all columns but ``target``, and ``target``."""
    check_columns(frame, [target])
    return frame.drop(columns=[target]), frame[target]


def write_atomic(path, write):
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it to ``path``.

    An interrupted or failed write leaves nothing at ``path`` (and no temporary file).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"output folder {str(path.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_table(frame, path):
    """Write ``frame`` to ``path`` (CSV or Parquet, from the suffix) atomically."""
    kind = table_format(path, what="output")
    if kind == "parquet":
        return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_text(text, path):
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def sqlite_file(storage):
    """The database file of a ``sqlite:///`` URL, or None for other URLs and in-memory SQLite."""
    if storage is None or not storage.startswith("sqlite:///"):
        return None
    database = storage[len("sqlite:///"):].split("?", 1)[0]
    return None if database in ("", ":memory:") else Path(database)


def require_existing_storage(storage):
    """Fail early, instead of creating an empty database, when a SQLite file is missing."""
    database = sqlite_file(storage)
    if database is not None and not database.is_file():
        raise FileNotFoundError(
            f"storage file {str(database)!r} does not exist (storage {storage!r}); "
            "pass --storage with the URL that tune used"
        )


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(h|m|s)?", re.I)
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, None: 1.0}


def parse_duration(text):
    """Seconds in a duration: ``90s``, ``10m``, ``2h``, ``1h30m``, or plain seconds (``600``).

    Examples
    --------
    >>> parse_duration("90s"), parse_duration("10m"), parse_duration("2h"), parse_duration("1h30m")
    (90.0, 600.0, 7200.0, 5400.0)
    >>> parse_duration("45")
    45.0
    """
    text = str(text).strip()
    parts = list(_DURATION.finditer(text))
    if not text or "".join(m.group(0) for m in parts).replace(" ", "") != text.replace(" ", ""):
        raise ValueError(
            f"duration must look like 90s, 10m, 2h, 1h30m or a number of seconds, got {text!r}"
        )
    units = [(m.group(2) or "").lower() or None for m in parts]
    if len(parts) > 1 and None in units:
        raise ValueError(f"duration must give a unit for every part, got {text!r}")
    seconds = sum(float(m.group(1)) * _SECONDS[u] for m, u in zip(parts, units))
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return seconds


class Duration(click.ParamType):
    """A click option type for :func:`parse_duration`."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class CommaList(click.ParamType):
    """``a,b,c`` -> ``["a", "b", "c"]`` (spaces around names are dropped)."""

    name = "a,b,..."

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        names = [v.strip() for v in str(value).split(",")]
        if not all(names):
            self.fail(f"expected comma-separated names, got {value!r}", param, ctx)
        return names


def categorical_columns(X):
    """Columns that are not numeric (strings, categories, booleans, objects)."""
    return [c for c in X.columns if X[c].dtype.kind not in "fiu"]
