"""Real tabular datasets bundled with regtune, for the demo, the tests and the benchmarks.

See ``data/README.md`` beside this file for their origin and licences.
"""

from ._load import DATASETS, dataset_path, load_dataset

__all__ = ["DATASETS", "dataset_path", "load_dataset"]
