"""A network is a list of layers whose parameters live in one flat vector.

All parameters are views into one contiguous vector ``theta``: first every penalized weight
(``Param(penalized=True)``), layer by layer, then everything else (biases, gamma, beta); all
gradients are views into ``grad`` at the same offsets. So the optimizers and penalties act on a few
long arrays instead of looping over layers, and ``weights`` (L2, L1, weight decay) is one slice.
The layer protocol is in ``_layers/base.py``; each kind states its formulas and shapes.

The multi-layer perceptron of the estimators (``mlp_layers``) is, per hidden layer,
``Dense -> [BatchNorm] -> Activation -> [Dropout]``, then an output ``Dense`` that returns logits
(the loss applies the link, see ``_losses``). At prediction it folds into plain dense steps
(``DenseChain``): batch norm into the dense layer before it, classic dropout into the weights after.
Layers that do not fold (numeric embeddings, the k-member adapter and heads) predict layer by
layer, and the runs of layers between them that fold still run as dense steps
(``prediction_steps``), chunk by chunk.

A k-member network (``MemberAdapter`` ... ``MemberHead``) trains on ``k*m`` rows per batch of
``m``: its logits are every member's, and ``member_targets`` repeats the targets to match.

Shape: input ``(m, n_features)``, logits ``(m, layer_sizes[-1])`` (``(k*m, ...)`` in training
with ``k`` members).
"""

import itertools
import math
import operator

import numpy as np

from ._chain import PREDICT_CHUNK, DenseChain
from ._layers import Activation, BatchNorm, Dense, Dropout, MemberHead, layer_from_state

__all__ = ["Network", "forward_steps", "mlp_layers"]


def mlp_layers(
    layer_sizes, activation="relu", batch_norm=False, dropout=0.0, dropout_scaling="inverted", bn_momentum=0.9
):
    """The layers of a multi-layer perceptron.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first, output last (``(n_features, n_outputs)`` is a linear model).
    activation : {"relu", "tanh", "logistic", "identity"}
        Hidden-layer activation.
    batch_norm : bool
        Batch norm between each hidden dense layer (then without bias) and its activation.
    dropout : float
        Drop probability ``p`` on each hidden layer's output, in ``[0, 1)``; 0 adds no layer.
    dropout_scaling : {"inverted", "classic"}
        Where the ``1/(1-p)`` correction goes (see ``Dropout``).
    bn_momentum : float
        Weight of the old running statistics, lecture direction (0.9).
    """
    sizes = [int(s) for s in layer_sizes]
    layers = []
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        hidden = l < len(sizes) - 2
        factor = 2.0 if hidden and activation == "logistic" else 6.0
        layers.append(Dense(n_in, n_out, bias=not (hidden and batch_norm), glorot_factor=factor))
        if not hidden:
            break
        if batch_norm:
            layers.append(BatchNorm(n_out, bn_momentum))
        layers.append(Activation(activation))
        if dropout:
            layers.append(Dropout(n_out, dropout, dropout_scaling))
    return layers


def forward_steps(steps, X, rng=None, chunk=PREDICT_CHUNK):
    """Prediction-mode logits of ``X`` through ``steps`` (``Network.prediction_steps``): a single
    ``DenseChain`` at once, otherwise in chunks of ``chunk`` rows through every step in turn."""
    if len(steps) == 1 and isinstance(steps[0], DenseChain):
        return steps[0].forward(X, rng, chunk)
    out = None
    for start in range(0, max(X.shape[0], 1), chunk):  # one empty chunk for no rows
        a = X[start : start + chunk]
        for step in steps:
            a = step.forward(a, rng, chunk) if isinstance(step, DenseChain) else step.forward_predict(a, rng)
        if out is None:
            out = np.empty((X.shape[0], a.shape[1]), a.dtype)
        out[start : start + a.shape[0]] = a
    return out


class Network:
    """Layers with their parameters in one flat vector; training forward/backward and prediction.

    Parameters
    ----------
    layers : list of Layer
        In order from input to output (each owned by this network).
    dtype : numpy dtype
        ``float32`` or ``float64``.
    """

    def __init__(self, layers, dtype=np.float32):
        self.layers = list(layers)
        self.dtype = np.dtype(dtype)
        self._bind_parameters()
        for i, layer in enumerate(self.layers):
            layer.in_place = i > 0 and not self.layers[i - 1].needs_output
        self.min_batch_rows = max((layer.min_batch_rows for layer in self.layers), default=1)
        self._stochastic = [layer for layer in self.layers if layer.stochastic]
        rows = list(
            itertools.accumulate((layer.row_factor for layer in self.layers), operator.mul, initial=1)
        )
        self._mask_rows = [rows[i] for i, layer in enumerate(self.layers) if layer.stochastic]
        self.n_members = rows[-1]

    def _bind_parameters(self):
        """Allocate ``theta`` and ``grad``, penalized weights first, and give each layer its views."""
        declared = [(i, p) for i, layer in enumerate(self.layers) for p in layer.params()]
        ordered = [d for d in declared if d[1].penalized] + [d for d in declared if not d[1].penalized]
        sizes = [math.prod(p.shape) for _, p in ordered]
        self.n_weights = sum(size for (_, p), size in zip(ordered, sizes) if p.penalized)
        self.theta = np.zeros(sum(sizes), self.dtype)
        self.grad = np.zeros_like(self.theta)
        values, grads = [{} for _ in self.layers], [{} for _ in self.layers]
        for (i, p), start, size in zip(ordered, itertools.accumulate([0, *sizes]), sizes):
            values[i][p.name] = self.theta[start : start + size].reshape(p.shape)
            grads[i][p.name] = self.grad[start : start + size].reshape(p.shape)
        for layer, layer_values, layer_grads in zip(self.layers, values, grads):
            layer.bind(layer_values, layer_grads, self.dtype)
        self.weight_matrices = [values[i][p.name] for i, p in ordered if p.penalized]
        self._first_trained = next((i for i, v in enumerate(values) if v), len(self.layers))

    @classmethod
    def mlp(cls, layer_sizes, activation="relu", *, dtype=np.float32, **options):
        """A multi-layer perceptron: ``Network(mlp_layers(layer_sizes, activation, **options), dtype)``."""
        return cls(mlp_layers(layer_sizes, activation, **options), dtype)

    @property
    def weights(self):
        """All penalized weights as one flat view (biases, gamma and beta excluded)."""
        return self.theta[: self.n_weights]

    @property
    def layer_sizes(self):
        """Units of the dense layers' (and member heads') inputs and outputs: ``(n_in, ...,
        n_outputs)``; ``n_in`` is ``n_features`` unless an embedding comes first."""
        dense = [layer for layer in self.layers if layer.kind in (Dense.kind, MemberHead.kind)]
        return (dense[0].n_in, *(layer.n_out for layer in dense)) if dense else ()

    def layers_of(self, kind):
        """The layers of one kind (``"dense"``, ``"batch_norm"``, ...), in order."""
        return [layer for layer in self.layers if layer.kind == kind]

    def parameter_layout(self):
        """``[(kind, parameter name, shape), ...]`` of the learned and state arrays, in order."""
        return [
            (layer.kind, name, shape)
            for layer in self.layers
            for name, shape in [(p.name, p.shape) for p in layer.params()]
            + [(name, getattr(layer, name).shape) for name in layer.state_names]
        ]

    def load_parameters(self, other):
        """Copy ``theta`` and the layers' state arrays from ``other``, which must have the same
        ``parameter_layout`` (the layers without parameters may differ)."""
        if self.parameter_layout() != other.parameter_layout():
            raise ValueError(
                f"parameter layouts differ: {other.parameter_layout()} cannot load into "
                f"{self.parameter_layout()}"
            )
        self.theta[...] = other.theta
        stateful = [[layer for layer in net.layers if layer.state_names] for net in (self, other)]
        for mine, theirs in zip(*stateful):
            mine.load_state(theirs.to_state())

    def initialize(self, rng):
        """Each layer's initialization, in order (Glorot-uniform weights, zero biases, gamma 1)."""
        for layer in self.layers:
            layer.initialize(rng)

    # ------------------------------------------------------------------ training mode
    def draw_masks(self, m, rng):
        """One random mask per stochastic (dropout) layer for a batch of ``m`` rows (``k*m`` rows
        for a layer after a k-member adapter)."""
        return [layer.draw_mask(m * rows, rng) for layer, rows in zip(self._stochastic, self._mask_rows)]

    def member_targets(self, Y, w):
        """The targets and weights of a training batch's logits, which hold ``k`` members' rows.

        With ``k = n_members > 1``: ``Y`` repeated ``k`` times (member-major, as
        ``MemberAdapter`` stacks the rows) and weights ``w/k`` (``1/k`` without ``w``), so that
        ``sum_rows w L = sum_j w_j * mean_i L_ij``: the data term is the mean of the members'
        losses. With one member, ``(Y, w)`` unchanged.

        Shape: ``Y`` ``(m, n_out)``, ``w`` ``(m,)`` or None -> ``(k*m, n_out)``, ``(k*m,)``.
        """
        k = self.n_members
        if k == 1:
            return Y, w
        w = np.full(Y.shape[0], 1.0 / k, Y.dtype) if w is None else w / k
        return np.tile(Y, (k, 1)), np.tile(w, k)

    def forward_train(self, X, rng=None, masks=None, update_stats=True):
        """Training-mode forward pass; return the logits (a buffer, overwritten by the next call).

        Dropout masks come from ``masks`` (one ``(rows, units)`` array per dropout layer, already
        scaled; ``rows`` is ``m``, or ``k*m`` after a k-member adapter) or are drawn from
        ``rng``. Batch norm uses batch statistics and, when ``update_stats``, updates the running
        statistics.
        """
        if self._stochastic:
            if masks is None:
                if rng is None:
                    raise ValueError("a network with dropout needs rng or masks in training")
                masks = self.draw_masks(X.shape[0], rng)
            for layer, mask in zip(self._stochastic, masks):
                layer.mask = mask
        a = X
        for layer in self.layers:
            a = layer.forward_train(a, update_stats)
        return a

    def backward(self, dz):
        """Backward pass from ``dz`` (gradient of the data term w.r.t. the logits) into ``grad``,
        for the batch of the last ``forward_train``; ``dz`` is overwritten."""
        first = self._first_trained
        for i in range(len(self.layers) - 1, first - 1, -1):
            dz = self.layers[i].backward(dz, need_d_in=i > first)

    # ------------------------------------------------------------------ prediction mode
    def fold(self, dropout_active=False):
        """The prediction-mode network as a ``DenseChain``, or None when a layer does not fold.

        With ``dropout_active`` (Monte-Carlo passes) dropout keeps its training-mode masks.
        """
        chain = DenseChain(dropout_active)
        if all(layer.fold(chain) for layer in self.layers) and chain.complete():
            return chain
        return None

    def folded(self, dropout_active=False):
        """Prediction weights ``[(W', b'), ...]``: batch norm folded with the running statistics,
        classic dropout's ``1 - p`` applied to the weights after it."""
        chain = self.fold(dropout_active)
        if chain is None:
            raise ValueError(f"layers {[layer.kind for layer in self.layers]} do not fold into dense steps")
        return chain.pairs()

    def prediction_steps(self, dropout_active=False):
        """Prediction mode as steps: a ``DenseChain`` for each run of layers that folds, and each
        layer that does not (a run that leaves its chain incomplete goes layer by layer)."""
        steps, run, chain = [], [], DenseChain(dropout_active)
        for layer in self.layers:
            if layer.fold(chain):
                run.append(layer)
                continue
            steps += [chain] if run and chain.complete() else run
            run, chain = [], DenseChain(dropout_active)
            if layer.fold(chain):
                run.append(layer)
            else:
                steps.append(layer)
        return steps + ([chain] if run and chain.complete() else run)

    def forward_predict(self, X, rng=None, chunk=PREDICT_CHUNK):
        """Prediction-mode logits for ``X``; with ``rng``, training-mode dropout (Monte Carlo).

        A network that folds entirely runs as ``DenseChain.forward``; otherwise the rows go
        through ``prediction_steps`` in chunks of ``chunk``, so the activations of every step
        stay in cache.
        """
        return forward_steps(self.prediction_steps(dropout_active=rng is not None), X, rng, chunk)

    def forward_layers(self, X, rng=None):
        """Prediction-mode logits layer by layer (no folding): the path of layers that do not fold."""
        a = X
        for layer in self.layers:
            a = layer.forward_predict(a, rng)
        return a

    # ------------------------------------------------------------------ plain-data state
    def state(self):
        """Plain data (copies): ``{"layers": [layer.to_state()...], "dtype": name, "theta": array}``."""
        return {
            "layers": [layer.to_state() for layer in self.layers],
            "dtype": self.dtype.name,
            "theta": self.theta.copy(),
        }

    @classmethod
    def from_state(cls, state):
        """Rebuild a network from ``state()`` (layer kinds looked up in ``LAYER_KINDS``)."""
        net = cls([layer_from_state(entry) for entry in state["layers"]], np.dtype(state["dtype"]))
        net.theta[...] = state["theta"]
        for layer, entry in zip(net.layers, state["layers"]):
            layer.load_state(entry)
        return net
