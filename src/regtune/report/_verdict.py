"""The verdict's rules: small pure functions over plain numbers, each with its threshold named here.

``docs/report.md`` ("The verdict's rules") states each rule in words; the tests in
``tests/report/test_verdict_rules.py`` run each on synthetic studies whose answer is known. Scores are
oriented by the study's direction: "better" is lower for a minimized metric, higher for a maximized one.

1. **Tied or distinguishable** (:func:`paired_comparison`): a rival of the best trial is worse when the
   one-sided paired t statistic of its fold differences reaches the ``TIE_CONFIDENCE`` quantile of
   Student's t with ``K - 1`` degrees of freedom; otherwise it is tied with the best. The standard error
   is Nadeau and Bengio's (2003) correction for K-fold cross-validation, whose training sets overlap:
   ``se = sd(d) * sqrt(1/K + 1/(K - 1))`` instead of ``sd(d) / sqrt(K)``.
2. **Curve noise** (:func:`curve_noise`): the epoch-to-epoch noise of a validation curve is the robust
   standard deviation (1.4826 x the median absolute deviation) of its second differences divided by
   ``sqrt(6)``: for white noise of standard deviation s a second difference has variance 6 s^2, and a
   smooth trend contributes little to it. It is measured on the last half of the curve (at least
   ``MIN_CURVE - 1`` epochs), where the trend has flattened, so the early steep fall is not counted as
   noise; below ``1e-9`` of the curve's level it is 0 (rounding, not noise).
3. **Epoch budget** (:func:`epoch_trend`): too small when the best epoch lies in the last
   ``LATE_FRACTION`` of the epochs and a line fitted to the last half of the curve still improves by
   at least ``TREND_Z`` standard errors (from the curve noise).
4. **Noisy best epoch** (:func:`best_epoch_dip`): the best epoch is a single noisy dip when it lies
   more than ``DIP_Z`` times the curve noise below a quadratic fitted to its neighbours (two epochs on
   each side, itself left out).
5. **Bias or variance** (:func:`train_valid_gap`): at the best epoch, the gap ratio
   ``(valid error - train error) / valid error`` is overfitting from ``OVERFIT_GAP`` up and
   bias-dominated below ``BIAS_GAP``. The error is the metric when it is minimized and ``1 - metric``
   when it is maximized (accuracy, ROC AUC, R^2: all at most 1).

Rule 6, the regularizers' effects, is in ``_effects``.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

TOP_K = 5
TIE_CONFIDENCE = 0.95
LATE_FRACTION = 0.25
TREND_Z = 2.0
DIP_Z = 2.0
DIP_REACH = 2
OVERFIT_GAP = 0.20
BIAS_GAP = 0.05
MIN_CURVE = 6  # epochs below which a curve's noise and trend are not judged


def better(a, b, maximize):
    """How much better ``a`` is than ``b`` (positive when better), in the metric's units."""
    return a - b if maximize else b - a


# -- 1. tied or distinguishable ----------------------------------------------------------------------


@dataclass(frozen=True)
class Paired:
    """A rival trial against the best one, fold by fold (``differences``: positive = rival worse)."""

    differences: tuple
    mean: float
    se: float
    t: float
    critical: float

    @property
    def tied(self):
        return not self.t >= self.critical


def paired_comparison(best_folds, rival_folds, *, maximize, confidence=TIE_CONFIDENCE):
    """Compare a rival's fold scores with the best trial's, paired fold by fold.

    Parameters
    ----------
    best_folds, rival_folds : sequence of float
        The validation score of each fold (the same folds, in the same order).
    maximize : bool
        The metric's direction.
    confidence : float
        One-sided level of the paired t test: the rival is worse when ``t >= t_{confidence, K-1}``.

    Returns
    -------
    Paired or None
        None when the folds cannot be paired (different counts, or fewer than 2).

    Examples
    --------
    >>> p = paired_comparison([10.0, 20.0, 30.0], [11.0, 21.5, 30.5], maximize=False)
    >>> [round(d, 2) for d in p.differences], p.tied
    ([1.0, 1.5, 0.5], True)
    """
    k = len(best_folds)
    if k < 2 or len(rival_folds) != k:
        return None
    d = np.array([better(b, r, maximize) for b, r in zip(best_folds, rival_folds)], dtype=float)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd * math.sqrt(1.0 / k + 1.0 / (k - 1))
    if se > 0:
        t = mean / se
    else:
        t = math.copysign(math.inf, mean) if mean != 0 else 0.0
    critical = float(stats.t.ppf(confidence, k - 1))
    return Paired(tuple(float(x) for x in d), mean, se, t, critical)


@dataclass(frozen=True)
class TopComparison:
    """The best trial against the next ones: ``rivals`` is a list of (trial record, Paired or None)."""

    best: object
    rivals: list
    spread: float  # best - worst score among the compared trials, in metric units
    fold_std: float | None  # the best trial's standard deviation over folds

    @property
    def tied(self):
        return [r for r, p in self.rivals if p is not None and p.tied]

    @property
    def worse(self):
        return [r for r, p in self.rivals if p is not None and not p.tied]


def compare_top(ranked, *, maximize, top=TOP_K):
    """Pair the best trial with each of the next ``top - 1`` (``ranked``: complete records, best first).

    Returns None when there is no complete trial.
    """
    if not ranked:
        return None
    best, rivals = ranked[0], ranked[1:top]
    pairs = [(r, paired_comparison(best.fold_scores, r.fold_scores, maximize=maximize)) for r in rivals]
    values = [t.value for t in ranked[:top]]
    std = float(np.std(best.fold_scores)) if len(best.fold_scores) >= 2 else None
    return TopComparison(best, pairs, float(max(values) - min(values)), std)


# -- 2-4. the best trial's validation curve -----------------------------------------------------------


def curve_noise(curve):
    """Epoch-to-epoch noise of a curve: ``1.4826 * MAD(second differences) / sqrt(6)`` over its last half.

    Returns None for fewer than ``MIN_CURVE`` epochs.

    Examples
    --------
    >>> curve_noise([6.0, 4.0, 3.0, 2.0, 1.0, 0.0])  # a straight line has no noise
    0.0
    """
    n = len(curve)
    if n < MIN_CURVE:
        return None
    late = np.asarray(curve[n - max(MIN_CURVE - 1, math.ceil(n / 2)) :], dtype=float)
    second = np.diff(late, n=2)
    mad = float(np.median(np.abs(second - np.median(second))))
    noise = 1.4826 * mad / math.sqrt(6.0)
    return 0.0 if noise <= 1e-9 * float(np.median(np.abs(late))) else noise


def best_epoch(curve, *, maximize):
    """The 1-based epoch of the curve's best value (the first one on ties)."""
    values = np.asarray(curve, dtype=float)
    return int(np.argmax(values) if maximize else np.argmin(values)) + 1


def _z(effect, se):
    if se > 0:
        return effect / se
    return math.copysign(math.inf, effect) if effect != 0 else 0.0


@dataclass(frozen=True)
class EpochTrend:
    """Where the best epoch lies and whether the validation curve still improves at the end."""

    best_epoch: int
    n_epochs: int
    slope: float  # improvement per epoch over the last half (positive = still improving)
    z: float  # slope / its standard error
    late: bool  # best epoch in the last LATE_FRACTION of the epochs

    @property
    def still_improving(self):
        return self.z >= TREND_Z

    @property
    def budget_too_small(self):
        return self.late and self.still_improving


def epoch_trend(curve, *, maximize, noise):
    """Fit a line to the last half of a validation curve; None below ``MIN_CURVE`` epochs.

    The slope's standard error is ``noise / sqrt(sum((x - mean(x))^2))`` with the curve's noise from
    :func:`curve_noise`, so the trend is judged against the epoch-to-epoch wiggle, not the residuals
    of the line (which a curving trend inflates).
    """
    n = len(curve)
    if n < MIN_CURVE or noise is None:
        return None
    width = math.ceil(n / 2)
    x = np.arange(n - width + 1, n + 1, dtype=float)
    y = np.asarray(curve[n - width :], dtype=float)
    slope = float(np.polyfit(x, y, 1)[0])
    improving = slope if maximize else -slope
    se = noise / math.sqrt(float(np.sum((x - x.mean()) ** 2)))
    b = best_epoch(curve, maximize=maximize)
    late = b > n - math.ceil(LATE_FRACTION * n)
    return EpochTrend(b, n, improving, _z(improving, se), late)


@dataclass(frozen=True)
class BestEpochDip:
    """How far the best epoch lies below the curve around it, and what it gained over the last epoch."""

    best_epoch: int
    dip: float | None  # below a quadratic through its neighbours (positive = lower than the fit)
    z: float | None  # dip / noise
    gain_over_last: float  # best value better than the last epoch's by this much
    smoothed_best: int  # best epoch of the 3-epoch centred moving average

    @property
    def noisy(self):
        return self.z is not None and self.z > DIP_Z


def _moving_average(values):
    out = []
    for i in range(len(values)):
        window = values[max(0, i - 1) : i + 2]
        out.append(sum(window) / len(window))
    return out


def best_epoch_dip(curve, *, maximize, noise):
    """The best epoch against its neighbours; ``dip`` is None at the curve's ends or without noise."""
    values = [float(v) for v in curve]
    b = best_epoch(values, maximize=maximize)
    i = b - 1
    near = [j for j in range(i - DIP_REACH, i + DIP_REACH + 1) if j != i and 0 <= j < len(values)]
    dip = z = None
    if noise is not None and any(j < i for j in near) and any(j > i for j in near) and len(near) >= 3:
        coefficients = np.polyfit(near, [values[j] for j in near], 2)
        expected = float(np.polyval(coefficients, i))
        dip = better(values[i], expected, maximize)
        z = _z(dip, noise)
    gain = better(values[i], values[-1], maximize)
    smoothed = best_epoch(_moving_average(values), maximize=maximize)
    return BestEpochDip(b, dip, z, gain, smoothed)


# -- 5. bias or variance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """Training against validation error at the best epoch."""

    train: float
    valid: float
    ratio: float | None  # (valid error - train error) / valid error

    @property
    def kind(self):
        if self.ratio is None:
            return "unknown"
        if self.ratio >= OVERFIT_GAP:
            return "overfit"
        return "bias" if self.ratio < BIAS_GAP else "balanced"


def train_valid_gap(train, valid, *, maximize):
    """The gap ratio from the training and validation metric at the best epoch (means over folds).

    Examples
    --------
    >>> train_valid_gap(30.0, 40.0, maximize=False).kind, train_valid_gap(0.9, 0.897, maximize=True).kind
    ('overfit', 'bias')
    """
    e_train, e_valid = (1.0 - train, 1.0 - valid) if maximize else (train, valid)
    ratio = (e_valid - e_train) / e_valid if e_valid > 0 else None
    return Gap(float(train), float(valid), None if ratio is None else float(ratio))
