"""Snapshot testing: compare text against ``tests/snapshots/<name>``.

Run ``UPDATE_SNAPSHOTS=1 pytest tests/llm/test_prompts.py tests/llm/test_reply_schema.py``
to (re)write the files after an intended change, then review the diff before committing.

Also holds `example_reply`, which builds the smallest reply a strict JSON schema accepts, so a
scripted model can answer any task's query (adding a snapshot stays a one-liner).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pywhy_llm_assist import Assistant, CausalGraph, ChatRequest, simulate_data
from pywhy_llm_assist.testing import ScriptedModel

SNAPSHOT_FOLDER = Path(__file__).resolve().parent / "snapshots"
UPDATE_VARIABLE = "UPDATE_SNAPSHOTS"


def assert_snapshot(name: str, text: str) -> None:
    """Fail unless `text` equals the stored snapshot `name` (rewrite it with UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOT_FOLDER / name
    if not text.endswith("\n"):
        text += "\n"
    if os.environ.get(UPDATE_VARIABLE, "").strip() in ("1", "true", "yes"):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    if not path.is_file():
        raise AssertionError(
            f"snapshot {name!r} does not exist yet ({path}); create it by running the test with "
            f"{UPDATE_VARIABLE}=1, e.g. `{UPDATE_VARIABLE}=1 pytest tests -k <test>`, and review it"
        )
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"snapshots/{name} (stored)",
                tofile=f"snapshots/{name} (now)",
            )
        )
        raise AssertionError(
            f"snapshot {name!r} changed; if the change is intended, rerun with "
            f"{UPDATE_VARIABLE}=1 and review the diff:\n{diff}"
        )


def format_messages(messages: Any) -> str:
    """Chat messages as readable text, one ``=== role ===`` header per message."""
    return "\n".join(f"=== {message['role']} ===\n{message['content']}\n" for message in messages)


def format_json(value: Any) -> str:
    """Stable, readable JSON for a snapshot."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def example_reply(schema: dict[str, Any]) -> Any:
    """The smallest value valid under a strict JSON schema: empty lists, first enum values."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return example_reply(schema[combinator][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "null")
    if kind == "object":
        return {name: example_reply(item) for name, item in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_reply(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "x" * max(schema.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


# ---------------------------------------------------------------- what each task sends
# Names with spaces, quotes, apostrophes and unicode; descriptions with quotes and newlines.
SNAPSHOT_VARIABLES: dict[str, str] = {
    "smoking status": 'Whether the person "currently" smokes (yes/no)',
    "patient's age": "Age in years at enrolment",
    "Lungenkrebs (肺癌) ✓": "Lung cancer diagnosed within 10 years;\nconfirmed by biopsy",
}
SNAPSHOT_CONTEXT = "A cohort of adults followed for 10 years (synthetic example)."
SNAPSHOT_TREATMENT = "smoking status"
SNAPSHOT_OUTCOME = "Lungenkrebs (肺癌) ✓"


def snapshot_graph() -> CausalGraph:
    """A small graph over the snapshot variables (for the tasks that take one)."""
    return CausalGraph.from_edges(
        SNAPSHOT_VARIABLES,
        [
            ("patient's age", SNAPSHOT_TREATMENT),
            ("patient's age", SNAPSHOT_OUTCOME),
            (SNAPSHOT_TREATMENT, SNAPSHOT_OUTCOME),
        ],
    )


def snapshot_data() -> Any:
    """A small data set over the snapshot variables (for the sensitivity elicitation)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    age = rng.normal(50, 10, 80)
    smoking = (rng.random(80) < 0.3 + 0.01 * (age - 50)).astype(float)
    cancer = 0.3 * smoking + 0.02 * age + rng.normal(size=80)
    return pd.DataFrame(
        {SNAPSHOT_TREATMENT: smoking, "patient's age": age, SNAPSHOT_OUTCOME: cancer}
    )


def snapshot_data_critique(assistant: Assistant) -> object:
    """A critique of the snapshot graph without age -> cancer, on data from the whole graph."""
    whole = snapshot_graph()
    draft = whole.without_edges([("patient's age", SNAPSHOT_OUTCOME)])
    data = simulate_data(whole, 1000, kind="discrete", seed=0)
    return assistant.critique(draft, context=SNAPSHOT_CONTEXT, data=data)


def snapshot_discovery_data() -> Any:
    """Rows drawn from `snapshot_graph` (a triangle: PC leaves all three edges undirected)."""
    return simulate_data(snapshot_graph(), 600, seed=0)


# One line per task: template name -> how an assistant sends that task's queries.
# Adding a task (or a strategy) here snapshots its prompt and its reply schema.
SNAPSHOT_TASKS: dict[str, Callable[[Assistant], object]] = {
    "per_node": lambda a: a.suggest_graph(
        SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT, strategy="per_node"
    ),
    "whole_graph": lambda a: a.suggest_graph(
        SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT, strategy="whole"
    ),
    "whole_graph_feedback": lambda a: a.suggest_graph(
        SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT, strategy="whole", acyclic=False
    ),
    "orient_edge": lambda a: a.suggest_graph(
        SNAPSHOT_VARIABLES,
        context=SNAPSHOT_CONTEXT,
        data=snapshot_discovery_data(),
        strategy="data_first",
    ),
    "pairwise": lambda a: a.suggest_graph(
        SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT, strategy="pairwise"
    ),
    "confounders": lambda a: a.suggest_confounders(
        SNAPSHOT_TREATMENT, SNAPSHOT_OUTCOME, SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT
    ),
    "instruments": lambda a: a.suggest_instruments(
        SNAPSHOT_TREATMENT, SNAPSHOT_OUTCOME, graph=snapshot_graph(), context=SNAPSHOT_CONTEXT
    ),
    "mediators": lambda a: a.suggest_mediators(
        SNAPSHOT_TREATMENT, SNAPSHOT_OUTCOME, SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT
    ),
    "negative_controls": lambda a: a.suggest_negative_controls(
        SNAPSHOT_TREATMENT, SNAPSHOT_OUTCOME, SNAPSHOT_VARIABLES, context=SNAPSHOT_CONTEXT
    ),
    "critique": lambda a: a.critique(
        snapshot_graph(),
        treatment=SNAPSHOT_TREATMENT,
        outcome=SNAPSHOT_OUTCOME,
        adjustment_set=["patient's age"],
        context=SNAPSHOT_CONTEXT,
    ),
    "elicit_sensitivity": lambda a: a.elicit_sensitivity(
        snapshot_data(),
        SNAPSHOT_TREATMENT,
        SNAPSHOT_OUTCOME,
        ["patient's age"],
        confounders={"genetic risk": 'Inherited "susceptibility";\nnot measured'},
        variables=SNAPSHOT_VARIABLES,
        context=SNAPSHOT_CONTEXT,
    ),
    "explain_implications": snapshot_data_critique,
}


def sent_requests(task: str) -> list[ChatRequest]:
    """The requests a task sends, answered by a scripted model with minimal valid replies."""
    model = ScriptedModel(respond=lambda request: example_reply(sent_schema(request)))
    assistant = Assistant("snapshot-model", client=model, cache_mode="off", concurrency=1)
    SNAPSHOT_TASKS[task](assistant)
    assert model.requests, f"task {task!r} sent no request"
    # A run may send several templates (a critique with data): keep the task's own first.
    own = [r for r in model.requests if r.query is not None and r.query.template == task]
    return own or model.requests


def sent_schema(request: ChatRequest) -> dict[str, Any]:
    """The strict JSON schema inside a json_schema request."""
    assert request.response_format is not None
    schema: dict[str, Any] = request.response_format["json_schema"]["schema"]
    return schema
