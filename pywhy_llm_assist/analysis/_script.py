"""`AnalysisReport.to_script`: the same analysis as a short DoWhy script the analyst can run.

Every name and path enters the script through ``repr`` (a Python string literal, with every
line break and unprintable character escaped), so no variable name can end a line, a string
or a comment: the script is code we wrote around data, never text run as code. No model text
(rationales, findings) goes into it at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from ._dowhy_steps import REFUTERS

if TYPE_CHECKING:
    from ._report import AnalysisReport

DEFAULT_DATA_PATH = "data.csv"


def _names(values: Sequence[str]) -> str:
    return "[" + ", ".join(repr(value) for value in values) + "]"


def _edges(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return "[]"
    return "[\n" + "".join(f"    ({source!r}, {target!r}),\n" for source, target in pairs) + "]"


def _refuters(report: AnalysisReport) -> str:
    if not report.refuters:
        return "{}"
    lines = [f"    {name!r}: {dict(REFUTERS[name].options)!r},\n" for name in report.refuters]
    return "{\n" + "".join(lines) + "}"


def _header(report: AnalysisReport) -> list[str]:
    version = report.metadata.get("pywhy_llm_assist_version", "")
    dowhy = report.metadata.get("dowhy_version")
    lines = [
        f"# The effect of {report.treatment!r} on {report.outcome!r}, as pywhy-llm-assist "
        f"{version} analysed it,",
        "# written as plain DoWhy code on the reviewed graph: run it to get the same estimate.",
    ]
    if report.effect is not None:
        interval = report.effect.interval
        shown = f" (interval {interval[0]!r} to {interval[1]!r})" if interval else ""
        lines.append(f"# Reported estimate: {report.effect.value!r}{shown}.")
    lines.append(f"# Needs DoWhy{f' (it ran with {dowhy})' if dowhy else ''}: pip install dowhy")
    return lines


_USE_VARIABLES = {
    "backdoor": 'estimand.set_backdoor_variables(ADJUSTMENT_SET, key="backdoor")',
    "iv": "estimand.instrumental_variables = INSTRUMENTS",
    "frontdoor": "estimand.frontdoor_variables = MEDIATORS",
}
#: data file suffix -> how the script reads it (what the ``analyse`` command accepts).
_READERS = {".tsv": 'pd.read_csv(DATA, sep="\\t")', ".parquet": "pd.read_parquet(DATA)"}
_VARIABLE_NAMES = {"backdoor": "ADJUSTMENT_SET", "iv": "INSTRUMENTS", "frontdoor": "MEDIATORS"}


def analysis_script(report: AnalysisReport, *, data_path: str | None = None) -> str:
    """The Python source of the analysis (see `AnalysisReport.to_script`)."""
    identification = report.identification
    graph = report.graph
    source = data_path or report.data_source or DEFAULT_DATA_PATH
    lines = [
        *_header(report),
        "",
        "import networkx as nx",
        "import pandas as pd",
        "from dowhy import CausalModel",
        "",
        f"DATA = {source!r}",
        f"TREATMENT = {report.treatment!r}",
        f"OUTCOME = {report.outcome!r}",
        f"ESTIMATOR = {report.estimator!r}",
        f"{_VARIABLE_NAMES[identification.estimand]} = {_names(identification.variables)}",
        f"MEASURED = {_names(graph.observed)}",
        f"LATENT = {_names(graph.latent)}",
        f"EDGES = {_edges(graph.edge_pairs)}",
        f"REFUTERS = {_refuters(report)}",
        f"SIMULATIONS = {report.simulations!r}",
        f"SEED = {report.seed!r}",
        "",
        "graph = nx.DiGraph()",
        'graph.add_nodes_from(MEASURED, observed="yes")',
        'graph.add_nodes_from(LATENT, observed="no")',
        "graph.add_edges_from(EDGES)",
        "",
        "# The complete rows of the measured variables, as the report used them.",
        f"data = {_READERS.get(PurePath(source).suffix.lower(), 'pd.read_csv(DATA)')}"
        "[MEASURED].dropna().reset_index(drop=True)",
        "model = CausalModel(data=data, treatment=TREATMENT, outcome=OUTCOME, graph=graph)",
        "estimand = model.identify_effect(proceed_when_unidentifiable=True)",
    ]
    if not identification.identified:
        reason = f"{identification.label}: {identification.explanation}"
        lines += [
            f"print('the graph does not identify the effect by', {reason!r})",
            "print(estimand)",
        ]
        return "\n".join(lines) + "\n"
    lines += [
        _USE_VARIABLES[identification.estimand],
        "estimate = model.estimate_effect(",
        "    estimand,",
        "    method_name=ESTIMATOR,",
        "    confidence_intervals=True,",
        ")",
        'print("estimate:", repr(float(estimate.value)))',
        'print("confidence interval:", estimate.get_confidence_intervals())',
        "for refuter, options in REFUTERS.items():",
        "    refutation = model.refute_estimate(",
        "        estimand,",
        "        estimate,",
        "        method_name=refuter,",
        "        num_simulations=SIMULATIONS,",
        "        random_seed=SEED,",
        "        **options,",
        "    )",
        "    print(refutation)",
    ]
    return "\n".join(lines) + "\n"
