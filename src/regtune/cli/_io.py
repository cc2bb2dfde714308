"""What every command shares: reading DATA, checking columns, atomic writes, option types.

Errors raised here are ``ValueError`` (or ``FileNotFoundError``) with a one-line message; the command
boundary in ``_main.py`` turns them into ``Error: ...`` and exit code 1.
"""

import re
from pathlib import Path

import click

from .._atomic import write_atomic

TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path, what="DATA"):
    """``"csv"`` or ``"parquet"`` from a file name, or a ValueError naming the accepted suffixes."""
    kind = TABLE_SUFFIXES.get(Path(path).suffix.lower())
    if kind is None:
        raise ValueError(f"{what} must be a .csv or .parquet file, got {str(path)!r}")
    return kind


def read_table(path):
    """Read a CSV or Parquet file into a pandas DataFrame, or a one-line ValueError saying why not.

    Refused: an empty file, a file with a header but no rows, CSV that is not UTF-8 or not
    well-formed, duplicated column names (pandas would silently rename them ``x.1``), a file that is
    not Parquet, and Parquet columns of nested types (lists, structs, maps).
    """
    kind = table_format(path)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"DATA file {str(path)!r} does not exist")
    if path.stat().st_size == 0:
        raise ValueError(f"DATA file {str(path)!r} is empty; it needs a header line and rows")
    frame = _read_parquet(path) if kind == "parquet" else _read_csv(path)
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise ValueError(f"DATA file {str(path)!r} has a header but no rows")
    return frame


def _duplicated(names):
    seen, repeated = set(), []
    for name in map(str, names):
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError(
            f"DATA has duplicated column names {', '.join(map(repr, repeated))}; "
            "rename them so that every column has its own name"
        )


def _read_csv(path):
    import pandas as pd

    try:
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
        _duplicated(header.iloc[0].tolist())
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"DATA file {str(path)!r} is empty; it needs a header line and rows") from None
    except UnicodeDecodeError:
        raise ValueError(_not_utf8(path)) from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"DATA file {str(path)!r} is not well-formed CSV: {one_line(exc)}") from None


def _not_utf8(path):
    """Where the first byte that is not UTF-8 is (the decoder's own position is per chunk)."""
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return (
            f"DATA file {str(path)!r} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
            f"{line}); save it as UTF-8"
        )
    return f"DATA file {str(path)!r} is not UTF-8 text; save it as UTF-8"  # pragma: no cover


def _read_parquet(path):
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(
            f"DATA file {str(path)!r} is not a readable Parquet file ({one_line(exc)})"
        ) from None
    _duplicated(schema.names)
    for field in schema:
        if pa.types.is_nested(field.type):
            raise ValueError(
                f"DATA column {field.name!r} has the nested Parquet type "
                f"{field.type}; regtune reads flat columns (numbers, text, booleans): "
                "flatten or drop it"
            )
    return pd.read_parquet(path)


def one_line(message):
    """The first non-empty line of ``message`` (error texts of other libraries may be longer)."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def split_target(frame, target):
    """``(X, y)``: all columns but ``target``, and ``target``."""
    from .._data_checks import check_columns

    check_columns(frame, [target])
    return frame.drop(columns=[target]), frame[target]


def leave_out(X, ignore, target):
    """``X`` without the ``--ignore`` columns, or a one-line ValueError naming the option."""
    from .._data_checks import check_columns

    ignore = list(ignore or ())
    if target in ignore:
        raise ValueError(f"--ignore names the target {target!r}; the target is never a feature")
    check_columns(X, ignore, what="--ignore column")
    return X.drop(columns=ignore)


def ignore_option(command):
    """The ``--ignore COL`` option (repeatable, or comma-separated) of ``tune`` and ``fit``."""
    return click.option(
        "--ignore",
        type=CommaList(),
        multiple=True,
        callback=lambda ctx, param, value: [name for names in value for name in names],
        help="A column to leave out of the features (an id, another target); repeat it for more "
        "(--ignore id --ignore sold, or --ignore id,sold). The model does not need it to predict.",
    )(command)


# How the data checks' messages name the options (the library's words are categorical=, cv=).
CLI_FLAGS = {"categorical": "--categorical", "cv": "--cv "}


def check_training_table(X, y, target, *, categorical=None, task=None, cv=None):
    """What ``tune`` and ``fit`` check in DATA before the library call, in the command line's words.

    The library checks the same, naming its Python arguments; checking here first makes the one
    line a command prints name ``DATA`` and ``--categorical``.
    """
    from .._data_checks import check_columns, check_training_data

    if categorical is not None:
        check_columns(X, categorical)
    if X.shape[1] == 0:
        raise ValueError(f"DATA has no column besides the target {target!r}; a model needs inputs")
    check_training_data(X, y, target, categorical=categorical, task=task, cv=cv, flags=CLI_FLAGS)


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
    database = storage[len("sqlite:///") :].split("?", 1)[0]
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
        raise ValueError(f"duration must look like 90s, 10m, 2h, 1h30m or a number of seconds, got {text!r}")
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


# The -o option of the commands that write a table (predict, encode).
table_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV or Parquet file to write.",
)


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


def read_toml(path, what):
    """A TOML file as a dict, or a one-line ValueError naming ``what`` (``--space``, ``--params``)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{what} file {str(path)!r} is not valid TOML: {one_line(exc)}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{what} file {str(path)!r} is not UTF-8 text; save it as UTF-8") from None
