"""The lecture's table, and parity with scikit-learn's TargetEncoder (the peer oracle)."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.preprocessing import TargetEncoder as SklearnTargetEncoder

from regtune import TargetEncoder
from regtune.encoding._folds import make_folds

CAR = np.array(["Maruti"] * 3 + ["BMW"] * 2 + ["RR"] * 2, dtype=object)[:, None]
SOLD = np.array([1, 1, 0, 0, 1, 1, 1])
PRICE = np.array([1.2, 3.4, 5.2, 40, 60, 800, 260])


def test_lecture_table_sold():
    enc = TargetEncoder(smooth=0).fit(CAR, SOLD)
    out = enc.transform(np.array([["Maruti"], ["BMW"], ["RR"]], dtype=object)).ravel()
    np.testing.assert_allclose(out, [2 / 3, 1 / 2, 1], rtol=0, atol=1e-15)
    assert enc.target_type_ == "binary"


def test_lecture_table_price():
    enc = TargetEncoder(smooth=0).fit(CAR, PRICE)
    out = enc.transform(np.array([["Maruti"], ["BMW"], ["RR"]], dtype=object)).ravel()
    np.testing.assert_allclose(out, [(1.2 + 3.4 + 5.2) / 3, 50, 530], rtol=1e-15)
    assert round(out[0], 4) == 3.2667
    assert enc.target_type_ == "continuous"


def _data(target_type, n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.integers(0, 40, n)  # many levels, some rare
    X[:, 1] = rng.choice(["a", "b", "c", "d", "e"], n)
    X[:, 2] = rng.zipf(1.6, n) % 200  # heavy tail: singletons and big levels
    level = X[:, 1].astype(str).view(np.int32)[::1] % 5
    if target_type == "continuous":
        y = 100 + 20 * level + rng.normal(scale=15, size=n)
    elif target_type == "binary":
        y = (rng.random(n) < 0.2 + 0.12 * level).astype(int)
    else:
        y = (level + rng.integers(0, 3, n)) % 4
    return X, y


def _splitter(target_type):
    if target_type == "continuous":
        return KFold(5, shuffle=True, random_state=7)
    return StratifiedKFold(5, shuffle=True, random_state=7)


# The peer takes a splitter or a list of folds as cv only from scikit-learn 1.9 (and deprecates its
# shuffle and random_state there); our floor is older.
PEER_TAKES_SPLITTERS = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9)


def _peer_cv(cv):
    """The peer's arguments for the folds of ``cv``, a shuffled KFold or StratifiedKFold."""
    if PEER_TAKES_SPLITTERS:
        return {"cv": cv}
    # An int cv with the same shuffle and seed makes the peer build this very splitter itself
    # (StratifiedKFold for class targets, KFold for continuous ones).
    return {"cv": cv.get_n_splits(), "shuffle": True, "random_state": cv.random_state}


@pytest.mark.parametrize("target_type", ["binary", "multiclass", "continuous"])
@pytest.mark.parametrize("smooth", ["auto", 0.0, 1.0, 25.0])
def test_parity_with_sklearn(target_type, smooth):
    X, y = _data(target_type)
    cv = _splitter(target_type)
    ours = TargetEncoder(smooth=smooth, cv=cv)
    peer = SklearnTargetEncoder(smooth=smooth, **_peer_cv(cv))
    np.testing.assert_allclose(ours.fit_transform(X, y), peer.fit_transform(X, y), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.transform(X), peer.transform(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        TargetEncoder(smooth=smooth).fit(X, y).transform(X),
        SklearnTargetEncoder(smooth=smooth).fit(X, y).transform(X),
        rtol=1e-12,
        atol=1e-14,
    )
    assert ours.target_type_ == peer.target_type_
    np.testing.assert_allclose(ours.target_mean_, peer.target_mean_, rtol=1e-13)
    for cats, peer_cats in zip(ours.categories_, peer.categories_):
        np.testing.assert_array_equal(cats, peer_cats.astype(cats.dtype))
    np.testing.assert_array_equal(ours.get_feature_names_out(), peer.get_feature_names_out())


@pytest.mark.parametrize("smooth", ["auto", 2.0])
def test_parity_with_sklearn_unknown_and_nan(smooth):
    # NaN is a category in both; unseen values map to the prior in both.
    X, y = _data("continuous", n=600, seed=3)
    X = X[:, :2].copy()
    X[::17, 1] = np.nan
    ours = TargetEncoder(smooth=smooth).fit(X, y)
    peer = SklearnTargetEncoder(smooth=smooth).fit(X, y)
    X_new = np.array([[1, "a"], [999, "zzz"], [5, np.nan]], dtype=object)
    np.testing.assert_allclose(ours.transform(X_new), peer.transform(X_new), rtol=1e-12, atol=1e-14)


@pytest.mark.skipif(
    not PEER_TAKES_SPLITTERS, reason="scikit-learn < 1.9: its TargetEncoder takes no list of folds as cv"
)
def test_parity_string_binary_labels_and_groups():
    X, y = _data("binary", n=800, seed=5)
    labels = np.where(y == 1, "yes", "no")
    groups = np.arange(len(y)) % 37
    cv = GroupKFold(4)
    ours = TargetEncoder(smooth="auto", cv=cv).fit_transform(X, labels, groups=groups)
    # sklearn routes groups only with metadata routing on; pass the same folds as an iterable.
    folds = list(cv.split(X, labels, groups))
    peer = SklearnTargetEncoder(smooth="auto", cv=folds).fit_transform(X, labels)
    np.testing.assert_allclose(ours, peer, rtol=1e-12, atol=1e-14)
    enc = TargetEncoder().fit(X, labels)
    assert enc.positive_label_ == "yes"
    np.testing.assert_array_equal(enc.classes_, ["no", "yes"])


def test_positive_label_flips_binary_encoding():
    labels = np.where(SOLD == 1, "sold", "unsold")
    default = TargetEncoder(smooth=0).fit(CAR, labels)
    assert default.positive_label_ == "unsold"  # the larger of the two sorted labels
    flipped = TargetEncoder(smooth=0, positive_label="sold").fit(CAR, labels)
    np.testing.assert_allclose(default.transform(CAR) + flipped.transform(CAR), 1.0, atol=1e-15)
    np.testing.assert_allclose(flipped.transform(CAR)[0, 0], 2 / 3, rtol=1e-15)


def test_multiclass_columns_named_feature_class():
    X, y = _data("multiclass", n=300)
    labels = np.array(["cat", "dog", "emu", "fox"])[y]
    enc = TargetEncoder(smooth=3.0).fit(X, labels)  # an m-estimate: the class rates sum to 1
    names = enc.get_feature_names_out(["u", "v", "w"]).tolist()
    assert names[:4] == ["u_cat", "u_dog", "u_emu", "u_fox"] and len(names) == 12
    out = enc.transform(X)
    np.testing.assert_allclose(out[:, :4].sum(axis=1), 1.0, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "cv",
    [
        KFold(3),
        KFold(4, shuffle=True, random_state=2),
        StratifiedKFold(3),
        StratifiedKFold(5, shuffle=True, random_state=3),
    ],
    ids=["kfold", "kfold-shuffle", "stratified", "stratified-shuffle"],
)
def test_fast_kfold_path_gives_the_splitters_folds(cv):
    # The encoder reads KFold/StratifiedKFold folds without building training index arrays;
    # those folds must be exactly the ones cv.split yields.
    X, y = _data("multiclass", n=203)
    expected = np.empty(len(y), dtype=int)
    for k, (_, test) in enumerate(cv.split(X, y)):
        expected[test] = k
    fold, n_folds = make_folds(cv, True, None, y, X, y, None)
    np.testing.assert_array_equal(fold, expected)
    assert n_folds == cv.get_n_splits()
