"""``compile_predictor`` gives exactly the pipeline's outputs, fast path or not, and the MLP's
shortcut past ``validate_data`` returns what ``validate_data`` would.

The oracle is scikit-learn's own ``Pipeline`` over the same fitted steps (``plain``): the models
here are ``FastPipeline``s, whose own ``predict`` takes the compiled path too.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from export_cases import CATEGORICAL, NUMERIC, fit, mixed_frame, preprocessing_pipeline, unseen_frame
from sklearn.pipeline import Pipeline

from regtune import MLPRegressor, compile_predictor
from regtune.export._fast import MAX_ROWS

COLUMNS = CATEGORICAL + NUMERIC


def plain(model):
    """scikit-learn's Pipeline over the fitted steps of ``model``: the path without kernels."""
    return Pipeline(model.steps)


def _rows(frame):
    """Every single row, then batches of 2, 7 and MAX_ROWS rows."""
    yield from (frame.iloc[[i]] for i in range(len(frame)))
    for size in (2, 7, MAX_ROWS):
        yield frame.iloc[:size]


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("params", [{}, {"batch_norm": True, "dropout": 0.2}, {"n_layers": 0}])
def test_identical_outputs_row_by_row(task, params):
    model = fit(task, params)
    predictor = compile_predictor(model)
    frame = pd.concat([unseen_frame()[COLUMNS], mixed_frame(40, 9)[COLUMNS]], ignore_index=True)
    for rows in _rows(frame):
        assert predictor._features(rows) is not None  # the compiled path ran
        np.testing.assert_array_equal(predictor.predict(rows), plain(model).predict(rows))
        if task != "regression":
            np.testing.assert_array_equal(predictor.predict_proba(rows), plain(model).predict_proba(rows))


def test_bundled_wages_row_by_row():
    from regtune.datasets import load_dataset

    X, y = load_dataset("cps1988", return_X_y=True)
    X, y = X.iloc[:400], y.iloc[:400].to_numpy()
    categorical = [c for c in X.columns if X[c].dtype.kind not in "fiu"]
    numeric = [c for c in X.columns if c not in categorical]
    model = fit("regression", frame=X, y=y, categorical=categorical, numeric=numeric)
    predictor = compile_predictor(model)
    rows = X[categorical + numeric]
    for i in range(0, 400, 7):
        np.testing.assert_array_equal(predictor.predict(rows.iloc[[i]]), plain(model).predict(rows.iloc[[i]]))


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f[COLUMNS[::-1]],  # other column order
        lambda f: f.assign(extra=1)[[*COLUMNS, "extra"]],  # an extra column
        lambda f: f.astype({"x3": np.float32}),  # float32 stays float32 in scikit-learn
        lambda f: f.astype({"x1": "Float64"}),  # an extension dtype
        lambda f: pd.concat([f] * 40, ignore_index=True),  # more than MAX_ROWS rows
    ],
    ids=["order", "extra", "float32", "Float64", "large"],
)
def test_other_inputs_go_to_the_model(change):
    model = fit("multiclass")
    predictor = compile_predictor(model)
    frame = change(unseen_frame()[COLUMNS].iloc[:3])
    assert predictor._features(frame) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # column order/extra columns may warn; both paths the same
        np.testing.assert_array_equal(predictor.predict_proba(frame), plain(model).predict_proba(frame))


def test_wrong_values_raise_the_models_error():
    model = fit("regression")
    predictor = compile_predictor(model)
    frame = unseen_frame()[COLUMNS].iloc[[0]].astype({"city": object})
    frame.iloc[0, 0] = 12  # a number where the encoder learned strings
    with pytest.raises(ValueError) as expected:
        plain(model).predict(frame)
    with pytest.raises(ValueError, match=str(expected.value)[:40]):
        predictor.predict(frame)


def test_compile_needs_a_fitted_pipeline():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(ValueError, match="model must be a fitted scikit-learn Pipeline"):
        compile_predictor(MLPRegressor())
    from regtune.tuning import build_pipeline

    with pytest.raises(NotFittedError):
        compile_predictor(build_pipeline({}, task="regression", categorical=[], numeric=["a"]))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_matrix_shortcut_matches_validate_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    mlp = MLPRegressor((8,), max_iter=20, random_state=0).fit(X, X @ [1.0, -2.0, 0.5, 0.0])
    as_list = mlp.predict(X.tolist())  # a list goes through validate_data
    np.testing.assert_array_equal(mlp.predict(X), as_list)
    np.testing.assert_array_equal(
        mlp.predict(X.astype(np.float32)), mlp.predict(X.astype(np.float32).tolist())
    )
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mlp.predict(X)
    with pytest.raises(ValueError, match="features"):
        mlp.predict(np.nan_to_num(X)[:, :3])


@pytest.mark.parametrize("max_onehot", [0, 4])
def test_identical_outputs_with_regtune_preprocessing(max_onehot):
    model, frame = preprocessing_pipeline("multiclass", max_onehot)
    predictor = compile_predictor(model)
    for rows in _rows(frame):
        assert predictor._features(rows) is not None
        np.testing.assert_array_equal(predictor.predict_proba(rows), plain(model).predict_proba(rows))


def _outcome(method, frame):
    """What ``method(frame)`` returns, or the type and message of what it raises."""
    try:
        return method(frame)
    except Exception as error:  # the outcome under comparison, whatever it is
        return type(error), str(error)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("x1", np.inf),  # scikit-learn refuses infinity in numeric columns
        ("x2", -np.inf),
        ("code", np.inf),  # a numeric category that is no number the encoder compares exactly
        ("code", 2.0**60),
        ("code", 3 + 0j),  # complex: equal to the category 3 in a dict, not in the encoder
        ("code", np.float32(np.nan)),  # missing, in another float type
        ("city", np.float32(np.nan)),
    ],
)
def test_values_the_kernels_do_not_take_exactly_give_the_pipelines_outcome(column, value):
    model = fit("multiclass")
    predictor = compile_predictor(model)
    frame = unseen_frame()[COLUMNS].iloc[[20]].astype({column: object})
    frame.iloc[0, COLUMNS.index(column)] = value
    expected = _outcome(plain(model).predict_proba, frame)
    got = _outcome(predictor.predict_proba, frame)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        np.testing.assert_array_equal(got, expected)
