"""`Assistant.analyse` end to end on the real DoWhy, with scripted model answers.

The example study has a known effect (-0.0198 per weekly hour of exercise); the interval must
cover it. A graph with no valid adjustment set, a treatment the estimator does not take, DoWhy
missing and a failing model each stop one step, with the reason, and the rest runs.
"""

from __future__ import annotations

import asyncio
import builtins
import io
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import tqdm.auto
import tqdm.std
from _analysis_replies import CRITIQUE_RATIONALE, respond, study_graph

from pywhy_llm_assist import (
    EXERCISE_STUDY_EFFECT,
    AnalysisReport,
    Assistant,
    CausalGraph,
    CyclicGraphError,
    InputError,
    NotADagError,
    ProgressEvent,
    ResponseCache,
    UnorientedEdgesError,
    simulate_exercise_study,
)
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("dowhy")
pytestmark = pytest.mark.integration

FAST = {"simulations": 5}


def assistant(model: ScriptedModel | None = None, **options: Any) -> Assistant:
    return Assistant(
        "scripted", client=model or ScriptedModel(respond=respond), cache_mode="off", **options
    )


@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    return simulate_exercise_study()


@pytest.fixture(scope="module")
def report(study: pd.DataFrame) -> AnalysisReport:
    return assistant().analyse(
        study, study_graph(), "exercise", "heart_disease", context="A cohort study.", **FAST
    )


def test_the_interval_covers_the_known_effect(report: AnalysisReport) -> None:
    assert report.complete, report.not_run
    assert report.adjustment_set == ("age", "smoking")
    assert report.identification.set_from == "minimal"
    assert report.identification.dowhy is not None
    assert set(report.identification.dowhy.backdoor_variables or ()) == {"age", "smoking"}
    assert report.confidence_interval is not None
    lower, upper = report.confidence_interval
    assert lower < EXERCISE_STUDY_EFFECT < upper
    assert upper < 0  # the effect is detected
    # DoWhy's linear regression and our OLS of the sensitivity analysis are the same model.
    assert report.sensitivity is not None
    assert report.estimate == pytest.approx(report.sensitivity.estimate, rel=1e-9)
    assert report.sensitivity.lower == pytest.approx(lower, rel=1e-6)


def test_every_step_ran_with_its_result(report: AnalysisReport) -> None:
    assert [step.name for step in report.steps] == [
        "identify",
        "estimate",
        "refute: placebo_treatment_refuter",
        "refute: random_common_cause",
        "refute: data_subset_refuter",
        "implications",
        "sensitivity",
        "critique",
        "ledger",
    ]
    placebo, common, subset = report.refutations
    assert placebo.passed and common.passed and subset.passed
    assert placebo.new_effect is not None and abs(placebo.new_effect) < abs(report.estimate or 0)
    assert common.new_effect == pytest.approx(report.estimate, rel=0.05)
    assert (placebo.simulations, placebo.seed) == (5, 0)
    assert report.implications is not None and report.implications.consistent
    assert len(report.implications.tests) == 2
    assert report.sensitivity is not None
    (bound,) = report.sensitivity.model_bounds
    assert (bound.label, bound.benchmark, bound.k_outcome) == ("diet", "age", 2.0)
    assert report.critique is not None
    (finding,) = report.critique.model_findings
    assert finding.rationale == CRITIQUE_RATIONALE
    assert report.critique.adjustment_set == ("age", "smoking")
    assert report.usage is not None and report.usage.calls == 3  # critique, suggest, elicit


def test_the_ledger_of_the_study(report: AnalysisReport) -> None:
    ledger = report.ledger
    critical = {row.statement for row in ledger.assumptions if row.critical}
    assert critical == {"age -> exercise", "smoking -> exercise", "exercise -> blood_pressure"}
    assert {row.statement for row in ledger.edges} == {
        f"{source} -> {target}" for source, target in study_graph().edge_pairs
    }
    assert all(row.source == "model" for row in ledger.edges)
    first = ledger.edges[0]
    assert first.evidence[-1].detail.startswith("the critique: the edge age -> exercise")
    assert ledger.missing_edges == ()  # {age, smoking} blocks whatever one new edge opens
    general = [row.statement for row in ledger.assumptions if row.kind == "untestable"]
    assert general[0].startswith("no unmeasured common cause of exercise and heart_disease")
    assert "linear" in general[1]


def test_the_report_round_trips_through_json(report: AnalysisReport) -> None:
    again = AnalysisReport.from_json(report.to_json())
    assert again == report
    assert again.estimate == report.estimate and str(again) == str(report)


def test_the_summary(report: AnalysisReport) -> None:
    lines = str(report).splitlines()
    assert lines[0] == (
        "Analysis of exercise -> heart_disease: 2,000 rows (2,000 complete), 5 variables, 8 edges"
    )
    assert lines[1] == (
        "  identification: backdoor adjustment, adjusting for {age, smoking} "
        "(the smallest valid set)"
    )
    assert lines[2].startswith("  estimate: -0.0155")
    assert "placebo treatment passed" in lines[3]
    assert repr(report).startswith("<AnalysisReport of exercise -> heart_disease: estimate -0.0155")


def test_a_graph_with_no_valid_adjustment_set(study: pd.DataFrame) -> None:
    # An unmeasured "fitness" drives exercise and heart disease: no measured set blocks it.
    graph = study_graph().with_latent(
        [__import__("pywhy_llm_assist").Variable(name="fitness")],
        [("fitness", "exercise"), ("fitness", "heart_disease")],
    )
    found = assistant().analyse(study, graph, "exercise", "heart_disease", **FAST)
    assert not found.identification.identified
    estimate = found.step("estimate")
    assert estimate.status == "skipped"
    assert "the unmeasured {fitness} confound 'exercise' and 'heart_disease'" in estimate.reason
    assert found.estimate is None and found.confidence_interval is None
    assert [item.status for item in found.refutations] == ["skipped"] * 3
    assert found.step("sensitivity").status == "skipped"
    # The rest ran: the data tests and the critique (with the exact checks' findings).
    assert found.implications is not None and found.step("implications").status == "done"
    assert found.critique is not None
    kinds = {finding.kind for finding in found.critique.graph_findings}
    assert "latent_blocks_adjustment" in kinds
    assert found.ledger.assumptions == () and "no estimate" in found.ledger.note
    assert "estimate skipped: not identified by backdoor adjustment" in str(found)


def test_the_front_door_is_named_when_it_identifies_the_effect(study: pd.DataFrame) -> None:
    rng = np.random.default_rng(4)
    u = rng.normal(size=3000)
    t = u + rng.normal(size=3000)
    m = 0.8 * t + rng.normal(size=3000)
    y = 0.5 * m + u + rng.normal(size=3000)
    data = pd.DataFrame({"t": t, "m": m, "y": y})
    graph = CausalGraph.from_edges(
        ["t", "m", "y", "u"], [("t", "m"), ("m", "y"), ("u", "t"), ("u", "y")], latent=["u"]
    )
    backdoor = assistant().analyse(data, graph, "t", "y", refuters=())
    assert "estimator='frontdoor.two_stage_regression'" in backdoor.step("estimate").reason
    front = assistant().analyse(
        data, graph, "t", "y", estimator="frontdoor.two_stage_regression", refuters=()
    )
    assert front.identification.mediators == ("m",)
    assert front.estimate == pytest.approx(0.4, abs=0.06)
    assert front.step("sensitivity").status == "skipped"
    assert {row.statement for row in front.ledger.missing_edges} >= {"no edge between m and u"}


def test_an_instrument(study: pd.DataFrame) -> None:
    rng = np.random.default_rng(5)
    z, u = rng.normal(size=3000), rng.normal(size=3000)
    t = z + u + rng.normal(size=3000)
    y = 1.5 * t + u + rng.normal(size=3000)
    data = pd.DataFrame({"z": z, "t": t, "y": y})
    graph = CausalGraph.from_edges(
        ["z", "t", "y", "u"], [("z", "t"), ("t", "y"), ("u", "t"), ("u", "y")], latent=["u"]
    )
    found = assistant().analyse(
        data, graph, "t", "y", estimator="iv.instrumental_variable", refuters=()
    )
    assert found.identification.instruments == ("z",)
    lower, upper = found.confidence_interval or (0.0, 0.0)
    assert lower < 1.5 < upper
    assert found.ledger.edges[0].statement == "z -> t" and found.ledger.edges[0].critical


def test_a_treatment_the_estimator_does_not_take(study: pd.DataFrame) -> None:
    data = study.assign(
        exercise=pd.cut(study["exercise"], [-1, 2, 5, 20], labels=["low", "mid", "high"]).astype(
            str
        )
    )
    found = assistant().analyse(data, study_graph(), "exercise", "heart_disease", **FAST)
    reason = found.step("estimate").reason
    assert found.step("estimate").status == "skipped"
    assert reason.startswith("backdoor.linear_regression takes a binary or continuous treatment")
    assert "'exercise' is categorical" in reason and "recode it" in reason
    assert found.implications is not None  # the rest ran
    continuous = assistant().analyse(
        study,
        study_graph(),
        "exercise",
        "heart_disease",
        estimator="backdoor.propensity_score_weighting",
        refuters=(),
    )
    assert (
        "takes a binary treatment, and 'exercise' is continuous"
        in continuous.step("estimate").reason
    )


def test_without_dowhy_the_steps_say_which_extra_to_install(
    study: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_dowhy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "dowhy" or name.startswith("dowhy."):
            raise ImportError("No module named 'dowhy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dowhy)
    found = assistant().analyse(study, study_graph(), "exercise", "heart_disease", **FAST)
    extra = 'pip install "pywhy-llm-assist[dowhy]"'
    assert extra in found.step("identify").reason and found.step("identify").status == "done"
    assert found.step("estimate").status == "skipped" and extra in found.step("estimate").reason
    assert found.identification.identified and found.identification.dowhy is None
    assert found.sensitivity is not None and found.critique is not None  # the rest ran


def test_a_failing_model_keeps_the_exact_checks_and_the_formal_bounds(
    study: pd.DataFrame,
) -> None:
    def refuse(request: Any) -> Any:
        import httpx2
        import openai

        body = {"message": "HTTP 400", "type": None, "code": None}
        request_sent = httpx2.Request("POST", "http://scripted/v1/chat/completions")
        response = httpx2.Response(400, json={"error": body}, request=request_sent)
        return openai.APIStatusError("HTTP 400", response=response, body=body)

    found = assistant(ScriptedModel(respond=refuse), max_reasks=0).analyse(
        study, study_graph(), "exercise", "heart_disease", refuters=()
    )
    critique, sensitivity = found.step("critique"), found.step("sensitivity")
    assert critique.status == "failed" and critique.model_error
    assert critique.reason.startswith("exact checks only; the model's:")
    assert found.critique is not None and found.critique.model_findings == ()
    assert found.critique.graph_findings
    assert sensitivity.status == "failed" and sensitivity.model_error
    assert found.sensitivity is not None and found.sensitivity.formal_bounds
    assert found.estimate is not None


def test_replay_reproduces_the_report_with_no_model_call(
    study: pd.DataFrame, tmp_path: Path
) -> None:
    cache = ResponseCache(tmp_path / "cache")
    recorder = ScriptedModel(respond=respond)
    first = Assistant(
        "scripted", client=recorder, cache=cache, cache_mode="record_missing"
    ).analyse(study, study_graph(), "exercise", "heart_disease", **FAST)
    assert len(recorder.requests) == 3
    silent = ScriptedModel(respond=lambda request: pytest.fail(f"a model call: {request.query}"))
    again = Assistant("scripted", client=silent, cache=cache, cache_mode="replay").analyse(
        study, study_graph(), "exercise", "heart_disease", **FAST
    )
    assert silent.requests == []
    assert again.usage is not None and again.usage.cache_hits == 3 and again.usage.calls == 0

    def comparable(report: AnalysisReport) -> dict[str, Any]:
        data = json.loads(report.to_json())
        data["metadata"].pop("created")
        for part in (data, data["critique"], data["sensitivity"]):
            part.pop("usage")
        return data

    assert comparable(again) == comparable(first)
    assert again.to_script() == first.to_script()


def test_progress_reports_each_step(study: pd.DataFrame) -> None:
    events: list[ProgressEvent] = []
    assistant().analyse(
        study, study_graph(), "exercise", "heart_disease", refuters=(), progress=events.append
    )
    assert [(event.done, event.total) for event in events] == [(n, 6) for n in range(1, 7)]
    assert [event.description for event in events][:2] == ["identify", "estimate"]
    assert {event.task for event in events} == {"analyse"}


class RecordingBar(tqdm.std.tqdm):  # type: ignore[type-arg]
    """Stands in for tqdm.auto's class, drawing into a string."""

    made: ClassVar[list[RecordingBar]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.out = kwargs["file"] = io.StringIO()
        super().__init__(*args, **kwargs)
        RecordingBar.made.append(self)


def test_progress_true_draws_one_tqdm_bar_across_the_steps(
    study: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    RecordingBar.made.clear()
    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    assistant().analyse(
        study,
        study_graph(),
        "exercise",
        "heart_disease",
        refuters=("placebo_treatment_refuter",),
        progress=True,
        **FAST,
    )
    (bar,) = RecordingBar.made
    assert (bar.n, bar.total, bar.desc) == (7, 7, "analyse")
    assert "7/7" in bar.out.getvalue() and "ledger" in bar.out.getvalue()


def test_the_notebook_text_display_is_the_short_repr(report: AnalysisReport) -> None:
    shown: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            shown.append(value)

    report._repr_pretty_(Printer(), cycle=False)
    assert shown == [repr(report)]
    assert "estimate -0.0155" in shown[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"estimator": "backdoor.linear_regresion"}, "is not a DoWhy method this analysis knows"),
        ({"refuters": ("placebo",)}, "refuter 'placebo' is not known"),
        ({"refuters": "placebo_treatment_refuter"}, "must be a list of names"),
        ({"simulations": 0}, "simulations must be a whole number from 1 to 1000"),
        ({"adjustment_set": "age"}, "must be a list of names"),
        ({"adjustment_set": ["height"]}, "'height' is not a variable of the graph"),
        ({"treatment": "fitness"}, "the treatment 'fitness' is not a variable of the graph"),
        ({"outcome": "exercise"}, "treatment and outcome are the same variable"),
        ({"max_confounders": -1}, "max_confounders must be 0 or more"),
    ],
)
def test_bad_arguments_are_input_errors(
    study: pd.DataFrame, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"treatment": "exercise", "outcome": "heart_disease", **change}
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assistant().analyse(study, study_graph(), **arguments)


def test_a_missing_column_is_an_input_error(study: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="smoking"):
        assistant().analyse(
            study.drop(columns="smoking"), study_graph(), "exercise", "heart_disease"
        )


def test_a_cyclic_or_unoriented_graph_is_refused_before_anything_runs(
    study: pd.DataFrame,
) -> None:
    model = ScriptedModel(respond=lambda request: pytest.fail("a model call"))
    edges = study_graph().edge_pairs
    cyclic = CausalGraph.from_edges(
        study_graph().names, [*edges, ("heart_disease", "age")], check_acyclic=False
    )
    with pytest.raises(CyclicGraphError, match="analyse needs an acyclic graph") as caught:
        assistant(model).analyse(study, cyclic, "exercise", "heart_disease")
    assert caught.value.cycles and isinstance(caught.value, InputError)
    open_edge = CausalGraph.from_edges(
        study_graph().names,
        [pair for pair in edges if pair != ("age", "exercise")],
        undirected=[("age", "exercise")],
    )
    with pytest.raises(UnorientedEdgesError, match="analyse needs every edge oriented") as open_:
        assistant(model).analyse(study, open_edge, "exercise", "heart_disease")
    assert open_.value.edges == (("age", "exercise"),)
    assert isinstance(open_.value, NotADagError) and model.requests == []


def test_an_invalid_adjustment_set_is_not_used(study: pd.DataFrame) -> None:
    found = assistant().analyse(
        study,
        study_graph(),
        "exercise",
        "heart_disease",
        adjustment_set=["age", "blood_pressure"],
        refuters=(),
    )
    assert found.adjustment_set is None and found.estimate is None
    reason = found.step("estimate").reason
    assert "{age, blood_pressure} is not a valid adjustment set" in reason
    assert "Valid minimal sets: {age, smoking}" in reason


def test_missing_values_leave_out_their_rows(study: pd.DataFrame) -> None:
    patchy = study.copy()
    patchy.loc[:99, "blood_pressure"] = None
    found = assistant().analyse(patchy, study_graph(), "exercise", "heart_disease", refuters=())
    assert (found.rows, found.rows_used) == (2000, 1900)
    assert found.effect is not None and found.effect.rows == 1900


def test_the_async_twin(study: pd.DataFrame) -> None:
    async def main() -> AnalysisReport:
        return await assistant().analyse_async(
            study, study_graph(), "exercise", "heart_disease", refuters=()
        )

    found = asyncio.run(main())
    assert found.adjustment_set == ("age", "smoking") and found.estimate is not None
