"""What a configuration costs: the seconds of one lockstep step, predicted from the network's size.

One step trains every fold's network one epoch and measures the training and validation metric
(``_objective``). Per fold, with ``n`` training rows, ``v`` rows evaluated (the validation fold and
a training subset of its size), layer sizes ``s_0 .. s_L``, ``h`` hidden units in all, ``P``
parameters and batch size ``b``::

    macs = k * sum_l s_l * s_(l+1) [+ embedding maps]         multiply-adds per row, forward
    fold = FLOP * (3 n + v) * macs                            forward, and backward (two products)
         + (UNIT + BN_UNIT [batch norm] + DROPOUT_UNIT [dropout]) * (n + v) * k * h
         + (BATCH + PARAM * P) * ceil(n / b)                  per mini-batch: calls, optimizer
    step = speed * (cv * fold + STEP)                         STEP: the report to the storage

The constants were fitted (non-negative least squares on relative errors) on steps measured by
``python benchmarks/bench_budget.py --parts cost`` on the development machine (one BLAS thread,
OpenBLAS 0.3.30, an EPYC core, load 4 from other work), on cps1988 and penguins, for networks
from 1 x 64 to 2 x 512 and 1 x 1024 units, with and without batch norm and dropout, the
configurations taking turns step by step so that the machine's load hits all alike: measured /
predicted between 0.90 and 1.29 over the 18 configurations. (Timed one after another instead,
the load alone moved a step by up to 2.5x between runs.)
A numeric embedding (``numeric_embedding``) of ``e`` columns widens the first layer's input:
piecewise-linear, each column by its bins less one (``min(n_bins, v - 1)`` bins for a column of
``v`` distinct values); periodic, by ``e (embedding_dim - 1)``, and it adds its per-column linear
maps to ``macs`` (``2k d`` for plr, ``k (d - 1)`` for pbld, ``k = n_frequencies``) and its
``cos``/``sin`` values, ``TRIG`` unit-rows each, to the unit-rows. The embedded columns (more than
2 distinct values) and their distinct values are counted on the fold's preprocessed training
matrix (:func:`embedded_columns`), before any trial on the raw numeric columns
(:func:`embedded_numeric`).
A k-member network (``n_members = k > 1``) stacks ``k`` copies of each row before its first dense
layer (each scaled by its member's vector, ``s_0`` unit-rows more per copy), so every dense layer
and every hidden unit works ``k`` times the rows; its ``k`` output heads and adapter vectors add
to ``P``.
``speed`` is the study's own calibration: the median ratio of measured to predicted step time over
its finished trials (``step_seconds`` and ``step_cost`` in their ``user_attrs``), 1 before any
trial finished. So a slower machine, or one loaded by other work, is learned from the first trial.
"""

import itertools
import math

import numpy as np

__all__ = [
    "CostModel",
    "calibrated_speed",
    "embedded_columns",
    "embedded_numeric",
    "layer_sizes",
    "network_sizes",
    "step_cost",
    "step_terms",
]

FLOP = 3.5e-11  # seconds per multiply-add of a dense product (one core's BLAS, about 28 G/s)
UNIT = 2.5e-9  # seconds per hidden unit per row: activation forward and backward, bias
BN_UNIT = 4.5e-9  # more per batch-normalized unit per row
DROPOUT_UNIT = 3.6e-9  # more per unit with dropout per row (the random mask)
BATCH = 3.8e-5  # seconds per mini-batch: Python and NumPy call overhead
PARAM = 1.25e-8  # seconds per parameter per mini-batch: the optimizer's and the penalties' updates
STEP = 0.021  # seconds per step: the metrics' fixed costs, the report to the storage, the pruner
TRIG = 4  # unit-rows per cos or sin value of a periodic embedding (forward and backward)
CONSTANTS = (FLOP, UNIT, BN_UNIT, DROPOUT_UNIT, BATCH, PARAM)  # in the order of step_terms

# How many of the most recent measured trials calibrate the speed.
CALIBRATION_TRIALS = 20


def layer_sizes(params, n_inputs, n_outputs):
    """``(n_inputs, width, ..., width, n_outputs)`` of a configuration (the estimator's default
    one hidden layer of 100 units when ``n_layers``/``width`` are not set)."""
    n_layers = int(params.get("n_layers", 1))
    width = int(params.get("width", 100))
    return (int(n_inputs), *(width,) * n_layers, int(n_outputs))


def embedded_columns(X):
    """The distinct values (a tuple, one count per column) of the columns of the preprocessed
    matrix ``X`` that a numeric embedding transforms: the network's own choice for
    ``embedding_columns="continuous"`` (``neural_network._architecture.continuous_columns``)."""
    from regtune.neural_network._architecture import continuous_columns

    X = np.asarray(X)
    return tuple(np.unique(X[:, j]).size for j in continuous_columns(X))


def embedded_numeric(X, numeric):
    """The distinct values of each of the ``numeric`` columns of the frame ``X`` that a numeric
    embedding would transform (more than 2 distinct values): the prior's count, before a trial's
    preprocessing exists."""
    counts = (int(X[column].nunique(dropna=True)) for column in numeric)
    return tuple(count for count in counts if count > 2)


def _embedding(params, embedded):
    """``(extra first-layer inputs, multiply-adds per row, cos/sin values per row, parameters)`` of
    ``params``' numeric embedding of columns with ``embedded`` distinct values each."""
    variant = params.get("numeric_embedding", "none")
    n = len(embedded)
    if variant == "none" or n == 0:
        return 0, 0, 0, 0
    if variant == "ple":
        n_bins = int(params.get("n_bins", 16))
        return sum(min(n_bins, v - 1) for v in embedded) - n, 0, 0, 0
    k, d = int(params.get("n_frequencies", 16)), int(params.get("embedding_dim", 4))
    k_in, d_out = (2 * k, d) if variant == "plr" else (k, d - 1)
    macs = n * k_in * d_out
    return n * (d - 1), macs, n * k_in, macs + n * (d_out + 2 * k)


def _batch_size(params, train_rows):
    size = params.get("batch_size", "auto")
    size = min(200, train_rows) if size == "auto" else int(size)
    return max(1, min(size, train_rows))


def step_terms(params, *, n_inputs, n_outputs, train_rows, eval_rows, cv, embedded=()):
    """The counts one step's cost is made of, summed over the ``cv`` folds: multiply-adds,
    unit-rows, batch-normalized unit-rows, dropout unit-rows, batches, batch-parameters (the
    factors of ``FLOP``, ``UNIT``, ``BN_UNIT``, ``DROPOUT_UNIT``, ``BATCH``, ``PARAM``);
    ``embedded``: the distinct values of each column a numeric embedding transforms
    (:func:`embedded_columns`)."""
    extra_inputs, embed_macs, trig, embed_params = _embedding(params, embedded)
    sizes = layer_sizes(params, n_inputs + extra_inputs, n_outputs)
    k = int(params.get("n_members", 1))
    dense = sum(a * b for a, b in itertools.pairwise(sizes))
    macs = k * dense + embed_macs  # each member's copy of a row goes through every dense layer
    hidden_rows = (train_rows + eval_rows) * k * sum(sizes[1:-1])
    adapter_rows = (train_rows + eval_rows) * k * sizes[0] if k > 1 else 0
    unit_rows = hidden_rows + adapter_rows + (train_rows + eval_rows) * TRIG * trig
    batches = math.ceil(train_rows / _batch_size(params, train_rows))
    heads = (k - 1) * (sizes[-2] + 1) * sizes[-1] + (k * sizes[0] if k > 1 else 0)
    n_params = dense + sum(sizes[1:]) + embed_params + heads
    return tuple(
        cv * count
        for count in (
            (3 * train_rows + eval_rows) * macs,
            unit_rows,
            hidden_rows if params.get("batch_norm") else 0,
            hidden_rows if params.get("dropout", 0.0) else 0,
            batches,
            batches * n_params,
        )
    )


def step_cost(params, *, n_inputs, n_outputs, train_rows, eval_rows, cv, embedded=()):
    """Predicted seconds of one lockstep step of ``params`` at speed 1 (see the module docstring).

    Parameters
    ----------
    params : dict
        The configuration (``n_layers``, ``width``, ``batch_size``, ``batch_norm``, ``dropout``).
    n_inputs, n_outputs : int
        Columns after preprocessing; network outputs (1, or the number of classes).
    train_rows, eval_rows : int
        Training rows of one fold; rows evaluated per fold per step.
    cv : int
        Number of folds.
    embedded : tuple of int, default=()
        Distinct values of each column a numeric embedding transforms (:func:`embedded_columns`).
    """
    terms = step_terms(
        params,
        n_inputs=n_inputs,
        n_outputs=n_outputs,
        train_rows=train_rows,
        eval_rows=eval_rows,
        cv=cv,
        embedded=embedded,
    )
    return float(np.dot(CONSTANTS, terms)) + STEP


def network_sizes(X, y, categorical, numeric, task):
    """Network inputs and outputs a study's pipeline will have (for the cost model): one column per
    numeric column, plus a missing-value indicator per numeric column with gaps, plus one per
    categorical column (one per class for multiclass); one output, or one per class."""
    n_classes = y.nunique() if task == "multiclass" else 1
    indicators = int(X[list(numeric)].isna().any().sum()) if numeric else 0
    return len(numeric) + indicators + len(categorical) * n_classes, n_classes


def calibrated_speed(trials):
    """The median of measured / predicted step time over the most recent measured ``trials``
    (``FrozenTrial``s with ``step_seconds`` and ``step_cost``); 1 when none was measured."""
    ratios = []
    for trial in sorted(trials, key=lambda t: t.number)[-CALIBRATION_TRIALS:]:
        measured, cost = trial.user_attrs.get("step_seconds"), trial.user_attrs.get("step_cost")
        if measured and cost:
            ratios.append(float(measured) / float(cost))
    return float(np.median(ratios)) if ratios else 1.0


class CostModel:
    """Step-time predictions for one study: its data sizes, folds and calibrated speed.

    Parameters
    ----------
    n_rows : int
        Rows of the study's data.
    n_inputs, n_outputs : int
        Network inputs (columns after preprocessing) and outputs.
    cv : int
    speed : float, default=1.0
        Measured / predicted time of the study's finished trials (:func:`calibrated_speed`).
    embedded : tuple of int, default=()
        Distinct values of each column a numeric embedding would transform
        (:func:`embedded_columns`, :func:`embedded_numeric`).
    """

    def __init__(self, *, n_rows, n_inputs, n_outputs, cv, speed=1.0, embedded=()):
        self.n_rows, self.n_inputs, self.n_outputs, self.cv = n_rows, n_inputs, n_outputs, cv
        self.speed, self.embedded = speed, tuple(embedded)
        valid = n_rows // cv
        self.train_rows, self.eval_rows = n_rows - valid, 2 * valid

    def cost(self, params):
        """Predicted step seconds of ``params`` at speed 1 (recorded as ``step_cost``)."""
        return step_cost(
            params,
            n_inputs=self.n_inputs,
            n_outputs=self.n_outputs,
            train_rows=self.train_rows,
            eval_rows=self.eval_rows,
            cv=self.cv,
            embedded=self.embedded,
        )

    def step_seconds(self, params):
        """Predicted seconds of one step of ``params`` on this machine."""
        return self.speed * self.cost(params)
