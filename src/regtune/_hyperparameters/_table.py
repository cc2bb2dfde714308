"""The table: one entry per hyperparameter (see ``_entry.Hyperparameter`` for the fields).

The order of the entries is the order of the estimators' docstring and the order in which a trial
samples the searched ones: moving a searched entry changes what a given seed samples.

``pipeline_default`` is regtune's recipe where it differs from the receiving estimator's default
(which stays scikit-learn's for ``MLPClassifier`` and ``MLPRegressor``, so drop-in users see no
change): the tuned pipeline and ``TabularRegressor``/``TabularClassifier`` use it; a ``ByTask``
value is one for regression and one for classification. Each value is chosen by measurement
(``benchmarks/bench_pipeline_defaults.py``, ``benchmarks/bench_embedding_defaults.py``; the figures
are in ``docs/preprocessing.md``, ``docs/tuning.md`` and ``docs/benchmarks.md``).
"""

import math

from ._entry import CATEGORICAL, NUMERIC, Bounds, ByTask, Derived, DividedBy, Hyperparameter, PerRow, Search

__all__ = ["HYPERPARAMETERS"]

_POSITIVE = Bounds(0, None, "neither")
_NON_NEGATIVE = Bounds(0, None, "left")
_FRACTION = Bounds(0, 1, "left")  # [0, 1)
_COUNT = Bounds(1, None, "left")


def hidden_layer_sizes(n_layers, width):
    """``n_layers`` hidden layers of ``width`` units each."""
    return (int(width),) * int(n_layers)


_HIDDEN_LAYERS = Derived("hidden_layer_sizes", hidden_layer_sizes)

_ENTRIES = [
    Hyperparameter(
        "hidden_layer_sizes",
        "sizes",
        (100,),
        bounds=_COUNT,
        doc="""Units per hidden layer; ``()`` is regularized linear (regressor) or logistic (classifier)
        regression.""",
    ),
    Hyperparameter(
        "activation",
        "categorical",
        "relu",
        options=("relu", "tanh", "logistic", "identity"),
        doc="Hidden-layer activation.",
    ),
    Hyperparameter(
        "solver",
        "categorical",
        "adam",
        options=("adam", "sgd", "lbfgs"),
        doc="""``"lbfgs"`` is full batch through scipy, for small data, computed in float64; it supports
        ``alpha`` only (no dropout, batch norm, ``l1``, ``weight_decay`` or ``max_norm``, which
        raise ``ValueError``) and runs as one "epoch": ``iter_fit`` yields once, after scipy
        stops (``max_iter`` iterations at most).""",
    ),
    Hyperparameter(
        "alpha",
        "float",
        0.0001,
        bounds=_NON_NEGATIVE,
        regularization=True,
        doc="""L2 strength ``lambda`` in ``J = (1/n) sum_i w_i L_i + alpha/(2n) sum ||W||_F^2``, where
        ``n`` is the number of training rows (sum of sample weights). Every mini-batch step adds
        ``(alpha/n) W`` to the gradient whatever the batch size; scikit-learn's sgd/adam divide by
        the batch size instead, so the same ``alpha`` regularizes less here when the batch is
        smaller than the data. With no hidden layer, ``alpha=lam`` equals ``Ridge(alpha=lam)`` and
        ``LogisticRegression(C=1/lam)``. Biases, gamma and beta are not penalized. The tuned
        pipeline searches ``alpha_per_row = alpha/n``, whose effect does not depend on ``n``.""",
    ),
    Hyperparameter(
        "l1",
        "float",
        0.0,
        bounds=_NON_NEGATIVE,
        regularization=True,
        doc="""L1 strength: ``l1/(2n) sum |W|``, applied by a proximal soft-threshold at
        ``eta_t * l1/(2n)`` after each step, so weights reach exactly zero (see ``sparsity_``).
        The tuned pipeline searches ``l1_per_row = l1/n``.""",
    ),
    Hyperparameter(
        "weight_decay",
        "float",
        0.0,
        bounds=_NON_NEGATIVE,
        regularization=True,
        doc="""Decoupled weight decay ``W <- W - eta_t * weight_decay * W`` before each step, outside the
        adaptive update (AdamW style); ``eta_t`` is the scheduled learning rate. Both this decay
        and the adaptive step act per step, so its effect does not depend on ``n``; past
        ``eta_t * weight_decay = 1`` a step flips the weights' sign. The tuned pipeline searches
        ``decay_per_step = learning_rate_init * weight_decay``.""",
    ),
    # Searched relative to the learning rate: the share of the weights one step removes stays
    # below 1 at every learning rate, and spans no effect to the constant model on 500 and on
    # 20,000 rows (benchmarks/bench_penalty_ranges.py, docs/tuning.md).
    Hyperparameter(
        "decay_per_step",
        "float",
        0.0,
        bounds=_FRACTION,
        search=Search(1e-5, 0.9, log=True),
        argument=DividedBy("weight_decay", "learning_rate_init"),
        regularization=True,
        doc="""The tuned pipeline's decoupled weight decay as the share of the weights one step removes
        at the initial learning rate: the network's ``weight_decay`` is
        ``decay_per_step / learning_rate_init``, so each step multiplies the weights by
        ``1 - decay_per_step`` (at most; less once a schedule lowers ``eta_t``) before the Adam
        update, a factor in ``(0, 1]`` whatever the learning rate.""",
    ),
    Hyperparameter(
        "max_norm",
        "float",
        None,
        bounds=_POSITIVE,
        also=(None,),
        doc="Largest Euclidean norm of each unit's incoming weights, enforced after each step.",
    ),
    Hyperparameter(
        "dropout",
        "float",
        0.0,
        bounds=_FRACTION,
        search=Search(0.0, 0.8),
        regularization=True,
        doc="Probability of dropping each hidden unit in training.",
    ),
    Hyperparameter(
        "dropout_scaling",
        "categorical",
        "inverted",
        options=("inverted", "classic"),
        doc="""``"inverted"`` scales kept units by ``1/(1-p)`` in training; ``"classic"`` does not, and
        multiplies the weights leaving the layer by ``1 - p`` at prediction.""",
    ),
    Hyperparameter(
        "batch_norm",
        "bool",
        False,
        search=Search(choices=(False, True)),
        regularization=True,
        doc="""Batch norm between each hidden dense layer (then without bias) and its activation, with
        ``eps = 1e-5``; prediction uses running statistics folded into the dense weights. A last
        mini-batch of a single row is merged into the previous batch; fewer than 2 training rows
        raise ``ValueError``.""",
    ),
    Hyperparameter(
        "bn_momentum",
        "float",
        0.9,
        bounds=_FRACTION,  # 1 would freeze the running statistics at their start (0, 1)
        search=Search(0.8, 0.999, only_if=("batch_norm", True)),
        doc="""``run <- bn_momentum*run + (1 - bn_momentum)*batch`` (the lecture's direction; PyTorch's
        ``momentum=0.1`` is the same rule); the running variance is the unbiased batch variance.
        1 is refused: the running statistics would never leave their start (mean 0, variance 1).""",
    ),
    # ---- architecture: feature scaling, numeric embeddings, k members (issue #12, items 3 and 5b)
    Hyperparameter(
        "feature_scaling",
        "bool",
        False,
        doc="""A learned factor per input column of the first dense layer (RealMLP's front scale,
        after the numeric embedding when there is one), starting at 1 and not penalized; folded
        into the first dense layer at prediction.""",
    ),
    Hyperparameter(
        "numeric_embedding",
        "categorical",
        "none",
        options=("none", "pbld", "plr", "ple"),
        # Searched between the two that win on some tables untuned (ple: diamonds, randhie; none:
        # digits); plr and pbld never did (docs/benchmarks.md "Piecewise-linear encoding as the
        # default"), and a short search spent half its random trials on them.
        search=Search(choices=("ple", "none")),
        # With learning_rate_init 3e-3 on the regression tables: 3.1% lower error than no
        # embedding at 1e-3 (shifted geometric mean, 3 seeds; same section); on the
        # classification tables 0.4% higher, and a short search starting from it lost on digits.
        pipeline_default=ByTask(regression="ple", classification="none"),
        doc="""How the ``embedding_columns`` enter the network. ``"pbld"``: per column ``k =
        n_frequencies`` learned periodic features ``cos(2 pi w x + phi)``, a linear map of its own to
        ``embedding_dim - 1`` values, and ``x`` itself (RealMLP's default); ``"plr"``: ``cos`` and
        ``sin`` of ``2 pi w x``, a linear map to ``embedding_dim`` values, ReLU (Gorishniy et al.
        2022); ``"ple"``: piecewise-linear encoding on up to ``n_bins`` quantile bins of the training
        rows, fed to the first dense layer. The other columns pass through unchanged. The linear maps
        are penalized like dense weights; frequencies and phases are not.""",
    ),
    Hyperparameter(
        "embedding_columns",
        "sizes",
        "continuous",
        bounds=Bounds(0, None, "left"),
        also=("continuous",),
        doc="""The columns (indices of ``X``) that ``numeric_embedding`` transforms. ``"continuous"``:
        those with more than 2 distinct values in the training rows (one-hot, signed binary and
        missing-indicator columns have at most 2 and pass through).""",
    ),
    Hyperparameter(
        "embedding_dim",
        "int",
        4,
        bounds=_COUNT,
        doc="""Values per embedded column for ``"pbld"`` (at least 2: ``embedding_dim - 1`` learned
        and ``x``) and ``"plr"``.""",
    ),
    Hyperparameter(
        "n_frequencies",
        "int",
        16,
        bounds=_COUNT,
        doc="""Learned frequencies per embedded column for ``"pbld"`` and ``"plr"``.""",
    ),
    Hyperparameter(
        "frequency_scale",
        "float",
        0.1,
        bounds=_POSITIVE,
        doc="""Standard deviation ``sigma`` of the frequencies' initialization ``w ~ N(0, sigma**2)``
        (RealMLP: 0.1; larger values let the embedding vary faster with ``x``).""",
    ),
    Hyperparameter(
        "n_bins",
        "int",
        16,
        bounds=_COUNT,
        doc="""Largest number of bins per column for ``"ple"``: the edges are the ``t/n_bins``
        quantiles of the training rows (repeated values kept once), fixed at fit.""",
    ),
    Hyperparameter(
        "n_members",
        "int",
        1,
        bounds=_COUNT,
        # The default trial trains 3 members of 160 units (1.6 % lower error than one network of 256,
        # about 1.3 x its CPU); the search's trials train one network each: searched in {1, 3},
        # members cost a 300 s search half or more of its trials for no gain beyond the default
        # trial's (docs/benchmarks.md, "Three members as the default"). {choices = [1, 3]} searches them.
        search=Search(choices=(1,), default_outside=True),
        pipeline_default=3,
        doc="""``k > 1`` trains one network as ``k`` members (TabM-mini): each member scales the input
        of the shared hidden layers by a vector of its own and has its own output layer; the loss is
        the mean of the members' losses and prediction the mean of their outputs (probabilities for
        classifiers). Costs about ``k`` times the training and prediction time.""",
    ),
    Hyperparameter(
        "output_bias",
        "categorical",
        "prior",
        options=("prior", "zero"),
        doc="""Initial bias of the output layer. ``"prior"``: the logits of the best constant model on
        the training rows (the mean target for regression, the log-odds of the positive rate or
        the log class rates for classification), so the first epochs learn the signal rather than
        the target's offset. ``"zero"``: zero, as scikit-learn. Weights are Glorot-uniform either
        way.""",
    ),
    Hyperparameter(
        "learning_rate",
        "categorical",
        "constant",
        options=("constant", "cosine", "invscaling", "flat_cos", "coslog4"),
        # Declared, though equal to the estimator's, to make it a hyperparameter of the pipeline (and
        # of the tabular estimators). Measured within noise of "cosine" with early stopping, and with
        # it a trial's epoch e is the same training as a fit of e epochs, which the refit relies on.
        pipeline_default="constant",
        doc="""Schedule of ``eta_t`` for sgd and adam. Per epoch: constant, cosine decay to 0 at
        ``max_iter``, or ``learning_rate_init / epoch**power_t`` (per epoch, not per sample as in
        scikit-learn; its "adaptive" is not offered). Per mini-batch step ``s`` of the ``S`` of the
        fit (``t = s/S``): ``"flat_cos"``, ``learning_rate_init`` for the first half, then
        ``(1 + cos(pi (2t - 1)))/2`` times it down to 0; ``"coslog4"``,
        ``(1 - cos(2 pi log2(1 + 15 t)))/2`` times it: four warm-up-and-decay cycles, each twice
        as long as the one before (RealMLP's schedules). Set ``n_iter_no_change=inf`` or
        ``early_stopping="best_epoch"`` to train the whole schedule.""",
    ),
    Hyperparameter(
        "learning_rate_init",
        "float",
        0.001,
        bounds=_POSITIVE,
        search=Search(1e-4, 1e-1, log=True),
        pipeline_default=ByTask(regression=0.003, classification=0.001),  # with the embedding (see there)
        doc="The initial step size ``eta_0`` of sgd and adam.",
    ),
    Hyperparameter("power_t", "float", 0.5, bounds=_NON_NEGATIVE, doc='The exponent of "invscaling".'),
    Hyperparameter(
        "n_layers",
        "int",
        1,
        bounds=Bounds(0, 100),
        search=Search(1, 5),
        argument=_HIDDEN_LAYERS,
        pipeline_default=3,
        doc="Number of hidden layers of the tuned pipeline's network (with ``width``).",
    ),
    Hyperparameter(
        "width",
        "int",
        100,
        bounds=Bounds(1, 1_000_000),
        search=Search(64, 1024, log=True),
        argument=_HIDDEN_LAYERS,
        pipeline_default=160,  # each of the 3 members' (n_members)
        doc="Units in each hidden layer of the tuned pipeline's network (with ``n_layers``).",
    ),
    Hyperparameter(
        "batch_size",
        "int",
        "auto",
        bounds=_COUNT,
        also=("auto",),
        search=Search(16, 512, log=True),
        doc="""``min(200, n_samples)`` for "auto". With ``batch_norm``, every training batch has at
        least 2 rows (``batch_size=1`` trains on pairs).""",
    ),
    Hyperparameter(
        "max_epochs",
        "int",
        200,
        bounds=Bounds(1, 1_000_000),
        search=Search(value=50),
        argument="max_iter",
        pipeline_default=50,
        doc="The tuned pipeline's epoch budget: the network's ``max_iter``.",
    ),
    Hyperparameter("max_iter", "int", 200, bounds=_COUNT, doc="Epochs (sgd, adam) or iterations (lbfgs)."),
    Hyperparameter("shuffle", "bool", True, doc="Permute the rows once per epoch."),
    Hyperparameter(
        "random_state",
        "seed",
        None,
        doc="""Seeds initialization, shuffling, dropout masks, the early-stopping split and the
        Monte-Carlo passes (a numpy Generator is derived from it on each call).""",
    ),
    Hyperparameter(
        "tol",
        "float",
        1e-4,
        bounds=_NON_NEGATIVE,
        doc="The smallest loss improvement that counts for the stopping rules.",
    ),
    Hyperparameter("verbose", "verbose", False, doc="Print the loss after each epoch."),
    Hyperparameter(
        "warm_start",
        "bool",
        False,
        doc="Start from the fitted weights (the optimizer state starts afresh, as in scikit-learn).",
    ),
    Hyperparameter("momentum", "float", 0.9, bounds=Bounds(0, 1), doc="Momentum of sgd."),
    Hyperparameter("nesterovs_momentum", "bool", True, doc="Nesterov's momentum for sgd."),
    Hyperparameter(
        "early_stopping",
        "bool",
        False,
        also=("best_epoch",),
        pipeline_default=True,
        doc="""True: hold out ``validation_fraction`` (stratified for classifiers), monitor the
        validation loss, stop after ``n_iter_no_change`` epochs without improvement by ``tol``,
        and restore the best weights. ``"best_epoch"``: hold out the same rows, train all
        ``max_iter`` epochs, and restore the weights of the epoch with the lowest validation
        loss (``tol`` and ``n_iter_no_change`` unused). A tuning trial trains its folds epoch by
        epoch (``iter_fit``) and judges them by cross-validation instead, so it holds no rows
        out.""",
    ),
    Hyperparameter(
        "validation_fraction",
        "float",
        0.1,
        bounds=Bounds(0, 1, "neither"),
        doc='The share of rows held out for ``early_stopping`` (True or ``"best_epoch"``).',
    ),
    Hyperparameter("epsilon", "float", 1e-8, bounds=_POSITIVE, doc="Adam's denominator guard."),
    Hyperparameter(
        "n_iter_no_change",
        "int",
        10,
        bounds=_COUNT,
        also=(math.inf,),
        doc="Epochs without improvement by ``tol`` before training stops.",
    ),
    Hyperparameter(
        "max_fun", "int", 15000, bounds=_COUNT, doc="Largest number of loss evaluations for lbfgs."
    ),
    Hyperparameter(
        "smooth",
        "float",
        "auto",
        bounds=_NON_NEGATIVE,
        also=("auto",),
        search=Search(0.1, 1000.0, log=True),
        step=CATEGORICAL,
        regularization=True,
        doc="""The target encoder's m-estimate weight (``"auto"``: empirical Bayes) for the columns
        with more than ``max_onehot`` levels; searched only when there are categorical columns.""",
    ),
    # The penalties the search samples per training row (docs/conventions.md, "Search units"):
    # the network receives value * n, n the rows it is fitted on. The ranges span no effect to
    # all weights zero on 500 and on 20,000 rows (benchmarks/bench_penalty_ranges.py).
    Hyperparameter(
        "alpha_per_row",
        "float",
        0.0,
        bounds=_NON_NEGATIVE,
        # On the pipeline's standardized targets and on log losses the constant model starts at
        # 0.1-1 (docs/tuning.md): a top of 1e4 spent 4 of 9 decades of every random trial there.
        search=Search(1e-5, 1.0, log=True),
        argument=PerRow("alpha"),
        regularization=True,
        doc="""The tuned pipeline's L2 strength per training row: the network's ``alpha`` is
        ``alpha_per_row * n``, so ``J = mean loss + (alpha_per_row/2) sum ||W||_F^2``.""",
    ),
    Hyperparameter(
        "l1_per_row",
        "float",
        0.0,
        bounds=_NON_NEGATIVE,
        search=Search(1e-4, 10.0, log=True),
        argument=PerRow("l1"),
        regularization=True,
        doc="""The tuned pipeline's L1 strength per training row: the network's ``l1`` is
        ``l1_per_row * n``; each step soft-thresholds the weights at ``eta_t * l1_per_row/2``.""",
    ),
    # The training recipe (RealMLP, Holzmueller et al. 2024): opt-in, the defaults train as before.
    Hyperparameter(
        "beta_1",
        "float",
        0.9,
        bounds=_FRACTION,
        search=Search(0.8, 0.95),
        doc="Adam's first-moment decay.",
    ),
    Hyperparameter(
        "beta_2",
        "float",
        0.999,
        bounds=_FRACTION,
        search=Search(0.9, 0.999),
        doc="""Adam's second-moment decay. RealMLP trains with 0.95 (in its ablation 0.999 raised the
        error by 22.8%); 0.999 is scikit-learn's and Adam's default.""",
    ),
    Hyperparameter(
        "dropout_schedule",
        "categorical",
        "constant",
        options=("constant", "flat_cos"),
        doc="""How each dropout layer's ``p`` changes per mini-batch step: ``"constant"`` keeps
        ``dropout``; ``"flat_cos"`` keeps it for the first half of the ``max_iter`` epochs, then
        lowers it along ``(1 + cos(pi (2t - 1)))/2`` to 0. The fitted network keeps the value
        reached when training ended (0 after a full ``"flat_cos"`` run, so ``mc_samples`` passes
        then do not vary); classic dropout folds ``1 - p`` of that value.""",
    ),
    Hyperparameter(
        "weight_decay_schedule",
        "categorical",
        "constant",
        options=("constant", "flat_cos"),
        doc="""How ``weight_decay`` changes per mini-batch step: ``"constant"``, or ``"flat_cos"``
        (full for the first half of the ``max_iter`` epochs, then a cosine to 0). The decay step
        is ``W <- W - eta_t * d_t * weight_decay * W`` with the scheduled ``eta_t`` and factor
        ``d_t``.""",
    ),
    Hyperparameter(
        "label_smoothing",
        "float",
        0.0,
        bounds=_FRACTION,
        doc="""``MLPClassifier`` only (the regressor accepts and ignores it): train on
        ``(1 - eps) * onehot + eps/K`` (``K`` classes; one logistic output: ``(1 - eps) y + eps/2``)
        instead of the labels. ``loss_curve_`` and ``train_loss`` are the smoothed loss the
        optimizer minimizes; ``val_loss``, ``validation_scores_`` and ``score`` use the plain
        labels.""",
    ),
    Hyperparameter(
        "standardize_target",
        "bool",
        False,
        pipeline_default=True,  # the pipeline defaults were measured on standardized targets
        doc="""``MLPRegressor`` only (the classifier accepts and ignores it): train on
        ``(y - mean)/std`` per output (weighted by ``sample_weight``), then fold
        ``yhat = mean + std * out`` into the output layer, so ``coefs_``, ``predict`` and
        ``val_loss`` are in the target's units; ``loss_curve_`` and ``train_loss`` stay on the
        standardized scale. The data term is the plain one divided by ``std**2`` and the
        penalties are not: with no hidden layer the solution for a given ``alpha`` is unchanged
        (the output weights are ``1/std`` as large), on hidden layers ``alpha`` and ``l1`` act
        ``std**2`` times as strongly, and ``l1`` on the output layer ``std`` times.
        ``output_bias="prior"`` starts the output at the standardized mean, 0.""",
    ),
    Hyperparameter(
        "init",
        "categorical",
        "glorot",
        options=("glorot", "data"),
        doc="""``"glorot"``: Glorot-uniform weights, zero hidden biases (as scikit-learn).
        ``"data"``: then, layer by layer on up to 2048 training rows, each hidden unit's weights
        are scaled to a pre-activation of standard deviation 1 and its bias is set so that the
        pre-activation is 0 at a random mixture of 5 training rows (a ReLU kink inside the data;
        RealMLP's "std" and "he+5"). Not applied on ``warm_start``.""",
    ),
    Hyperparameter(
        "max_onehot",
        "int",
        8,
        bounds=_NON_NEGATIVE,
        search=Search(choices=(0, 8, 16, 32, 64)),
        step=CATEGORICAL,
        pipeline_default=64,
        doc="""The most levels (a missing value counts as one) a categorical column may have to be
        one-hot encoded (a single -1/+1 column for two levels); columns with more are
        target-encoded, and 0 target-encodes every column. Searched only when there are
        categorical columns.""",
    ),
    Hyperparameter(
        "numeric_scaling",
        "categorical",
        "robust",
        options=("robust", "standard"),
        search=Search(value="robust"),
        step=NUMERIC,
        argument="scaling",
        doc="""How numeric columns are centered and scaled: ``"robust"`` (median and interquartile
        range) or ``"standard"`` (mean and standard deviation), after median imputation.""",
    ),
    Hyperparameter(
        "clip",
        "bool",
        True,
        search=Search(value=True),
        step=NUMERIC,
        doc="Smoothly clip the scaled numeric values into (-3, 3): ``z / sqrt(1 + (z/3)**2)``.",
    ),
]


def _index(entries):
    table = {}
    for entry in entries:
        if entry.name in table:
            raise ValueError(f"hyperparameter {entry.name!r} is declared twice")
        table[entry.name] = entry
    for entry in entries:
        if isinstance(entry.argument, DividedBy):
            divisor = table.get(entry.argument.divisor)
            if divisor is None or divisor.step != entry.step or not divisor.direct:
                raise ValueError(
                    f"hyperparameter {entry.name!r}: DividedBy names {entry.argument.divisor!r}, which is "
                    f"not an argument of the step {entry.step!r} under its own name"
                )
        if entry.search is not None and entry.search.only_if is not None:
            parent = entry.search.only_if[0]
            if parent not in table or table[parent].search is None:
                raise ValueError(
                    f"hyperparameter {entry.name!r}: only_if names {parent!r}, which is not searched"
                )
    return table


HYPERPARAMETERS = _index(_ENTRIES)
