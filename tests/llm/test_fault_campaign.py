"""The fault campaign: a per_node graph over CHILD through a faulty loopback server.

The campaign itself lives in ``benchmarks/fault_campaign.py`` (one source for the numbers the
benchmark prints and the ones asserted here). The model's answers come from the published
CHILD graph packaged with the library. The targeted tests below inject one kind of fault into
the questions about chosen variables, so each failure mode is checked on its own: retried,
re-asked, or a typed error; never a crash and never an edge naming a variable that does not
exist.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from _campaign import BENCHMARKS, load_campaign

from pywhy_llm_assist import (
    CausalGraph,
    IncompleteOutputError,
    InvalidOutputError,
    ModelError,
    QueriesFailedError,
    RefusalError,
    RequestRejectedError,
    RetriesExhaustedError,
    RetryPolicy,
)
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultKind, FaultPlan

campaign = load_campaign()
FAST_POLICY = RetryPolicy(
    max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0, retry_after_cap=0.02
)


class TargetedFaults(FaultPlan):
    """Faults by target variable and by request about it: ``{target: [fault, fault, ...]}``.

    The n-th request about a target (retries and re-asks included) gets the n-th fault of its
    list; requests past the end of the list, and about other targets, get none.
    """

    def __init__(self, faults: Mapping[str, Sequence[FaultKind | None]], **options: Any) -> None:
        super().__init__(**options)
        self.by_target = {target: list(kinds) for target, kinds in faults.items()}
        self.seen: Counter[str] = Counter()
        self._targets_lock = threading.Lock()

    def decide(self, body: Mapping[str, Any]) -> FaultKind | None:
        target = campaign.target_of(body)
        with self._targets_lock:
            attempt = self.seen[target]
            self.seen[target] += 1
        kinds = self.by_target.get(target, [])
        return kinds[attempt] if attempt < len(kinds) else None


@pytest.fixture(scope="module")
def child() -> dict[str, Any]:
    benchmark: dict[str, Any] = campaign.load_benchmark("child", BENCHMARKS)
    return benchmark


SUBSET = ("BirthAsphyxia", "Disease", "Sick", "Age", "LVH", "LVHreport", "LungParench", "Grunting")
"""The CHILD variables the targeted tests ask about (8 questions per run keep them quick)."""
N = len(SUBSET)


@pytest.fixture(scope="module")
def small(child: dict[str, Any]) -> dict[str, Any]:
    """CHILD restricted to `SUBSET`: its variables and the edges among them."""
    return {
        **child,
        "variables": [item for item in child["variables"] if item["name"] in SUBSET],
        "edges": [edge for edge in child["edges"] if set(edge) <= set(SUBSET)],
    }


@pytest.fixture(scope="module")
def truth(small: dict[str, Any]) -> set[tuple[str, str]]:
    return {(cause, effect) for cause, effect in small["edges"]}


@pytest.fixture
def responder(child: dict[str, Any]) -> Any:
    return campaign.graph_responder(child["edges"])


@pytest.fixture(scope="module")
def result() -> Any:
    """The whole campaign (fault-free run, transport seeds, content seeds), run once."""
    return campaign.run_campaign(campaign.DEFAULT_SEEDS, campaign.DEFAULT_CONTENT_SEEDS)


def requests_about(server: FakeOpenAIServer, target: str) -> list[dict[str, Any]]:
    return [
        record.body for record in server.chat_requests if campaign.target_of(record.body) == target
    ]


def failures_by_target(error: QueriesFailedError) -> dict[str, ModelError]:
    found = {}
    for description, failure in error.failures:
        target = description.split("'")[1]
        found[target] = failure
    return found


@pytest.fixture
def serve(responder: Any) -> Iterator[Any]:
    """Start fake servers that answer from CHILD; all are closed at the end of the test."""
    servers: list[FakeOpenAIServer] = []

    def start(plan: FaultPlan | None = None, **options: Any) -> FakeOpenAIServer:
        server = FakeOpenAIServer(options.pop("answer", responder), fault_plan=plan, **options)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.close()
        assert not server.errors, server.errors


def suggest(
    server: FakeOpenAIServer, benchmark: dict[str, Any], cache: Path, **options: Any
) -> CausalGraph:
    options.setdefault("policy", FAST_POLICY)
    graph: CausalGraph = campaign.suggest(server, benchmark, cache, **options)
    return graph


# ------------------------------------------------------------------------- the campaign
def test_fault_free_run_reproduces_the_published_graph(result: Any) -> None:
    assert result.baseline_requests == 20
    assert result.baseline_matches_truth


def test_thirty_percent_transport_faults_give_exactly_the_fault_free_graph(result: Any) -> None:
    print(result.report())
    faults = result.faults
    assert sum(faults.values()) >= 20, faults
    assert 0.2 <= sum(faults.values()) / result.requests <= 0.4, (faults, result.requests)
    assert len(faults) >= 5, f"too few kinds of fault were drawn: {faults}"
    for run in result.transport:
        assert run.questions == 20
        assert run.identical_edges, f"seed {run.seed}: the edges differ from the fault-free run"
        assert run.identical_json, f"seed {run.seed}: the graph JSON differs (usage aside)"
        assert run.reasks == 0, "transport faults never reach validation"
        assert not run.errors, run.errors
    assert result.identical and result.ok


def test_retries_stay_within_the_policy_and_match_the_server_log(result: Any) -> None:
    for run in result.transport:
        assert run.most_attempts <= campaign.POLICY.max_attempts
        assert run.retries_seen_by_client == run.retries_seen_by_server, (
            f"seed {run.seed}: the client counted {run.retries_seen_by_client} retries, "
            f"the server saw {run.retries_seen_by_server}"
        )
        assert run.requests == 20 + run.retries_seen_by_server
        assert sum(run.faults.values()) == run.retries_seen_by_server


def test_content_faults_end_in_a_reask_or_a_typed_error(result: Any) -> None:
    assert sum(run.reasks for run in result.content) > 0, "no content fault was re-asked"
    for run in result.content:
        assert run.unknown_edges == 0
        assert run.reasks_quote_the_error
        assert run.identical_edges is not False, f"seed {run.seed}: {run.outcome}"
        assert run.outcome == "same graph" or run.outcome.startswith("typed error: "), run.outcome
        assert "InvalidOutputError" in run.outcome or run.outcome == "same graph"


# ------------------------------------------------------------------------- one fault kind at a time
TRANSPORT_KINDS: list[FaultKind] = [
    "rate_limit",
    "rate_limit_no_header",
    "server_error_500",
    "server_error_502",
    "server_error_503",
    "slow",
    "reset",
]


@pytest.mark.parametrize("kind", TRANSPORT_KINDS)
def test_each_transport_fault_is_retried(
    kind: FaultKind, serve: Any, small: dict[str, Any], truth: set[tuple[str, str]], tmp_path: Path
) -> None:
    plan = TargetedFaults({"Disease": [kind, kind], "Sick": [kind]}, slow_seconds=1.0)
    server = serve(plan)
    graph = suggest(server, small, tmp_path, timeout=0.5)
    assert set(graph.edge_pairs) == truth
    assert len(requests_about(server, "Disease")) == 3
    assert len(requests_about(server, "Sick")) == 2
    assert graph.usage is not None and graph.usage.retries == 3
    assert sorted(server.fault_counts.elements()) == [kind] * 3


def test_reset_before_any_byte_and_http_date_retry_after(
    serve: Any, small: dict[str, Any], truth: set[tuple[str, str]], tmp_path: Path
) -> None:
    plan = TargetedFaults(
        {"Disease": ["reset", "rate_limit"]}, reset_before_response=True, retry_after_http_date=True
    )
    server = serve(plan)
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert len(requests_about(server, "Disease")) == 3


@pytest.mark.parametrize(("kind", "status"), [("insufficient_quota", 429), ("bad_request", 400)])
def test_a_non_retryable_4xx_is_never_retried(
    kind: FaultKind,
    status: int,
    serve: Any,
    small: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    plan = TargetedFaults({"Disease": ["rate_limit", kind], "LVH": [kind]})
    server = serve(plan)
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path)
    failed = failures_by_target(caught.value)
    assert set(failed) == {"Disease", "LVH"}
    for failure in failed.values():
        assert isinstance(failure, RequestRejectedError)
        assert failure.status_code == status
    assert "'Disease'" in str(caught.value) and "'LVH'" in str(caught.value)
    assert caught.value.completed == N - 2
    assert len(requests_about(server, "Disease")) == 2  # the 429 rate limit, then the 4xx
    assert len(requests_about(server, "LVH")) == 1
    assert len(server.chat_requests) == N + 1
    # The N - 2 finished answers were kept: a rerun asks only for the two that failed.
    before = len(server.chat_requests)
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert len(server.chat_requests) - before == 2
    assert graph.usage is not None and graph.usage.cache_hits == N - 2


def test_non_retryable_faults_among_retryable_ones_are_the_last_request_of_their_question(
    serve: Any, child: dict[str, Any], tmp_path: Path
) -> None:
    rates: dict[FaultKind, float] = {
        "rate_limit": 0.15,
        "server_error_500": 0.1,
        "insufficient_quota": 0.15,
        "bad_request": 0.15,
    }
    server = serve(FaultPlan(seed=11, rates=rates, max_consecutive_faults_per_request=3))
    rejected_targets: set[str] = set()
    try:
        suggest(server, child, tmp_path)
    except QueriesFailedError as error:
        for target, failure in failures_by_target(error).items():
            assert isinstance(failure, RequestRejectedError), failure
            rejected_targets.add(target)
    by_question: dict[str, list[str | None]] = {}
    for record in server.chat_requests:
        by_question.setdefault(campaign.target_of(record.body), []).append(record.fault)
    ended_in_4xx = set()
    for target, faults in by_question.items():
        for position, fault in enumerate(faults):
            if fault in ("insufficient_quota", "bad_request"):
                assert position == len(faults) - 1, f"{target}: {faults}: retried after a 4xx"
                ended_in_4xx.add(target)
        assert len(faults) <= FAST_POLICY.max_attempts
    assert ended_in_4xx == rejected_targets
    assert ended_in_4xx, "the seed drew no non-retryable fault; pick another seed"


def test_retries_run_out_into_a_typed_error_after_max_attempts(
    serve: Any, small: dict[str, Any], tmp_path: Path
) -> None:
    server = serve(TargetedFaults({"Disease": ["server_error_503"] * 10}))
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path)
    failure = failures_by_target(caught.value)["Disease"]
    assert isinstance(failure, RetriesExhaustedError)
    assert failure.attempts == FAST_POLICY.max_attempts
    assert len(requests_about(server, "Disease")) == FAST_POLICY.max_attempts


def test_retries_also_stop_at_the_policy_total_time(
    serve: Any, small: dict[str, Any], tmp_path: Path
) -> None:
    server = serve(TargetedFaults({"Disease": ["server_error_503"] * 1000}))
    policy = RetryPolicy(
        max_attempts=1000, initial_wait=0.02, max_wait=0.02, jitter=0.0, max_total_seconds=0.5
    )
    started = time.monotonic()
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path, policy=policy)
    assert time.monotonic() - started < 10
    failure = failures_by_target(caught.value)["Disease"]
    assert isinstance(failure, RetriesExhaustedError)
    assert 2 <= failure.attempts < 100
    assert len(requests_about(server, "Disease")) == failure.attempts


@pytest.mark.parametrize(
    ("kind", "error_type"), [("truncated", IncompleteOutputError), ("refusal", RefusalError)]
)
def test_truncation_and_refusal_are_typed_errors_and_not_cached(
    kind: FaultKind,
    error_type: type[ModelError],
    serve: Any,
    small: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    server = serve(TargetedFaults({"Disease": [kind]}))
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path)
    failed = failures_by_target(caught.value)
    assert list(failed) == ["Disease"]
    assert isinstance(failed["Disease"], error_type)
    assert len(requests_about(server, "Disease")) == 1  # neither retried nor re-asked
    before = len(server.chat_requests)
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert len(server.chat_requests) - before == 1


def test_empty_choices_are_retried(
    serve: Any, small: dict[str, Any], truth: set[tuple[str, str]], tmp_path: Path
) -> None:
    server = serve(TargetedFaults({"Disease": ["empty_choices", "empty_choices"]}))
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert len(requests_about(server, "Disease")) == 3
    assert graph.usage is not None and graph.usage.retries == 2 and graph.usage.reasks == 0


@pytest.mark.parametrize(
    ("kind", "quoted"),
    [("invalid_json", "not valid JSON"), ("unknown_variable", "'not_a_variable' is not one of")],
)
def test_invalid_replies_are_reasked_with_the_error(
    kind: FaultKind,
    quoted: str,
    serve: Any,
    small: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    server = serve(TargetedFaults({"Disease": [kind]}))
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert graph.usage is not None and graph.usage.reasks == 1 and graph.usage.retries == 0
    first, follow_up = requests_about(server, "Disease")
    assert follow_up["messages"][: len(first["messages"])] == first["messages"]
    assistant_turn, reask = follow_up["messages"][len(first["messages"]) :]
    assert assistant_turn["role"] == "assistant"
    assert reask["role"] == "user" and quoted in reask["content"]
    edge = graph.edge("BirthAsphyxia", "Disease")
    assert len(edge.provenance[0].cache_keys) == 2  # the rejected exchange and the re-ask


def test_persistent_unknown_names_end_in_invalid_output_error_never_an_edge(
    serve: Any, small: dict[str, Any], truth: set[tuple[str, str]], tmp_path: Path
) -> None:
    server = serve(TargetedFaults({"Disease": ["unknown_variable"] * 3}))
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path)
    failure = failures_by_target(caught.value)["Disease"]
    assert isinstance(failure, InvalidOutputError)
    assert len(failure.attempts) == 3
    assert all("not_a_variable" in attempt.content for attempt in failure.attempts)
    assert all("not one of the variables" in attempt.error for attempt in failure.attempts)
    # A rerun asks the failed question again rather than replaying the rejected replies.
    before = len(server.chat_requests)
    graph = suggest(server, small, tmp_path)
    assert set(graph.edge_pairs) == truth
    assert len(server.chat_requests) - before == 1


GARBAGE_COMPLETIONS: list[dict[str, Any]] = [
    {"object": "chat.completion"},
    {"choices": "not a list"},
    {"choices": [1]},
    {"choices": [{"message": "text", "finish_reason": "stop"}]},
    {"choices": [{"message": {"role": "assistant", "content": 5}, "finish_reason": "stop"}]},
    {"choices": [{"message": {"content": '{"causes": "x"}'}, "finish_reason": "stop"}]},
    {"choices": [{"message": {"content": '{"causes": [{"variable": ["Disease"]}]}'}}]},
    {"choices": [{"message": None, "finish_reason": None}], "usage": "lots"},
]


@pytest.mark.parametrize("garbage", GARBAGE_COMPLETIONS, ids=lambda item: json.dumps(item)[:40])
def test_garbage_completions_are_retried_or_typed_errors(
    garbage: dict[str, Any], serve: Any, small: dict[str, Any], tmp_path: Path
) -> None:
    normal = campaign.graph_responder(small["edges"])

    def answer(body: dict[str, Any]) -> str | dict[str, Any]:
        return garbage if campaign.target_of(body) == "Disease" else normal(body)

    server = serve(answer=answer)
    with pytest.raises(QueriesFailedError) as caught:
        suggest(server, small, tmp_path)
    failed = failures_by_target(caught.value)
    assert list(failed) == ["Disease"]
    assert isinstance(failed["Disease"], RetriesExhaustedError | InvalidOutputError)
    assert len(requests_about(server, "Disease")) <= FAST_POLICY.max_attempts
