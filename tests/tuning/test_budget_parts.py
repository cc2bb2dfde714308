"""The parts of the time budget: the default trial, the cost model, the budget-sized space, the
best-model file, the final model from array input."""

import dataclasses
import json
import time
import types

import numpy as np
import optuna
import pandas as pd
import pytest

import regtune
from regtune._hyperparameters import HYPERPARAMETERS
from regtune.ensemble import FoldEnsemble
from regtune.tuning import SearchSpace, build_pipeline, tune
from regtune.tuning import _budget_space as budget_space_module
from regtune.tuning import _objective as objective_module
from regtune.tuning import _tune as tune_module
from regtune.tuning._best_model import BestModel, holds, lock_path, read_record, restore_record, store_record
from regtune.tuning._budget import (
    DEFAULT_TRIAL_SHARE,
    MAX_TRIAL_SHARE,
    REFIT_SAFETY,
    Budget,
    final_reserve,
    refit_seconds,
    refit_share,
)
from regtune.tuning._budget_space import (
    MEMBER_EPOCHS,
    MIN_EPOCHS,
    PRIOR_SPEED,
    _largest,
    budget_space,
    default_train_rows,
    search_configuration,
    train_rows_cap,
)
from regtune.tuning._config import StudyConfig
from regtune.tuning._cost import STEP, CostModel, embedded_columns, step_terms
from regtune.tuning._default_trial import DEFAULT_EPOCHS, default_epochs, default_trial, space_defaults
from regtune.tuning._metrics import resolve_metric
from regtune.tuning._objective import _Fold, cv_splits, full_params, run_cv_trial
from regtune.tuning._slots import enqueue_slot

# The cost model is checked against measured step times, and budgets shrink with measured costs.
pytestmark = [pytest.mark.serial, pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]

MEMORY = "sqlite:///:memory:"


# --- the default first ---------------------------------------------------------------------------


def test_the_first_trial_is_the_untuned_default_configuration(small_binary):
    X, y = small_binary
    result = tune(X, y, n_trials=1, cv=2, storage=MEMORY, space={"max_epochs": 3}, progress=False)
    (trial,) = result.study.get_trials(deepcopy=False)
    defaults = space_defaults(SearchSpace.from_dict({"max_epochs": 3}), "binary")  # no timeout: as asked
    # Every parameter it sampled has its default value ...
    assert trial.params and trial.params == {name: defaults[name] for name in trial.params}
    assert trial.params["n_layers"] == 3 and trial.params["width"] == 160
    assert "n_members" not in trial.params  # 3 lies outside the search's choice (1): the pipeline's
    assert trial.params["numeric_embedding"] == "none"  # classification's default (regression: "ple")
    # ... and the pipeline it trained is the untuned one (the space fixes max_epochs only).
    space = SearchSpace.from_dict({"max_epochs": 3})
    params = full_params(space, trial.params, has_categorical=True)
    tuned = build_pipeline(params, task="binary", categorical=["city"], numeric=["a", "b", "noise"])
    untuned = build_pipeline(
        {"max_epochs": 3}, task="binary", categorical=["city"], numeric=["a", "b", "noise"]
    )
    assert tuned.named_steps["mlp"].get_params() == untuned.named_steps["mlp"].get_params()
    assert tuned.named_steps["mlp"].n_members == 3
    encoder = tuned.named_steps["preprocess"].transformers[0][1]
    assert encoder.get_params() == untuned.named_steps["preprocess"].transformers[0][1].get_params()
    assert encoder.smooth == "auto" and tuned.named_steps["mlp"].batch_size == "auto"
    assert result.best_params == params  # a budget of one trial gives the defaults


def test_defaults_outside_the_domain():
    space = SearchSpace.default().override(
        {"alpha_per_row": {"choices": [0.0, 3.0]}, "width": {"low": 8, "high": 32}}
    )
    fixed, unsampled = default_trial(space, "regression", user_set=["alpha_per_row"])
    # l1_per_row = 0 and decay_per_step = 0 (log ranges), "auto" batch and smoothing, width 160 (a
    # range narrowed by the budget, not by the user), 3 members (the search trains one network) are
    # left to the pipeline's defaults ...
    assert sorted(unsampled) == ["batch_size", "decay_per_step", "l1_per_row", "n_members", "smooth", "width"]
    # ... a range the user set without the default is sampled, the rest is given.
    assert "alpha_per_row" in fixed  # 0.0 is one of the choices
    assert fixed == {
        "alpha_per_row": 0.0,
        "dropout": 0.0,
        "batch_norm": False,
        "bn_momentum": 0.9,
        "numeric_embedding": "ple",
        "learning_rate_init": 3e-3,
        "n_layers": 3,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "max_onehot": 64,
    }


# --- the cost model -----------------------------------------------------------------------------


def _config(X, space, cv=3):
    categorical = [c for c in X.columns if X[c].dtype.kind not in "fiu"]
    return StudyConfig(
        task="regression",
        metric=resolve_metric(None, "regression"),
        target="wage",
        categorical=categorical,
        numeric=[c for c in X.columns if c not in categorical],
        cv=cv,
        seed=0,
        pruner="none",
        space=SearchSpace.from_dict(space),
        data_path=None,
        n_trials=1,
        deadline=None,
        trial_timeout=None,
        heartbeat_interval=10,
        n_rows=len(X),
    )


FIXED = {
    "numeric_embedding": "none",
    "n_members": 1,
    "learning_rate_init": 1e-3,
    "alpha_per_row": 1e-4,
    "l1_per_row": 1e-6,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "max_onehot": 64,
    "decay_per_step": 1e-8,  # weight_decay 1e-5 at learning rate 1e-3
    "smooth": 10.0,
    "max_epochs": 6,
    "bn_momentum": 0.9,
}


def _step_seconds(folds, metric):
    """Seconds of one lockstep step (every fold one epoch and its metrics), as a trial times it;
    the report to the storage that ends a trial's step is counted as the model's ``STEP``."""
    started = time.perf_counter()
    for fold in folds:
        fold.step(metric)
    return time.perf_counter() - started + STEP


@pytest.mark.parametrize(
    "other",
    [
        {"n_layers": 2, "width": 128, "batch_size": 32, "batch_norm": True, "dropout": 0.2},
        {"n_layers": 1, "width": 256, "batch_size": 64, "batch_norm": False, "dropout": 0.0},
        {
            "n_layers": 2,
            "width": 256,
            "batch_size": 64,
            "batch_norm": False,
            "dropout": 0.0,
            "numeric_embedding": "ple",
        },
        {
            "n_layers": 2,
            "width": 128,
            "batch_size": 64,
            "batch_norm": False,
            "dropout": 0.0,
            "numeric_embedding": "plr",
        },
        {
            "n_layers": 2,
            "width": 128,
            "batch_size": 64,
            "batch_norm": False,
            "dropout": 0.0,
            "numeric_embedding": "pbld",
        },
        {
            "n_layers": 3,
            "width": 160,
            "batch_size": 64,
            "batch_norm": False,
            "dropout": 0.0,
            "numeric_embedding": "ple",
            "n_members": 3,
        },
    ],
    ids=["2x128-bn-dropout", "1x256", "2x256-ple", "2x128-plr", "2x128-pbld", "3x160-ple-3-members"],
)
def test_the_calibrated_cost_model_predicts_a_step_within_a_factor_of_2(other):
    # The default network's measured steps calibrate the speed (as a study's first trial does);
    # the prediction for another network is compared with its measured steps. The two networks
    # take turns step by step, so a change of the machine's load hits both alike; medians of 6.
    X, y = regtune.load_dataset("cps1988", return_X_y=True)
    default = {**FIXED, "n_layers": 1, "width": 100, "batch_norm": False, "dropout": 0.0}
    configs = [_config(X, {**default, "drop": ["batch_size"]}), _config(X, {**FIXED, **other})]
    splits = cv_splits(y, task="regression", cv=3, seed=0)
    runs = []
    for config in configs:
        params = config.space.suggest(optuna.trial.FixedTrial({}), has_categorical=True)
        folds = [_Fold(params, config, X, y, train, valid, seed=0) for train, valid in splits]
        embedded = embedded_columns(folds[0].X_train) if params["numeric_embedding"] != "none" else ()
        model = CostModel(
            n_rows=len(y), n_inputs=folds[0].X_train.shape[1], n_outputs=1, cv=3, embedded=embedded
        )
        runs.append((folds, model.cost(params), []))
    for _ in range(6):
        for folds, _, times in runs:
            times.append(_step_seconds(folds, configs[0].metric))
    (_, cost_a, times_a), (_, cost_b, times_b) = runs
    speed = np.median(times_a) / cost_a  # the calibration: measured / predicted on the first
    ratio = np.median(times_b) / (speed * cost_b)
    assert 0.5 <= ratio <= 2.0, (ratio, times_a, times_b)
    for folds, _, _ in runs:
        for fold in folds:
            fold.close()


def test_the_cost_of_k_members_counts_every_member_row_and_their_own_weights():
    sizes = {"n_inputs": 10, "n_outputs": 2, "train_rows": 1000, "eval_rows": 400, "cv": 2}
    network = {"n_layers": 2, "width": 32, "batch_size": 100, "batch_norm": True, "dropout": 0.1}
    one, implicit = step_terms({**network, "n_members": 1}, **sizes), step_terms(network, **sizes)
    three = step_terms({**network, "n_members": 3}, **sizes)
    assert one == implicit
    macs, unit_rows, bn_rows, dropout_rows, batches, batch_params = one
    dense = 10 * 32 + 32 * 32 + 32 * 2
    assert macs == 2 * (3 * 1000 + 400) * dense
    # 3 copies of each row through every dense layer, and the adapter's scaling of the 10 inputs
    assert three[0] == 3 * macs
    assert three[1] == 3 * unit_rows + 2 * 1400 * 3 * 10
    assert (three[2], three[3], three[4]) == (3 * bn_rows, 3 * dropout_rows, batches)
    # parameters: the shared layers, 2 more output heads (32 x 2 + 2 each) and 3 x 10 adapter scales
    assert three[5] == batch_params + batches * (2 * (32 * 2 + 2) + 3 * 10)


def test_budget_space_shrinks_default_ranges_only_and_fits_the_largest_network():
    default = SearchSpace.default()
    sizes = {"task": "regression", "n_inputs": 6, "n_outputs": 1, "cv": 5}
    assert budget_space(default, n_rows=28_000, timeout=None, **sizes) == default
    short = budget_space(default, n_rows=28_000, timeout=20, **sizes)
    longer = budget_space(default, n_rows=28_000, timeout=300, **sizes)
    small = budget_space(default, n_rows=300, timeout=20, **sizes)

    def widest(space):
        param = space["width"]
        return param.value if param.fixed else param.high

    assert widest(short) <= widest(longer) <= widest(small) <= 1024
    assert widest(short) < 1024 and short.max_epochs() < longer.max_epochs() <= 50
    for space, timeout, rows in ((short, 20, 28_000), (longer, 300, 28_000), (small, 20, 300)):
        cost = CostModel(n_rows=rows, n_inputs=6, n_outputs=1, cv=5).cost(_largest(space))
        assert MIN_EPOCHS * cost <= MAX_TRIAL_SHARE * timeout
    # A range the user set is kept, however slow.
    mine = default.override({"width": {"low": 512, "high": 1024}, "n_layers": 5})
    kept = budget_space(mine, n_rows=28_000, timeout=20, **sizes)
    assert kept["width"] == mine["width"] and kept["n_layers"] == mine["n_layers"]
    # Rows as a fidelity: only on large data with a short budget.
    assert train_rows_cap(n_rows=2_000, timeout=20, **sizes) is None
    assert train_rows_cap(n_rows=40_000, timeout=20, **sizes) < 40_000 * 4 // 5  # one 3 x 160: a cap
    cap = train_rows_cap(task="binary", n_rows=500_000, n_inputs=30, n_outputs=1, cv=5, timeout=30)
    assert 1000 <= cap < 400_000


def test_the_default_keeps_its_members_only_where_its_trial_can_train_them():
    sizes = {"task": "regression", "n_inputs": 6, "n_outputs": 1, "cv": 5, "n_rows": 20_000}
    default = SearchSpace.default()
    model = CostModel(n_rows=20_000, n_inputs=6, n_outputs=1, cv=5, speed=PRIOR_SPEED)
    seconds = model.step_seconds(space_defaults(default, "regression"))  # 3 members of 3 x 160
    enough = MEMBER_EPOCHS * seconds / DEFAULT_TRIAL_SHARE
    kept = budget_space(default, timeout=1.01 * enough, **sizes)
    assert kept["n_members"] == default["n_members"] and space_defaults(kept, "regression")["n_members"] == 3
    short = budget_space(default, timeout=0.99 * enough, **sizes)
    assert short["n_members"].value == 1  # fixed: the default trial and every trial train one network
    assert space_defaults(short, "regression")["n_members"] == 1
    # the search's epoch budget is then what one network of the default width can train
    assert (
        short.max_epochs()
        > budget_space(default.override({"n_members": 3}), timeout=0.99 * enough, **sizes).max_epochs()
    )
    # members the user asked for are kept, however short the budget
    mine = default.override({"n_members": {"choices": [3]}})
    assert budget_space(mine, timeout=10, **sizes)["n_members"] == mine["n_members"]


# --- the best model so far ---------------------------------------------------------------------


class _Trial:
    def __init__(self, number):
        self.number = number


def test_the_model_file_only_ever_gets_better(tmp_path):
    path = tmp_path / "m.regtune"
    models = {}

    def offer(writer, number, score, complete):
        model = regtune.MLPRegressor((2,), max_iter=1, random_state=number).fit(np.eye(3), [1.0, 2.0, 3.0])
        models[number] = model
        return writer.offer(_Trial(number), score, complete, lambda: model)

    first = BestModel("uid", "minimize", path)  # two processes sharing the file
    second = BestModel("uid", "minimize", path, keep=False)
    assert offer(first, 0, 0.5, complete=False)  # stopped by the deadline: better than nothing
    assert not offer(second, 1, 0.9, complete=True)  # a worse score, complete or not
    assert offer(second, 2, 0.5, complete=True)  # on a tie, the complete trial
    assert offer(first, 3, 0.4, complete=True)
    assert not offer(second, 4, 0.6, complete=True)  # the other process's record is read
    assert read_record(path) == {
        "study": "uid",
        "trial": 3,
        "score": 0.4,
        "complete": True,
        "save_seconds": read_record(path)["save_seconds"],
    }
    np.testing.assert_array_equal(regtune.load(path).coefs_[0], models[3].coefs_[0])
    assert first.record["trial"] == 3 and first.model is models[3] and second.model is None
    assert holds(path, "uid", 3) and not holds(path, "uid", 1) and not holds(path, "other", 3)
    # Another study writing the same file starts afresh.
    assert offer(BestModel("new", "minimize", path), 5, 0.99, complete=True)
    # tune moves the record into the study at the end and puts it back when it resumes.
    study = optuna.create_study()
    store_record(study, path)
    assert not lock_path(path).exists() and study.user_attrs["model_file"]["trial"] == 5
    restore_record(study, path)
    assert read_record(path)["trial"] == 5 and json.loads(lock_path(path).read_text())["study"] == "new"


def test_maximized_metrics_keep_the_highest(tmp_path):
    writer = BestModel("uid", "maximize", tmp_path / "m.regtune")
    model = regtune.MLPRegressor((2,), max_iter=1).fit(np.eye(3), [1.0, 2.0, 3.0])
    assert writer.offer(_Trial(0), 0.7, True, lambda: model)
    assert not writer.offer(_Trial(1), 0.6, True, lambda: model)
    assert writer.offer(_Trial(2), 0.8, True, lambda: model)


# --- the final model ----------------------------------------------------------------------------


def test_array_input_gives_a_model_that_predicts_arrays(tmp_path, tiny_space):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=80)
    path = tmp_path / "m.regtune"
    result = tune(X, y, n_trials=2, cv=2, storage=MEMORY, space=tiny_space, progress=False, save_to=path)
    model = result.best_pipeline
    assert isinstance(model[-1], FoldEnsemble)
    members = model[-1].members_
    expected = np.mean([m.predict(pd.DataFrame(X, columns=["x0", "x1", "x2"])) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12)
    np.testing.assert_allclose(regtune.load(path).predict(X), expected, rtol=1e-12)
    _, std = model.predict(X, return_std=True)
    assert std.shape == (80,) and (std >= 0).all()


# --- the default trial trains the untuned epochs -----------------------------------------------

TINY_TRIAL = {
    "n_layers": 1,
    "width": 8,
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "dropout": 0.0,
    "alpha_per_row": 1e-5,
    "l1_per_row": 1e-5,
    "decay_per_step": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "max_onehot": 64,
}


def _binary_config(X, space):
    return dataclasses.replace(
        _config(X, space), task="binary", metric=resolve_metric(None, "binary"), target="label"
    )


def test_default_epochs_only_when_the_budget_shortened_them():
    default = SearchSpace.default()
    assert default_epochs(default, "binary") is None  # the space keeps the untuned 50 epochs
    shortened = default.override({"max_epochs": 5})  # as budget_space shortens it
    assert default_epochs(shortened, "regression") == 50
    assert default_epochs(shortened, "regression", user_set=["max_epochs"]) is None  # the user asked for 5
    sizes = {"n_rows": 20_000, "n_inputs": 30, "n_outputs": 1, "cv": 5, "timeout": 60}
    sized = budget_space(default, task="regression", **sizes)
    assert sized.max_epochs() < 50 and default_epochs(sized, "regression") == 50


def test_the_default_trial_trains_past_the_shortened_epochs_and_stops_as_the_untuned_model(
    small_binary, monkeypatch
):
    X, y = small_binary
    space = {**TINY_TRIAL, "max_epochs": 2}  # what a short budget leaves every trial
    config = _binary_config(X, space)
    patience = 3
    entry = dataclasses.replace(HYPERPARAMETERS["n_iter_no_change"], default=patience)
    monkeypatch.setitem(objective_module.HYPERPARAMETERS, "n_iter_no_change", entry)
    study = optuna.create_study()
    enqueue_slot(study, 0, default=({}, []), default_epochs=40)
    folds = cv_splits(y, task="binary", cv=3, seed=0)
    budget = {"max_trial_seconds": 1e6, "default_trial_seconds": 1e6}  # a (long) time budget
    study.optimize(lambda t: run_cv_trial(t, config, X, y, folds, **budget), n_trials=1)
    (trial,) = study.get_trials(deepcopy=False)
    assert trial.state == optuna.trial.TrialState.COMPLETE
    mean = np.mean(np.array(trial.user_attrs["valid_curve"]), axis=0)
    trained, best = len(mean), int(np.argmin(mean)) + 1
    assert trained > 2  # more than the space's epochs
    # Either all 40 epochs, or exactly `patience` epochs after the last improvement.
    assert trained == 40 or trained - best == patience
    assert trial.user_attrs["best_epoch"] == best

    # A sampled trial of the same study trains the space's 2 epochs.
    study.optimize(lambda t: run_cv_trial(t, config, X, y, folds, **budget), n_trials=1)
    assert study.trials[-1].user_attrs["n_epochs"] == 2


@pytest.mark.filterwarnings("ignore:no trial completed within the budget")
def test_tune_queues_the_untuned_epochs_when_the_budget_shortens_them(small_binary):
    X, y = small_binary
    big = pd.concat([X] * 100, ignore_index=True)  # 24,000 rows: 5 epochs in a quarter of 4 s
    label = pd.concat([y] * 100, ignore_index=True)
    result = tune(big, label, n_trials=1, cv=2, timeout=4, storage=MEMORY, progress=False)
    (trial,) = result.study.get_trials(deepcopy=False)
    space = SearchSpace.from_dict(result.study.user_attrs["space"])
    assert space.max_epochs() < 50
    assert trial.system_attrs[DEFAULT_EPOCHS] == 50


def test_the_search_rows_cap_is_sized_on_the_network_its_trials_train():
    sizes = {"task": "regression", "n_inputs": 6, "n_outputs": 1, "cv": 5, "n_rows": 40_000, "timeout": 20}
    members = space_defaults(SearchSpace.default(), "regression")
    one = search_configuration("regression")
    assert members["n_members"] == 3 and one == {**members, "n_members": 1}
    # The search's trials train one network: 3 members' cost per row would cut their rows to less
    # than half (the cap sized on the default trial's members, which the search does not train).
    assert 2 * train_rows_cap(configuration=members, **sizes) < train_rows_cap(**sizes) < 32_000
    # Where the space asked for fixes or searches the members, the trials train them: sized on the most.
    default = SearchSpace.default()
    assert search_configuration("regression", default) == one
    for given in (3, {"choices": [1, 3]}, {"low": 1, "high": 3}):
        asked = default.override({"n_members": given})
        assert search_configuration("regression", asked) == members
    # The default trial's own rows are sized on what it trains (a user who fixed 3 members).
    larger = {**sizes, "n_rows": 60_000, "timeout": 15}
    cap = train_rows_cap(**larger)
    own = {
        config["n_members"]: default_train_rows(cap, configuration=config, **larger)
        for config in (one, members)
    }
    assert own[1] is None and cap <= own[3] < 60_000 * 4 // 5


def _configurations_of_default_train_rows(monkeypatch):
    """The list that every ``configuration`` ``tune`` passes to ``default_train_rows`` goes to."""
    seen = []
    real = tune_module.default_train_rows

    def spy(max_train_rows, **kwargs):
        seen.append(kwargs["configuration"])
        return real(max_train_rows, **kwargs)

    monkeypatch.setattr(tune_module, "default_train_rows", spy)
    return seen


def test_tune_sizes_the_default_trial_rows_on_the_default_trial_configuration(small_binary, monkeypatch):
    X, y = small_binary
    seen = _configurations_of_default_train_rows(monkeypatch)
    result = tune(X, y, n_trials=1, cv=2, timeout=30, storage=MEMORY, progress=False)
    space = SearchSpace.from_dict(result.study.user_attrs["space"])
    assert seen == [space_defaults(space, "binary")]


def test_a_resumed_study_sizes_the_default_trial_rows_on_the_space_it_keeps(
    small_binary, monkeypatch, tmp_path
):
    X, y = small_binary
    big = pd.concat([X] * 100, ignore_index=True)  # 24,000 rows: 4 s shorten the epochs
    label = pd.concat([y] * 100, ignore_index=True)
    storage = f"sqlite:///{tmp_path}/s.db"
    first = tune(big, label, n_trials=1, cv=2, timeout=4, storage=storage, progress=False)
    kept = SearchSpace.from_dict(first.study.user_attrs["space"])
    seen = _configurations_of_default_train_rows(monkeypatch)
    resumed = tune(big, label, n_trials=1, cv=2, timeout=600, storage=storage, progress=False)
    # Sized on the space the study keeps (its 4 s epochs), not on the one a 600 s budget gives.
    assert seen == [space_defaults(kept, "binary")] and kept.max_epochs() < SearchSpace.default().max_epochs()
    # The resumed study had no model file: it trained the default trial's folds again, for their
    # best epoch, past the epochs of the space it keeps (the default trial trains the untuned ones).
    (trial,) = first.study.get_trials(deepcopy=False)
    assert trial.user_attrs["best_epoch"] > kept.max_epochs()
    head = big.head(50)
    assert np.allclose(resumed.best_pipeline.predict_proba(head), first.best_pipeline.predict_proba(head))


def test_the_default_trial_gets_a_rows_cap_of_its_own():
    sizes = {"task": "regression", "n_inputs": 6, "n_outputs": 1, "cv": 5}
    assert default_train_rows(None, n_rows=500_000, timeout=30, **sizes) is None  # no cap, none
    for rows, timeout in ((40_000, 20), (40_000, 60), (500_000, 30), (500_000, 600)):
        cap = train_rows_cap(n_rows=rows, timeout=timeout, **sizes)
        own = default_train_rows(cap, n_rows=rows, timeout=timeout, **sizes)
        assert cap is not None and (own is None or own >= cap)  # never fewer rows than the search's
        # All rows unless a step on them costs more than the default trial's whole share.
        step = train_rows_cap(
            n_rows=rows, timeout=timeout, step_seconds=DEFAULT_TRIAL_SHARE * timeout, **sizes
        )
        assert own == (None if step is None else max(step, cap))
    on_40k = train_rows_cap(n_rows=40_000, timeout=120, **sizes)
    assert (
        on_40k < 40_000 * 4 // 5 and default_train_rows(on_40k, n_rows=40_000, timeout=120, **sizes) is None
    )
    big = train_rows_cap(n_rows=500_000, timeout=30, **sizes)
    assert big < default_train_rows(big, n_rows=500_000, timeout=30, **sizes) < 400_000
    # Only the training part of a step counts: validating 100,000 rows a fold costs the same on
    # any subset, and counted it would send every network to the 1,000-row floor.
    assert big > 5000 and train_rows_cap(n_rows=2_000_000, timeout=30, **sizes) > 5000
    # Both caps travel in the study's attributes, so every worker applies them.
    budget = Budget.start(
        30, final_model="ensemble", model_path=None, cv=5, max_train_rows=9, default_train_rows=12
    )
    restored = Budget.from_attrs(budget.to_attrs())
    assert (restored.max_train_rows, restored.default_train_rows) == (9, 12)


def test_with_a_refit_to_come_the_default_trial_and_its_refit_fit_in_the_budget():
    # The default trial may be the best; its refit starts when it ends, so both must fit in T.
    for cv in (2, 3, 5, 10):
        for rows in (None, 2_000):  # rows as a fidelity: its refit trains on every row, more per epoch
            budget = Budget.start(
                60, final_model="refit", model_path=None, cv=cv, n_rows=10_000, default_train_rows=rows
            )
            own = budget.default_trial_seconds
            refit = REFIT_SAFETY * own * refit_share(cv, 10_000, rows)
            assert own <= DEFAULT_TRIAL_SHARE * 60 and own + refit + final_reserve(60) <= 60 + 1e-9
            assert Budget.from_attrs(budget.to_attrs()).default_trial_seconds == own  # every worker's
    # 3 folds, all rows: (60 - 1.6) / (1 + 1.25 / 2), about 0.6 of T
    assert Budget.start(
        60, final_model="refit", model_path=None, cv=3
    ).default_trial_seconds == pytest.approx(58.4 / 1.625)
    # the fold ensemble needs no refit: the whole share; a study recorded before the attribute too
    assert Budget.start(60, final_model="ensemble", model_path=None, cv=3).default_trial_seconds == 45.0
    assert Budget.from_attrs({"timeout": 60.0}).default_trial_seconds == DEFAULT_TRIAL_SHARE * 60


def test_a_refit_after_trials_on_a_subset_is_given_the_time_of_every_row():
    trial = optuna.trial.create_trial(value=1.0, user_attrs={"step_seconds": 1.0, "best_epoch": 4})
    on_all = refit_seconds(trial, cv=5, n_rows=30_000)
    assert on_all == pytest.approx(REFIT_SAFETY * 4 / 4)  # one network on all rows: 1/(cv-1)
    subset = optuna.trial.create_trial(
        value=1.0, user_attrs={"step_seconds": 1.0, "best_epoch": 4, "max_train_rows": 3000}
    )
    # 5 networks of 3,000 rows each step; one of 30,000 rows costs twice that per epoch.
    assert refit_seconds(subset, cv=5, n_rows=30_000) == pytest.approx(REFIT_SAFETY * 4 * 2)
    assert refit_share(5, 30_000, 24_000) == pytest.approx(1 / 4)  # every row of a fold: as before
    # Before any trial: the reserve for the largest allowed trial grows the same way.
    start = {"final_model": "refit", "model_path": None, "cv": 5, "started": 0.0}
    plain, capped = Budget.start(100, **start), Budget.start(100, **start, max_train_rows=3000, n_rows=30_000)
    assert plain.job_end - capped.deadline > plain.job_end - plain.deadline


def test_rows_as_a_fidelity_in_a_study_with_a_budget(small_binary, monkeypatch):
    """The search's trials train on a subset of each fold's rows; the default trial on all."""
    X, y = small_binary
    big = pd.concat([X] * 13, ignore_index=True)  # 3,120 rows, 1,560 in each training fold
    label = pd.concat([y] * 13, ignore_index=True)
    # A first rung this fast needs the smallest subset (1,000 rows); the default trial's share
    # of the budget pays for a step on all its rows.
    monkeypatch.setattr(budget_space_module, "FIRST_RUNG_SECONDS", 1e-6)
    monkeypatch.setattr(budget_space_module, "FIRST_RUNG_SHARE", 0.0)
    trained = {}  # trial seed -> rows each fold's network trained on
    init = objective_module._Fold.__init__

    def remember_rows(fold, params, config, X, y, train, valid, seed, max_train_rows=None):
        init(fold, params, config, X, y, train, valid, seed, max_train_rows)
        trained.setdefault(seed, set()).add(len(fold.y_train))

    monkeypatch.setattr(objective_module._Fold, "__init__", remember_rows)
    result = tune(big, label, n_trials=3, cv=2, timeout=30, storage=MEMORY, progress=False)
    attrs = result.study.user_attrs
    assert attrs["max_train_rows"] == 1000 and attrs["default_train_rows"] is None
    default, *rest = result.study.get_trials(deepcopy=False)
    sampled = [trial for trial in rest if "seed" in trial.user_attrs]  # those that ran
    assert sampled and trained[default.user_attrs["seed"]] == {1560}  # every row of its fold
    assert default.user_attrs["max_train_rows"] is None
    for trial in sampled:
        assert trained[trial.user_attrs["seed"]] == {1000} and trial.user_attrs["max_train_rows"] == 1000


class _AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return True


def test_the_default_trial_cap_follows_the_median_of_its_measured_steps():
    # After epoch 1: 3 s spent, steps of 3 s: 2 more fit in a share of 10 s.
    assert objective_module._measured_cap(1, 3.0, [3.0], 10.0) == 3
    # The later steps take 1 s: the median moves, and so does the cap (what the first step
    # alone predicted, floor(10 / 3) = 3 epochs, left 5 of the 10 s unused).
    assert objective_module._measured_cap(2, 4.0, [3.0, 1.0], 10.0) == 5
    assert objective_module._measured_cap(3, 5.0, [3.0, 1.0, 1.0], 10.0) == 8
    # Never below the epochs done, nor below 1, when the share is spent.
    assert objective_module._measured_cap(8, 10.5, [3.0] + [1.0] * 7, 10.0) == 8
    assert objective_module._measured_cap(1, 30.0, [30.0], 10.0) == 1


def _default_trial_on_a_clock(X, y, monkeypatch, share, deadline=None):
    """Run a default trial under a budget on a clock of our own: its first epoch's steps take 3 s
    in all, every later epoch 1 s (whole seconds, so the sums are exact); no early stop."""
    config = _binary_config(X, {**TINY_TRIAL, "max_epochs": 60})
    entry = dataclasses.replace(HYPERPARAMETERS["n_iter_no_change"], default=1000)
    monkeypatch.setitem(objective_module.HYPERPARAMETERS, "n_iter_no_change", entry)
    clock = {"now": 0.0, "steps": 0}
    folds = cv_splits(y, task="binary", cv=3, seed=0)
    real_step = objective_module._Fold.step

    def step(fold, metric):
        if clock["steps"] % len(folds) == 0:  # each epoch's first fold
            clock["now"] += 3.0 if clock["steps"] == 0 else 1.0
        clock["steps"] += 1
        return real_step(fold, metric)

    monkeypatch.setattr(objective_module._Fold, "step", step)
    monkeypatch.setattr(objective_module, "time", types.SimpleNamespace(perf_counter=lambda: clock["now"]))
    study = optuna.create_study()
    enqueue_slot(study, 0, default=({}, []))
    budget = {"max_trial_seconds": 100.0, "default_trial_seconds": share}
    watch = None if deadline is None else types.SimpleNamespace(passed=lambda: clock["now"] >= deadline)
    study.optimize(lambda t: run_cv_trial(t, config, X, y, folds, deadline=watch, **budget), n_trials=1)
    (trial,) = study.get_trials(deepcopy=False)
    return trial


def test_a_slow_first_step_does_not_cut_the_default_trial_short(small_binary, monkeypatch):
    trial = _default_trial_on_a_clock(*small_binary, monkeypatch, share=10.0)
    assert trial.state == optuna.trial.TrialState.COMPLETE
    # 3 s + 7 epochs of 1 s: its whole share, where the first step's 3 s predicted 3 epochs.
    assert trial.user_attrs["n_epochs"] == trial.user_attrs["epoch_cap"] == 8
    assert trial.user_attrs["fit_time"] == 10.0


def test_a_cap_that_moves_past_a_passed_deadline_still_stops_there(small_binary, monkeypatch):
    # Share 6 s: after epoch 1 (3 s) the cap is 2; after epoch 2 (4 s, median step 2 s) it is 3,
    # but the deadline passed at 4 s: the trial stops at epoch 2, as any trial at its first step
    # boundary past the deadline, instead of training epoch 3.
    trial = _default_trial_on_a_clock(*small_binary, monkeypatch, share=6.0, deadline=4.0)
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert trial.user_attrs["pruned_reason"] == "deadline"
    assert trial.user_attrs["n_epochs"] == trial.user_attrs["pruned_at"] == 2
    assert trial.user_attrs["epoch_cap"] == 3


def test_the_pruner_never_stops_the_default_trial(small_binary):
    X, y = small_binary
    config = _binary_config(X, {**TINY_TRIAL, "max_epochs": 3})
    study = optuna.create_study(pruner=_AlwaysPrune())
    enqueue_slot(study, 0, default=({}, []))
    folds = cv_splits(y, task="binary", cv=3, seed=0)
    study.optimize(lambda t: run_cv_trial(t, config, X, y, folds), n_trials=2)
    default, sampled = study.get_trials(deepcopy=False)
    assert default.state == optuna.trial.TrialState.COMPLETE and default.user_attrs["n_epochs"] == 3
    assert sampled.state == optuna.trial.TrialState.PRUNED and sampled.user_attrs["pruned_at"] == 1


def test_the_default_trial_stops_as_the_untuned_model_under_a_budget_only(small_binary, monkeypatch):
    X, y = small_binary
    config = _binary_config(X, {**TINY_TRIAL, "max_epochs": 60, "learning_rate_init": 0.1})
    entry = dataclasses.replace(HYPERPARAMETERS["n_iter_no_change"], default=2)
    monkeypatch.setitem(objective_module.HYPERPARAMETERS, "n_iter_no_change", entry)
    folds = cv_splits(y, task="binary", cv=3, seed=0)
    epochs = {}
    for budget in ({}, {"max_trial_seconds": 1e6, "default_trial_seconds": 1e6}):
        study = optuna.create_study()
        enqueue_slot(study, 0, default=({}, []))  # the space keeps its epochs: nothing extended
        study.optimize(lambda t, b=budget: run_cv_trial(t, config, X, y, folds, **b), n_trials=2)
        default, sampled = study.get_trials(deepcopy=False)
        assert sampled.user_attrs["n_epochs"] == 60  # a sampled trial trains its epochs
        mean = np.mean(np.array(default.user_attrs["valid_curve"]), axis=0)
        epochs[bool(budget)] = len(mean)
        assert len(mean) == 60 or len(mean) - (int(np.argmin(mean)) + 1) == 2
    # Without a budget it trains all 60, as every trial; with one it stops as the untuned model
    # (a learning rate of 0.1 on 240 rows overfits long before 60 epochs).
    assert epochs == {False: 60, True: epochs[True]} and epochs[True] < 60
