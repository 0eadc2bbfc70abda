"""How implication tests look: the notebook table and the p-value plot (matplotlib)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core._errors import InputError
from ._implication_tests import TEST_LABELS, ImplicationTest, ImplicationTests, format_p

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Most rows the notebook table shows (rejected first, then by p-value).
HTML_ROW_LIMIT = 40
_CELL = "border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top"
_VERDICT_STYLES = {
    "rejected": "background:#fee2e2;color:#991b1b",
    "consistent": "background:#dcfce7;color:#166534",
    "not tested": "background:#f1f5f9;color:#475569",
}


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _verdict(row: ImplicationTest) -> str:
    if not row.tested:
        return "not tested"
    return "rejected" if row.rejected else "consistent"


def _ordered(tests: ImplicationTests) -> list[ImplicationTest]:
    return [
        *tests.rejected,
        *sorted(
            (row for row in tests.tested if not row.rejected), key=lambda row: row.p_value or 0.0
        ),
        *tests.not_tested,
    ]


def implication_tests_html(tests: ImplicationTests) -> str:
    """The HTML a notebook shows for `ImplicationTests`: the verdict and one row per test."""
    rows = []
    ordered = _ordered(tests)
    for row in ordered[:HTML_ROW_LIMIT]:
        verdict = _verdict(row)
        badge = f"<span style='{_VERDICT_STYLES[verdict]};padding:0 6px;border-radius:4px'>"
        effect = "-"
        if row.effect_size is not None:
            measure = _escape(row.effect_measure)
            effect = f"{row.effect_size:.2f} <span style='color:#475569'>{measure}</span>"
        detail = f"<div style='color:#475569'>{_escape(row.reason)}</div>" if row.reason else ""
        cells = [
            f"{badge}{_escape(verdict)}</span>",
            _escape(row.independence) + detail,
            _escape(TEST_LABELS.get(row.test, row.test)),
            "-" if row.statistic is None else f"{row.statistic:.3g}",
            _escape(format_p(row.p_value)),
            _escape(format_p(row.adjusted_p_value)),
            effect,
            f"{row.rows_used:,}",
        ]
        rows.append(
            "<tr>" + "".join(f"<td style='{_CELL}'>{cell}</td>" for cell in cells) + "</tr>"
        )
    headers = ["Verdict", "Implication", "Test", "Statistic", "p", "Adjusted p", "Effect", "Rows"]
    head = "".join(f"<th style='{_CELL}'>{_escape(header)}</th>" for header in headers)
    more = ""
    if len(ordered) > HTML_ROW_LIMIT:
        more = (
            f"<div style='color:#475569'>... and {len(ordered) - HTML_ROW_LIMIT} more "
            "(see .to_frame())</div>"
        )
    untestable = ""
    if tests.untestable:
        items = "".join(
            f"<li>{_escape(item.x)}, {_escape(item.y)}: {_escape(item.reason)}</li>"
            for item in tests.untestable
        )
        untestable = (
            f"<details><summary>{len(tests.untestable)} untestable pairs</summary>"
            f"<ul>{items}</ul></details>"
        )
    verdict = "consistent with the data" if tests.consistent else "contradicted by the data"
    return (
        "<div class='pywhy-llm-assist-implications' style='font-family:system-ui,sans-serif'>"
        f"<div style='font-weight:600'>Implication tests: the graph is {_escape(verdict)}</div>"
        f"<div style='color:#475569'>{_escape(tests.summary())}</div>"
        "<table style='border-collapse:collapse;font-size:12px;margin-top:6px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{more}{untestable}</div>"
    )


def _require_matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise InputError("plotting needs matplotlib: pip install matplotlib") from None
    return matplotlib


def plot_p_values(tests: ImplicationTests, ax: Axes | None = None, *, labels: int = 5) -> Axes:
    """A Q-Q plot of the p-values on a -log10 scale, the BH threshold and rejections in red."""
    import numpy as np

    _require_matplotlib()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4.5))
    tested = sorted(tests.tested, key=lambda row: float(row.p_value or 0.0))
    count = len(tested)
    ax.set_xlabel("expected -log10 p (every implication holds)")
    ax.set_ylabel("observed -log10 p")
    ax.set_title(f"Implication tests: {len(tests.rejected)} of {count} rejected")
    if not count:
        ax.text(0.5, 0.5, "nothing was tested", ha="center", va="center", transform=ax.transAxes)
        return ax
    ranks = np.arange(1, count + 1)
    expected = -np.log10(ranks / (count + 1))
    observed = -np.log10(np.clip([float(row.p_value or 0.0) for row in tested], 1e-300, 1.0))
    threshold = -np.log10(tests.alpha * ranks / count)
    rejected = np.array([row.rejected for row in tested])
    top = max(float(expected.max()), 1.0)
    ax.plot([0, top], [0, top], color="#94a3b8", linewidth=1, label="uniform (graph holds)")
    ax.plot(expected, threshold, "--", color="#64748b", linewidth=1, label="Benjamini-Hochberg")
    ax.scatter(expected[~rejected], observed[~rejected], s=14, color="#2563eb", label="consistent")
    if rejected.any():
        ax.scatter(expected[rejected], observed[rejected], s=22, color="#dc2626", label="rejected")
    for index in np.nonzero(rejected)[0][:labels]:
        on_the_right = expected[index] > 0.6 * top  # label to the left, inside the axes
        ax.annotate(
            tested[index].independence,
            (expected[index], observed[index]),
            textcoords="offset points",
            xytext=(-6 if on_the_right else 6, 0),
            ha="right" if on_the_right else "left",
            fontsize=8,
            va="center",
        )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def save_plot(tests: ImplicationTests, path: Path, **options: Any) -> Path:
    """Draw `plot_p_values` on a new figure and write it to `path`."""
    _require_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4.5))
    plot_p_values(tests, figure.add_subplot(), **options)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot write the plot to {str(path)!r}: {error}") from None
    return path
