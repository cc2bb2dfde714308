"""FoldEnsemble: the mean of its members (a naive loop as reference), their spread, fit, save/load."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

import regtune
from regtune.ensemble import FoldEnsemble


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.3, size=60)
    return X, y


@pytest.fixture
def classification():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 2))
    y = np.array(["a", "b", "c"])[
        np.argmax(X @ [[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]] + rng.normal(size=(90, 3)), 1)
    ]
    return X, y


def test_regression_prediction_is_the_mean_of_the_members_and_std_their_spread(regression):
    X, y = regression
    members = [Ridge(alpha=a).fit(X[i::3], y[i::3]) for i, a in enumerate((0.1, 1.0, 30.0))]
    ensemble = FoldEnsemble.from_members(members)
    mean, std = ensemble.predict(X, return_std=True)
    for row in range(len(X)):  # naive reference, row by row
        values = [m.predict(X[row : row + 1])[0] for m in members]
        assert mean[row] == pytest.approx(sum(values) / 3, rel=1e-12)
        spread = (sum((v - sum(values) / 3) ** 2 for v in values) / 3) ** 0.5
        assert std[row] == pytest.approx(spread, rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(ensemble.predict(X), mean)
    assert std.min() > 0
    assert is_regressor(ensemble) and not hasattr(ensemble, "predict_proba")


def test_classifier_averages_probabilities_not_labels(classification):
    X, y = classification
    members = [LogisticRegression(C=c).fit(X[i::2], y[i::2]) for i, c in enumerate((0.01, 100.0))]
    ensemble = FoldEnsemble.from_members(members)
    mean, std = ensemble.predict_proba(X, return_std=True)
    p0, p1 = (m.predict_proba(X) for m in members)
    np.testing.assert_allclose(mean, (p0 + p1) / 2, rtol=1e-12)
    np.testing.assert_allclose(std, np.abs(p0 - p1) / 2, rtol=1e-9, atol=1e-15)
    assert list(ensemble.predict(X)) == list(ensemble.classes_[np.argmax((p0 + p1) / 2, axis=1)])
    np.testing.assert_allclose(ensemble.predict_log_proba(X), np.log(mean))
    assert is_classifier(ensemble) and list(ensemble.classes_) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="return_std=True is for regressors"):
        ensemble.predict(X, return_std=True)


def test_predict_params_reach_every_member(classification):
    X, y = classification
    members = [regtune.MLPClassifier((8,), dropout=0.3, max_iter=5, random_state=s).fit(X, y) for s in (0, 1)]
    ensemble = FoldEnsemble.from_members(members)
    expected = np.mean([m.predict_proba(X, mc_samples=4) for m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(X, mc_samples=4), expected, rtol=1e-12)


def test_fit_trains_one_clone_per_fold(regression):
    X, y = regression
    folds = KFold(n_splits=4, shuffle=True, random_state=0)
    ensemble = FoldEnsemble(Ridge(alpha=2.0), cv=folds).fit(X, y)
    assert len(ensemble.members_) == 4
    for member, (train, _) in zip(ensemble.members_, folds.split(X)):
        np.testing.assert_allclose(member.coef_, Ridge(alpha=2.0).fit(X[train], y[train]).coef_)


def test_members_must_agree():
    X = np.eye(4)
    with pytest.raises(ValueError, match="at least one fitted estimator"):
        FoldEnsemble.from_members([])
    a = LogisticRegression().fit(X, [0, 1, 0, 1])
    b = LogisticRegression().fit(X, [0, 2, 0, 2])
    with pytest.raises(ValueError, match="members must share classes_"):
        FoldEnsemble.from_members([a, b])
    c = Ridge().fit(np.eye(3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="members must agree on n_features_in_"):
        FoldEnsemble.from_members([Ridge().fit(X, [1.0, 2.0, 3.0, 4.0]), c])
    with pytest.raises(ValueError, match="estimator must be an estimator"):
        FoldEnsemble().fit(X, [1.0, 2.0, 3.0, 4.0])


def test_save_load_round_trip_of_pipelines_on_frames(tmp_path):
    X, y = regtune.load_dataset("penguins", return_X_y=True)
    from regtune.tuning import build_pipeline

    pipeline = build_pipeline(
        {"width": 8, "n_layers": 1, "max_epochs": 3},
        task="multiclass",
        categorical=["island", "sex"],
        numeric=[c for c in X.columns if c not in ("island", "sex")],
    )
    with pytest.warns(Warning):  # 3 epochs do not converge
        ensemble = FoldEnsemble(pipeline, cv=3).fit(X, y)
    path = regtune.save(ensemble, tmp_path / "ensemble.regtune")
    loaded = regtune.load(path)
    assert type(loaded) is FoldEnsemble and list(loaded.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(loaded.predict_proba(X), ensemble.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), ensemble.predict(X))
    assert isinstance(X, pd.DataFrame)


@parametrize_with_checks([FoldEnsemble(Ridge(), cv=3), FoldEnsemble(LogisticRegression(), cv=3)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
