"""The verdict's rule 6: which regularizers helped, from the trials (a comparison, not an experiment).

A numeric regularizer's complete trials are split at the median value; a boolean or categorical one
is grouped by value. Two groups of at least ``MIN_GROUP`` complete trials differ when a two-sided
Mann-Whitney U test gives p below ``EFFECT_ALPHA`` divided by the number of tests in the report
(Bonferroni). The size is the difference of the groups' median scores. Two groups: one test, the
first (the values above the median, or ``True``) against the other; more values: each value against
all other trials.

Pruned trials are counted in each group but never scored: their last value was measured at another
epoch than the complete trials' scores. The trials are the ones the sampler chose, so an effect found
here can be mixed up with the parameters sampled alongside the regularizer.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._verdict import better

MIN_GROUP = 3
EFFECT_ALPHA = 0.05


@dataclass(frozen=True)
class Group:
    """Trials sharing a value (or a side of the median split) of one regularizer."""

    label: str  # "above 0.31", "at or below 0.31", "True", ...
    scores: tuple  # complete trials' scores
    n_pruned: int

    @property
    def median(self):
        return float(np.median(self.scores)) if self.scores else None


@dataclass(frozen=True)
class Effect:
    """One regularizer's association with the score, from the trials (a comparison, not a cause).

    ``groups`` are the compared groups; ``p`` the Mann-Whitney p value of ``groups[0]`` against the
    other trials (None when untested); ``gain``: how much better the median of ``groups[0]`` is than
    the median of the rest; ``verdict``: "helped", "hurt", "unclear", "too few" or "no complete".
    """

    name: str
    kind: str  # "numeric" or "levels"
    split: float | None
    groups: tuple
    p: float | None
    gain: float | None
    verdict: str
    threshold: float | None  # the Bonferroni-corrected level the p value was held to


def level_label(value):
    """How a value of a boolean or categorical regularizer is named: ``True``, ``auto``, ``0.3``.

    Examples
    --------
    >>> level_label(True), level_label("auto"), level_label(0.30000000000000004)
    ('True', 'auto', '0.3')
    """
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_groups(name, complete, pruned):
    xs = np.array([t.params[name] for t in complete], dtype=float)
    split = float(np.median(xs))
    high = [t for t in complete if t.params[name] > split]
    low = [t for t in complete if t.params[name] <= split]
    pruned_high = sum(1 for t in pruned if t.params[name] > split)
    return split, (
        Group(f"above {split:.3g}", tuple(t.value for t in high), pruned_high),
        Group(f"at or below {split:.3g}", tuple(t.value for t in low), len(pruned) - pruned_high),
    )


def _level_groups(name, complete, pruned):
    levels = list(dict.fromkeys([t.params[name] for t in complete + pruned]))
    if all(isinstance(level, bool) for level in levels):
        levels.sort(reverse=True)  # True first: "batch_norm = True helped" reads naturally
    return tuple(
        Group(
            level_label(level),
            tuple(t.value for t in complete if t.params[name] == level),
            sum(1 for t in pruned if t.params[name] == level),
        )
        for level in levels
    )


def _tests(name, trials):
    """The comparisons one regularizer allows: (kind, split, groups, [(group, rest scores)])."""
    having = [t for t in trials if name in t.params]
    complete = [t for t in having if t.state == "complete" and t.value is not None]
    pruned = [t for t in having if t.state == "pruned"]
    values = [t.params[name] for t in complete]
    if values and all(_is_number(v) for v in values) and len(set(values)) > 3:
        split, groups = _numeric_groups(name, complete, pruned)
        kind = "numeric"
    else:
        split, groups, kind = None, _level_groups(name, complete, pruned), "levels"
    ready = [g for g in groups if len(g.scores) >= MIN_GROUP]
    if len(ready) < 2:
        return kind, split, groups, []
    # two groups: one test (the first against the other trials); more: each level against the others
    chosen = ready[:1] if len(ready) == 2 else ready
    tests = [(group, tuple(s for g in groups if g is not group for s in g.scores)) for group in chosen]
    return kind, split, groups, tests


def regularizer_effects(trials, names, *, maximize, alpha=EFFECT_ALPHA):
    """The effect of each regularizer in ``names`` that some trial sampled.

    Parameters
    ----------
    trials : list of TrialRecord
        Complete and pruned trials (pruned ones are counted per group, never scored).
    names : sequence of str
        The regularization parameters.
    maximize : bool
    alpha : float
        Family-wise level; each test is held to ``alpha / number of tests``.

    Returns
    -------
    list of Effect
        For a levels regularizer tested level by level, one Effect per tested level.
    """
    planned = [(name, *_tests(name, trials)) for name in names if any(name in t.params for t in trials)]
    n_tests = sum(len(tests) for *_, tests in planned)
    threshold = alpha / n_tests if n_tests else None
    effects = []
    for name, kind, split, groups, tests in planned:
        if not tests:
            complete = sum(len(g.scores) for g in groups)
            verdict = "no complete" if complete == 0 else "too few"
            effects.append(Effect(name, kind, split, groups, None, None, verdict, None))
            continue
        for group, rest in tests:
            p = float(stats.mannwhitneyu(group.scores, rest, alternative="two-sided").pvalue)
            gain = better(float(np.median(group.scores)), float(np.median(rest)), maximize)
            verdict = "unclear" if p >= threshold else ("helped" if gain > 0 else "hurt")
            ordered = (group, *(g for g in groups if g is not group))
            effects.append(Effect(name, kind, split, ordered, p, gain, verdict, threshold))
    return effects
