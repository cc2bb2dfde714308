"""The verdict's rules: each against a naive reference, then on synthetic studies whose answer is known."""

import math

import numpy as np
import pytest
import synthetic_studies as synthetic
from scipy import stats

from regtune.report._effects import regularizer_effects
from regtune.report._records import TrialRecord, read_study
from regtune.report._verdict import (
    BIAS_GAP,
    OVERFIT_GAP,
    best_epoch_dip,
    curve_noise,
    epoch_trend,
    paired_comparison,
    train_valid_gap,
)
from regtune.report._verdict_section import fit_sentences, origin_sentences, study_verdict, tie_sentences
from regtune.tuning._portfolio import PORTFOLIO_NAMES


def verdict_of(study):
    return study_verdict(read_study(study))


# -- each rule against a naive reference -----------------------------------------------------------


@pytest.mark.parametrize("k", [3, 5, 10])
def test_paired_t_is_scipys_paired_t_with_the_nadeau_bengio_standard_error(k):
    rng = np.random.default_rng(k)
    best = rng.normal(100.0, 20.0, k)
    rival = best + rng.normal(1.0, 2.0, k)
    found = paired_comparison(best, rival, maximize=False)
    d = [r - b for r, b in zip(rival, best)]
    mean = sum(d) / k
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (k - 1))
    np.testing.assert_allclose(found.differences, d, rtol=1e-15)
    np.testing.assert_allclose(found.se, sd * math.sqrt(1 / k + 1 / (k - 1)), rtol=1e-12)
    # without the correction the statistic is scipy's paired t
    uncorrected = found.t * math.sqrt(k * (1 / k + 1 / (k - 1)))
    np.testing.assert_allclose(uncorrected, stats.ttest_rel(rival, best).statistic, rtol=1e-12)
    np.testing.assert_allclose(found.critical, stats.t.ppf(0.95, k - 1), rtol=1e-12)
    flipped = paired_comparison(-best, -rival, maximize=True)  # a maximized metric: same verdict
    np.testing.assert_allclose(flipped.t, found.t, rtol=1e-12)


def test_paired_comparison_needs_the_same_folds():
    assert paired_comparison([1.0, 2.0, 3.0], [1.0, 2.0], maximize=False) is None
    assert paired_comparison([1.0], [2.0], maximize=False) is None
    same = paired_comparison([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], maximize=False)
    assert same.t == 0 and same.tied
    shifted = paired_comparison([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], maximize=False)
    assert shifted.t == math.inf and not shifted.tied, "the same gap on every fold is no tie"


def test_curve_noise_recovers_white_noise_and_ignores_a_smooth_trend():
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 4001)
    trend = 1.0 + 2.0 * np.exp(-epochs / 50.0)
    np.testing.assert_allclose(curve_noise(trend + rng.normal(0.0, 0.05, epochs.size)), 0.05, rtol=0.05)
    assert curve_noise(1.0 + 0.001 * (epochs - 9.0) ** 2) == 0.0, "constant curvature is trend, not noise"
    assert curve_noise([5.0, 4.0, 3.0, 2.0, 1.0]) is None, "too short to judge"


def test_epoch_trend_is_the_least_squares_slope_of_the_last_half():
    rng = np.random.default_rng(1)
    curve = list(2.0 - 0.01 * np.arange(1, 21) + rng.normal(0.0, 0.002, 20))
    noise = curve_noise(curve)
    found = epoch_trend(curve, maximize=False, noise=noise)
    xs, ys = list(range(11, 21)), curve[10:]
    x_mean, y_mean = sum(xs) / 10, sum(ys) / 10
    sxx = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys)) / sxx
    np.testing.assert_allclose(found.slope, -slope, rtol=1e-10)
    np.testing.assert_allclose(found.z, -slope / (noise / math.sqrt(sxx)), rtol=1e-10)
    assert found.n_epochs == 20 and found.still_improving
    flat = epoch_trend([1.0] * 5 + [0.5] * 15, maximize=False, noise=0.01)
    assert abs(flat.slope) < 1e-15 and not flat.still_improving and not flat.budget_too_small


def test_best_epoch_dip_is_measured_from_a_quadratic_through_the_neighbours():
    epochs = np.arange(1, 31, dtype=float)
    parabola = list(1.0 + 0.01 * (epochs - 12.0) ** 2)
    smooth = best_epoch_dip(parabola, maximize=False, noise=0.001)
    assert smooth.best_epoch == 12 and abs(smooth.dip) < 1e-12 and not smooth.noisy
    np.testing.assert_allclose(smooth.gain_over_last, parabola[-1] - parabola[11], rtol=1e-12)
    planted = list(parabola)
    planted[11] -= 0.3
    dip = best_epoch_dip(planted, maximize=False, noise=0.01)
    np.testing.assert_allclose(dip.dip, 0.3, rtol=1e-9)
    assert dip.noisy and dip.z == pytest.approx(30.0)
    assert best_epoch_dip(parabola[:12], maximize=False, noise=0.01).dip is None, "no right neighbour"


def test_gap_ratio_uses_the_error_of_a_maximized_metric():
    loss = train_valid_gap(0.6, 1.0, maximize=False)
    assert loss.ratio == pytest.approx(0.4) and loss.kind == "overfit"
    accuracy = train_valid_gap(0.99, 0.90, maximize=True)  # errors 0.01 and 0.10
    assert accuracy.ratio == pytest.approx(0.9) and accuracy.kind == "overfit"
    assert train_valid_gap(0.97, 1.0, maximize=False).kind == "bias"
    assert train_valid_gap(1.0 - (OVERFIT_GAP + BIAS_GAP) / 2, 1.0, maximize=False).kind == "balanced"
    assert train_valid_gap(1.0, 1.0, maximize=True).ratio is None, "a perfect score has no error to share"


def _record(number, value, **params):
    return TrialRecord(number, "complete" if value is not None else "pruned", value, params)


def test_effects_split_at_the_median_and_hold_each_test_to_a_bonferroni_level():
    rng = np.random.default_rng(3)
    trials = []
    for i in range(20):
        dropout, alpha = float(rng.uniform(0, 0.8)), float(rng.uniform(0.1, 1.0))
        trials.append(_record(i, 1.0 + dropout + 0.01 * rng.normal(), dropout=dropout, alpha=alpha))
    trials.append(_record(20, None, dropout=0.75, alpha=0.5))
    found = {e.name: e for e in regularizer_effects(trials, ["alpha", "dropout", "l1"], maximize=False)}
    assert set(found) == {"alpha", "dropout"}, "a regularizer no trial sampled is left out"
    dropout = found["dropout"]
    values = sorted(t.params["dropout"] for t in trials[:20])
    split = (values[9] + values[10]) / 2
    assert dropout.split == pytest.approx(split)
    above = [t.value for t in trials[:20] if t.params["dropout"] > split]
    below = [t.value for t in trials[:20] if t.params["dropout"] <= split]
    assert sorted(dropout.groups[0].scores) == sorted(above) and sorted(dropout.groups[1].scores) == sorted(
        below
    )
    assert dropout.groups[0].n_pruned == 1 and dropout.groups[1].n_pruned == 0
    assert dropout.threshold == pytest.approx(0.05 / 2)
    assert dropout.verdict == "hurt" and dropout.gain == pytest.approx(np.median(below) - np.median(above))
    assert dropout.p == pytest.approx(stats.mannwhitneyu(above, below).pvalue)


def test_effects_of_levels_count_pruned_trials_and_refuse_small_groups():
    trials = [_record(i, 1.0 + 0.1 * i, batch_norm=False) for i in range(4)]
    trials += [_record(4, None, batch_norm=True), _record(5, None, batch_norm=True)]
    (effect,) = regularizer_effects(trials, ["batch_norm"], maximize=False)
    assert effect.verdict == "too few" and effect.p is None
    assert [(g.label, len(g.scores), g.n_pruned) for g in effect.groups] == [("True", 0, 2), ("False", 4, 0)]


# -- the rules on synthetic studies whose answer is known ------------------------------------------


def test_underfit_study_needs_more_epochs_and_less_regularization():
    v = verdict_of(synthetic.underfit_study())
    assert v.trend.best_epoch == v.trend.n_epochs == 20
    assert v.trend.budget_too_small and v.gap.kind == "bias"
    said = " ".join(fit_sentences(v))
    assert "Best epoch = 20 of 20 and validation still improving" in said
    assert "the epoch budget is too small" in said and "bias dominates" in said
    space = {name: spec for step in v.steps for name, spec in step.space.items()}
    assert space["max_epochs"] == 40
    assert space["alpha_per_row"] == {"low": 1e-5, "high": pytest.approx(0.3)}, "weaker than the best's"
    assert space["dropout"] == 0.0, "the best trial used almost none (0.02 of 0..0.8)"


def test_overfit_study_needs_more_regularization_not_more_epochs():
    study = synthetic.overfit_study()
    v = verdict_of(study)
    best = min(study.trials, key=lambda t: t.value)
    e = best.user_attrs["best_epoch"] - 1
    train = np.mean([f[e] for f in best.user_attrs["train_curve"]])
    valid = np.mean([f[e] for f in best.user_attrs["valid_curve"]])
    assert v.gap.kind == "overfit" and v.gap.ratio == pytest.approx((valid - train) / valid)
    assert v.trend.best_epoch == 8 and not v.trend.late and not v.trend.budget_too_small
    assert "Training error is far below validation" in " ".join(fit_sentences(v))
    space = {name: spec for step in v.steps for name, spec in step.space.items()}
    assert "max_epochs" not in space
    assert space["alpha_per_row"]["low"] == pytest.approx(best.params["alpha_per_row"]), (
        "as strong as the best"
    )
    assert space["dropout"]["low"] == pytest.approx(best.params["dropout"])


def test_tied_study_says_tied_and_shows_the_paired_fold_differences():
    study = synthetic.tied_study()
    v = verdict_of(study)
    ranked = sorted(study.trials, key=lambda t: t.value)
    assert v.top.spread < 4 and v.top.fold_std > 20
    assert [r.number for r in v.top.tied] == [t.number for t in ranked[1:]] and v.top.worse == []
    for (_, paired), trial in zip(v.top.rivals, ranked[1:]):
        naive = [r - b for r, b in zip(trial.user_attrs["fold_scores"], ranked[0].user_attrs["fold_scores"])]
        np.testing.assert_allclose(paired.differences, naive, rtol=1e-12)
    numbers = [str(t.number) for t in ranked[1:]]
    said = " ".join(tie_sentences(v))
    assert f"tied with trials {', '.join(numbers[:-1])} and {numbers[-1]}" in said
    assert [step.flags for step in v.steps if step.flags.get("--cv")] == [{"--cv": "10"}]


def test_a_gap_repeated_on_every_fold_is_distinguishable_despite_the_fold_spread():
    v = verdict_of(synthetic.tied_study(distinguishable=True))
    assert v.top.fold_std > v.top.spread, "the folds differ more than the trials"
    assert v.top.tied == [] and len(v.top.worse) == 4
    assert "pairing the scores fold by fold" in " ".join(tie_sentences(v))


@pytest.mark.parametrize(("sign", "verdict", "side"), [(-1.0, "helped", "low"), (1.0, "hurt", "high")])
def test_a_regularizer_that_clearly_helps_or_hurts(sign, verdict, side):
    study = synthetic.regularizer_study(dropout_sign=sign)
    v = verdict_of(study)
    found = {e.name: e for e in v.effects}
    dropout = found["dropout"]
    complete = [t for t in study.trials if t.value is not None]
    assert dropout.split == pytest.approx(np.median([t.params["dropout"] for t in complete]))
    assert dropout.verdict == verdict and dropout.p < dropout.threshold
    assert found["alpha_per_row"].verdict == "unclear", "alpha_per_row does nothing in this study"
    assert found["batch_norm"].verdict == "too few"
    space = {name: spec for step in v.steps for name, spec in step.space.items()}
    assert space["dropout"][side] == pytest.approx(dropout.split), "the range keeps the better side"


def test_a_single_noisy_dip_is_named_with_the_curve_noise():
    v = verdict_of(synthetic.noisy_dip_study())
    assert v.dip.best_epoch == 17 and v.dip.noisy
    np.testing.assert_allclose(v.noise, synthetic.NOISE, rtol=0.5)
    said = " ".join(fit_sentences(v))
    assert "a single noisy dip" in said and "epoch-to-epoch noise" in said
    clean = verdict_of(synthetic.noisy_dip_study(dip=False))
    assert abs(clean.dip.best_epoch - 15) <= 2 and not clean.dip.noisy
    assert "not a single noisy dip" in " ".join(fit_sentences(clean))


# -- where the best trial came from ---------------------------------------------------------------


def test_a_best_default_trial_says_tuning_found_nothing_better():
    v = verdict_of(synthetic.origin_study(best="default"))
    assert v.origin == "default" and v.best.number == 0
    assert origin_sentences(v) == [
        "The best complete trial is trial 0, the untuned default configuration: none of the 2 other "
        "complete trials beat it in cross-validation."
    ]


@pytest.mark.parametrize(
    ("best", "maximize", "said"),
    [
        # rmse: the default scores 1.0, the best 0.7 (0.3 better: 30 % of 1.0)
        (
            "portfolio",
            False,
            f"The best complete trial (trial 1) is one of the portfolio's fixed known-good networks, which "
            f"a study tries first after the default: {PORTFOLIO_NAMES[0]}. It scores 0.3 rmse (30.0% of "
            "the default's score) better than the untuned default configuration (trial 0) in "
            "cross-validation.",
        ),
        # accuracy: the default scores 0.80, the best 0.96 (0.16 better: 20 % of 0.80)
        (
            "search",
            True,
            "The best complete trial (trial 2) is the search's own configuration (TPE's). It scores 0.16 "
            "accuracy (20.0% of the default's score) better than the untuned default configuration "
            "(trial 0) in cross-validation.",
        ),
    ],
)
def test_a_better_trial_says_where_it_came_from_and_its_gain_over_the_default(best, maximize, said):
    v = verdict_of(synthetic.origin_study(best=best, maximize=maximize))
    assert origin_sentences(v) == [said]


def test_a_default_trial_that_did_not_complete_leaves_the_gain_unknown():
    v = verdict_of(synthetic.origin_study(default_state=synthetic.TrialState.PRUNED))
    assert v.default is None and v.default_number == 0 and v.default_state == "pruned"
    assert "(trial 0) did not complete, so the gain over it is unknown" in origin_sentences(v)[0]


@pytest.mark.parametrize(
    ("final_model", "ending"),
    [
        ("ensemble", "its fold ensemble is the final model."),
        ("refit", "a refit needs a complete trial, so the final model is trial 0's refit."),
    ],
)
def test_a_trial_stopped_by_the_deadline_that_scored_better_is_named(final_model, ending):
    study = synthetic.origin_study(best="default", stopped=0.5)  # complete: 0.7 (the default), 0.9, 0.8
    study.set_user_attr("final_model", final_model)
    v = verdict_of(study)
    assert v.stopped_final == (3, 0.5)
    assert (
        origin_sentences(v)[1]
        == f"Trial 3, stopped by the deadline, scored better at its best epoch (0.5 rmse): {ending}"
    )
    # a stopped trial that scored worse than the best complete one is not named
    assert len(origin_sentences(verdict_of(synthetic.origin_study(stopped=0.95)))) == 1


def test_a_study_without_a_default_trial_says_nothing_of_origins():
    v = verdict_of(synthetic.tied_study())
    assert v.default_number is None and origin_sentences(v) == []


def test_a_search_that_converged_says_when_and_since_which_trial():
    study = synthetic.origin_study(best="default")
    record = {
        "job_end": 1000.0,
        "at": 96.4,
        "timeout": 300.0,
        "anchor_trial": 0,
        "anchor_at": 31.0,
        "anchor_first": True,
        "trials_since": 8,
    }
    for key, value in {"timeout": 300.0, "job_end": 1000.0, "search_converged": record}.items():
        study.set_user_attr(key, value)
    said = origin_sentences(verdict_of(study))
    assert said[-1] == (
        "The search ended early, at 96 s of its 300 s budget, because it had converged: no trial beat "
        "trial 0, the first to complete (31 s in), beyond the folds' noise (one standard error of the "
        "paired fold differences) in the 65 s and 8 trials that followed. regtune tune --full-budget "
        "(stop_when_converged=False) searches until the deadline."
    )
    assert len(said) == 2
