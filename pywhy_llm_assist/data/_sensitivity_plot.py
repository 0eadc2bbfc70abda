"""The sensitivity contour plot (matplotlib, headless) and the report's text and HTML forms.

The plot follows Cinelli & Hazlett's Figure 2: contours of the adjusted estimate over the
confounder's partial R² with the treatment (x) and with the outcome (y), the line where the
estimate reaches zero drawn thick and red, the unadjusted estimate at the origin, formal
bounds as red diamonds and elicited confounders as blue triangles. It draws on a bare
`matplotlib.figure.Figure` with the Agg canvas, so no display and no global backend change
are needed, and the SVG is reproducible (fixed hash salt, no date).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core._errors import InputError
from . import _bias_formulas as formulas

if TYPE_CHECKING:
    from ._sensitivity import SensitivityReport

IMAGE_FORMATS = ("svg", "png")
GRID_POINTS = 200
DEFAULT_LIMIT = 0.4
"""The axes reach at least this partial R² (Cinelli & Hazlett's default), more if a bound does."""


def _format_for(path: str | Path | None, image_format: str | None) -> str:
    if image_format is None:
        suffix = Path(path).suffix.casefold().lstrip(".") if path is not None else ""
        image_format = suffix or "svg"
    chosen = image_format.casefold()
    if chosen not in IMAGE_FORMATS:
        raise InputError(
            f"the sensitivity plot is written as SVG or PNG, not {image_format!r}: "
            "use a .svg or .png file name"
        )
    return chosen


def plot_contours(
    report: SensitivityReport, path: str | Path | None = None, *, image_format: str | None = None
) -> bytes:
    """Draw `report`'s contour plot; return the image bytes and write them to `path`."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chosen = _format_for(path, image_format)
    reach = max(
        [DEFAULT_LIMIT, *(1.15 * b.r2_treatment for b in report.bounds)]
        + [1.15 * b.r2_outcome for b in report.bounds]
    )
    limit_x = min(reach, 0.99)
    limit_y = min(reach, 1.0)
    grid_x = np.linspace(0, limit_x, GRID_POINTS)
    grid_y = np.linspace(0, limit_y, GRID_POINTS)
    r2_treatment, r2_outcome = np.meshgrid(grid_x, grid_y)
    adjusted = formulas.adjusted_estimate(
        report.estimate, report.standard_error, report.degrees_of_freedom, r2_treatment, r2_outcome
    )
    with matplotlib.rc_context({"svg.hashsalt": "pywhy-llm-assist", "font.size": 9}):
        figure = Figure(figsize=(6.4, 5.2), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        lines = axes.contour(r2_treatment, r2_outcome, adjusted, levels=10, colors="#475569")
        levels = [level for level in lines.levels if abs(level) > 1e-12]
        axes.clabel(lines, levels=levels, fontsize=7, fmt="%.3g")
        if adjusted.min() < 0 < adjusted.max():
            axes.contour(
                r2_treatment, r2_outcome, adjusted, levels=[0.0], colors="#dc2626", linewidths=2.2
            )
            axes.plot([], [], color="#dc2626", linewidth=2.2, label="adjusted estimate = 0")
        axes.plot(
            [0],
            [0],
            marker="^",
            color="black",
            linestyle="none",
            markersize=8,
            label=f"unadjusted ({report.estimate:.3g})",
            clip_on=False,
        )
        styles = {
            "formal": ("D", "#b91c1c", "bound for k x a benchmark"),
            "model": ("v", "#1d4ed8", "confounder strength elicited from the model"),
        }
        for source, (marker, color, legend) in styles.items():
            chosen_bounds = [bound for bound in report.bounds if bound.source == source]
            if not chosen_bounds:
                continue
            axes.plot(
                [bound.r2_treatment for bound in chosen_bounds],
                [bound.r2_outcome for bound in chosen_bounds],
                marker=marker,
                color=color,
                linestyle="none",
                markersize=6,
                label=legend,
            )
            for bound in chosen_bounds:
                axes.annotate(
                    f"{bound.label} ({bound.adjusted_estimate:.3g})",
                    (bound.r2_treatment, bound.r2_outcome),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=7,
                    color=color,
                    parse_math=False,  # names are data: a '$' must not start math mode
                )
        axes.set_xlim(0, limit_x)
        axes.set_ylim(0, limit_y)
        axes.set_xlabel("partial R² of the confounder with the treatment, R²(D~Z|X)")
        axes.set_ylabel("partial R² of the confounder with the outcome, R²(Y~Z|D,X)")
        title = f"Adjusted estimate of {report.treatment} -> {report.outcome}"
        axes.set_title(title, parse_math=False)
        axes.legend(loc="upper right", fontsize=7, framealpha=0.9)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if chosen == "svg" else {"Software": None}
        figure.savefig(buffer, format=chosen, metadata=metadata, dpi=150)
    image = buffer.getvalue()
    if path is not None:
        try:
            Path(path).write_bytes(image)
        except OSError as error:
            raise InputError(f"cannot write the plot to {str(path)!r}: {error}") from None
    return image


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of text cells as aligned columns (the last column left unpadded)."""
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in (headers, *rows)
    ]


def image_data_uri(report: SensitivityReport, image_format: str = "png") -> str:
    """The plot as a ``data:`` URI, for an ``<img>`` under a strict Content-Security-Policy."""
    mime = {"png": "image/png", "svg": "image/svg+xml"}[_format_for(None, image_format)]
    encoded = base64.b64encode(plot_contours(report, image_format=image_format)).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def report_html(report: SensitivityReport) -> str:
    """The HTML a notebook shows: the headline numbers, the plot and the bounds table."""
    from ._sensitivity import BOUND_HEADERS

    escape = html.escape
    cell = "border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top"
    head = "".join(f"<th style='{cell}'>{escape(header)}</th>" for header in BOUND_HEADERS)
    body = "".join(
        "<tr>" + "".join(f"<td style='{cell}'>{escape(value)}</td>" for value in row) + "</tr>"
        for row in report.bound_rows()
    )
    summary = "<br>".join(escape(line.strip()) for line in report.summary_lines())
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    alt = escape(f"contour plot of the adjusted estimate of {report.treatment} on {report.outcome}")
    return (
        "<div class='pywhy-llm-assist-sensitivity' style='font-family:system-ui,sans-serif'>"
        f"<div style='font-size:13px'>{summary}</div>"
        f"<img src='{image_data_uri(report, 'svg')}' alt='{alt}' style='max-width:100%'>"
        + (
            f"<table style='border-collapse:collapse;font-size:12px'><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>"
            if report.bounds
            else ""
        )
        + (f"<ul style='font-size:12px'>{notes}</ul>" if notes else "")
        + "</div>"
    )
