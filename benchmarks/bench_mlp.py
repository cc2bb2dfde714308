"""Epoch and prediction time of regtune's MLP against scikit-learn and PyTorch, on one BLAS thread.

Run::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_mlp.py

Synthetic float32 data, 100,000 x 64, 10 classes; hidden (256, 256), relu, batch 256, Adam.

* plain network: regtune ``MLPClassifier`` against ``sklearn.neural_network.MLPClassifier``;
* regularized network (batch norm + dropout 0.2 + decoupled weight decay): regtune against the same
  architecture in PyTorch on the CPU (``AdamW``), skipped when torch is not installed.

Each training time is the median of ``--epochs`` timed epochs after one warm-up epoch; each
prediction time the median of 3 passes over all rows. The models take turns (one epoch each, round
robin), so a busy machine slows them alike. Ratios > 1 mean regtune is faster.

``--dropout-cost`` instead times what dropout adds to an epoch of a deeper network, hidden
(256, 256, 256), relu, batch 256, Adam: the same network with and without ``dropout=0.2``, round
robin, in CPU seconds (``time.process_time``: on one thread it ignores the time the process waits
for a core on a busy machine); the difference is the cost of drawing and applying the masks. It
also times drawing one epoch's masks alone (``Network.draw_masks``, 391 batches).
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from regtune.neural_network import MLPClassifier

N_ROWS, N_FEATURES, N_CLASSES = 100_000, 64, 10
HIDDEN, BATCH, DROPOUT, WEIGHT_DECAY = (256, 256), 256, 0.2, 1e-2


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_ROWS, N_FEATURES)).astype(np.float32)
    teacher = rng.normal(size=(N_FEATURES, N_CLASSES))
    y = np.argmax(np.tanh(X @ teacher) + 0.5 * rng.normal(size=(N_ROWS, N_CLASSES)), axis=1)
    return X, y


def interleaved_medians(steps, repeats, clock=time.perf_counter):
    """Median seconds of each callable, timed round-robin so all see the same machine load."""
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = clock()
            step()
            times[name].append(clock() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def regtune_model(X, y, epochs, hidden=HIDDEN, **params):
    """(one-epoch step, predict) for a regtune MLPClassifier after one warm-up epoch."""
    clf = MLPClassifier(hidden, batch_size=BATCH, max_iter=epochs + 1, random_state=0, **params)
    gen = clf.iter_fit(X, y)
    next(gen)  # warm-up epoch (buffers allocated)
    return (lambda: next(gen)), (lambda: clf.predict_proba(X))


def sklearn_model(X, y):
    from sklearn.neural_network import MLPClassifier as SkMLP

    clf = SkMLP(HIDDEN, batch_size=BATCH, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))  # one epoch: a pass over all rows in batches
    return (lambda: clf.partial_fit(X, y)), (lambda: clf.predict_proba(X))


def torch_model(X, y):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    layers, width = [], N_FEATURES
    for units in HIDDEN:
        layers += [
            nn.Linear(width, units, bias=False),
            nn.BatchNorm1d(units),
            nn.ReLU(),
            nn.Dropout(DROPOUT),
        ]
        width = units
    model = nn.Sequential(*layers, nn.Linear(width, N_CLASSES))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=WEIGHT_DECAY)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def epoch():
        model.train()
        perm = torch.randperm(N_ROWS)
        Xp, yp = Xt[perm], yt[perm]
        for start in range(0, N_ROWS, BATCH):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xp[start : start + BATCH]), yp[start : start + BATCH])
            loss.backward()
            opt.step()

    def predict():
        model.eval()
        with torch.no_grad():
            return torch.softmax(model(Xt), dim=1).numpy()

    epoch()  # warm-up
    return epoch, predict


def dropout_cost(X, y, epochs):
    """Print the epoch time of a 3 x 256 network with and without dropout 0.2 (one BLAS thread)."""
    with threadpool_limits(limits=1):
        models = {
            "regtune 3x256 no dropout": regtune_model(X, y, epochs, hidden=(256, 256, 256)),
            "regtune 3x256 dropout 0.2": regtune_model(X, y, epochs, hidden=(256, 256, 256), dropout=0.2),
        }
        fit = interleaved_medians({name: m[0] for name, m in models.items()}, epochs, time.process_time)
        masks = mask_seconds(epochs)
    plain, dropped = fit.values()
    print(
        f"data {N_ROWS} x {N_FEATURES} float32, batch {BATCH}, Adam, 1 BLAS thread, median CPU time "
        f"of {epochs} epochs (round robin)"
    )
    for name, seconds in fit.items():
        print(f"{name:30s} {seconds:7.3f} CPU s per epoch")
    print(f"dropout adds {dropped - plain:.3f} s per epoch ({(dropped - plain) / dropped:.1%} of its epoch)")
    print(f"drawing one epoch's masks alone: {masks:.3f} CPU s ({masks / dropped:.1%} of the dropout epoch)")


def mask_seconds(repeats):
    """Median CPU seconds to draw the dropout masks of one epoch (3 x 256 units, batch 256)."""
    from regtune.nn import Network

    net = Network.mlp((N_FEATURES, 256, 256, 256, N_CLASSES), dropout=0.2)
    rng = np.random.default_rng(0)
    n_batches = -(-N_ROWS // BATCH)

    def epoch_of_masks():
        for _ in range(n_batches):
            net.draw_masks(BATCH, rng)

    return interleaved_medians({"masks": epoch_of_masks}, repeats, time.process_time)["masks"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model")
    parser.add_argument("--dropout-cost", action="store_true", help="time dropout's share of an epoch")
    args = parser.parse_args()
    X, y = make_data()
    if args.dropout_cost:
        dropout_cost(X, y, args.epochs)
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        has_torch = False
    else:
        has_torch = True
    regularized = {"batch_norm": True, "dropout": DROPOUT, "weight_decay": WEIGHT_DECAY}
    with threadpool_limits(limits=1):
        models = {
            "regtune plain": regtune_model(X, y, args.epochs),
            "scikit-learn plain": sklearn_model(X, y),
            "regtune BN + dropout 0.2 + weight decay": regtune_model(
                X, y, args.epochs, alpha=0.0, **regularized
            ),
        }
        if has_torch:
            models["PyTorch BN + dropout 0.2 + AdamW"] = torch_model(X, y)
        fit = interleaved_medians({name: m[0] for name, m in models.items()}, args.epochs)
        pred = interleaved_medians({name: m[1] for name, m in models.items()}, 3)
    print(
        f"data {N_ROWS} x {N_FEATURES} float32, hidden {HIDDEN}, batch {BATCH}, Adam, "
        f"1 BLAS thread, median of {args.epochs} epochs (round robin)"
    )
    print(f"{'model':44s} {'epoch s':>9s} {'predict s':>10s}")
    for name in models:
        print(f"{name:44s} {fit[name]:9.3f} {pred[name]:10.3f}")
    names = list(models)

    def ratios(ours, peer, what, goal):
        print(f"training throughput vs {what}: {fit[peer] / fit[ours]:.2f}x (goal >= {goal}x)")
        print(f"prediction speed vs {what}:    {pred[peer] / pred[ours]:.2f}x (goal >= 1x)")

    ratios(names[0], names[1], "scikit-learn (plain)", 1.5)
    if not has_torch:
        print("torch not installed, skipping the PyTorch comparison")
        return
    ratios(names[2], names[3], "PyTorch (regularized)", 2)


if __name__ == "__main__":
    main()
