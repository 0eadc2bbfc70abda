"""The review page's optional sensitivity section: a `SensitivityReport`'s plot and bounds.

The report is duck-typed (the review layer does not import the data layer): it needs
``plot``, ``summary_lines``, ``bound_rows``, ``bound_headers``, ``notes``, ``treatment`` and
``outcome``. Every piece of text is escaped here.
"""

from __future__ import annotations

import base64
from typing import Any

from ._page import _escape, _table


def sensitivity_section(report: Any) -> str:
    """The section's HTML: the headline numbers, the contour plot and the bounds table.

    The plot is an ``<img>`` with a ``data:`` URI, which the page's policy (``img-src
    data:``) allows; an SVG shown as an image runs no script.
    """
    picture = base64.b64encode(report.plot(image_format="svg")).decode("ascii")
    summary = "<br>".join(_escape(line.strip()) for line in report.summary_lines())
    alt = f"Contour plot of the adjusted estimate of {report.treatment} on {report.outcome}"
    rows = [[_escape(cell) for cell in row] for row in report.bound_rows()]
    table = _table("Sensitivity bounds", report.bound_headers, rows) if rows else ""
    notes = "".join(f"<li>{_escape(note)}</li>" for note in report.notes)
    return (
        "<section id='sensitivity'><h2>Sensitivity to unmeasured confounding</h2>"
        f"<p class='muted'>{summary}</p>"
        f"<img src='data:image/svg+xml;base64,{picture}' alt='{_escape(alt)}' "
        "style='max-width:100%;height:auto'>"
        f"{table}{f'<ul class=muted>{notes}</ul>' if notes else ''}</section>"
    )
