"""Locate and read the bundled CSV files."""

from dataclasses import dataclass
from pathlib import Path

_DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Dataset:
    """What a bundled dataset is: its file, its target column, its task and its source."""

    file: str
    target: str
    task: str
    description: str


DATASETS = {
    "cps1988": Dataset(
        file="cps1988.csv",
        target="wage",
        task="regression",
        description=(
            "US Current Population Survey, March 1988: weekly wages of 28,155 men with education, "
            "experience and four categorical columns (ethnicity, smsa, region, parttime). "
            "Public domain (US Census Bureau), as distributed in the R package AER."
        ),
    ),
    "penguins": Dataset(
        file="penguins.csv",
        target="species",
        task="multiclass",
        description=(
            "Palmer Station penguins: 344 birds, 3 species, island and sex categorical, with missing "
            "values. CC0 (Horst, Hill and Gorman), as shipped by the palmerpenguins package."
        ),
    ),
}


def _spec(name):
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}") from None


def dataset_path(name="cps1988"):
    """Path of a bundled dataset's CSV file.

    Examples
    --------
    >>> from regtune.datasets import dataset_path
    >>> dataset_path("penguins").name
    'penguins.csv'
    """
    return _DATA_DIR / _spec(name).file


def load_dataset(name="cps1988", *, return_X_y=False):
    """Read a bundled dataset into a pandas DataFrame.

    Parameters
    ----------
    name : {"cps1988", "penguins"}, default="cps1988"
        Which dataset. ``DATASETS[name]`` tells its target column and task.
    return_X_y : bool, default=False
        If True, return ``(X, y)``: the feature columns and the target column.

    Returns
    -------
    frame : pandas.DataFrame, or (X, y) when ``return_X_y`` is True.

    Examples
    --------
    >>> from regtune.datasets import load_dataset
    >>> X, y = load_dataset("cps1988", return_X_y=True)
    >>> X.shape, y.name
    ((28155, 6), 'wage')
    """
    import pandas as pd

    spec = _spec(name)
    frame = pd.read_csv(dataset_path(name))
    if not return_X_y:
        return frame
    return frame.drop(columns=[spec.target]), frame[spec.target]
