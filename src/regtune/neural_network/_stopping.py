"""When ``fit`` stops training and which epoch's weights it keeps.

Three rules, chosen by ``early_stopping``:

* ``False``: scikit-learn's rule on the training objective: stop once it has not improved by
  ``tol`` for more than ``n_iter_no_change`` epochs; keep the last epoch's weights.
* ``True``: the same rule on the loss of the ``validation_fraction`` held out; keep the weights of
  the epoch with the lowest validation loss.
* ``"best_epoch"``: train all ``max_iter`` epochs (the budget a schedule is laid out over), never
  stop early; keep the weights of the epoch with the lowest validation loss.
"""

import math

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["StoppingRule", "held_out_split"]


def held_out_split(run, validation_fraction, batch_norm):
    """``(train, val)`` row indices of a fit's data: ``validation_fraction`` held out, stratified by
    class for classifiers, seeded from the fit's generator."""
    idx = np.arange(run.X.shape[0])
    train, val = train_test_split(
        idx,
        test_size=validation_fraction,
        random_state=run.rng.integers(2**31 - 1),
        stratify=run.y_codes,
    )
    if batch_norm and train.size < 2:
        raise ValueError(
            "batch_norm=True needs at least 2 training rows to compute batch statistics; "
            f"early_stopping with validation_fraction={validation_fraction} left "
            f"{train.size} of the {idx.size} rows for training"
        )
    return train, val


class StoppingRule:
    """Watch one loss per epoch; say when to stop and remember the best epoch's state.

    Parameters
    ----------
    early_stopping : bool or "best_epoch"
    tol : float
        The smallest improvement that resets the count of epochs without one.
    n_iter_no_change : int or inf
    """

    def __init__(self, early_stopping, tol, n_iter_no_change):
        self.keeps_best = bool(early_stopping)
        self.stops_early = early_stopping != "best_epoch"
        self.tol, self.patience = tol, n_iter_no_change
        self.best, self.best_state, self.best_epoch = math.inf, None, None
        self.stall, self.stopped = 0, False

    def update(self, epoch, loss, state):
        """Record epoch ``epoch``'s monitored ``loss`` and its prediction ``state``; return True to stop."""
        self.stall = 0 if loss < self.best - self.tol else self.stall + 1
        if loss < self.best:
            self.best, self.best_epoch = loss, epoch
            if self.keeps_best:
                self.best_state = state
        self.stopped = self.stops_early and self.stall > self.patience
        return self.stopped

    @property
    def converged(self):
        """Whether the fit ended by its rule (no ``ConvergenceWarning``): it stopped, or it was meant
        to train the whole budget (``"best_epoch"``)."""
        return self.stopped or not self.stops_early
