"""Small data files and tuned studies, made once per test session, for the in-process CLI tests.

Data: ``cps300.csv`` is 300 rows of the bundled cps1988 (wage regression), drawn with seed 0;
``penguins.csv`` is the whole bundled penguins file (344 rows, 3 classes, NaNs). The search space is
shrunk (one layer of 8 units, 4 epochs) so that a tuning run takes seconds.
"""

import pytest
from cli_runner import invoke

from regtune.datasets import load_dataset

TINY_SPACE = "width = 8\nn_layers = 1\nmax_epochs = 4\nbatch_size = 64\n"


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-data")
    cps = load_dataset("cps1988").sample(n=300, random_state=0).reset_index(drop=True)
    cps.to_csv(root / "cps300.csv", index=False)
    cps.to_parquet(root / "cps300.parquet", index=False)
    load_dataset("penguins").to_csv(root / "penguins.csv", index=False)
    (root / "space.toml").write_text(TINY_SPACE)
    return root


@pytest.fixture(scope="session")
def wages(files, tmp_path_factory):
    """``regtune tune`` on cps300 (regression): (result, storage URL, out folder)."""
    work = tmp_path_factory.mktemp("wages")
    storage = f"sqlite:///{work / 'studies.db'}"
    result = invoke(
        "tune",
        files / "cps300.csv",
        "--target",
        "wage",
        "--trials",
        5,
        "--cv",
        2,
        "--space",
        files / "space.toml",
        "--storage",
        storage,
        "--study",
        "wages",
        "--final-model",  # these tests compare the model with `fit --params best` and its steps
        "refit",
        "--seed",
        1,
        "--out",
        work / "out",
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result, storage, work / "out"


@pytest.fixture(scope="session")
def penguins(files, tmp_path_factory):
    """``regtune tune --workers 2`` on penguins (multiclass, categorical, NaNs), quiet."""
    work = tmp_path_factory.mktemp("penguins")
    storage = f"sqlite:///{work / 'studies.db'}"
    result = invoke(
        "tune",
        files / "penguins.csv",
        "--target",
        "species",
        "--trials",
        4,
        "--cv",
        2,
        "--workers",
        2,
        "--space",
        files / "space.toml",
        "--storage",
        storage,
        "--study",
        "penguins",
        "--final-model",  # the tests read the model's steps
        "refit",
        "--out",
        work / "out",
        "-q",
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result, storage, work / "out"
