"""Schedules over training progress: the factor a hyperparameter is multiplied by at each step.

A schedule is a function of the progress ``t = s / S`` in ``[0, 1]``, where ``s`` counts the
mini-batch steps taken before the current one and ``S`` is the number of steps of the whole run
(epochs times batches per epoch). So the first step uses ``f(0)`` and the last ``f((S - 1)/S)``;
``f(1)`` is the value once training is over (what a saved network keeps, see ``Dropout``). Shapes:

* ``constant``: ``f(t) = 1``;
* ``cosine``: ``f(t) = (1 + cos(pi t)) / 2``, from 1 to 0;
* ``flat_cos``: ``f(t) = 1`` for ``t <= 1/2``, then ``(1 + cos(pi (2t - 1))) / 2``: flat for the
  first half, a cosine to 0 over the second (RealMLP's learning-rate, dropout and weight-decay
  schedule, Holzmueller et al. 2024);
* ``coslog4``: ``f(t) = (1 - cos(2 pi log2(1 + (2**k - 1) t))) / 2`` with ``k = 4`` cycles: it
  rises from 0 and falls back to 0 ``k`` times, each cycle twice as long as the one before
  (``log2`` time), ending at 0 for ``t = 1`` (RealMLP's learning-rate schedule).
"""

import math

__all__ = ["SCHEDULES", "StepSchedule", "coslog", "flat_cos", "schedule_factor"]

SCHEDULES = ("constant", "cosine", "flat_cos", "coslog4")


def flat_cos(t):
    """``1`` for ``t <= 1/2``, then ``(1 + cos(pi (2t - 1))) / 2`` down to 0 at ``t = 1``."""
    if t <= 0.5:
        return 1.0
    return 0.5 * (1.0 + math.cos(math.pi * (2.0 * t - 1.0)))


def coslog(t, n_cycles=4):
    """``(1 - cos(2 pi log2(1 + (2**n_cycles - 1) t))) / 2``: ``n_cycles`` log-time cosine cycles.

    Zero at ``t = 0`` and ``t = 1``; the ``c``-th cycle ends at ``t = (2**c - 1)/(2**n_cycles - 1)``.
    """
    return 0.5 * (1.0 - math.cos(2.0 * math.pi * math.log2(1.0 + (2**n_cycles - 1) * t)))


def schedule_factor(name, t):
    """The factor of schedule ``name`` (one of ``SCHEDULES``) at progress ``t`` in ``[0, 1]``."""
    if name == "constant":
        return 1.0
    if name == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * t))
    if name == "flat_cos":
        return flat_cos(t)
    if name == "coslog4":
        return coslog(t, 4)
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")


class StepSchedule:
    """The per-step factors of the learning rate, the weight decay and the dropout probability.

    Parameters
    ----------
    total_steps : int
        ``S``, the mini-batch steps of the whole run.
    learning_rate, weight_decay, dropout : str
        The shape (one of ``SCHEDULES``) each of the three follows; the trainer multiplies the
        learning rate it is given, the weight-decay strength and each dropout layer's ``p`` by it.
    """

    def __init__(self, total_steps, learning_rate="constant", weight_decay="constant", dropout="constant"):
        if total_steps < 1:
            raise ValueError(f"total_steps must be >= 1, got {total_steps}")
        for name in (learning_rate, weight_decay, dropout):
            schedule_factor(name, 0.0)  # an unknown name raises here, not mid-training
        self.total_steps = int(total_steps)
        self.learning_rate, self.weight_decay, self.dropout = learning_rate, weight_decay, dropout

    def progress(self, step):
        """``t = step / total_steps``, clipped to ``[0, 1]``."""
        return min(max(step / self.total_steps, 0.0), 1.0)

    def factors(self, step):
        """``(learning-rate factor, weight-decay factor, dropout factor)`` for step ``step`` (from 0)."""
        t = self.progress(step)
        return (
            schedule_factor(self.learning_rate, t),
            schedule_factor(self.weight_decay, t),
            schedule_factor(self.dropout, t),
        )
