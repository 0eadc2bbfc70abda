"""The ``demo`` command: the whole workflow on the embedded model, from suggestion to analysis.

1. suggest a graph over the bundled five-variable health problem;
2. critique it for the effect of exercise on heart disease;
3. write the review page for an expert;
4. analyse the effect on the example study (2,000 simulated participants with a known effect,
   written to ``exercise_study.csv``) with the graph as a stand-in reviewer who knows the
   simulation's true graph would return it: DoWhy's estimate and refuters, the implication
   tests, the sensitivity analysis, the critique and the assumptions ledger, as
   ``analysis.html`` with its JSON and a DoWhy script.

Four model calls in all (two in step 4: the critique and one confounder's strength).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .. import (
    EXERCISE_STUDY_EDGES,
    EXERCISE_STUDY_EFFECT,
    Variables,
    apply_review,
    simulate_exercise_study,
)
from ..core._errors import InputError
from ..evaluate import review_from_truth
from ..llm import DEFAULT_MODEL_NAME
from ._commands import open_assistant, progress_bar, report_graph, reporter
from ._inputs import read_variables
from ._settings import PROGRAM

DEMO_PACKAGE = "pywhy_llm_assist.cli"
DEMO_FOLDER = "demo"
DEMO_FILE = "variables.yaml"
DEMO_REVIEWER = "stand-in reviewer (knows the simulation's graph)"
INDENT = "      "


@dataclass(frozen=True)
class DemoProblem:
    """The bundled demo: variables, context, treatment, outcome and an unmeasured confounder."""

    variables: Variables
    context: str | None
    treatment: str
    outcome: str
    unmeasured: dict[str, str]


@contextmanager
def demo_problem() -> Iterator[DemoProblem]:
    """Read the demo problem shipped inside the package (``demo/variables.yaml``)."""
    resource = resources.files(DEMO_PACKAGE).joinpath(DEMO_FOLDER).joinpath(DEMO_FILE)
    with resources.as_file(resource) as path:
        loaded = read_variables(path)
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    unmeasured = {str(name): str(text) for name, text in (document.get("unmeasured") or {}).items()}
    yield DemoProblem(
        loaded.variables,
        loaded.context,
        str(document["treatment"]),
        str(document["outcome"]),
        unmeasured,
    )


def _indented(text: str) -> str:
    return "\n".join(f"{INDENT}{line}" for line in text.splitlines())


OUTPUTS = (
    ("graph.json", "the suggested graph (lossless JSON)"),
    ("graph.dot", "the same graph in Graphviz DOT"),
    ("critique.json", "the critique's findings"),
    ("review.html", "the review page: open it in a browser"),
    ("exercise_study.csv", "the example study (simulated, with a known effect)"),
    ("reviewed.json", "the graph after the stand-in reviewer's decisions"),
    ("analysis.html", "the analysis report: open it in a browser"),
    ("analysis.json", "the report's JSON"),
    ("analysis.py", "the same analysis as a DoWhy script"),
)


def run_demo(args: argparse.Namespace) -> int:
    """``demo``: suggest, critique, review and analyse on the embedded model (or ``--model``)."""
    out_dir = Path(args.out_dir).expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {str(out_dir)!r}: {error.strerror or error}") from None
    report = reporter(args)
    started = time.monotonic()
    with demo_problem() as problem, open_assistant(args, prefer_local=True) as assistant:
        tiny = assistant.model == DEFAULT_MODEL_NAME
        report.line(
            f"demo on {assistant.model}"
            + (" (embedded, tiny: it shows the workflow, not expert knowledge)" if tiny else "")
        )
        names = ", ".join(problem.variables.names)
        report.line(f"[1/4] suggesting a causal graph over {names} ...")
        with progress_bar(args, "suggest-graph") as bar:
            graph = assistant.suggest_graph(
                problem.variables, context=problem.context, strategy="whole", progress=bar
            )
        graph.to_json(out_dir / "graph.json")
        (out_dir / "graph.dot").write_text(graph.to_dot() + "\n", encoding="utf-8")
        report_graph(report, graph, "suggested graph", indent=INDENT)
        report.line(
            f"[2/4] critiquing it for the effect of {problem.treatment} on {problem.outcome} ..."
        )
        with progress_bar(args, "critique") as bar:
            critique = assistant.critique(
                graph,
                treatment=problem.treatment,
                outcome=problem.outcome,
                context=problem.context,
                progress=bar,
            )
        critique.to_json(out_dir / "critique.json")
        report.line(_indented(str(critique)))
        report.line("[3/4] writing the review page ...")
        graph.to_review_html(out_dir / "review.html", critique=critique)
        study = simulate_exercise_study()
        data_file = out_dir / "exercise_study.csv"
        study.to_csv(data_file, index=False)
        report.line(
            f"[4/4] analysing the example study ({len(study):,} simulated participants; the true "
            f"effect of an hour of exercise a week on the risk is {EXERCISE_STUDY_EFFECT:+.4f}) ..."
        )
        decisions = review_from_truth(graph, EXERCISE_STUDY_EDGES, reviewer=DEMO_REVIEWER)
        reviewed = apply_review(graph, decisions)
        reviewed.to_json(out_dir / "reviewed.json")
        counts = reviewed.metadata["review"]
        decided = ", ".join(
            f"{counts[word]} {word}" for word in ("accepted", "reversed", "rejected", "added")
        )
        report.line(f"{INDENT}the {DEMO_REVIEWER} decided: {decided}")
        with progress_bar(args, "analyse") as bar:
            analysis = assistant.analyse(
                study,
                reviewed,
                problem.treatment,
                problem.outcome,
                context=problem.context,
                confounders=problem.unmeasured,
                data_source=str(data_file),
                progress=bar,
            )
        analysis.to_html(out_dir / "analysis.html")
        analysis.to_json(out_dir / "analysis.json")
        analysis.to_script(out_dir / "analysis.py")
        report.line(_indented(str(analysis)))
        total = assistant.usage
        cache = assistant.cache
    elapsed = time.monotonic() - started
    report.line("")
    report.line(f"done in {elapsed:.1f} s; usage: {total.summary()}")
    width = max(len(str(out_dir / name)) for name, _ in OUTPUTS)
    for name, what in OUTPUTS:
        report.line(f"  {str(out_dir / name).ljust(width)}  {what}")
    if cache is not None:
        report.line(f"answers are cached in {cache.folder}: a second run is instant")
    report.line("next: decide on each edge in review.html, press 'Export decisions', then run")
    report.line(
        f"  {PROGRAM} apply-review {out_dir / 'graph.json'} review-decisions.json "
        "--out reviewed.json"
    )
    report.line(
        f"  {PROGRAM} analyse --data {data_file} --graph reviewed.json --treatment "
        f"{problem.treatment} --outcome {problem.outcome} --out analysis.html"
    )
    report.line(f"with a real model: {PROGRAM} demo --model gpt-4o-mini  (or any --base-url)")
    print(out_dir.resolve() / "analysis.html")
    return 0
