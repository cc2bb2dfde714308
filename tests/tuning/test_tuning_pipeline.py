"""What tune infers and builds: task, column kinds, the pipeline, the metric, storage URLs."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression, Ridge

from regtune._data import as_frame, detect_columns
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.preprocessing import CategoricalEncoder, NumericScaler
from regtune.tuning import build_pipeline, column_encodings, infer_task, mask_password
from regtune.tuning._metrics import log_loss, resolve_metric


@pytest.mark.parametrize(
    ("y", "task"),
    [
        ([0, 1, 1, 0], "binary"),
        (["yes", "no", "no"], "binary"),
        ([True, False, True], "binary"),
        (["a", "b", "c", "a"], "multiclass"),
        ([1, 2, 3, 2], "multiclass"),
        ([0.5, 1.5, 2.0], "regression"),
        (list(range(30)), "regression"),  # more than 20 distinct integers
    ],
)
def test_infer_task(y, task):
    assert infer_task(pd.Series(y)) == task


def test_infer_task_errors():
    with pytest.raises(ValueError, match="at least 2 distinct values, got 1"):
        infer_task(pd.Series(["a", "a"]))
    with pytest.raises(ValueError, match="task must be one of"):
        infer_task(pd.Series([0, 1]), "ranking")


def test_detect_columns_from_dtypes_or_names():
    X = pd.DataFrame(
        {
            "obj": pd.Series(["a", "b"], dtype=object),
            "string": pd.Series(["a", "b"], dtype="string"),
            "cat": pd.Series(["a", "b"], dtype="category"),
            "flag": [True, False],
            "num": [1.0, 2.0],
            "count": [1, 2],
        }
    )
    assert detect_columns(X) == (["obj", "string", "cat", "flag"], ["num", "count"])
    assert detect_columns(X[["num", "count"]], ["count"]) == (["count"], ["num"])
    with pytest.raises(ValueError, match=r"columns that X does not have: \['x'\]"):
        detect_columns(X, ["x"])
    with pytest.raises(ValueError, match=r"not numeric: \['obj', 'cat', 'flag'\]"):
        detect_columns(X, ["string"])


def test_pandas_3_string_columns_are_categorical(penguins):
    X, _ = penguins
    categorical, numeric = detect_columns(X)
    assert categorical == ["island", "sex"]
    assert "bill_length_mm" in numeric


def test_as_frame_from_numpy_and_polars():
    pl = pytest.importorskip("polars", reason="polars is a test dependency of regtune")
    X, y = as_frame(np.arange(6.0).reshape(3, 2), np.array([0, 1, 0]))
    assert list(X.columns) == ["x0", "x1"] and y.name == "target"
    Xp, yp = as_frame(pl.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"]}), pl.Series("t", [0, 1]))
    assert list(Xp.columns) == ["a", "b"] and yp.name == "t"
    with pytest.raises(ValueError, match="same number of rows, got 3 and 2"):
        as_frame(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="missing values"):
        as_frame(np.zeros((2, 2)), [0.0, np.nan])


def test_build_pipeline_is_made_of_scikit_learn_parts():
    params = {
        "n_layers": 2,
        "width": 8,
        "alpha": 0.5,
        "l1": 0.01,
        "weight_decay": 1e-3,
        "dropout": 0.2,
        "batch_norm": True,
        "bn_momentum": 0.95,
        "learning_rate_init": 3e-3,
        "batch_size": 16,
        "max_epochs": 7,
        "smooth": 20.0,
        "max_onehot": 0,
        "numeric_scaling": "standard",
        "clip": False,
    }
    pipe = build_pipeline(params, task="multiclass", categorical=["c"], numeric=["a", "b"], seed=3)
    preprocess, mlp = pipe.named_steps["preprocess"], pipe.named_steps["mlp"]
    (cat_name, encoder, enc_cols), (num_name, scaler, num_cols) = preprocess.transformers
    assert (cat_name, num_name) == ("categorical", "numeric")
    assert isinstance(encoder, CategoricalEncoder) and enc_cols == ["c"]
    assert (encoder.smooth, encoder.max_onehot, encoder.target_type) == (20.0, 0, "multiclass")
    assert encoder.random_state == 3
    assert num_cols == ["a", "b"]
    assert isinstance(scaler, NumericScaler) and (scaler.scaling, scaler.clip) == ("standard", False)
    assert scaler.add_indicator  # missing-value indicators are kept
    assert isinstance(mlp, MLPClassifier)
    assert mlp.hidden_layer_sizes == (8, 8) and mlp.max_iter == 7 and mlp.random_state == 3
    for name in (
        "alpha",
        "l1",
        "weight_decay",
        "dropout",
        "batch_norm",
        "bn_momentum",
        "learning_rate_init",
        "batch_size",
    ):
        assert getattr(mlp, name) == params[name], name
    reg = build_pipeline({}, task="regression", categorical=[], numeric=[0, 1])
    assert isinstance(reg.named_steps["mlp"], MLPRegressor)
    assert [name for name, *_ in reg.named_steps["preprocess"].transformers] == ["numeric"]
    encoder = build_pipeline({}, task="regression", categorical=["c"], numeric=[]).named_steps["preprocess"]
    assert [name for name, *_ in encoder.transformers] == ["categorical"]
    assert encoder.transformers[0][1].target_type == "continuous"
    with pytest.raises(ValueError, match="task must be one of"):
        build_pipeline({}, task="bin", categorical=[], numeric=["a"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs on purpose
def test_pipeline_fits_raw_frames_with_missing_values(penguins):
    X, y = penguins
    pipe = build_pipeline(
        {"width": 8, "n_layers": 1, "max_epochs": 3},
        task="multiclass",
        categorical=["island", "sex"],
        numeric=[c for c in X.columns if c not in ("island", "sex")],
    )
    proba = pipe.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_log_loss_matches_scikit_learn():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=50)
    proba[0] = [1.0, 0.0, 0.0]  # clipping path
    classes = np.array(["a", "b", "c"])
    y = rng.choice(classes, size=50)
    y[0] = "b"
    expected = skm.log_loss(y, proba, labels=classes)
    assert log_loss(y, proba, classes) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="labels the model does not know"):
        log_loss(np.array(["d"]), proba[:1], classes)


def test_metrics_in_natural_units_with_direction():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y_class = (X[:, 0] > 0).astype(int)
    y_reg = X @ [1.0, -2.0, 0.5] + rng.normal(size=80)
    clf = LogisticRegression().fit(X, y_class)
    reg = Ridge().fit(X, y_reg)

    log = resolve_metric(None, "binary")
    assert (log.name, log.direction) == ("log_loss", "minimize")
    assert log(clf, X, y_class) == pytest.approx(skm.log_loss(y_class, clf.predict_proba(X)))
    rmse = resolve_metric(None, "regression")
    naive = np.sqrt(np.mean((y_reg - reg.predict(X)) ** 2))
    assert (rmse.name, rmse(reg, X, y_reg)) == ("rmse", pytest.approx(naive, rel=1e-12))
    auc = resolve_metric("roc_auc", "binary")
    assert auc.direction == "maximize"
    assert auc(clf, X, y_class) == pytest.approx(skm.roc_auc_score(y_class, clf.predict_proba(X)[:, 1]))
    mae = resolve_metric("neg_mean_absolute_error", "regression")
    assert (mae.name, mae.direction) == ("mean_absolute_error", "minimize")
    assert mae(reg, X, y_reg) == pytest.approx(skm.mean_absolute_error(y_reg, reg.predict(X)))
    assert resolve_metric("mean_absolute_error", "regression") == mae
    assert resolve_metric("r2", "regression").direction == "maximize"
    with pytest.raises(ValueError, match="scikit-learn scorer name"):
        resolve_metric("accuracyy", "binary")
    with pytest.raises(ValueError, match="needs a classification task"):
        resolve_metric("log_loss", "regression")


def test_mask_password():
    assert mask_password("postgresql://ana:s3cret@db:5432/x") == "postgresql://ana:***@db:5432/x"
    assert mask_password("sqlite:///regtune.db") == "sqlite:///regtune.db"
    assert mask_password("not a url") == "not a url"


def test_build_pipeline_refuses_an_unknown_name_and_takes_any_network_parameter():
    """Every name goes where the hyperparameter table sends it; none is silently dropped."""
    with pytest.raises(ValueError, match=r"^params has no hyperparameter 'dropuot'; known names: "):
        build_pipeline({"dropuot": 0.2}, task="binary", categorical=[], numeric=["a"])
    with pytest.raises(ValueError, match="argument 'max_iter' twice"):
        build_pipeline({"max_epochs": 3, "max_iter": 9}, task="binary", categorical=[], numeric=["a"])
    pipe = build_pipeline(
        {"activation": "tanh", "solver": "sgd", "momentum": 0.5}, task="binary", categorical=[], numeric=["a"]
    )
    mlp = pipe.named_steps["mlp"]
    assert (mlp.activation, mlp.solver, mlp.momentum) == ("tanh", "sgd", 0.5)
    assert (
        build_pipeline({}, task="binary", categorical=[], numeric=["a"]).named_steps["mlp"].solver == "adam"
    )


def _levels_frame(n_rows=240):
    """Columns with 2, 7, 8 and 9 levels and one with 7 values plus missing ones (8 levels)."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "two": rng.choice(["no", "yes"], n_rows),
            "seven": rng.choice(list("abcdefg"), n_rows),
            "eight": rng.choice(list("abcdefgh"), n_rows),
            "nine": rng.choice(list("abcdefghi"), n_rows),
            "seven_and_missing": rng.choice([*"abcdefg", None], n_rows),
            "x": rng.normal(size=n_rows),
        }
    )
    y = frame["x"] + (frame["eight"] == "a") + rng.normal(scale=0.1, size=n_rows)
    return frame, y.to_numpy()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs on purpose
@pytest.mark.parametrize(
    ("max_onehot", "expected"),
    [
        # levels:  two  seven     eight     nine      seven_and_missing (7 values + missing)
        (8, ["binary", "onehot", "onehot", "target", "onehot"]),  # at the threshold: one-hot
        (7, ["binary", "onehot", "target", "target", "target"]),  # one above it: target
        (2, ["binary", "target", "target", "target", "target"]),
        (1, ["target", "target", "target", "target", "target"]),
        (0, ["target", "target", "target", "target", "target"]),  # the pipeline before issue #12
    ],
)
def test_build_pipeline_encodes_by_cardinality(max_onehot, expected):
    X, y = _levels_frame()
    categorical = ["two", "seven", "eight", "nine", "seven_and_missing"]
    pipe = build_pipeline(
        {"max_onehot": max_onehot, "max_epochs": 2, "width": 4, "n_layers": 1},
        task="regression",
        categorical=categorical,
        numeric=["x"],
    ).fit(X, y)
    assert column_encodings(pipe) == dict(zip(categorical, expected))
    assert column_encodings(pipe.named_steps["preprocess"]) == column_encodings(pipe)
    # the network sees each column's width: levels when one-hot, 1 when binary or target-encoded
    widths = {"two": 2, "seven": 7, "eight": 8, "nine": 9, "seven_and_missing": 8}
    n_inputs = sum(widths[c] if kind == "onehot" else 1 for c, kind in zip(categorical, expected)) + 1
    assert pipe.named_steps["mlp"].n_features_in_ == n_inputs


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs on purpose
def test_the_default_threshold_one_hot_encodes_64_levels_and_target_encodes_65():
    levels = np.arange(130)
    X = pd.DataFrame({"at": [f"a{i % 64}" for i in levels], "above": [f"b{i % 65}" for i in levels]})
    y = levels % 7 + 0.5
    pipe = build_pipeline(
        {"max_epochs": 2, "width": 4}, task="regression", categorical=["at", "above"], numeric=[]
    )
    assert column_encodings(pipe.fit(X, y)) == {"at": "onehot", "above": "target"}
    assert pipe.named_steps["mlp"].n_features_in_ == 64 + 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs on purpose
def test_column_encodings_of_positions_and_of_a_pipeline_without_categories():
    X, y = _levels_frame()
    array = X[["two", "nine", "x"]].to_numpy()
    pipe = build_pipeline(
        {"max_epochs": 2, "width": 4, "max_onehot": 8}, task="regression", categorical=[0, 1], numeric=[2]
    ).fit(array, y)
    assert column_encodings(pipe) == {"0": "binary", "1": "target"}
    numeric_only = build_pipeline({"max_epochs": 2}, task="regression", categorical=[], numeric=["x"])
    assert column_encodings(numeric_only.fit(X, y)) == {}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs on purpose
def test_the_pipelines_columns_equal_the_transformers_fitted_alone():
    """Oracle: CategoricalEncoder.fit_transform and NumericScaler.fit_transform side by side."""
    X, y = _levels_frame()
    X.loc[::7, "x"] = np.nan
    categorical = ["two", "seven", "nine"]
    params = {"max_onehot": 8, "smooth": 5.0, "numeric_scaling": "robust", "clip": True, "max_epochs": 2}
    pipe = build_pipeline(params, task="regression", categorical=categorical, numeric=["x"], seed=1)
    out = pipe.named_steps["preprocess"].fit_transform(X, y)
    encoder = CategoricalEncoder(max_onehot=8, smooth=5.0, target_type="continuous", random_state=1)
    expected = np.hstack([encoder.fit_transform(X[categorical], y), NumericScaler().fit_transform(X[["x"]])])
    np.testing.assert_array_equal(out, expected)
