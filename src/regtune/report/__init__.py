"""The HTML report of a tuning study: one self-contained page (plotly.js inlined, works offline).

``build_report(study)`` returns the page as a string, ``write_report(study, path)`` writes it
atomically. See ``docs/report.md`` for what each section shows and which study records it reads.
"""

from ._page import build_report, write_report

__all__ = ["build_report", "write_report"]
