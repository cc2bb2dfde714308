"""Input containers, scikit-learn integration, output options, and saving with skops."""

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline

from regtune import TargetEncoder

BRAND = ["vw", "bmw", "vw", "rr", None, "bmw", "vw", "rr", "bmw", "vw"]
SIZE = [1, 2, 1, 3, 2, 2, 1, 3, 1, 2]
PRICE = np.array([10.5, 40.0, 12.0, 500.0, 30.0, 45.0, 11.0, 520.0, 38.0, 13.0])
CV = KFold(2, shuffle=True, random_state=0)


def _reference():
    X = np.empty((10, 2), dtype=object)
    X[:, 0], X[:, 1] = BRAND, SIZE
    enc = TargetEncoder(smooth=1.0, cv=CV)
    return enc.fit_transform(X, PRICE), enc.transform(X)


@pytest.mark.parametrize(
    "make_X",
    [
        lambda: pd.DataFrame({"brand": BRAND, "size": SIZE}),
        lambda: pd.DataFrame({"brand": pd.Series(BRAND, dtype="string"), "size": SIZE}),
        lambda: pd.DataFrame({"brand": pd.Series(BRAND, dtype="category"), "size": SIZE}),
        lambda: pd.DataFrame({"brand": BRAND, "size": pd.array(SIZE, dtype="Int64")}),
        lambda: pl.DataFrame({"brand": BRAND, "size": SIZE}),
        lambda: pl.DataFrame({"brand": pl.Series(BRAND, dtype=pl.Categorical), "size": SIZE}),
        lambda: [[b, s] for b, s in zip(BRAND, SIZE)],
    ],
    ids=[
        "pandas-object",
        "pandas-string",
        "pandas-category",
        "pandas-Int64",
        "polars",
        "polars-categorical",
        "list",
    ],
)
def test_every_container_gives_the_same_encoding(make_X):
    expected_cross, expected_full = _reference()
    enc = TargetEncoder(smooth=1.0, cv=CV)
    np.testing.assert_allclose(enc.fit_transform(make_X(), PRICE), expected_cross, rtol=1e-15)
    np.testing.assert_allclose(enc.transform(make_X()), expected_full, rtol=1e-15)


def test_numpy_str_and_int_arrays():
    brand = np.array(["vw" if b is None else b for b in BRAND])  # unicode dtype
    size = np.array(SIZE)
    out_str = TargetEncoder(smooth=0).fit(brand[:, None], PRICE).transform(brand[:, None])
    assert out_str[0, 0] == pytest.approx(np.mean(PRICE[brand == "vw"]), rel=1e-15)
    out_int = TargetEncoder(smooth=0).fit(size[:, None], PRICE).transform(np.array([[3], [9]]))
    np.testing.assert_allclose(out_int.ravel(), [510.0, PRICE.mean()], rtol=1e-15)


def test_pipeline_column_transformer_set_output_and_clone():
    X = pd.DataFrame({"brand": BRAND, "size": SIZE, "km": np.arange(10.0)})
    pre = ColumnTransformer(
        [("te", TargetEncoder(smooth=2.0, cv=CV), ["brand", "size"])], remainder="passthrough"
    ).set_output(transform="pandas")
    pipe = make_pipeline(pre, Ridge()).fit(X, PRICE)
    Z = pre.transform(X)
    assert list(Z.columns) == ["te__brand", "te__size", "remainder__km"]
    assert np.isfinite(pipe.predict(X)).all()
    enc = clone(TargetEncoder(smooth=2.0, cv=CV)).set_output(transform="polars")
    out = enc.fit_transform(X[["brand"]], PRICE)
    assert isinstance(out, pl.DataFrame) and out.columns == ["brand"]


def test_fit_params_groups_through_pipeline():
    from sklearn.model_selection import GroupKFold

    X = pd.DataFrame({"brand": BRAND})
    groups = np.arange(10) % 5
    enc = TargetEncoder(smooth=0, cv=GroupKFold(5))
    out = enc.fit_transform(X, PRICE, groups=groups)
    # A row's group-mates are in its own fold, so they never enter its encoding.
    fold_out = TargetEncoder(smooth=0, cv=list(GroupKFold(5).split(X, PRICE, groups)))
    np.testing.assert_allclose(out, fold_out.fit_transform(X, PRICE), rtol=1e-15)


def test_float32_output_and_multiclass_shape():
    X = np.array([["a"], ["b"], ["a"], ["c"], ["b"], ["c"]], dtype=object)
    y = np.array(["x", "y", "z", "x", "y", "z"])
    enc = TargetEncoder(dtype=np.float32, cv=KFold(2)).fit(X, y)
    out = enc.transform(X)
    assert out.dtype == np.float32 and out.shape == (6, 3)
    assert enc.fit_transform(X, y).dtype == np.float32
    np.testing.assert_allclose(out, TargetEncoder().fit(X, y).transform(X), rtol=1e-6)


def test_single_row_transform_after_many_levels():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5000, size=(20000, 1)).astype(str)
    enc = TargetEncoder().fit(X, rng.normal(size=20000))
    out = enc.transform(X[:1])
    np.testing.assert_allclose(out, enc.transform(X)[:1], rtol=0)


def test_fitted_state_is_plain_and_saves_with_skops(tmp_path):
    sio = pytest.importorskip("skops.io", reason="skops is a regtune dependency")
    X = pd.DataFrame({"brand": BRAND, "size": SIZE})
    enc = TargetEncoder(smooth=1.0, random_state=0).fit(X, PRICE)
    for arrays in (enc.categories_, enc.encodings_):
        assert all(a.dtype != object for a in arrays)
    path = tmp_path / "enc.skops"
    sio.dump(enc, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == ["regtune.encoding._target_encoder.TargetEncoder"]
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
