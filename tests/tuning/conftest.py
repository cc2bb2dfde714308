"""Fixtures of the tuning tests: small data sets and a real PostgreSQL server.

The server (``tests/pg_server.py``) is started once per session, and only when a test asks for
``postgres_url``; under root it runs as an unprivileged user, and if it cannot start the test fails
with the reason: no skip.
"""

import numpy as np
import pandas as pd
import pytest

from pg_server import PgServer

# A tiny network, few epochs and few sampled parameters (each suggestion reads the study) keep
# every trial well under a second.
TINY_SPACE = {
    "n_layers": 1,
    "width": {"low": 4, "high": 12},
    "max_epochs": 4,
    "batch_size": 32,
    "learning_rate_init": {"low": 1e-3, "high": 3e-2},
    "dropout": {"low": 0.0, "high": 0.3},
    "alpha_per_row": 1e-5,
    "l1_per_row": 0.0,
    "decay_per_step": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
}


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throwaway PostgreSQL server (database ``postgres``, trust authentication)."""
    server = PgServer().start()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture
def tiny_space():
    """Search-space overrides for fast trials: one small layer, 4 epochs."""
    return dict(TINY_SPACE)


@pytest.fixture(scope="session")
def penguins():
    import regtune

    return regtune.load_dataset("penguins", return_X_y=True)


@pytest.fixture(scope="session")
def small_binary():
    """240 rows: two informative numeric columns, one noise column, one 3-level category."""
    rng = np.random.default_rng(7)
    n = 240
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "noise": rng.normal(size=n),
            "city": rng.choice(["north", "south", "east"], size=n),
        }
    )
    logit = 2.0 * X["a"] - 1.5 * X["b"] + (X["city"] == "north") * 1.0
    y = pd.Series((logit + rng.logistic(size=n) > 0).astype(int), name="label")
    return X, y
