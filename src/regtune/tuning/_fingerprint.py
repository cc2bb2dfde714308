"""A study's data fingerprint: resuming a study on other data is refused, not done silently.

``tune`` records the fingerprint of its ``(X, y)`` in ``study.user_attrs["data_fingerprint"]``;
calling ``tune`` again with the same storage and study name resumes the study only when the new
data have the same fingerprint. It is made of the target's name, the number of rows, a hash of the
column names and types, and a hash of the values of up to ``SAMPLE_ROWS`` rows spread evenly over
the table (first and last included). A change elsewhere in a large table can go unseen; a new
column, a dropped or ignored one, another target, other rows or a type change never do.
"""

import hashlib

import numpy as np

__all__ = ["FINGERPRINT", "check_same_data", "data_fingerprint"]

FINGERPRINT = "data_fingerprint"
SAMPLE_ROWS = 200


def _digest(parts):
    text = "\x1e".join("\x1f".join(map(str, part)) for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def data_fingerprint(X, y):
    """The fingerprint of a table: a JSON-able dict (target, rows, columns hash, values hash).

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns, as ``tune`` uses them (ignored columns already dropped).
    y : pandas.Series
        The target, named.
    """
    n = len(X)
    rows = np.unique(np.linspace(0, n - 1, min(n, SAMPLE_ROWS)).round().astype(int)) if n else []
    columns = [(name, X[name].dtype) for name in X.columns] + [(y.name, y.dtype)]
    sample = X.iloc[rows].assign(**{"\x00target": np.asarray(y)[rows]})
    return {
        "target": str(y.name),
        "rows": int(n),
        "columns": _digest(columns),
        "values": _digest(sample.itertuples(index=False, name=None)),
    }


def check_same_data(study_name, stored, fingerprint):
    """Raise a one-line ``ValueError`` when ``stored`` (a study's fingerprint) differs from ``fingerprint``.

    A study recorded before fingerprints existed (``stored`` None) is not checked.
    """
    if stored is None or stored == fingerprint:
        return
    differences = []
    for key, word in (("target", "target"), ("rows", "rows")):
        if stored.get(key) != fingerprint[key]:
            differences.append(f"{word}: stored {stored.get(key)!r}, now {fingerprint[key]!r}")
    if stored.get("columns") != fingerprint["columns"]:
        differences.append("the column names or types differ")
    elif not differences:
        differences.append("the values differ (same columns and number of rows)")
    raise ValueError(
        f"study {study_name!r} was tuned on other data ({'; '.join(differences)}); resume it with the "
        "same data and target, or start a new study under another name (study_name=, --study NAME)"
    )
