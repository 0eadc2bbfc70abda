"""What each model command asks, as a function of the assistant: run live or planned for a batch.

`TASK_CALLS` maps a command name to a builder that reads and checks the command's inputs
(variables, context, graph, constraints) at once and returns the call; ``suggest-graph``
and the other commands run it live, ``batch`` runs it in planning mode.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import (
    Assistant,
    CausalGraph,
    Critique,
    ProgressEvent,
    Suggestions,
    Variables,
    check_graph,
)
from ..core._errors import InputError
from ._data_inputs import discovery_options, implication_tests_from
from ._inputs import (
    describe_graph,
    parse_edges,
    parse_names,
    parse_tiers,
    read_context,
    read_graph,
    read_variables,
)
from ._settings import setting


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class TaskInputs:
    """Variables, context and graph of a task command."""

    variables: Variables | None
    context: str | None
    graph: CausalGraph | None


def task_inputs(args: argparse.Namespace, *, need_variables: bool = False) -> TaskInputs:
    """Read ``--variables``, ``--context`` and ``--graph``.

    The graph's missing descriptions come from the variables file; the context defaults to the
    variables file's ``context`` entry, then to the context a suggested graph was asked with.
    """
    variables_path = getattr(args, "variables", None)
    graph_path = getattr(args, "graph", None)
    if need_variables and variables_path is None:
        raise InputError("give --variables FILE (YAML, JSON or CSV)")
    if variables_path is None and graph_path is None:
        raise InputError("give --variables FILE, --graph FILE, or both")
    loaded = read_variables(variables_path) if variables_path is not None else None
    context = read_context(getattr(args, "context", None))
    if context is None and loaded is not None:
        context = loaded.context
    graph = None
    if graph_path is not None:
        graph = read_graph(graph_path, getattr(args, "graph_format", None))
        label = f"variables file {str(variables_path)!r}"
        graph = describe_graph(graph, loaded.variables if loaded else None, label)
        remembered = graph.metadata.get("context")
        if context is None and isinstance(remembered, str) and remembered.strip():
            context = remembered  # a graph from suggest-graph keeps the context it was asked with
    if loaded is not None and not getattr(args, "quiet", False):
        note_bare_names(loaded.variables, str(variables_path))
    return TaskInputs(loaded.variables if loaded else None, context, graph)


def note_bare_names(variables: Variables, source: str) -> None:
    """Say on stderr when no variable has a description: the model will see bare names."""
    if len(variables) and not any(variable.description.strip() for variable in variables):
        print(
            f"note: no variable in {source!r} has a description, so the model sees bare names; "
            "answers improve with a sentence each (YAML 'name: description', or a CSV with "
            "name and description columns)",
            file=sys.stderr,
        )


# --------------------------------------------------------------------------- task calls
Progress = Callable[[ProgressEvent], None] | None
TaskCall = Callable[[Assistant, Progress], Any]
"""A command's model work as a function of the assistant (live, or planned for a batch)."""


def suggest_graph_call(args: argparse.Namespace) -> Callable[[Assistant, Progress], CausalGraph]:
    """What ``suggest-graph`` asks, with its inputs read and checked now."""
    inputs = task_inputs(args, need_variables=True)
    assert inputs.variables is not None
    variables = inputs.variables
    tiers = parse_tiers(args.tiers) if args.tiers is not None else None
    required = parse_edges(args.required, "--required")
    forbidden = parse_edges(args.forbidden, "--forbidden")
    strategy, samples = setting(args, "strategy"), setting(args, "samples")
    learned_from = discovery_options(args)  # read before any model call: a bad file fails fast

    def call(assistant: Assistant, progress: Progress) -> CausalGraph:
        return assistant.suggest_graph(
            variables,
            context=inputs.context,
            strategy=strategy,
            samples=samples,
            threshold=args.threshold,
            required=required,
            forbidden=forbidden,
            tiers=tiers,
            personas=tuple(args.persona),
            progress=progress,
            acyclic=not args.cyclic,
            **learned_from,
        )

    return call


def identification_call(
    task: str, args: argparse.Namespace
) -> Callable[[Assistant, Progress], Suggestions]:
    """What ``confounders`` (or another identification command) asks."""
    inputs = task_inputs(args)

    def call(assistant: Assistant, progress: Progress) -> Suggestions:
        method: Callable[..., Suggestions] = getattr(assistant, f"suggest_{task}")
        return method(
            args.treatment,
            args.outcome,
            inputs.variables,
            graph=inputs.graph,
            context=inputs.context,
            progress=progress,
        )

    return call


def critique_call(
    args: argparse.Namespace, say: Callable[[str], None] | None = None
) -> Callable[[Assistant | None, Progress], Critique]:
    """What ``critique`` asks of the model (the graph's exposure and outcome by default);
    without an assistant, only the exact checks."""
    if args.graph is None:
        raise InputError("critique needs --graph FILE (.json, .dot, .gml or .dagitty)")
    inputs = task_inputs(args)
    graph = inputs.graph
    assert graph is not None
    adjustment = parse_names(args.adjust) if args.adjust is not None else None
    treatment, outcome = args.treatment, args.outcome
    exposures = graph.metadata.get("exposure") or []
    outcomes = graph.metadata.get("outcome") or []
    if treatment is None and outcome is None and len(exposures) == len(outcomes) == 1:
        treatment, outcome = str(exposures[0]), str(outcomes[0])
        if say is not None:
            say(f"using the graph's exposure {treatment!r} and outcome {outcome!r}")

    data = implication_tests_from(args, graph) if graph.is_acyclic() else None

    def call(assistant: Assistant | None, progress: Progress) -> Critique:
        if assistant is None:
            return check_graph(
                graph, treatment=treatment, outcome=outcome, adjustment_set=adjustment, data=data
            )
        if (treatment is None) != (outcome is None):
            raise InputError("give both --treatment and --outcome, or neither")
        return assistant.critique(
            graph,
            treatment=treatment,
            outcome=outcome,
            adjustment_set=adjustment,
            context=inputs.context,
            data=data,
            progress=progress,
        )

    return call


#: command name -> how its model work is built from its arguments (``batch`` wraps these).
TASK_CALLS: dict[str, Callable[[argparse.Namespace], TaskCall]] = {
    "suggest-graph": suggest_graph_call,
    "confounders": lambda args: identification_call("confounders", args),
    "instruments": lambda args: identification_call("instruments", args),
    "mediators": lambda args: identification_call("mediators", args),
    "negative-controls": lambda args: identification_call("negative_controls", args),
    "critique": critique_call,
}
