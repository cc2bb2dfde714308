"""The report's time-budget charts read the records the tuner writes (and explain when there are none)."""

import optuna
import pytest

import regtune
from regtune.report._figures_budget import best_over_time_figure, cost_model_figure
from regtune.report._records import read_study
from regtune.tuning import tune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def budgeted():
    X, y = regtune.load_dataset("penguins", return_X_y=True)
    space = {"n_layers": 1, "width": {"low": 4, "high": 16}, "max_epochs": 6, "batch_size": 64}
    return tune(X, y, n_trials=5, cv=2, timeout=60, storage="sqlite:///:memory:", space=space, progress=False)


def test_cost_model_chart_plots_predicted_against_measured_steps(budgeted):
    records = read_study(budgeted.study)
    fig, note = cost_model_figure(records)
    points = fig.data[-1]
    finished = records.complete + records.pruned
    assert list(points.x) == [t.user_attrs["predicted_step_seconds"] for t in finished]
    assert list(points.y) == [t.user_attrs["step_seconds"] for t in finished]
    assert "within a factor of 2" in note


def test_best_over_time_never_gets_worse_and_shows_the_deadline(budgeted):
    records = read_study(budgeted.study)
    fig, _ = best_over_time_figure(records)
    best = list(fig.data[1].y)
    assert best == sorted(best, reverse=True)  # log loss: the best so far only goes down
    assert best[-1] == pytest.approx(budgeted.best_score)
    assert len(fig.layout.shapes) == 2  # the search deadline and the end of the budget


def test_the_cost_model_note_says_when_trials_trained_on_fewer_rows(budgeted):
    records = read_study(budgeted.study)
    assert "Rows as a fidelity" not in cost_model_figure(records)[1]  # penguins: every row
    study = optuna.create_study()
    for rows in (None, 1000, 1000):
        attrs = {"predicted_step_seconds": 0.1, "step_seconds": 0.12}
        attrs.update({} if rows is None else {"max_train_rows": rows})
        study.add_trial(optuna.trial.create_trial(value=1.0, user_attrs=attrs))
    _, note = cost_model_figure(read_study(study))
    assert "2 of 3 trials trained on 1,000 rows of each fold, 1 on all of them" in note


def test_studies_without_the_records_get_a_sentence():
    records = read_study(optuna.create_study())
    assert isinstance(cost_model_figure(records), str)
    assert isinstance(best_over_time_figure(records), str)
