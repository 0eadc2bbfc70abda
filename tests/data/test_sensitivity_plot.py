"""The sensitivity contour plot: SVG and PNG files, the zero line, escaping, notebook display."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist import InputError, SensitivityReport, sensitivity_analysis


def report(rows: int = 400, effect: float = 0.3) -> SensitivityReport:
    rng = np.random.default_rng(5)
    x1, x2 = rng.normal(size=(2, rows))
    d = 0.4 * x1 + rng.normal(size=rows)
    y = effect * d + x1 + 0.5 * x2 + rng.normal(size=rows)
    data = pd.DataFrame({"x <b>1</b> $a$": x1, "x2": x2, "d": d, "y": y})
    formal = sensitivity_analysis(data, "d", "y", ["x <b>1</b> $a$", "x2"], benchmarks=["x2"])
    elicited = formal.bound(
        "x <b>1</b> $a$", 1.5, 2, label="<script>alert(1)</script>", source="model"
    )
    return formal.with_bounds([elicited])


def test_svg_and_png_are_written_by_suffix(tmp_path: Path) -> None:
    analysis = report()
    svg = analysis.plot(tmp_path / "plot.svg")
    png = analysis.plot(tmp_path / "plot.png")
    assert (tmp_path / "plot.svg").read_bytes() == svg and svg.lstrip().startswith(b"<?xml")
    assert (tmp_path / "plot.png").read_bytes() == png and png.startswith(b"\x89PNG")
    assert analysis.plot(image_format="svg") == svg, "the SVG is reproducible"
    with pytest.raises(InputError, match="SVG or PNG"):
        analysis.plot(tmp_path / "plot.pdf")


def test_the_plot_marks_every_bound_and_the_zero_line() -> None:
    analysis = report()
    text = analysis.plot(image_format="svg").decode("utf-8")
    assert "adjusted estimate = 0" in text  # the zero line's legend entry
    for bound in analysis.bounds:
        assert html.escape(bound.label, quote=False) in text
    assert "<script>" not in text, "labels are escaped in the SVG"
    assert "elicited from the model" in text and "bound for k x a benchmark" in text


def test_no_zero_line_when_no_confounder_in_view_reaches_zero() -> None:
    rng = np.random.default_rng(1)
    x, noise = rng.normal(size=(2, 2000))
    d = x + rng.normal(size=2000)
    data = pd.DataFrame({"x": x, "d": d, "y": 3 * d + x + noise})
    strong = sensitivity_analysis(data, "d", "y", ["x"], benchmarks=())
    assert strong.robustness_value > 0.5  # beyond the plotted 0.4 x 0.4
    assert "adjusted estimate = 0" not in strong.plot(image_format="svg").decode("utf-8")


def test_notebook_display_escapes_everything() -> None:
    analysis = report()
    page = analysis._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert re.search(r"<img src='data:image/svg\+xml;base64,[A-Za-z0-9+/=]+'", page)
    assert analysis._repr_svg_().lstrip().startswith("<?xml")
