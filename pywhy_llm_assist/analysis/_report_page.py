"""The analysis report as one self-contained HTML page (and its Jupyter display).

The same standards as the review page: every name and every piece of model text is escaped
here (the review page's helpers), the graph is our own SVG, the two plots are ``data:``
images, and the page carries no script at all: its Content-Security-Policy allows inline
styles and ``data:`` images and nothing else, so nothing on it can reach the network.
"""

from __future__ import annotations

import base64
import io
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..core._errors import InputError
from ..data._implication_tests import ImplicationTests
from ..graph._layout import render_svg
from ..review._page import _escape, _findings_rows, _table
from ..review._page_sensitivity import sensitivity_section
from ._ledger import LEDGER_HEADERS
from ._results import REFUTATION_HEADERS, format_number

if TYPE_CHECKING:
    from ._report import AnalysisReport

POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
#: edge source -> its colour in the graph (and the legend).
SOURCE_COLORS: dict[str, str] = {
    "review": "#15803d",
    "model": "#4338ca",
    "user": "#334155",
    "import": "#0369a1",
    "required": "#7c3aed",
    "simulated": "#b45309",
    "data": "#0e7490",
}
#: role -> the border colour of its variables.
ROLE_COLORS: dict[str, str] = {"treatment": "#c2410c", "outcome": "#be185d", "used": "#0f766e"}
SOURCE_WORDS: dict[str, str] = {
    "review": "decided in review",
    "model": "proposed by the model",
    "user": "drawn by the analyst",
    "import": "read from a file",
    "required": "required",
    "simulated": "simulated expert",
    "data": "found in the data",
}


def _css() -> str:
    return resources.files("pywhy_llm_assist.analysis").joinpath("_report.css").read_text("utf-8")


def _section(name: str, heading: str, body: str) -> str:
    return f"<section id='{name}'><h2>{_escape(heading)}</h2>{body}</section>"


def _not_run(reason: str) -> str:
    return f"<p class='notice'>Not run: {_escape(reason)}</p>"


def _tag(text: str, kind: str | None = None) -> str:
    return f"<span class='tag tag-{_escape(kind or text)}'>{_escape(text)}</span>"


def _edge_source(report: AnalysisReport, pair: tuple[str, str]) -> str:
    for row in report.ledger.edges:
        if row.pair == pair:
            return row.source
    edge = report.graph.edge(*pair)
    origins = [item.origin for item in edge.provenance] or ["user"]
    return "review" if "review" in origins else origins[0]


def _graph_section(report: AnalysisReport) -> str:
    sources = {pair: _edge_source(report, pair) for pair in report.graph.edge_pairs}
    colors = {pair: SOURCE_COLORS.get(source, "#334155") for pair, source in sources.items()}
    roles = {name: ROLE_COLORS["used"] for name in report.identification.variables}
    roles |= {report.treatment: ROLE_COLORS["treatment"], report.outcome: ROLE_COLORS["outcome"]}
    svg = render_svg(report.graph, standalone=False, edge_colors=colors, node_colors=roles)
    used = sorted(set(sources.values()), key=list(SOURCE_COLORS).index)
    legend = "".join(
        f"<li><span class='swatch' style='border-color:{SOURCE_COLORS[source]}'></span>"
        f"{_escape(SOURCE_WORDS[source])}</li>"
        for source in used
    )
    variables = {"treatment": "treatment", "outcome": "outcome", "used": "adjusted for / used"}
    legend += "".join(
        f"<li><span class='box' style='border-color:{ROLE_COLORS[role]}'></span>"
        f"{_escape(words)}</li>"
        for role, words in variables.items()
    )
    legend += (
        "<li><span class='box' style='border-color:#64748b;border-style:dashed'></span>latent</li>"
    )
    return (
        "<section id='graph'><h2>The reviewed graph</h2>"
        "<p class='muted small'>Each edge is coloured by its source (the strongest evidence "
        "behind it; see the ledger). Hover an edge or a variable for its rationale.</p>"
        f"<ul class='legend' aria-label='Legend'>{legend}</ul>"
        f"<div class='figure'>{svg}</div></section>"
    )


def _steps_section(report: AnalysisReport) -> str:
    items = "".join(
        f"<li>{_tag(step.status)} <strong>{_escape(step.name)}</strong>"
        + (f" <span class='muted'>{_escape(step.reason)}</span>" if step.reason else "")
        + "</li>"
        for step in report.steps
    )
    note = (
        ""
        if report.complete
        else "<p class='notice'>Some steps did not run; each says why. The others ran.</p>"
    )
    return f"<section id='steps'><h2>What ran</h2>{note}<ul class='steps'>{items}</ul></section>"


def _estimate_section(report: AnalysisReport) -> str:
    identification = report.identification
    if report.effect is None:
        reason = report.step("estimate").reason
        body = f"<p class='notice'>No estimate: {_escape(reason)}</p>"
    else:
        effect = report.effect
        interval = (
            f"<span class='interval'>{100 * effect.level:g}% interval "
            f"{format_number(effect.lower)} to {format_number(effect.upper)}</span>"
            if effect.interval is not None
            else "<span class='interval'>no interval</span>"
        )
        body = (
            f"<div class='headline'><span class='estimate'>{format_number(effect.value)}</span>"
            f"{interval}</div><p class='muted'>"
            + _escape(
                f"Average change in {report.outcome} per unit of {report.treatment}, by "
                f"{effect.estimator} (DoWhy) on {effect.rows:,} complete rows of {report.rows:,}."
            )
            + "</p>"
        )
    dowhy = identification.dowhy
    cross = ""
    if dowhy is not None:
        cross = _escape(
            "DoWhy's own identification on the same graph: backdoor "
            + (
                "{" + ", ".join(dowhy.backdoor_variables) + "}"
                if dowhy.backdoor_variables is not None
                else "none"
            )
            + f"; instruments {{{', '.join(dowhy.instrumental_variables)}}}; front door "
            f"{{{', '.join(dowhy.frontdoor_variables)}}}."
        )
    sets = "; ".join("{" + ", ".join(found) + "}" for found in identification.valid_adjustment_sets)
    return (
        "<section id='estimate'><h2>Estimate</h2>"
        f"{body}<h2>Identification</h2><p><strong>{_escape(identification.summary())}</strong></p>"
        f"<p class='muted'>{_escape(identification.explanation)}</p>"
        f"<p class='muted small'>Valid minimal adjustment sets: {_escape(sets or 'none')}. "
        f"{cross}</p></section>"
    )


def _refutations_section(report: AnalysisReport) -> str:
    if not report.refutations:
        return _section(
            "refutations", "Refutations", "<p class='muted'>No refuter was asked for.</p>"
        )
    rows = []
    for item in report.refutations:
        cells = [_escape(cell) for cell in item.cells()]
        kind = item.verdict if item.verdict in ("passed", "failed") else item.status
        cells[4] = _tag(item.verdict if len(item.verdict) < 12 else item.status, kind)
        if item.reason:
            cells[4] += f"<div class='muted small'>{_escape(item.reason)}</div>"
        rows.append(cells)
    settings = f"{report.simulations} simulations each, seed {report.seed}"
    return (
        "<section id='refutations'><h2>Refutations (DoWhy)</h2>"
        f"<p class='muted small'>{_escape(settings)}. A refuter passes when DoWhy's test "
        "does not reject the estimate's expected behaviour.</p>"
        f"{_table('Refutations', REFUTATION_HEADERS, rows)}</section>"
    )


def _p_value_plot(tests: ImplicationTests) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4.5))
    FigureCanvasAgg(figure)
    tests.plot(figure.add_subplot())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _implications_section(report: AnalysisReport) -> str:
    tests = report.implications
    if tests is None:
        reason = report.step("implications").reason
        return _section("implications", "Implication tests", _not_run(reason))
    picture = ""
    if tests.tested:
        picture = (
            f"<img class='plot' src='data:image/svg+xml;base64,{_p_value_plot(tests)}' "
            "alt='Q-Q plot of the implication tests p-values'>"
        )
    rows = [
        [
            _tag("rejected", "contradicted")
            if row.rejected
            else (_tag("consistent") if row.tested else _tag("not tested", "not_tested")),
            _escape(row.independence),
            _escape(row.describe()),
        ]
        for row in tests.tests
    ]
    rows += [
        [_tag("untestable"), _escape(f"{item.x}, {item.y}"), _escape(item.reason)]
        for item in tests.untestable
    ]
    table = _table("Implication tests", ["verdict", "implication", "test"], rows) if rows else ""
    return (
        "<section id='implications'><h2>Implication tests: the graph against the data</h2>"
        f"<p class='muted'>{_escape(tests.summary())}</p>{picture}{table}</section>"
    )


def _critique_section(report: AnalysisReport) -> str:
    critique = report.critique
    if critique is None:
        return "<section id='critique'><h2>Critique</h2><p class='muted'>No critique.</p></section>"
    rows = _findings_rows(critique)
    headers = ["Severity", "Kind", "From", "Finding", "Variables"]
    table = (
        _table("Critique findings", headers, rows) if rows else "<p class='muted'>No findings.</p>"
    )
    count = f"<p class='muted small'>{_escape(f'{len(critique.findings)} findings')}</p>"
    return _section("critique", "Critique: the model and the exact checks", count + table)


def _ledger_section(report: AnalysisReport) -> str:
    ledger = report.ledger
    if not ledger.assumptions:
        return _section(
            "ledger", "Assumptions ledger", f"<p class='notice'>{_escape(ledger.note)}</p>"
        )
    rows = []
    for row in ledger.assumptions:
        cells = [_escape(cell) for cell in row.cells()]
        cells[1] = _tag("critical") if row.critical else ""
        cells[3] = (
            f"<span style='color:{SOURCE_COLORS.get(row.source, '#334155')}'>{cells[3]}</span>"
        )
        detail = row.cells()[5].split(": ", 1)[1] if ": " in row.cells()[5] else ""
        if row.kind == "edge":
            detail = ""  # said once, above the table
        cells[5] = _tag(row.data) + (
            f"<div class='muted small'>{_escape(detail)}</div>" if detail else ""
        )
        rows.append(cells)
    return (
        "<section id='ledger'><h2>Assumptions ledger</h2>"
        f"<p class='muted'>{_escape(ledger.summary())}. <em>Critical</em>: one change to it alone "
        "(removing, reversing or adding an edge) would break the identification. The data "
        "test missing edges (each implies an independence), not edges or their direction.</p>"
        f"{_table('Assumptions ledger', LEDGER_HEADERS, rows)}</section>"
    )


def _footer(report: AnalysisReport) -> str:
    parts = [
        f"pywhy-llm-assist {report.metadata.get('pywhy_llm_assist_version', '')}",
        f"DoWhy {report.metadata.get('dowhy_version') or 'not installed'}",
        f"model {report.metadata.get('model') or 'none'}",
        f"created {report.metadata.get('created', '')}",
    ]
    if report.usage is not None:
        parts.append(f"usage: {report.usage.summary()}")
    parts.append("report.to_script() writes the same analysis as DoWhy code")
    return f"<footer>{_escape(' · '.join(parts))}</footer>"


def _sections(report: AnalysisReport) -> str:
    sensitivity = (
        sensitivity_section(report.sensitivity)
        if report.sensitivity is not None
        else _section(
            "sensitivity",
            "Sensitivity to unmeasured confounding",
            _not_run(report.step("sensitivity").reason),
        )
    )
    return "".join(
        [
            _estimate_section(report),
            _steps_section(report),
            _graph_section(report),
            _refutations_section(report),
            _implications_section(report),
            sensitivity,
            _critique_section(report),
            _ledger_section(report),
        ]
    )


def _title(report: AnalysisReport, title: str | None) -> str:
    return title or f"Causal analysis: the effect of {report.treatment} on {report.outcome}"


def render_report_page(
    report: AnalysisReport, path: str | Path | None = None, *, title: str | None = None
) -> str:
    """The whole page; written to `path` when given."""
    heading = _title(report, title)
    context = f"<p class='muted'>{_escape(report.context)}</p>" if report.context else ""
    page = (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<meta http-equiv='Content-Security-Policy' content=\"{POLICY}\">\n"
        "<meta name='referrer' content='no-referrer'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<meta name='generator' content='pywhy-llm-assist'>\n"
        f"<title>{_escape(heading)}</title>\n<style>\n{_css()}</style>\n</head>\n"
        "<body class='pla-report page'>\n"
        f"<header><h1>{_escape(heading)}</h1>{context}"
        f"<p class='muted small'>{_escape(report.summary_lines()[0])}</p></header>\n"
        f"<main>{_sections(report)}</main>\n{_footer(report)}\n</body>\n</html>\n"
    )
    if path is not None:
        try:
            Path(path).write_text(page, encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot write the report page to {str(path)!r}: {error}") from None
    return page


def report_fragment(report: AnalysisReport) -> str:
    """What a notebook shows: the page's sections with their (scoped) styles, no page."""
    return (
        f"<div class='pla-report'><style>{_css()}</style>"
        f"<h2>{_escape(_title(report, None))}</h2>{_sections(report)}</div>"
    )
