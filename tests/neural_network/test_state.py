"""Fitted state: saved and loaded without pickle, and the 0.1.0 layout of ``network_state_`` still read."""

import numpy as np
import pytest

import regtune
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.neural_network._state import hidden_activation, network_from_state

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_SMALL = np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 0.5], [-1.0, 2.0], [0.5, 0.5], [-2.0, -1.0]])
Y_SMALL = np.array([1.0, -1.0, 2.0, 0.0, 0.5, -2.0])
# network_state_ of MLPRegressor((3,), batch_norm=True, dropout=0.2, dropout_scaling="classic",
# activation="tanh", learning_rate_init=0.05, max_iter=3, random_state=0).fit(X_SMALL, Y_SMALL),
# written by regtune 0.1.0, and that model's predict(X_SMALL).
STATE_0_1_0 = {
    "layer_sizes": [2, 3, 1],
    "activation": "tanh",
    "batch_norm": True,
    "dropout": 0.2,
    "dropout_scaling": "classic",
    "bn_momentum": 0.9,
    "dtype": "float64",
    "theta": np.array(
        [
            -0.11341725020242249,
            -0.19651148619157202,
            0.4067342659389475,
            0.3173113048510892,
            0.5515001544110822,
            -0.5122869034171698,
            0.4721263262764368,
            0.2552801420580321,
            -0.013054036939328266,
            0.873739204758727,
            0.8831104121841823,
            0.8589273513604941,
            0.09039305231176636,
            -0.03780341858971413,
            0.14566966726246272,
            0.17903208747061725,
        ]
    ),
    "running_mean": [np.array([0.01612059231193276, 0.0361683776593178, -0.0266263443298485]), None],
    "running_var": [np.array([0.7727657225874758, 0.855455232185062, 0.933309994495964]), None],
}
PREDICT_0_1_0 = [
    0.4089964990797964,
    -0.0912247561478586,
    0.13823337783511955,
    0.6101736876559415,
    0.2632220715687688,
    0.1292528316187921,
]
PARAMS_0_1_0 = {
    "hidden_layer_sizes": (3,),
    "batch_norm": True,
    "dropout": 0.2,
    "dropout_scaling": "classic",
    "activation": "tanh",
    "learning_rate_init": 0.05,
    "max_iter": 3,
    "random_state": 0,
}


def test_the_0_1_0_layout_rebuilds_the_same_network():
    net = network_from_state(STATE_0_1_0)
    assert [layer.kind for layer in net.layers] == ["dense", "batch_norm", "activation", "dropout", "dense"]
    np.testing.assert_array_equal(net.theta, STATE_0_1_0["theta"])
    np.testing.assert_array_equal(net.layers[1].running_var, STATE_0_1_0["running_var"][0])
    np.testing.assert_allclose(net.forward_predict(X_SMALL)[:, 0], PREDICT_0_1_0, rtol=1e-13)
    assert hidden_activation(STATE_0_1_0) == "tanh"


def model_saved_by_0_1_0():
    """An estimator as regtune.load returns a 0.1.0 file: fitted attributes, the old state layout."""
    reg = MLPRegressor(**PARAMS_0_1_0).fit(X_SMALL, Y_SMALL)
    reg.network_state_ = STATE_0_1_0
    folded = network_from_state(STATE_0_1_0).folded()
    reg.coefs_, reg.intercepts_ = [W for W, _ in folded], [b for _, b in folded]
    return reg


def test_a_0_1_0_model_predicts_samples_and_continues_training(tmp_path):
    reg = regtune.load(regtune.save(model_saved_by_0_1_0(), tmp_path / "old.regtune"))
    assert "layer_sizes" in reg.network_state_  # still the old layout after the round trip
    np.testing.assert_allclose(reg.predict(X_SMALL), PREDICT_0_1_0, rtol=1e-13)
    mean, std = reg.predict(X_SMALL, mc_samples=4, return_std=True)
    assert mean.shape == std.shape == (6,) and (std > 0).any()
    reg.set_params(warm_start=True, max_iter=1)
    reg.fit(X_SMALL, Y_SMALL)
    assert "layers" in reg.network_state_ and reg.n_iter_ == 4
    reg.set_params(batch_norm=False)
    with pytest.raises(ValueError, match="warm_start=True needs the same architecture as the fitted one"):
        reg.fit(X_SMALL, Y_SMALL)


def test_save_and_load_round_trip_of_batch_norm_and_dropout(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)]
    clf = MLPClassifier((8, 6), batch_norm=True, dropout=0.2, max_iter=5, random_state=0).fit(X, y)
    loaded = regtune.load(regtune.save(clf, tmp_path / "m.regtune"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_proba(X, mc_samples=3), clf.predict_proba(X, mc_samples=3))
    for saved, original in zip(loaded.network_state_["layers"], clf.network_state_["layers"]):
        assert saved.keys() == original.keys() and saved["kind"] == original["kind"]
    np.testing.assert_array_equal(loaded.network_state_["theta"], clf.network_state_["theta"])
