"""Every error path: one ``Error:`` line on stderr, exit code 1, no traceback, nothing half-written.

Also: durations, ``--help`` with an example for every command, ``encode`` and ``demo``'s wiring.
"""

import numpy as np
import pandas as pd
import pytest
from cli_runner import assert_one_line_error, invoke

from regtune.cli import main
from regtune.cli._io import parse_duration
from regtune.encoding import TargetEncoder

COMMANDS = sorted(main.commands)


def test_every_command_is_there():
    assert COMMANDS == ["demo", "encode", "export", "fit", "predict", "report", "studies", "tune", "worker"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and f"regtune {command}" in result.stdout


def test_group_help_and_version():
    assert "regtune demo" in invoke("--help").stdout
    result = invoke("--version")
    assert result.exit_code == 0 and "regtune, version" in result.stdout


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("45", 45.0),
        ("0.5h", 1800.0),
        ("2M", 120.0),
        ("1h 5s", 3605.0),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "m", "-5s", "0s", "1h30", "ten minutes", "5s5"])
def test_bad_durations_are_rejected(text):
    with pytest.raises(ValueError, match="duration must"):
        parse_duration(text)


def test_missing_target_column(files, tmp_path):
    result = invoke("tune", files / "cps300.csv", "--target", "price", "--out", tmp_path / "o")
    line = assert_one_line_error(result)
    columns = ", ".join(pd.read_csv(files / "cps300.csv").columns)
    assert line == f"Error: column 'price' not found; columns are: {columns}"
    assert not (tmp_path / "o").exists(), "nothing written before the data is checked"


def test_missing_categorical_column(files, tmp_path):
    result = invoke(
        "tune",
        files / "cps300.csv",
        "--target",
        "wage",
        "--categorical",
        "region,colour",
        "--out",
        tmp_path / "o",
    )
    assert_one_line_error(result, "column 'colour' not found; columns are: ")


@pytest.mark.parametrize("name", ["nothere.csv", "data.txt"])
def test_bad_data_file(tmp_path, name):
    (tmp_path / "data.txt").write_text("a,b\n1,2\n")
    result = invoke("tune", tmp_path / name, "--target", "b", "--out", tmp_path / "o")
    assert_one_line_error(
        result, "does not exist" if name == "nothere.csv" else "DATA must be a .csv or .parquet file"
    )


def test_unreadable_csv(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b'a,b\n"1,2\n3,4,5,6\n')
    result = invoke("encode", tmp_path / "bad.csv", "--target", "a", "-o", tmp_path / "e.csv")
    assert_one_line_error(result)
    assert not (tmp_path / "e.csv").exists()


def test_bad_duration_and_usage_errors_are_one_line(files, tmp_path):
    result = invoke("tune", files / "cps300.csv", "--target", "wage", "--timeout", "10x")
    assert_one_line_error(result, "duration must look like", "'regtune tune --help'")
    result = invoke("tune", files / "cps300.csv")
    assert_one_line_error(result, "Missing option '--target'")
    result = invoke("nonsense")
    assert_one_line_error(result, "No such command 'nonsense'")


def test_library_errors_are_one_line(files, tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    result = invoke(
        "tune",
        files / "cps300.csv",
        "--target",
        "wage",
        "--metric",
        "nonsense",
        "--storage",
        storage,
        "--out",
        tmp_path / "o",
    )
    assert_one_line_error(result, "metric must be", "got 'nonsense'")
    result = invoke(
        "tune",
        files / "cps300.csv",
        "--target",
        "wage",
        "--metric",
        "accuracy",
        "--storage",
        storage,
        "--out",
        tmp_path / "o",
    )
    assert_one_line_error(result, "accuracy")
    # every trial fails (a 1 ms trial timeout): the library's RegtuneError, and nothing is saved
    result = invoke(
        "tune",
        files / "cps300.csv",
        "--target",
        "wage",
        "--trials",
        2,
        "--cv",
        2,
        "--trial-timeout",
        "0.001",
        "--space",
        files / "space.toml",
        "--storage",
        storage,
        "--study",
        "slow",
        "--out",
        tmp_path / "o",
        "-q",
    )
    assert_one_line_error(result, "no trial of study 'slow' completed")
    assert list((tmp_path / "o").iterdir()) == []


def test_space_file_missing(files, tmp_path):
    result = invoke("tune", files / "cps300.csv", "--target", "wage", "--space", tmp_path / "s.toml")
    assert_one_line_error(result, "--space file", "does not exist")


def test_unknown_study_lists_the_studies(wages, tmp_path):
    _, storage, _ = wages
    result = invoke("report", "--storage", storage, "--study", "nope", "-o", tmp_path / "r.html")
    assert_one_line_error(result, "study 'nope' not found", "studies there: 'wages'")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", [["report", "--study", "x"], ["studies"], ["worker", "--study", "x"]])
def test_missing_storage_file_is_not_created(tmp_path, command):
    db = tmp_path / "missing.db"
    result = invoke(*command, "--storage", f"sqlite:///{db}")
    assert_one_line_error(result, "storage file", "does not exist")
    assert not db.exists()


def test_unreachable_server_is_one_line():
    result = invoke("studies", "--storage", "postgresql://u:secret@127.0.0.1:9/none")
    line = assert_one_line_error(result)
    assert "secret" not in line


def test_predict_names_missing_columns(wages, files, tmp_path):
    _, _, out = wages
    data = pd.read_csv(files / "cps300.csv").drop(columns=["education", "region"])
    data.to_csv(tmp_path / "partial.csv", index=False)
    result = invoke("predict", out / "model.regtune", tmp_path / "partial.csv", "-o", tmp_path / "p.csv")
    assert_one_line_error(result, "DATA lacks the model's columns 'education', 'region'")
    assert not (tmp_path / "p.csv").exists()


def test_predict_bad_model_files(files, tmp_path):
    (tmp_path / "junk.regtune").write_bytes(b"not a model")
    result = invoke("predict", tmp_path / "junk.regtune", files / "cps300.csv", "-o", tmp_path / "p.csv")
    assert_one_line_error(result, "not a regtune model file")
    result = invoke("predict", tmp_path / "none.regtune", files / "cps300.csv", "-o", tmp_path / "p.csv")
    assert_one_line_error(result, "MODEL file", "does not exist")
    assert not (tmp_path / "p.csv").exists()


def test_predict_proba_on_a_regressor(wages, files, tmp_path):
    _, _, out = wages
    result = invoke(
        "predict", out / "model.regtune", files / "cps300.csv", "-o", tmp_path / "p.csv", "--proba"
    )
    assert_one_line_error(result, "--proba needs a classifier")


def test_predict_bad_output_suffix_and_folder(wages, files, tmp_path):
    _, _, out = wages
    result = invoke("predict", out / "model.regtune", files / "cps300.csv", "-o", tmp_path / "p.xlsx")
    assert_one_line_error(result, "output must be a .csv or .parquet file")
    result = invoke("predict", out / "model.regtune", files / "cps300.csv", "-o", tmp_path / "nope" / "p.csv")
    assert_one_line_error(result, "output folder", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_interrupted_write_leaves_nothing(wages, files, tmp_path, monkeypatch):
    _, _, out = wages

    def broken_to_csv(self, path, **kwargs):
        with open(path, "w") as f:
            f.write("prediction\n1.0\n")  # a partial file ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    result = invoke("predict", out / "model.regtune", files / "cps300.csv", "-o", tmp_path / "p.csv")
    assert_one_line_error(result, "No space left on device")
    assert list(tmp_path.iterdir()) == [], "no output and no temporary file"


def test_fit_errors(files, wages, tmp_path):
    result = invoke("fit", files / "cps300.csv", "--target", "wage", "--params", tmp_path / "p.toml")
    assert_one_line_error(result, "--params must be 'best', 'default' or an existing TOML file")
    (tmp_path / "p.toml").write_text("width = [8, 16]\n")
    result = invoke("fit", files / "cps300.csv", "--target", "wage", "--params", tmp_path / "p.toml")
    assert_one_line_error(result, "single values", "width")
    (tmp_path / "p.toml").write_text("width = 8\n")
    result = invoke("fit", files / "cps300.csv", "--params", tmp_path / "p.toml")
    assert_one_line_error(result, "--target is required with a --params file")
    _, storage, _ = wages
    result = invoke(
        "fit",
        files / "penguins.csv",
        "--params",
        "best",
        "--storage",
        storage,
        "--study",
        "wages",
        "-o",
        tmp_path / "m.regtune",
    )
    assert_one_line_error(
        result, "columns 'wage', 'ethnicity', 'smsa'", "not found; columns are: species, island"
    )
    assert not (tmp_path / "m.regtune").exists()
    # an option the chosen --params form does not read is refused, not ignored
    out = ("-o", tmp_path / "m.regtune")  # where a fit that was not refused would write
    result = invoke("fit", files / "cps300.csv", "--storage", storage, "--study", "wages", "--seed", 3, *out)
    assert_one_line_error(result, "--seed: only with --params default or a TOML file")
    result = invoke(
        "fit", files / "cps300.csv", "--params", "best", "--study", "wages", "--task", "binary",
        "--categorical", "region", *out,
    )  # fmt: skip
    assert_one_line_error(result, "--categorical, --task: only with --params default or a TOML file")
    fit_default = ("fit", files / "cps300.csv", "--target", "wage", "--params", "default")
    result = invoke(*fit_default, "--study", "w", *out)
    assert_one_line_error(result, "--study: only with --params best")
    assert not (tmp_path / "m.regtune").exists()


def test_unexpected_errors_are_one_line_with_a_hint(files, monkeypatch, tmp_path):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("regtune.tuning.tune", bug)
    result = invoke("tune", files / "cps300.csv", "--target", "wage", "--out", tmp_path / "out")
    assert_one_line_error(result, "internal error (ZeroDivisionError: division by zero)", "REGTUNE_DEBUG=1")
    out = ("--out", tmp_path / "out")
    result = invoke("tune", files / "cps300.csv", "--target", "wage", *out, env={"REGTUNE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError), "the traceback is there when asked"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_encode_is_the_library_encoder_out_of_fold(files, tmp_path, suffix):
    target = tmp_path / f"encoded.{suffix}"
    result = invoke(
        "encode", files / "penguins.csv", "--target", "species", "-o", target, "--cv", 3, "--seed", 2
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(target) if suffix == "csv" else pd.read_parquet(target)
    data = pd.read_csv(files / "penguins.csv")
    encoder = TargetEncoder(cv=3, random_state=2)
    expected = encoder.fit_transform(data[["island", "sex"]], data["species"].to_numpy())
    classes = sorted(data["species"].unique())
    names = [f"{c}_{k}" for c in ("island", "sex") for k in classes]
    assert list(written.columns) == [
        "species",
        *names[:3],
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        *names[3:],
        "year",
    ]
    np.testing.assert_allclose(written[names].to_numpy(), expected, rtol=1e-12)
    pd.testing.assert_series_equal(written["bill_length_mm"], data["bill_length_mm"])


def test_encode_errors(files, tmp_path):
    numeric = pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    numeric.to_csv(tmp_path / "n.csv", index=False)
    result = invoke("encode", tmp_path / "n.csv", "--target", "y", "-o", tmp_path / "e.csv")
    assert_one_line_error(result, "no non-numeric column to encode")
    result = invoke(
        "encode", files / "penguins.csv", "--target", "species", "--columns", "isle", "-o", tmp_path / "e.csv"
    )
    assert_one_line_error(result, "column 'isle' not found")
    result = invoke(
        "encode", files / "penguins.csv", "--target", "species", "--smooth", "lots", "-o", tmp_path / "e.csv"
    )
    assert_one_line_error(result, "--smooth must be 'auto' or a number >= 0, got 'lots'")
    assert not (tmp_path / "e.csv").exists()


def test_demo_tunes_the_bundled_data_in_a_fresh_study(tmp_path, monkeypatch):
    """The demo's wiring (its real run, about 2.5 minutes, is timed in docs/cli.md)."""
    import optuna

    calls = []

    def fake_run_tune(frame, target, **kwargs):
        calls.append((frame.shape, target, kwargs))

    monkeypatch.setattr("regtune.cli._tuning.run_tune", fake_run_tune)
    out = tmp_path / "demo"
    out.mkdir()
    storage = f"sqlite:///{(out / 'demo.db').resolve()}"
    optuna.create_study(study_name="demo", storage=storage).set_user_attr("old", True)
    result = invoke("demo", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert "demo" not in optuna.get_all_study_names(storage), "the previous demo study is gone"
    ((shape, target, kwargs),) = calls
    assert shape == (28155, 7) and target == "wage"
    assert kwargs["storage"] == storage and kwargs["study_name"] == "demo"
    assert kwargs["timeout"] <= 120 and kwargs["progress"] is False
    assert kwargs["data_path"].endswith("cps1988.csv")


@pytest.mark.parametrize(("flags", "stop"), [((), True), (("--full-budget",), False)])
def test_full_budget_switches_off_ending_a_converged_search(files, tmp_path, monkeypatch, flags, stop):
    calls = []

    def fake_run_tune(frame, target, **kwargs):
        calls.append(kwargs)
        return type("Result", (), {"study": None})()

    monkeypatch.setattr("regtune.cli._tuning.run_tune", fake_run_tune)
    monkeypatch.setattr("regtune.cli._tuning._note_unused_time", lambda *args: None)
    args = ("tune", files / "cps300.csv", "--target", "wage", "--timeout", "30s", "--out", tmp_path)
    result = invoke(*args, *flags, "-q")
    assert result.exit_code == 0, result.output
    ((kwargs,),) = [calls]
    assert kwargs["stop_when_converged"] is stop
