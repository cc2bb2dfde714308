"""Optimizers and the penalties applied around each step, on flat parameter vectors.

Every update is in place. One step with learning rate ``eta_t`` (the schedule's value) is:

1. decoupled weight decay on the weights, outside the adaptive step (AdamW style, scaled by the
   scheduled learning rate and by the weight-decay schedule's factor ``d_t``, 1 unless scheduled):
   ``W <- W - eta_t * d_t * weight_decay * W``;
2. the optimizer step on all parameters with gradient ``g`` (the L2 term ``(alpha/n) W`` is already in
   ``g``, see ``MATH.md`` section 2);
3. the proximal L1 step on the weights, soft-thresholding at ``eta_t * l1/(2n)`` so weights reach
   exactly zero: ``W <- sign(W) * max(|W| - eta_t*l1/(2n), 0)``;
4. max-norm: each unit's incoming weight vector (a column of a penalized weight matrix ``W_l``) is
   rescaled to norm ``max_norm`` when longer.

Only the network's penalized weights (one flat slice, ``network.weights``) are decayed, thresholded
or clipped; biases, gamma and beta never are.
"""

import math

import numpy as np

__all__ = ["SGD", "Adam", "Penalties", "cosine_schedule"]


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum, scikit-learn's formulation.

    ``v <- momentum*v - eta*g``; then ``theta <- theta + v`` or, with Nesterov,
    ``theta <- theta + momentum*v - eta*g``.
    """

    def __init__(self, n_params, dtype, momentum=0.9, nesterov=True):
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(n_params, dtype)
        self._tmp = np.empty(n_params, dtype)

    def step(self, theta, grad, eta):
        """Update ``theta`` in place from ``grad`` with learning rate ``eta``."""
        if self.momentum == 0.0:
            np.multiply(grad, eta, out=self._tmp)
            theta -= self._tmp
            return
        v, tmp = self.velocity, self._tmp
        v *= self.momentum
        np.multiply(grad, eta, out=tmp)
        v -= tmp
        if self.nesterov:
            theta -= tmp
            np.multiply(v, self.momentum, out=tmp)
        else:
            tmp[...] = v
        theta += tmp


class Adam:
    """Adam (Kingma and Ba), with the bias correction folded into the step size.

    ``m <- b1*m + (1-b1)*g``, ``v <- b2*v + (1-b2)*g**2``,
    ``theta <- theta - eta*sqrt(1-b2**t)/(1-b1**t) * m/(sqrt(v) + epsilon)`` (as scikit-learn).
    """

    def __init__(self, n_params, dtype, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.t = 0
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)
        self._tmp = np.empty(n_params, dtype)

    def step(self, theta, grad, eta):
        """Update ``theta`` in place from ``grad`` with learning rate ``eta``."""
        self.t += 1
        b1, b2, tmp = self.beta_1, self.beta_2, self._tmp
        self.m *= b1
        np.multiply(grad, 1 - b1, out=tmp)
        self.m += tmp
        self.v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        self.v += tmp
        eta_t = eta * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        np.divide(self.m, tmp, out=tmp)
        tmp *= eta_t
        theta -= tmp


class Penalties:
    """The penalties of ``MATH.md`` section 2 for a network with ``n`` training rows (weights)."""

    def __init__(self, alpha=0.0, l1=0.0, weight_decay=0.0, max_norm=None, n=1.0):
        self.alpha, self.l1, self.weight_decay = float(alpha), float(l1), float(weight_decay)
        self.max_norm = None if max_norm is None else float(max_norm)
        self.n = float(n)

    def value(self, weights):
        """``alpha/(2n) * sum W**2 + l1/(2n) * sum |W|`` for the flat weight vector."""
        out = 0.0
        if self.alpha:
            out += self.alpha / (2 * self.n) * float(weights @ weights)
        if self.l1:
            out += self.l1 / (2 * self.n) * float(np.abs(weights).sum())
        return out

    def add_l2_gradient(self, weights, dweights):
        """``dW += (alpha/n) W`` in place."""
        if self.alpha:
            dweights += (self.alpha / self.n) * weights

    def decay(self, weights, eta, factor=1.0):
        """Decoupled weight decay ``W <- W - eta*factor*weight_decay*W`` in place (``factor``: the
        weight-decay schedule's value at this step, see ``StepSchedule``)."""
        if self.weight_decay:
            weights *= 1.0 - eta * factor * self.weight_decay

    def project(self, network, eta):
        """Proximal L1 soft-threshold at ``eta*l1/(2n)``, then max-norm, in place."""
        if self.l1:
            w = network.weights
            shrunk = np.abs(w)
            shrunk -= eta * self.l1 / (2 * self.n)
            np.maximum(shrunk, 0, out=shrunk)
            np.copysign(shrunk, w, out=w)
        if self.max_norm is not None:
            for W in network.weight_matrices:
                norms = np.sqrt(np.einsum("ij,ij->j", W, W))
                too_long = norms > self.max_norm
                if too_long.any():
                    W[:, too_long] *= self.max_norm / norms[too_long]


def cosine_schedule(eta0, epoch, n_epochs):
    """Cosine decay from ``eta0`` at epoch 0 to 0 after ``n_epochs``: ``eta0*(1+cos(pi*e/E))/2``."""
    return 0.5 * eta0 * (1.0 + math.cos(math.pi * min(epoch, n_epochs) / n_epochs))
