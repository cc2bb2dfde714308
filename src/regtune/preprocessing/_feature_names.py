"""The input column names a fitted transformer reports, checked against ``input_features``."""

__all__ = ["input_names"]


def input_names(estimator, input_features=None):
    """Names of the columns ``estimator`` was fitted on.

    Parameters
    ----------
    estimator : fitted transformer
        With ``n_features_in_`` and, for string-named pandas input, ``feature_names_in_``.
    input_features : array-like of str, default=None
        Names to use; must equal ``feature_names_in_`` when that is defined.

    Returns
    -------
    names : list of str
        ``input_features``, else ``feature_names_in_``, else ``x0, x1, ...``.
    """
    fitted = getattr(estimator, "feature_names_in_", None)
    if input_features is None:
        if fitted is not None:
            return [str(name) for name in fitted]
        return [f"x{j}" for j in range(estimator.n_features_in_)]
    names = [str(name) for name in input_features]
    if len(names) != estimator.n_features_in_ or (fitted is not None and names != list(fitted)):
        raise ValueError(
            f"input_features must be the {estimator.n_features_in_} names seen in fit, got {names}"
        )
    return names
