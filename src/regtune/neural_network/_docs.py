"""The parameter section shared by both estimators' docstrings."""

__all__ = ["PARAMETERS_DOC"]

PARAMETERS_DOC = """    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units per hidden layer; ``()`` is regularized linear (regressor) or logistic (classifier)
        regression.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Hidden-layer activation.
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        ``"lbfgs"`` is full batch through scipy, for small data, computed in float64; it supports
        ``alpha`` only (no dropout, batch norm, ``l1``, ``weight_decay`` or ``max_norm``, which
        raise ``ValueError``) and runs as one "epoch": ``iter_fit`` yields once, after scipy
        stops (``max_iter`` iterations at most).
    alpha : float, default=0.0001
        L2 strength ``lambda`` in ``J = (1/n) sum_i w_i L_i + alpha/(2n) sum ||W||_F^2``, where
        ``n`` is the number of training rows (sum of sample weights). Every mini-batch step adds
        ``(alpha/n) W`` to the gradient whatever the batch size; scikit-learn's sgd/adam divide by
        the batch size instead, so the same ``alpha`` regularizes less here when the batch is
        smaller than the data. With no hidden layer, ``alpha=lam`` equals ``Ridge(alpha=lam)`` and
        ``LogisticRegression(C=1/lam)``. Biases, gamma and beta are not penalized.
    l1 : float, default=0.0
        L1 strength: ``l1/(2n) sum |W|``, applied by a proximal soft-threshold at
        ``eta_t * l1/(2n)`` after each step, so weights reach exactly zero (see ``sparsity_``).
    weight_decay : float, default=0.0
        Decoupled weight decay ``W <- W - eta_t * weight_decay * W`` before each step, outside the
        adaptive update (AdamW style); ``eta_t`` is the scheduled learning rate.
    max_norm : float or None, default=None
        Largest Euclidean norm of each unit's incoming weights, enforced after each step.
    dropout : float in [0, 1), default=0.0
        Probability of dropping each hidden unit in training.
    dropout_scaling : {"inverted", "classic"}, default="inverted"
        ``"inverted"`` scales kept units by ``1/(1-p)`` in training; ``"classic"`` does not, and
        multiplies the weights leaving the layer by ``1 - p`` at prediction.
    batch_norm : bool, default=False
        Batch norm between each hidden dense layer (then without bias) and its activation, with
        ``eps = 1e-5``; prediction uses running statistics folded into the dense weights. A last
        mini-batch of a single row is merged into the previous batch; fewer than 2 training rows
        raise ``ValueError``.
    bn_momentum : float, default=0.9
        ``run <- bn_momentum*run + (1 - bn_momentum)*batch`` (the lecture's direction; PyTorch's
        ``momentum=0.1`` is the same rule); the running variance is the unbiased batch variance.
    output_bias : {"prior", "zero"}, default="prior"
        Initial bias of the output layer. ``"prior"``: the logits of the best constant model on
        the training rows (the mean target for regression, the log-odds of the positive rate or
        the log class rates for classification), so the first epochs learn the signal rather than
        the target's offset. ``"zero"``: zero, as scikit-learn. Weights are Glorot-uniform either
        way.
    batch_size : int or "auto", default="auto"
        ``min(200, n_samples)`` for "auto".
    learning_rate : {"constant", "cosine", "invscaling"}, default="constant"
        Schedule of ``eta_t`` per epoch for sgd and adam: constant, cosine decay to 0 at
        ``max_iter``, or ``learning_rate_init / epoch**power_t`` (per epoch, not per sample as in
        scikit-learn; its "adaptive" is not offered).
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs (sgd, adam) or iterations (lbfgs).
    shuffle : bool, default=True
        Permute the rows once per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, shuffling, dropout masks, the early-stopping split and the
        Monte-Carlo passes (a numpy Generator is derived from it on each call).
    tol : float, default=1e-4
    verbose : bool, default=False
        Print the loss after each epoch.
    warm_start : bool, default=False
        Start from the fitted weights (the optimizer state starts afresh, as in scikit-learn).
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified for classifiers), monitor the validation
        loss, stop after ``n_iter_no_change`` epochs without improvement by ``tol``, and restore
        the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
        Largest number of loss evaluations for lbfgs.
"""
