"""Do the default search ranges of the penalties span "no effect" to "strong" on small and large data?

For each searched penalty and each decade of its default range (and its two ends), fits the tuned
pipeline with that penalty alone on 500 and on 20,000 rows of the bundled cps1988 data and prints
the error on 5,000 held-out rows. Two targets: ``wage`` (regression, RMSE, standardized by the
pipeline as it does by default; the demo's) and ``parttime`` (binary, log loss).

* ``alpha_per_row`` and ``l1_per_row``: the network is fixed in the middle of the default space (2
  layers of 128 units, batch 128, 30 epochs, Adam at 1e-3, the pipeline's early stopping); printed
  with the fraction of weights exactly zero (``sparsity_``) and the mean absolute weight.
* ``decay_per_step`` (the share of the weights one step removes; the network's ``weight_decay`` is
  ``decay_per_step / learning_rate_init``): the same network trained for its whole 30 epochs, as a
  tuning trial trains it, at each learning rate of ``--learning-rates`` (default: the default
  space's lowest, the pipeline's default, 0.01 and the space's highest), since the decay and the
  Adam step both scale with it.
  Printed with ``effect``, where the error lies from the unpenalized network's (0) to the constant
  model's (1), and ``rms(W)``, the root mean square of the hidden layers' weights relative to the
  unpenalized network's; a fit that diverges (raises, or predicts non-finite values) says so.

"No effect" is the error of the unpenalized network; "strong" is the error of the constant model
(every weight zero, the prediction the output bias: the training mean or log-odds).

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_penalty_ranges.py \
        [--sizes 500,20000] [--targets wage,parttime] \
        [--penalties alpha_per_row,l1_per_row,decay_per_step] [--learning-rates 1e-4,1e-3,0.01,0.1]
"""

import argparse
import math
import os
import time
import warnings

import numpy as np

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

NETWORK = {
    "n_layers": 2,
    "width": 128,
    "batch_size": 128,
    "max_epochs": 30,
    "learning_rate_init": 1e-3,
    "numeric_embedding": "none",  # coefs_ (sparsity, weight sizes) exist for a plain network only
}
PENALTIES = ("alpha_per_row", "l1_per_row", "decay_per_step")
PER_LEARNING_RATE = ("decay_per_step",)  # measured at each learning rate, trained for the whole budget
N_VALID = 5000


def grid(low, high):
    """``low``, the powers of ten between ``low`` and ``high``, and ``high``."""
    inside = [10.0**k for k in range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)]
    return sorted({low, *inside, high})


def error(pipe, X, y, task):
    from sklearn.metrics import log_loss

    if task == "binary":
        return log_loss(y, pipe.predict_proba(X), labels=pipe.classes_)
    return float(np.sqrt(np.mean((pipe.predict(X) - np.asarray(y)) ** 2)))


def constant_error(y_train, y_valid, task):
    """The error of the best constant model of the training rows (what all-zero weights predict)."""
    from sklearn.metrics import log_loss

    if task == "binary":
        rate = float(np.mean(y_train == "yes"))
        return log_loss(y_valid == "yes", np.full(len(y_valid), rate))
    return float(np.sqrt(np.mean((np.asarray(y_valid) - np.mean(y_train)) ** 2)))


def hidden_rms(mlp):
    """Root mean square of the hidden layers' weights (the output layer carries the target's scale)."""
    hidden = np.concatenate([W.ravel() for W in mlp.coefs_[:-1]])
    return float(np.sqrt(np.mean(hidden**2)))


class Fitter:
    """Fits the tuned pipeline on the first ``n`` rows of the pool and measures it on the held-out rows."""

    def __init__(self, X, y, task, train, valid):
        from regtune._data import detect_columns

        self.X, self.y, self.task, self.train, self.valid = X, y, task, train, valid
        self.categorical, self.numeric = detect_columns(X)

    def fit(self, params):
        """``(pipeline, error, seconds)``; error None when the fit diverged."""
        from regtune.tuning import build_pipeline

        pipe = build_pipeline(
            params,
            task=self.task,
            categorical=self.categorical,
            numeric=self.numeric,
            seed=0,
            n_rows=len(self.train),
        )
        start = time.perf_counter()
        try:
            pipe.fit(self.X.iloc[self.train], self.y.iloc[self.train])
            value = error(pipe, self.X.iloc[self.valid], self.y.iloc[self.valid], self.task)
        except (ArithmeticError, ValueError) as exc:  # DivergenceError is an ArithmeticError
            print(f"    diverged: {type(exc).__name__}: {str(exc)[:100]}", flush=True)
            return pipe, None, time.perf_counter() - start
        return pipe, (value if math.isfinite(value) else None), time.perf_counter() - start


def penalty_rows(fitter, prefix, name, values):
    """The sparsity, mean |W| and error of each value of an L2 or L1 penalty (one line each)."""
    kind = "rmse" if fitter.task == "regression" else "log_loss"
    for value in values:
        params = dict(NETWORK) if name is None else {**NETWORK, name: value}
        pipe, err, seconds = fitter.fit(params)
        mlp = pipe.named_steps["mlp"]
        weights = np.concatenate([W.ravel() for W in mlp.coefs_])
        label = "none" if name is None else f"{name}={value:g}"
        print(
            f"{prefix} {label:22s} sparsity={mlp.sparsity_:6.1%} mean|W|={np.abs(weights).mean():.4f} "
            f"valid {kind}={err:.4g} ({seconds:.1f} s)",
            flush=True,
        )


def decay_rows(fitter, prefix, name, values, learning_rates, constant):
    """The effect of each value of ``name`` at each learning rate, trained for the whole budget."""
    kind = "rmse" if fitter.task == "regression" else "log_loss"
    for lr in learning_rates:
        base = {**NETWORK, "learning_rate_init": lr, "early_stopping": False}
        reference, none, _ = fitter.fit(base)
        rms_none = hidden_rms(reference.named_steps["mlp"])
        for value in [0.0, *values]:
            pipe, err, seconds = (reference, none, 0.0) if value == 0 else fitter.fit({**base, name: value})
            label = f"lr={lr:g} {name}={value:g}"
            if err is None or none is None:
                print(f"{prefix} {label:32s} DIVERGED ({seconds:.1f} s)", flush=True)
                continue
            effect = (err - none) / (constant - none)
            print(
                f"{prefix} {label:32s} weight_decay={value / lr:<8.4g} valid {kind}={err:.4g} "
                f"effect={effect:+.2f} rms(W)={hidden_rms(pipe.named_steps['mlp']) / rms_none:.3g} "
                f"({seconds:.1f} s)",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,20000")
    parser.add_argument("--targets", default="wage,parttime")
    parser.add_argument("--penalties", default=",".join(PENALTIES))
    parser.add_argument("--learning-rates", default="1e-4,1e-3,0.01,0.1")
    args = parser.parse_args()

    import regtune
    from regtune.tuning import SearchSpace

    warnings.filterwarnings("ignore")  # 30 epochs do not converge, on purpose
    frame = regtune.load_dataset("cps1988")
    order = np.random.default_rng(0).permutation(len(frame))
    valid, pool = order[:N_VALID], order[N_VALID:]
    space = SearchSpace.default()
    penalties = args.penalties.split(",")
    learning_rates = [float(v) for v in args.learning_rates.split(",")]
    for target in args.targets.split(","):
        task = "regression" if target == "wage" else "binary"
        X, y = frame.drop(columns=[target]), frame[target]
        for n in map(int, args.sizes.split(",")):
            fitter = Fitter(X, y, task, pool[:n], valid)
            constant = constant_error(y.iloc[pool[:n]], y.iloc[valid], task)
            prefix = f"{target:8s} n={n:6d}"
            if any(p not in PER_LEARNING_RATE for p in penalties):
                penalty_rows(fitter, prefix, None, [None])
            for name in penalties:
                values = grid(space[name].low, space[name].high)
                if name in PER_LEARNING_RATE:
                    decay_rows(fitter, prefix, name, values, learning_rates, constant)
                else:
                    penalty_rows(fitter, prefix, name, values)
            print(f"{prefix} constant model: {constant:.4g}", flush=True)


if __name__ == "__main__":
    main()
