"""Shared look of the report's charts, and the one rule for text that goes into a chart."""

import html
import math

from .._hyperparameters import regularization_names

BLUE = "#2563eb"
ORANGE = "#ea580c"
GRAY = "#9ca3af"
RED = "#dc2626"
GREEN = "#16a34a"
PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#0891b2"]

# Parameters whose effect the lecture is about; they get their own section, on log axes where the
# values span decades.
LOG_PARAMS = (
    "alpha_per_row",
    "l1_per_row",
    "decay_per_step",
    "alpha",
    "l1",
    "weight_decay",
    "learning_rate_init",
)
REGULARIZATION_PARAMS = regularization_names()  # the table's entries marked regularization=True


def chart_text(value):
    """Text for a chart label: plotly.js reads a few HTML tags in labels, so escape ``<``, ``>``, ``&``.

    plotly.js turns the entities back into characters when it draws, so the user sees the string as
    typed, and a string such as ``<b>`` is shown, not interpreted.

    Examples
    --------
    >>> chart_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=False)


def base_layout(fig, title, *, height=420):
    """Apply the report's common layout to ``fig`` and return it."""
    fig.update_layout(
        title={"text": chart_text(title), "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        hovermode="closest",
    )
    return fig


def axis_kind(values):
    """How to lay out a parameter's values on an axis: ``"category"``, ``"log"`` or ``"linear"``.

    Strings, booleans and mixtures are categories; positive numbers spanning two decades or more go on a
    log axis.

    Examples
    --------
    >>> axis_kind([True, False]), axis_kind([1e-5, 1e-2]), axis_kind([0.1, 0.5])
    ('category', 'log', 'linear')
    """
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != len(values) or not numbers:
        return "category"
    finite = [float(v) for v in numbers if math.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) >= 100:
        return "log"
    return "linear"
