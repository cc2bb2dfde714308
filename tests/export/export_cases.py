"""The export tests' cases: fitted pipelines on small synthetic frames, and the check that ONNX
Runtime reproduces them. (A plain module, not a conftest: ``conftest`` names clash across folders.)

``mixed_frame`` has string categories (one with the empty string as a category), integer
categories, and numeric columns with missing values; ``unseen_frame`` adds what training never
saw: unknown categories, missing categories and missing numbers everywhere.
"""

import warnings

import numpy as np
import pandas as pd

from regtune.tuning import build_pipeline

CATEGORICAL = ["city", "grade", "code"]
NUMERIC = ["x1", "x2", "x3"]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-9}


def mixed_frame(n, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Graz"], n).astype(object),
            "grade": rng.choice(["", "a", "b", "é"], n).astype(object),
            "code": rng.choice([3, 7, 11, 40], n),
            "x1": rng.normal(10, 3, n),
            "x2": rng.exponential(2, n),
            "x3": rng.normal(size=n),
        }
    )
    frame.loc[rng.random(n) < 0.15, "city"] = None
    frame.loc[rng.random(n) < 0.2, "x1"] = np.nan
    frame.loc[rng.random(n) < 0.1, "x2"] = np.nan
    return frame


def unseen_frame(seed=1):
    """Rows with unknown categories, missing categories and missing numbers, plus ordinary rows."""
    frame = mixed_frame(40, seed)
    frame.loc[0:4, "city"] = ["Rome", "Oslo ", "oslo", "<missing>", None]
    frame.loc[5:8, "grade"] = [None, "c", "A", "b"]
    frame.loc[9:11, "code"] = [5, 99, -1]
    frame.loc[12:15, ["x1", "x2", "x3"]] = np.nan
    return frame


def targets(frame, task, seed=0):
    rng = np.random.default_rng(seed)
    score = (
        np.nan_to_num(frame["x1"].to_numpy(dtype=float), nan=10.0) / 3
        + frame["city"].map({"Oslo": 1.0, "Lima": -1.0}).fillna(0).to_numpy()
        + (frame["code"].to_numpy() > 8)
        + rng.normal(0, 0.5, len(frame))
    )
    if task == "regression":
        return 50 * score
    if task == "binary":
        return np.where(score > np.median(score), "yes", "no")
    return np.array(["low", "mid", "high"])[np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))]


def fit(task, params=None, mlp=None, seed=0, frame=None, y=None, categorical=CATEGORICAL, numeric=NUMERIC):
    """``build_pipeline(params)`` fitted on ``frame`` (default: 300 mixed rows); ``mlp`` sets network
    parameters that are not in the search space (activation, dropout_scaling)."""
    frame = mixed_frame(300, seed) if frame is None else frame
    y = targets(frame, task, seed) if y is None else y
    params = {"width": 16, "n_layers": 2, "max_epochs": 4, **(params or {})}
    pipeline = build_pipeline(params, task=task, categorical=categorical, numeric=numeric, seed=seed)
    pipeline.set_params(**{f"mlp__{k}": v for k, v in (mlp or {}).items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge; that is not under test
        return pipeline.fit(frame[categorical + numeric], y)


def assert_onnx_matches(model, frame, dtype):
    """ONNX Runtime's outputs equal the model's: within 1e-5 (float32) or 1e-9 (float64)."""
    import onnx

    from regtune.export import OnnxPredictor, to_onnx

    graph = to_onnx(model, dtype=dtype)
    onnx.checker.check_model(graph, full_check=True)
    outputs = OnnxPredictor(graph.SerializeToString()).run(frame)
    tol = TOLERANCE[dtype]
    if hasattr(model, "predict_proba"):
        label, proba = outputs
        expected = model.predict_proba(frame)
        np.testing.assert_allclose(proba, expected, rtol=tol, atol=tol)
        top2 = np.sort(expected, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 10 * tol  # a float32 tie may break either way
        np.testing.assert_array_equal(np.asarray(label)[clear], model.predict(frame)[clear])
        assert clear.mean() > 0.9
    else:
        expected = model.predict(frame)
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(outputs[0].ravel(), expected, rtol=tol, atol=tol * scale)
    return outputs


def preprocessing_pipeline(task, max_onehot, clip=True, scaling="robust"):
    """regtune.preprocessing's encoder and scaler in front of the network, on a frame with a binary
    string column and a boolean one as well."""
    from export_cases import targets
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    from regtune import MLPClassifier, MLPRegressor
    from regtune.preprocessing import CategoricalEncoder, NumericScaler

    frame = mixed_frame(300, 7).assign(
        smoker=lambda f: np.where(f["x3"] > 0, "yes", "no"), member=lambda f: f["code"] > 8
    )
    categorical = [*CATEGORICAL, "smoker", "member"]
    preprocess = ColumnTransformer(
        [
            ("categorical", CategoricalEncoder(max_onehot=max_onehot, random_state=0), categorical),
            ("numeric", NumericScaler(scaling=scaling, clip=clip), NUMERIC),
        ]
    )
    network = (MLPRegressor if task == "regression" else MLPClassifier)((16,), max_iter=5, random_state=0)
    model = Pipeline([("preprocess", preprocess), ("mlp", network)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(frame[categorical + NUMERIC], targets(frame, task, 7))
    unseen = unseen_frame().assign(smoker=["maybe", None, *["yes", "no"] * 19], member=[True, False] * 20)
    return model, unseen[categorical + NUMERIC]
