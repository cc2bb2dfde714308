"""Batch normalization (``MATH.md`` section 4), folded into the dense layer before it at prediction."""

import numpy as np

from .base import Layer, Param

__all__ = ["BN_EPS", "BatchNorm"]

BN_EPS = 1e-5


class BatchNorm(Layer):
    """Normalize each unit over the rows of a training batch, then scale and shift.

    Training, per unit over the ``m`` rows of the batch (``m >= 2``)::

        mu = mean(z),  var = mean((z - mu)**2),  z_hat = (z - mu) / sqrt(var + eps),  out = gamma*z_hat + beta
        dz = (1/m) * gamma/sqrt(var + eps) * (m*dout - sum(dout) - z_hat*sum(dout*z_hat))
        dgamma = sum(dout*z_hat),  dbeta = sum(dout)

    with ``eps = 1e-5``. Running statistics follow the lecture's direction,
    ``run <- momentum*run + (1 - momentum)*batch`` (``momentum=0.9``; PyTorch's 0.1 is the same rule
    written the other way round), and the running variance takes the unbiased batch variance
    ``var * m/(m-1)``. Prediction uses the running statistics,
    ``out = gamma*(z - run_mean)/sqrt(run_var + eps) + beta``, folded into the dense layer before it:
    ``W' = W*s``, ``b' = beta - s*run_mean`` (plus ``s*b`` when that layer has a bias), with
    ``s = gamma/sqrt(run_var + eps)``. ``gamma`` (init 1) and ``beta`` (init 0) are not penalized.

    Shape: ``z`` ``(m, units)`` -> ``out`` ``(m, units)``; ``gamma``, ``beta``, running statistics
    ``(units,)``.
    """

    kind = "batch_norm"
    state_names = ("running_mean", "running_var")
    min_batch_rows = 2

    def __init__(self, units, momentum=0.9):
        super().__init__()
        self.units = int(units)
        self.momentum = float(momentum)

    def params(self):
        return (Param("gamma", (self.units,), False), Param("beta", (self.units,), False))

    def config(self):
        return {"units": self.units, "momentum": self.momentum}

    def bind(self, values, grads, dtype):
        super().bind(values, grads, dtype)
        self.running_mean = np.zeros(self.units, self.dtype)
        self.running_var = np.ones(self.units, self.dtype)

    def initialize(self, rng):
        self.gamma[...] = 1.0
        self.beta[...] = 0.0
        self.running_mean[...] = 0.0
        self.running_var[...] = 1.0

    def forward_train(self, z, update_stats=True):
        m = z.shape[0]
        if m < 2:
            raise ValueError(f"batch norm needs at least 2 rows per training batch, got {m}")
        mu = z.mean(axis=0)
        z = np.subtract(z, mu, out=self.output_of(z))
        z_hat = self.buffer("z_hat", z.shape)
        np.multiply(z, z, out=z_hat)
        var = z_hat.mean(axis=0)
        self._inv_std = inv_std = 1.0 / np.sqrt(var + BN_EPS)
        np.multiply(z, inv_std, out=z_hat)
        self._z_hat = z_hat
        np.multiply(z_hat, self.gamma, out=z)
        z += self.beta
        if update_stats:
            mom = self.momentum
            self.running_mean *= mom
            self.running_mean += (1 - mom) * mu
            self.running_var *= mom
            self.running_var += (1 - mom) * var * (m / (m - 1))
        return z

    def backward(self, dout, need_d_in=True):
        m = dout.shape[0]
        z_hat = self._z_hat
        dbeta = dout.sum(axis=0, out=self.dbeta)
        dgamma = np.einsum("ij,ij->j", dout, z_hat, out=self.dgamma)
        z_hat *= dgamma  # z_hat is not needed again: reuse it for z_hat*sum(dout*z_hat) + sum(dout)
        z_hat += dbeta
        dout *= m
        dout -= z_hat
        dout *= self.gamma * self._inv_std / m
        return dout

    def scale_and_shift(self):
        """Prediction mode as ``out = s*z + t``, per unit.

        ``s = gamma/sqrt(run_var + eps)`` and ``t = beta - s*run_mean``.

        Returns ``(s, t)``, each of shape ``(units,)``.
        """
        s = self.gamma / np.sqrt(self.running_var + BN_EPS)
        return s, self.beta - s * self.running_mean

    def forward_predict(self, z, rng=None):
        s, t = self.scale_and_shift()
        out = z * s if not self.in_place else np.multiply(z, s, out=z)
        out += t
        return out

    def fold(self, chain):
        return chain.scale_last_step(*self.scale_and_shift())
