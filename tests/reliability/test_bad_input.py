"""Bad input, table-driven, through the CLI (in-process, click's CliRunner) and the Python API.

Every CLI case builds its input files in its own folder, runs one ``regtune`` command and checks:
the exit code; for an error, exactly one stderr line, equal to the expected line (``{*}`` in the
expected line stands for any text, used only where another library words the reason); no
"Traceback" anywhere; and no file under the output folder (nothing half-written). A case that is
not an error states its documented behaviour and checks it against an oracle computed here (the
loaded model's own transform, a NumPy median, the predictions on the well-formed table).

``docs/reliability.md`` ("Bad input") is the same table in prose. Rows are counted from 1, the header
not included.
"""

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import regtune
from regtune.cli import main
from regtune.encoding import TargetEncoder
from regtune.exceptions import ModelFileError
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.tuning import SearchSpace, build_pipeline, worker

TINY_SPACE = "width = 4\nn_layers = 1\nmax_epochs = 2\nbatch_size = 16\nmax_onehot = 0\n"
TINY_PARAMS = (
    "seed = 0\n\n[params]\nwidth = 4\nn_layers = 1\nmax_epochs = 2\nbatch_size = 16\nmax_onehot = 0\n"
)
API_SPACE = {"width": 4, "n_layers": 1, "max_epochs": 2, "batch_size": 16, "max_onehot": 0}
CLOSED_PORT_URL = "postgresql://user:secret@127.0.0.1:9/db"  # port 9 (discard): nothing listens
COLUMNS = "x1, x2, city, y"
NOT_FINITE = "numbers must be finite (leave a cell empty for a missing value)"
LOOKS_NUMERIC = (
    "write numbers with a decimal point and no thousands separator, leave missing "
    "cells empty, or list the column in {flag} to treat it as text"
)
KNOWN = (
    "decay_per_step, dropout, batch_norm, bn_momentum, numeric_embedding, n_members, "
    "learning_rate_init, n_layers, width, batch_size, max_epochs, smooth, alpha_per_row, "
    "l1_per_row, beta_1, beta_2, max_onehot, numeric_scaling, clip"
)
KNOWN_LIST = str(sorted(KNOWN.split(", ")))
DURATION = "duration must look like 90s, 10m, 2h, 1h30m or a number of seconds"


def table(n=40):
    """The well-formed table every case starts from: 2 numeric, 1 text column, a binary target."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x1": rng.normal(size=n).round(3),
            "x2": rng.integers(0, 100, n),
            "city": rng.choice(["a", "b", "c"], n),
            "y": np.array(["no", "yes"])[np.arange(n) % 2],
        }
    )


# --- how a case builds its files: each builder takes (case folder, shared) ----------------------


def text(content, name="data.csv"):
    return lambda d, shared: (d / name).write_text(content, encoding="utf-8")


def raw(content, name="data.csv"):
    return lambda d, shared: (d / name).write_bytes(content)


def edited(edit, name="data.csv"):
    """The table, changed by ``edit(frame) -> frame``, written as CSV (or Parquet by the name)."""

    def build(d, shared):
        frame = edit(table())
        if name.endswith(".parquet"):
            frame.to_parquet(d / name, index=False)
        else:
            frame.to_csv(d / name, index=False)

    return build


def arrow(columns, name="data.parquet"):
    return lambda d, shared: pq.write_table(
        pa.Table.from_arrays(list(columns.values()), names=[k.split("#")[0] for k in columns]), d / name
    )


def several(*builders):
    def build(d, shared):
        for b in builders:
            b(d, shared)

    return build


def setting(frame, column, row, value):
    """``frame`` with ``column`` at ``row`` (counted from 1) set to ``value``."""
    frame[column] = frame[column].astype(object)
    frame.loc[row - 1, column] = value
    return frame


def setting_number(frame, column, row, value):
    """``frame`` with the numeric ``column`` at ``row`` (counted from 1) set to ``value``, dtype kept."""
    frame.loc[row - 1, column] = value
    return frame


def nothing(d, shared):
    """No input file: the case is all in its command line."""


def copy_db(d, shared):
    """The shared study database, copied with SQLite's backup (its WAL may hold recent writes)."""
    source, target = sqlite3.connect(shared.db_file), sqlite3.connect(d / "studies.db")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def truncated_model(d, shared):
    data = shared.model.read_bytes()
    (d / "cut.regtune").write_bytes(data[: len(data) // 2])


# --- what a case that is not an error checks -------------------------------------------------


def check_bom(d, out, shared):
    written = pd.read_csv(out / "e.csv")
    assert list(written.columns) == ["x1", "x2", "city", "y"], "the BOM is not part of 'x1'"
    assert len(written) == 40


def check_constant_scaled_to_zero(d, out, shared):
    model = regtune.load(out / "m.regtune")
    frame = pd.read_csv(d / "data.csv")
    names = list(model[:-1].get_feature_names_out())
    scaled = model[:-1].transform(frame.drop(columns="y"))[:, names.index("numeric__x3")]
    np.testing.assert_array_equal(scaled, np.zeros(40))
    assert np.isfinite(model.predict_proba(frame.drop(columns="y"))).all()


def check_na_is_missing(d, out, shared):
    model = regtune.load(out / "m.regtune")
    scaler = model.named_steps["preprocess"].named_transformers_["numeric"]
    x1 = table()["x1"].to_numpy().copy()
    x1[3] = np.nan
    assert scaler.median_[0] == np.nanmedian(x1), "n/a is imputed like an empty cell"
    assert "numeric__missingindicator_x1" in model[:-1].get_feature_names_out()


def check_listed_text_is_encoded(d, out, shared):
    model = regtune.load(out / "m.regtune")
    columns = {n: list(c) for n, _, c in model.named_steps["preprocess"].transformers_}
    assert columns["categorical"] == ["city", "x1"] and columns["numeric"] == ["x2"]


def check_mixed_read_as_text(d, out, shared):
    model = regtune.load(out / "m.regtune")
    encoder = model.named_steps["preprocess"].named_transformers_["categorical"]
    assert encoder.categories_[0].tolist() == ["7", "a", "b", "c"], "7 is the text '7'"


def check_all_missing_column(d, out, shared):
    model = regtune.load(out / "m.regtune")
    names = list(model[:-1].get_feature_names_out())
    assert "numeric__x1" in names and "numeric__missingindicator_x1" in names
    frame = pd.read_csv(d / "data.csv").drop(columns="y")
    np.testing.assert_array_equal(model[:-1].transform(frame)[:, names.index("numeric__x1")], np.zeros(40))


def _predictions(out):
    return pd.read_csv(out / "p.csv")["prediction"]


def check_prior_for_row_1(d, out, shared):
    model = regtune.load(shared.model)
    frame = pd.read_csv(d / "data.csv")
    pre = model.named_steps["preprocess"]
    encoder = pre.named_transformers_["categorical"].target_encoder_  # max_onehot = 0: target-encoded
    encoded = pre.transform(frame.drop(columns="y"))[:, 0]
    assert encoded[0] == encoder.target_mean_, "an unseen (or missing) category gets the prior"
    seen = frame["city"].iloc[1]
    assert encoded[1] == encoder.encodings_[0][encoder.categories_[0].tolist().index(seen), 0]
    assert _predictions(out).tolist() == model.predict(frame.drop(columns="y")).tolist()


def check_same_as_well_formed(d, out, shared):
    expected = regtune.load(shared.model).predict(table().drop(columns="y"))
    assert _predictions(out).tolist() == expected.tolist()


def check_median_imputed(d, out, shared):
    model = regtune.load(shared.model)
    median = np.median(table()["x1"])  # the training median of x1 (the model saw no NaN there)
    scaler = model.named_steps["preprocess"].named_transformers_["numeric"]
    assert scaler.median_[0] == median
    filled = table().drop(columns="y").assign(x1=median)
    assert _predictions(out).tolist() == model.predict(filled).tolist()


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input: files, command line, and the expected line (or documented behaviour)."""

    id: str
    build: object
    argv: tuple
    expected: str | None  # the whole stderr line; None: not an error, see ``check``
    behaviour: str = ""
    check: object = None


def tune_options(space="{space}", storage="sqlite:///{dir}/s.db", cv="2"):
    """A 1-trial, 2-epoch tuning run whose outputs would go to the output folder."""
    return ("--trials", "1", "--cv", cv, "--space", space, "--storage", storage, "--out", "{out}/tuned", "-q")


TUNE = tune_options()
SPACE = tune_options(space="{dir}/s.toml")
UNREACHABLE = tune_options(storage=CLOSED_PORT_URL)
FIT = ("--params", "{params}", "-o", "{out}/m.regtune")
D = "{dir}/data.csv"

CASES = [
    # reading DATA
    Case(
        "empty_file",
        raw(b""),
        ("tune", D, "--target", "y", *TUNE),
        f"Error: DATA file '{D}' is empty; it needs a header line and rows",
    ),
    Case(
        "blank_lines_only",
        raw(b"\n\n\n"),
        ("encode", D, "--target", "y", "-o", "{out}/e.csv"),
        f"Error: DATA file '{D}' is empty; it needs a header line and rows",
    ),
    Case(
        "header_only",
        text("x1,x2,city,y\n"),
        ("tune", D, "--target", "y", *TUNE),
        f"Error: DATA file '{D}' has a header but no rows",
    ),
    Case(
        "header_only_parquet",
        edited(lambda f: f.iloc[:0], "data.parquet"),
        ("predict", "{model}", "{dir}/data.parquet", "-o", "{out}/p.csv"),
        "Error: DATA file '{dir}/data.parquet' has a header but no rows",
    ),
    Case(
        "not_utf8",
        raw("x1,city,y\n1,a,no\n2,café,yes\n".encode("latin-1")),
        ("encode", D, "--target", "y", "-o", "{out}/e.csv"),
        f"Error: DATA file '{D}' is not UTF-8 text (byte 0xe9 on line 3); save it as UTF-8",
    ),
    Case(
        "utf8_with_bom",
        lambda d, s: (d / "data.csv").write_bytes(table().to_csv(index=False).encode("utf-8-sig")),
        ("encode", D, "--target", "y", "-o", "{out}/e.csv"),
        None,
        "accepted: the byte-order mark is skipped, the first column is 'x1'",
        check_bom,
    ),
    Case(
        "duplicated_names_csv",
        text("x1,x2,x1,y\n1,2,3,no\n4,5,6,yes\n"),
        ("tune", D, "--target", "y", *TUNE),
        "Error: DATA has duplicated column names 'x1'; rename them so that every column has its own name",
    ),
    Case(
        "duplicated_names_parquet",
        arrow({"a": pa.array([1.0, 2.0]), "a#2": pa.array([3.0, 4.0]), "y": pa.array(["no", "yes"])}),
        ("encode", "{dir}/data.parquet", "--target", "y", "-o", "{out}/e.csv"),
        "Error: DATA has duplicated column names 'a'; rename them so that every column has its own name",
    ),
    Case(
        "nested_list_parquet",
        arrow({"tags": pa.array([[1, 2], [3]]), "y": pa.array(["no", "yes"])}),
        ("encode", "{dir}/data.parquet", "--target", "y", "-o", "{out}/e.csv"),
        "Error: DATA column 'tags' has the nested Parquet type list<element: int64>; regtune reads "
        "flat columns (numbers, text, booleans): flatten or drop it",
    ),
    Case(
        "nested_struct_parquet",
        arrow(
            {"x1": pa.array([1.0, 2.0]), "s": pa.array([{"a": 1}, {"a": 2}]), "y": pa.array(["no", "yes"])}
        ),
        ("tune", "{dir}/data.parquet", "--target", "y", *TUNE),
        "Error: DATA column 's' has the nested Parquet type struct<a: int64>; regtune reads flat "
        "columns (numbers, text, booleans): flatten or drop it",
    ),
    Case(
        "not_parquet",
        raw(b"PAR1 this is not parquet", "data.parquet"),
        ("predict", "{model}", "{dir}/data.parquet", "-o", "{out}/p.csv"),
        "Error: DATA file '{dir}/data.parquet' is not a readable Parquet file ({*})",
    ),
    Case(
        "ragged_csv",
        text("x1,y\n1,no\n2,yes,3,4\n"),
        ("tune", D, "--target", "y", *TUNE),
        f"Error: DATA file '{D}' is not well-formed CSV: Error tokenizing data. C error: "
        "Expected 2 fields in line 3, saw 4",
    ),
    Case(
        "wrong_suffix",
        text("x1,y\n1,no\n", "data.txt"),
        ("tune", "{dir}/data.txt", "--target", "y", *TUNE),
        "Error: DATA must be a .csv or .parquet file, got '{dir}/data.txt'",
    ),
    Case(
        "data_file_missing",
        nothing,
        ("predict", "{model}", "{dir}/none.csv", "-o", "{out}/p.csv"),
        "Error: DATA file '{dir}/none.csv' does not exist",
    ),
    # the target
    Case(
        "target_column_missing",
        edited(lambda f: f),
        ("tune", D, "--target", "price", *TUNE),
        f"Error: column 'price' not found; columns are: {COLUMNS}",
    ),
    Case(
        "target_all_nan",
        edited(lambda f: f.assign(y=np.nan)),
        ("tune", D, "--target", "y", *TUNE),
        "Error: target column 'y' is empty: all 40 values are missing",
    ),
    Case(
        "target_some_nan",
        edited(lambda f: setting(setting(f, "y", 3, None), "y", 7, None)),
        ("encode", D, "--target", "y", "-o", "{out}/e.csv"),
        "Error: target column 'y' has 2 missing values (first at row 3); drop those rows or fill them in",
    ),
    Case(
        "target_one_class",
        edited(lambda f: f.assign(y="yes")),
        ("tune", D, "--target", "y", *TUNE),
        "Error: target column 'y' holds a single value ('yes'); a model needs at least 2 distinct values",
    ),
    Case(
        "target_constant_number",
        edited(lambda f: f.assign(y=1)),
        ("fit", D, "--target", "y", *FIT),
        "Error: target column 'y' holds a single value (1); a model needs at least 2 distinct values",
    ),
    Case(
        "target_infinite",
        edited(lambda f: setting(f.assign(y=f["x1"]), "y", 1, np.inf)),
        ("tune", D, "--target", "y", "--task", "regression", *TUNE),
        f"Error: target column 'y' has 1 infinite value (first at row 1); {NOT_FINITE}",
    ),
    Case(
        "class_smaller_than_cv",
        edited(lambda f: setting(setting(f, "y", 1, "maybe"), "y", 2, "maybe")),
        ("tune", D, "--target", "y", *tune_options(cv="3")),
        "Error: target class 'maybe' has 2 rows, but --cv 3 needs at least 3 rows of every class; "
        "lower --cv or drop the class",
    ),
    Case(
        "only_the_target",
        edited(lambda f: f[["y"]]),
        ("tune", D, "--target", "y", *TUNE),
        "Error: DATA has no column besides the target 'y'; a model needs inputs",
    ),
    # numeric columns
    Case(
        "constant_numeric_column",
        edited(lambda f: f.assign(x3=5.0)),
        ("fit", D, "--target", "y", *FIT),
        None,
        "accepted: scaled to 0 in every row (a column without spread gets scale_ = inf)",
        check_constant_scaled_to_zero,
    ),
    Case(
        "stray_decimal_comma",
        edited(lambda f: setting(f, "x1", 4, "12,5")),
        ("tune", D, "--target", "y", *TUNE),
        "Error: column 'x1' looks numeric but holds text that is not a number: '12,5' (row 4); "
        + LOOKS_NUMERIC.format(flag="--categorical"),
    ),
    Case(
        "stray_question_mark",
        edited(lambda f: setting(f, "x2", 9, "?")),
        ("encode", D, "--target", "y", "-o", "{out}/e.csv"),
        "Error: column 'x2' looks numeric but holds text that is not a number: '?' (row 9); "
        + LOOKS_NUMERIC.format(flag="--columns"),
    ),
    Case(
        "stray_n_a",
        edited(lambda f: setting(f, "x1", 4, "n/a")),
        ("fit", D, "--target", "y", *FIT),
        None,
        "accepted: 'n/a' (like NA, N/A, NaN, null, an empty cell) is a missing value: imputed "
        "with the median, with a missing-value indicator",
        check_na_is_missing,
    ),
    Case(
        "stray_text_listed_as_categorical",
        edited(lambda f: setting(f, "x1", 4, "12,5")),
        ("fit", D, "--target", "y", "--categorical", "city,x1", *FIT),
        None,
        "accepted: a column listed in --categorical is text on purpose and target-encoded",
        check_listed_text_is_encoded,
    ),
    Case(
        "infinite_value",
        edited(lambda f: setting(f, "x1", 4, np.inf)),
        ("tune", D, "--target", "y", *TUNE),
        f"Error: column 'x1' has 1 infinite value (first at row 4); {NOT_FINITE}",
    ),
    Case(
        "value_1e300",
        edited(lambda f: setting(f, "x1", 4, 1e300)),
        ("fit", D, "--target", "y", *FIT),
        "Error: column 'x1' has 1 value beyond +-1e+150 (first 1e+300 at row 4), too large to "
        "standardize without overflow; rescale the column",
    ),
    Case(
        "all_missing_numeric_column",
        edited(lambda f: f.assign(x1=np.nan)),
        ("fit", D, "--target", "y", *FIT),
        None,
        "accepted: x1 has no value to take a median of, so it is 0 in every row, and its "
        "missing-value indicator is kept",
        check_all_missing_column,
    ),
    # text (categorical) columns
    Case(
        "mixed_types_in_categorical",
        edited(lambda f: setting(f, "city", 1, 7)),
        ("fit", D, "--target", "y", *FIT),
        None,
        "accepted: a CSV column with numbers among text is read as text ('7' is a category)",
        check_mixed_read_as_text,
    ),
    Case(
        "categorical_column_missing",
        edited(lambda f: f),
        ("tune", D, "--target", "y", "--categorical", "city,colour", *TUNE),
        "Error: column 'colour' not found; columns are: x1, x2, city",
    ),
    # predict time
    Case(
        "unseen_category",
        edited(lambda f: setting(f, "city", 1, "zzz")),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        None,
        "accepted: an unseen category is encoded as the prior (the training target mean)",
        check_prior_for_row_1,
    ),
    Case(
        "missing_category",
        edited(lambda f: setting(f, "city", 1, None)),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        None,
        "accepted: a missing category not seen in training is encoded as the prior",
        check_prior_for_row_1,
    ),
    Case(
        "reordered_columns",
        edited(lambda f: f[["y", "city", "x2", "x1"]]),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        None,
        "accepted: columns are matched by name; the predictions are those of the original order",
        check_same_as_well_formed,
    ),
    Case(
        "extra_columns",
        edited(lambda f: f.assign(id=np.arange(40), note="x")),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        None,
        "accepted: columns the model does not use are ignored",
        check_same_as_well_formed,
    ),
    Case(
        "missing_values_at_predict",
        edited(lambda f: f.assign(x1=np.nan)),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        None,
        "accepted: imputed with the training median",
        check_median_imputed,
    ),
    Case(
        "missing_column_at_predict",
        edited(lambda f: f.drop(columns="x2")),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        "Error: DATA lacks the model's columns 'x2'; DATA's columns are: x1, city, y",
    ),
    Case(
        "text_in_numeric_at_predict",
        edited(lambda f: setting(f, "x1", 1, "abc")),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        "Error: column 'x1' must be numeric, as it was when the model was trained, but holds "
        "text such as 'abc' (row 1)",
    ),
    Case(
        "infinite_at_predict",
        edited(lambda f: setting(f, "x2", 2, -np.inf)),
        ("predict", "{model}", D, "-o", "{out}/p.csv"),
        f"Error: column 'x2' has 1 infinite value (first at row 2); {NOT_FINITE}",
    ),
    Case(
        "junk_model_file",
        raw(b"not a model", "junk.regtune"),
        ("predict", "{dir}/junk.regtune", "{good}", "-o", "{out}/p.csv"),
        "Error: {dir}/junk.regtune: not a regtune model file (missing the REGTUNE-MODEL header)",
    ),
    Case(
        "truncated_model_file",
        truncated_model,
        ("predict", "{dir}/cut.regtune", "{good}", "-o", "{out}/p.csv"),
        "Error: {dir}/cut.regtune: truncated or padded model file: expected {*} bytes of model, found {*}",
    ),
    # search-space and params files
    Case(
        "space_unknown_name",
        text("widht = 8\n", "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        f"Error: space has no hyperparameter 'widht'; known names: {KNOWN_LIST}",
    ),
    Case(
        "space_empty_range",
        text("width = {low = 64, high = 8}\n", "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        "Error: space['width'] is an empty range: low=64 > high=8",
    ),
    Case(
        "space_empty_choices",
        text("n_layers = {choices = []}\n", "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        "Error: space['n_layers']['choices'] must not be empty, got []",
    ),
    Case(
        "space_out_of_limits",
        text("dropout = 1.5\n", "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        "Error: space['dropout'] must be in [0.0, 1.0), got 1.5",
    ),
    Case(
        "space_not_toml",
        text("width = \n", "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        "Error: --space file '{dir}/s.toml' is not valid TOML: Invalid value (at line 1, column 9)",
    ),
    Case(
        "space_wrong_type",
        text('width = "big"\n', "s.toml"),
        ("tune", "{good}", "--target", "y", *SPACE),
        "Error: space['width'] must be an integer, got 'big'",
    ),
    Case(
        "params_unknown_name",
        text("widht = 8\n", "p.toml"),
        ("fit", "{good}", "--target", "y", "--params", "{dir}/p.toml", "-o", "{out}/m.regtune"),
        f"Error: --params file '{{dir}}/p.toml' has unknown hyperparameter names 'widht'; known "
        f"names: {KNOWN}",
    ),
    Case(
        "params_out_of_range",
        text("dropout = 1.5\n", "p.toml"),
        ("fit", "{good}", "--target", "y", "--params", "{dir}/p.toml", "-o", "{out}/m.regtune"),
        "Error: --params file '{dir}/p.toml': space['dropout'] must be in [0.0, 1.0), got 1.5",
    ),
    # durations
    Case(
        "duration_unknown_unit",
        nothing,
        ("tune", "{good}", "--target", "y", "--timeout", "10x", *TUNE),
        f"Error: Invalid value for '--timeout': {DURATION}, got '10x' (see 'regtune tune --help')",
    ),
    Case(
        "duration_zero",
        nothing,
        ("tune", "{good}", "--target", "y", "--timeout", "0", *TUNE),
        "Error: Invalid value for '--timeout': duration must be positive, got '0' (see 'regtune "
        "tune --help')",
    ),
    Case(
        "duration_part_without_unit",
        nothing,
        ("tune", "{good}", "--target", "y", "--trial-timeout", "1h30", *TUNE),
        "Error: Invalid value for '--trial-timeout': duration must give a unit for every part, "
        "got '1h30' (see 'regtune tune --help')",
    ),
    Case(
        "duration_negative",
        nothing,
        ("worker", "--storage", "{db}", "--study", "bi", "--timeout", "-5s"),
        f"Error: Invalid value for '--timeout': {DURATION}, got '-5s' (see 'regtune worker --help')",
    ),
    # storage and studies
    Case(
        "storage_unreachable_tune",
        nothing,
        ("tune", "{good}", "--target", "y", *UNREACHABLE),
        "Error: cannot use the storage postgresql://user:***@127.0.0.1:9/db: connection to "
        'server at "127.0.0.1", port 9 failed: Connection refused',
    ),
    Case(
        "storage_unreachable_worker",
        nothing,
        ("worker", "--storage", CLOSED_PORT_URL, "--study", "bi"),
        "Error: cannot use the storage postgresql://user:***@127.0.0.1:9/db: connection to "
        'server at "127.0.0.1", port 9 failed: Connection refused',
    ),
    Case(
        "storage_unreachable_studies",
        nothing,
        ("studies", "--storage", CLOSED_PORT_URL),
        "Error: cannot use the storage postgresql://user:***@127.0.0.1:9/db: connection to "
        'server at "127.0.0.1", port 9 failed: Connection refused',
    ),
    Case(
        "storage_not_a_url",
        nothing,
        ("studies", "--storage", "regtune.db"),
        "Error: storage must be a database URL such as 'sqlite:///regtune.db' or "
        "'postgresql://user:password@host/db', got 'regtune.db'",
    ),
    Case(
        "storage_sqlite_file_missing",
        nothing,
        ("report", "--storage", "sqlite:///{dir}/none.db", "--study", "bi", "-o", "{out}/r.html"),
        "Error: storage file '{dir}/none.db' does not exist (storage 'sqlite:///{dir}/none.db'); "
        "pass --storage with the URL that tune used",
    ),
    Case(
        "study_missing_report",
        nothing,
        ("report", "--storage", "{db}", "--study", "nope", "-o", "{out}/r.html"),
        "Error: study 'nope' not found in {db}; studies there: 'bi'",
    ),
    Case(
        "study_missing_worker",
        nothing,
        ("worker", "--storage", "{db}", "--study", "nope"),
        "Error: study 'nope' does not exist in {db}; create it with tune",
    ),
    Case(
        "study_missing_fit",
        nothing,
        (
            "fit",
            "{good}",
            "--params",
            "best",
            "--storage",
            "{db}",
            "--study",
            "nope",
            "-o",
            "{out}/m.regtune",
        ),
        "Error: study 'nope' not found in {db}; studies there: 'bi'",
    ),
    Case(
        "study_reused_with_other_data",
        several(copy_db, edited(lambda f: f.iloc[:30])),
        ("tune", D, "--target", "y", "--study", "bi", *tune_options(storage="sqlite:///{dir}/studies.db")),
        "Error: study 'bi' was tuned on other data (rows: stored 40, now 30); resume it with the same "
        "data and target, or start a new study under another name (study_name=, --study NAME)",
    ),
]


@dataclass
class Shared:
    """One tiny tuned study and its model, made once for the module."""

    root: Path
    good: Path
    space: Path
    params: Path
    db_file: Path
    model: Path

    @property
    def db(self):
        return f"sqlite:///{self.db_file}"


def invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True, prog_name="regtune")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    good = root / "good.csv"
    table().to_csv(good, index=False)
    (root / "space.toml").write_text(TINY_SPACE)
    (root / "params.toml").write_text(TINY_PARAMS)
    result = invoke(
        [
            "tune",
            good,
            "--target",
            "y",
            "--trials",
            1,
            "--cv",
            2,
            "--space",
            root / "space.toml",
            "--storage",
            f"sqlite:///{root / 'studies.db'}",
            "--study",
            "bi",
            "--final-model",  # the checks read the pipeline's steps
            "refit",
            "--out",
            root / "tuned",
            "-q",
        ]
    )
    assert result.exit_code == 0, result.output
    return Shared(
        root,
        good,
        root / "space.toml",
        root / "params.toml",
        root / "studies.db",
        root / "tuned" / "model.regtune",
    )


def fill(template, places):
    for name, value in places.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def matches(line, expected):
    """``line`` equals ``expected``, where ``{*}`` in ``expected`` stands for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("{*}"))
    return re.fullmatch(pattern, line) is not None


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _param(case):
    return pytest.param(case, id=case.id)


def test_the_table_is_large_and_distinct():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_cli(case, shared, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default sqlite:///regtune.db would land here, not in the repo
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    case.build(folder, shared)
    places = {
        "dir": folder,
        "out": out,
        "model": shared.model,
        "db": shared.db,
        "good": shared.good,
        "space": shared.space,
        "params": shared.params,
    }
    result = invoke([fill(a, places) for a in case.argv])
    assert "Traceback" not in result.output
    assert "secret" not in result.output
    lines = result.stderr.splitlines()
    if case.expected is None:
        assert result.exit_code == 0, (result.output, result.exception)
        assert all(line.startswith("Warning: ") for line in lines), result.stderr
        case.check(folder, out, shared)
        return
    assert result.exit_code == 1, (result.output, result.exception)
    assert len(lines) == 1, result.stderr
    expected = fill(case.expected, places)
    assert matches(lines[0], expected), f"\n got: {lines[0]}\nwant: {expected}"
    assert files_under(out) == [], "nothing half-written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"], "nothing in the cwd"


# --- the same cases through the Python API ------------------------------------------------------


def _tune(X, y, **options):
    kwargs = {
        "n_trials": 1,
        "cv": 2,
        "storage": "sqlite:///:memory:",
        "space": API_SPACE,
        "progress": False,
        **options,
    }
    return regtune.tune(X, y, **kwargs)


def _xy(edit=lambda f: f):
    frame = edit(table())
    return frame.drop(columns="y"), frame["y"]


@dataclass(frozen=True)
class Api:
    id: str
    call: object  # call(shared, tmp_path)
    raises: type | None
    match: str | None = None


def _unseen_gets_prior(shared, tmp_path):
    X, y = _xy()
    encoder = TargetEncoder().fit(X[["city"]], y)
    encoded = encoder.transform(pd.DataFrame({"city": ["zzz", None]}))
    np.testing.assert_array_equal(encoded[:, 0], [encoder.target_mean_] * 2)


def _reordered_predict(shared, tmp_path):
    model = regtune.load(shared.model)
    X, _ = _xy()
    assert model.predict(X[["city", "x2", "x1"]]).tolist() == model.predict(X).tolist()


def _constant_column(shared, tmp_path):
    X, y = _xy(lambda f: f.assign(x3=5.0))
    pipeline = build_pipeline(API_SPACE, task="binary", categorical=["city"], numeric=["x1", "x2", "x3"]).fit(
        X, y.to_numpy()
    )
    np.testing.assert_array_equal(pipeline[:-1].transform(X)[:, 3], np.zeros(40))


def _load_written(path, content):
    path.write_bytes(content)
    return regtune.load(path)


def _unreachable(call):
    def run(shared, tmp_path):
        import sqlalchemy.exc

        with pytest.raises(sqlalchemy.exc.OperationalError, match="Connection refused") as info:
            call(shared)
        assert "secret" not in str(info.value)

    return run


API_CASES = [
    Api(
        "target_all_nan",
        lambda s, t: _tune(*_xy(lambda f: f.assign(y=np.nan))),
        ValueError,
        r"^y must not contain missing values, got 40$",
    ),
    Api(
        "target_all_nan_encoder",
        lambda s, t: TargetEncoder().fit(*_xy(lambda f: f.assign(y=np.nan))),
        ValueError,
        r"^y must not contain missing values",
    ),
    Api(
        "target_one_class",
        lambda s, t: _tune(*_xy(lambda f: f.assign(y="yes"))),
        ValueError,
        r"^y must have at least 2 distinct values, got 1$",
    ),
    Api(
        "target_one_class_mlp",
        lambda s, t: MLPClassifier().fit(np.ones((4, 1)), [1, 1, 1, 1]),
        ValueError,
        r"^y must hold at least 2 classes to train a classifier; got 1 class",
    ),
    Api(
        "target_one_class_encoder",
        lambda s, t: TargetEncoder(target_type="binary").fit(*_xy(lambda f: f.assign(y="yes"))),
        ValueError,
        r"^a binary target must have exactly 2 classes, got 1 class: \['yes'\]$",
    ),
    Api(
        "target_infinite_encoder",
        lambda s, t: TargetEncoder().fit(np.array([["a"], ["b"], ["a"]]), [1.0, np.inf, 2.0]),
        ValueError,
        r"^y must be finite, got 1 infinite values$",
    ),
    Api(
        "target_infinite_tune",
        lambda s, t: _tune(*_xy(lambda f: setting(f.assign(y=f["x1"]), "y", 1, np.inf)), task="regression"),
        ValueError,
        r"y .*infinite",
    ),
    Api(
        "header_only_mlp",
        lambda s, t: MLPRegressor().fit(np.zeros((0, 2)), []),
        ValueError,
        r"^Found array with 0 sample\(s\)",
    ),
    Api("constant_numeric_column", _constant_column, None),
    Api(
        "mixed_types_in_categorical",
        lambda s, t: TargetEncoder().fit(pd.DataFrame({"c": [1, "a", "b", 2] * 5}), [0, 1] * 10),
        ValueError,
        r"^column 'c' mixes strings and non-strings \(for example 1 and 'a'\); a category "
        r"column must hold one kind of value$",
    ),
    Api("unseen_category", _unseen_gets_prior, None),
    Api("reordered_columns", _reordered_predict, None),
    Api(
        "missing_column_at_predict",
        lambda s, t: regtune.load(s.model).predict(_xy()[0].drop(columns="x2")),
        ValueError,
        r"columns are missing: \{'x2'\}",
    ),
    Api(
        "infinite_value_mlp",
        lambda s, t: MLPClassifier().fit(np.array([[1.0], [np.inf], [2.0], [3.0]]), [0, 1, 0, 1]),
        ValueError,
        r"^Input X contains infinity",
    ),
    Api(
        "infinite_value_tune",
        lambda s, t: _tune(*_xy(lambda f: setting_number(f, "x1", 4, np.inf))),
        ValueError,
        r"x1.*infinite",
    ),
    Api(
        "value_1e300_tune",
        lambda s, t: _tune(*_xy(lambda f: setting_number(f, "x1", 4, 1e300))),
        ValueError,
        r"x1.*1e\+150",
    ),
    Api(
        "duplicated_names_tune",
        lambda s, t: _tune(*_xy(lambda f: pd.concat([f, f[["x1"]]], axis=1))),
        ValueError,
        r"duplicated column names",
    ),
    Api(
        "class_smaller_than_cv",
        lambda s, t: _tune(*_xy(lambda f: setting(f, "y", 1, "maybe"))),
        ValueError,
        r"'maybe'.*cv",
    ),
    Api(
        "space_unknown_name",
        lambda s, t: SearchSpace.from_dict({"widht": 8}),
        ValueError,
        r"^space has no hyperparameter 'widht'; known names: ",
    ),
    Api(
        "space_empty_range",
        lambda s, t: SearchSpace.from_dict({"width": {"low": 64, "high": 8}}),
        ValueError,
        r"^space\['width'\] is an empty range: low=64 > high=8$",
    ),
    Api(
        "space_empty_choices",
        lambda s, t: SearchSpace.from_dict({"n_layers": {"choices": []}}),
        ValueError,
        r"^space\['n_layers'\]\['choices'\] must not be empty, got \[\]$",
    ),
    Api(
        "space_out_of_limits",
        lambda s, t: SearchSpace.from_dict({"dropout": 1.5}),
        ValueError,
        r"^space\['dropout'\] must be in \[0.0, 1.0\), got 1.5$",
    ),
    Api(
        "space_wrong_type",
        lambda s, t: SearchSpace.from_dict({"width": "big"}),
        ValueError,
        r"^space\['width'\] must be an integer, got 'big'$",
    ),
    Api(
        "duration_zero",
        lambda s, t: _tune(*_xy(), timeout=0),
        ValueError,
        r"^timeout must be a positive number of seconds or None, got 0$",
    ),
    Api(
        "duration_negative_worker",
        lambda s, t: worker(s.db, "bi", timeout=-5),
        ValueError,
        r"^timeout must be a positive number of seconds or None, got -5$",
    ),
    Api("storage_unreachable_tune", _unreachable(lambda s: _tune(*_xy(), storage=CLOSED_PORT_URL)), None),
    Api("storage_unreachable_worker", _unreachable(lambda s: worker(CLOSED_PORT_URL, "bi")), None),
    Api(
        "study_missing_worker",
        lambda s, t: worker(s.db, "nope"),
        ValueError,
        r"^study 'nope' does not exist in sqlite:///.*; create it with tune$",
    ),
    Api(
        "junk_model_file",
        lambda s, t: _load_written(t / "junk.regtune", b"not a model"),
        ModelFileError,
        r"junk.regtune: not a regtune model file \(missing the REGTUNE-MODEL header\)$",
    ),
    Api(
        "truncated_model_file",
        lambda s, t: _load_written(t / "cut.regtune", s.model.read_bytes()[:-100]),
        ModelFileError,
        r"cut.regtune: truncated or padded model file: expected \d+ bytes of model, found \d+$",
    ),
]


def test_the_api_table_is_distinct():
    assert len({case.id for case in API_CASES}) == len(API_CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in API_CASES])
def test_api(case, shared, tmp_path):
    if case.raises is None:
        case.call(shared, tmp_path)  # documented behaviour: the call checks it
        return
    with pytest.raises(case.raises, match=case.match):
        case.call(shared, tmp_path)


def test_every_case_is_in_the_documentation():
    """``docs/reliability.md`` ("Bad input") lists every case of both tables, by id."""
    page = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    section = page.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    missing = [case.id for case in [*CASES, *API_CASES] if f"`{case.id}`" not in section]
    assert missing == []
