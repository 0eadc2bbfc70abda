"""Fault campaign: a ``per_node`` graph over CHILD (20 variables) through a faulty server.

The graph is suggested twice over the loopback `FakeOpenAIServer`: once with no faults, then
with a seeded `FaultPlan` that hits 30% of requests with transport faults (429 with and
without ``Retry-After``, 500/502/503, replies slower than the client timeout, connections
reset halfway through a reply). The model's answers come from the published CHILD network,
so the fault-free graph is known; the campaign checks that the faulty run gives exactly the
same graph and that no question was tried more often than the retry policy allows.

A second, smaller part sends content faults (invalid JSON, an unknown variable name, no
choices): they must end in a re-ask (or a retry) and the same graph, or in a typed error,
never in an edge naming a variable that does not exist.

The ground truth is the CHILD graph packaged with the library
(``pywhy_llm_assist/evaluate/benchmark_graphs/child.json``: the published structure, our own
descriptions), or ``child.json`` in the folder given with ``--benchmarks`` or
``$PYWHY_LLM_ASSIST_BENCHMARKS``.

Usage:
    python benchmarks/fault_campaign.py [--seeds 1 2 3] [--benchmarks FOLDER]
        [--output benchmarks/results/fault_campaign.txt]

``tests/llm/test_fault_campaign.py`` runs the same functions and asserts on their results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pywhy_llm_assist import Assistant, CausalGraph, ModelError, QueriesFailedError, RetryPolicy
from pywhy_llm_assist.evaluate._graphs import benchmark_folder
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultPlan, RecordedRequest

TARGET_MARKER = "Target variable (JSON):"
FAKE_KEY = "sk-fake-campaign-0123456789abcdef"
MODEL = "fake-model"

TRANSPORT_RATES: dict[str, float] = {
    "rate_limit": 0.06,
    "rate_limit_no_header": 0.03,
    "server_error_500": 0.05,
    "server_error_502": 0.03,
    "server_error_503": 0.04,
    "slow": 0.03,
    "reset": 0.06,
}
"""Transport faults only, summing to 0.30 of requests."""

CONTENT_RATES: dict[str, float] = {
    "invalid_json": 0.10,
    "unknown_variable": 0.10,
    "empty_choices": 0.05,
}
"""Content faults that a re-ask (or a retry) can repair."""

POLICY = RetryPolicy(
    max_attempts=6,
    initial_wait=0.01,
    max_wait=0.05,
    max_total_seconds=60.0,
    jitter=0.01,
    retry_after_cap=0.05,
)
CLIENT_TIMEOUT = 1.0
"""Seconds before the client abandons a request; ``slow`` faults sleep longer than this."""
SLOW_SECONDS = 2.0
DEFAULT_SEEDS: tuple[int, ...] = (1, 2, 3, 4, 5)
DEFAULT_CONTENT_SEEDS: tuple[int, ...] = (1, 2, 3)


# --------------------------------------------------------------------------- ground truth
def load_benchmark(name: str = "child", folder: Path | None = None) -> dict[str, Any]:
    """The benchmark file `name` (variables, context, edges) as JSON, from `folder`.

    `folder` defaults to `benchmark_folder()`: ``$PYWHY_LLM_ASSIST_BENCHMARKS`` if set, else
    the graphs packaged with the library.
    """
    path = (folder or benchmark_folder()) / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def variables_of(benchmark: Mapping[str, Any]) -> dict[str, str]:
    """name -> description, in the benchmark's order."""
    return {item["name"]: item["description"] for item in benchmark["variables"]}


def target_of(body: Mapping[str, Any]) -> str:
    """The target variable of a ``per_node`` request: the JSON string after the marker.

    Only the first user message holding the marker counts (a re-ask repeats the history).
    """
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") == "user" and isinstance(content, str) and TARGET_MARKER in content:
            rest = content.split(TARGET_MARKER, 1)[1].lstrip()
            target, _ = json.JSONDecoder().raw_decode(rest)
            return str(target)
    raise ValueError("not a per_node request: no 'Target variable (JSON):' in a user message")


def candidates_of(body: Mapping[str, Any]) -> set[str] | None:
    """The candidate names of the request's JSON schema ``enum`` (None without a schema)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list):
                found.update(item for item in node["enum"] if isinstance(item, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("response_format"))
    return found or None


def graph_responder(
    edges: Sequence[Sequence[str]],
) -> Callable[[dict[str, Any]], str]:
    """A responder that answers ``per_node`` requests from a known edge list.

    The reply lists the target's parents (those among the request's candidates), each with a
    fixed rationale and high confidence, so equal questions always get equal answers.
    """
    parents: dict[str, list[str]] = {}
    for cause, effect in edges:
        parents.setdefault(effect, []).append(cause)

    def respond(body: dict[str, Any]) -> str:
        target = target_of(body)
        allowed = candidates_of(body)
        causes = [
            {
                "variable": parent,
                "rationale": f"{parent} directly changes {target}.",
                "confidence": "high",
            }
            for parent in sorted(parents.get(target, ()))
            if allowed is None or parent in allowed
        ]
        return json.dumps({"causes": causes})

    return respond


# --------------------------------------------------------------------------- running
def build_assistant(
    server: FakeOpenAIServer,
    cache: Path,
    *,
    timeout: float = CLIENT_TIMEOUT,
    policy: RetryPolicy = POLICY,
    api_key: str = FAKE_KEY,
    max_reasks: int = 2,
) -> Assistant:
    """An assistant on `server` with the campaign's retry policy and client timeout."""
    return Assistant(
        MODEL,
        base_url=server.base_url,
        api_key=api_key,
        cache=cache,
        cache_mode="read_write",
        concurrency=8,
        retry=policy,
        timeout=timeout,
        max_reasks=max_reasks,
    )


def suggest(
    server: FakeOpenAIServer, benchmark: Mapping[str, Any], cache: Path, **options: Any
) -> CausalGraph:
    """A ``per_node`` graph over the benchmark's variables through `server`."""
    return suggest_with(build_assistant(server, cache, **options), benchmark)


def suggest_with(assistant: Assistant, benchmark: Mapping[str, Any]) -> CausalGraph:
    """A ``per_node`` graph over the benchmark's variables from `assistant`."""
    return assistant.suggest_graph(
        variables_of(benchmark), context=benchmark.get("context"), strategy="per_node"
    )


def comparable(graph: CausalGraph) -> dict[str, Any]:
    """The graph's JSON without usage (counts of calls and retries legitimately differ)."""
    data: dict[str, Any] = json.loads(graph.to_json())
    data.pop("usage", None)
    return data


def attempts_per_question(requests: Sequence[RecordedRequest]) -> Counter[str]:
    """How many times each distinct request body reached the server."""
    return Counter(
        json.dumps(record.body, sort_keys=True, ensure_ascii=False) for record in requests
    )


def transport_plan(seed: int) -> FaultPlan:
    """The seeded 30% transport-fault plan (at most max_attempts - 1 faults in a row)."""
    return FaultPlan(
        seed=seed,
        rates=TRANSPORT_RATES,  # type: ignore[arg-type]
        max_consecutive_faults_per_request=POLICY.max_attempts - 1,
        slow_seconds=SLOW_SECONDS,
    )


def content_plan(seed: int) -> FaultPlan:
    """The seeded content-fault plan."""
    return FaultPlan(
        seed=seed,
        rates=CONTENT_RATES,  # type: ignore[arg-type]
        max_consecutive_faults_per_request=POLICY.max_attempts - 1,
    )


@dataclass
class TransportRun:
    """One seeded transport-fault run, compared with the fault-free graph."""

    seed: int
    requests: int
    questions: int
    faults: Counter[str]
    retries_seen_by_client: int
    retries_seen_by_server: int
    most_attempts: int
    reasks: int
    identical_edges: bool
    identical_json: bool
    errors: list[str]

    @property
    def identical(self) -> bool:
        return self.identical_edges and self.identical_json


@dataclass
class ContentRun:
    """One seeded content-fault run: same graph after re-asks, or a typed error."""

    seed: int
    requests: int
    faults: Counter[str]
    retries: int
    reasks: int
    reask_requests: int
    reasks_quote_the_error: bool
    outcome: str
    identical_edges: bool | None
    unknown_edges: int
    errors: list[str]


@dataclass
class CampaignResult:
    """What the campaign saw, at the server and in the client's usage."""

    variables: int
    truth_edges: int
    baseline_requests: int
    baseline_matches_truth: bool
    transport: list[TransportRun] = field(default_factory=list)
    content: list[ContentRun] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.transport)

    @property
    def faults(self) -> Counter[str]:
        return sum((run.faults for run in self.transport), Counter())

    @property
    def retries(self) -> int:
        return sum(run.retries_seen_by_client for run in self.transport)

    @property
    def identical(self) -> bool:
        """Every faulty run's graph equals the fault-free one (edges and JSON)."""
        return all(run.identical for run in self.transport)

    @property
    def ok(self) -> bool:
        """Everything the campaign checks holds."""
        return (
            self.baseline_matches_truth
            and self.identical
            and all(
                run.retries_seen_by_client == run.retries_seen_by_server for run in self.transport
            )
            and all(run.most_attempts <= POLICY.max_attempts for run in self.transport)
            and all(not run.errors for run in self.transport)
            and all(run.unknown_edges == 0 and not run.errors for run in self.content)
            and all(run.identical_edges is not False for run in self.content)
            and all(run.reasks == 0 or run.reasks_quote_the_error for run in self.content)
        )

    def report(self) -> str:
        """A plain-text report for people."""
        rates = ", ".join(f"{kind} {rate:.0%}" for kind, rate in TRANSPORT_RATES.items())
        total_faults = sum(self.faults.values())
        lines = [
            "Fault campaign: per_node graph over CHILD "
            f"({self.variables} variables, {self.truth_edges} true edges)",
            f"transport faults, {sum(TRANSPORT_RATES.values()):.0%} of requests: {rates}",
            f"retry policy: max_attempts={POLICY.max_attempts}; client timeout "
            f"{CLIENT_TIMEOUT:g} s, slow faults answer after {SLOW_SECONDS:g} s",
            f"fault-free run: {self.baseline_requests} requests, graph equals the published "
            f"CHILD graph: {'yes' if self.baseline_matches_truth else 'NO'}",
            "",
            "Transport faults, one run per seed (fresh cache each)",
            "  seed  requests  faults  retries(client/server)  max attempts  re-asks  identical",
        ]
        for run in self.transport:
            lines.append(
                f"  {run.seed:>4}  {run.requests:>8}  {sum(run.faults.values()):>6}  "
                f"{run.retries_seen_by_client:>10} / {run.retries_seen_by_server:<11}"
                f"{run.most_attempts:>12}  {run.reasks:>7}  "
                f"{'yes' if run.identical else 'NO'}"
            )
        lines += [
            f"  total {self.requests:>8}  {total_faults:>6}  {self.retries:>10}"
            f"{'':>29}{sum(r.reasks for r in self.transport):>7}  "
            f"{'yes' if self.identical else 'NO'}",
            f"  faults injected by kind ({total_faults} of {self.requests} requests, "
            f"{total_faults / max(self.requests, 1):.0%}):",
        ]
        lines += [f"    {kind:<22} {count}" for kind, count in sorted(self.faults.items())]
        lines += [
            "",
            "Content faults ("
            + ", ".join(f"{kind} {rate:.0%}" for kind, rate in CONTENT_RATES.items())
            + "), one run per seed",
            "  seed  requests  faults  retries  re-asks  outcome",
        ]
        for run in self.content:
            lines.append(
                f"  {run.seed:>4}  {run.requests:>8}  {sum(run.faults.values()):>6}  "
                f"{run.retries:>7}  {run.reasks:>7}  {run.outcome}"
            )
        content_faults = sum((run.faults for run in self.content), Counter())
        lines.append("  faults injected by kind:")
        lines += [f"    {kind:<22} {count}" for kind, count in sorted(content_faults.items())]
        lines += [
            f"  edges naming unknown variables: {sum(run.unknown_edges for run in self.content)}",
            "",
            f"all checks pass: {'yes' if self.ok else 'NO'}",
        ]
        return "\n".join(lines) + "\n"


def _transport_run(
    seed: int, benchmark: Mapping[str, Any], baseline: CausalGraph, cache: Path
) -> TransportRun:
    responder = graph_responder(benchmark["edges"])
    errors: list[str] = []
    with FakeOpenAIServer(responder, fault_plan=transport_plan(seed)) as server:
        graph = suggest(server, benchmark, cache)
        requests = server.chat_requests
        faults = Counter(str(kind) for kind in server.fault_counts.elements())
        errors += [repr(error) for error in server.errors]
    attempts = attempts_per_question(requests)
    usage = graph.usage
    assert usage is not None
    return TransportRun(
        seed=seed,
        requests=len(requests),
        questions=len(attempts),
        faults=faults,
        retries_seen_by_client=usage.retries,
        retries_seen_by_server=len(requests) - len(attempts),
        most_attempts=max(attempts.values()),
        reasks=usage.reasks,
        identical_edges=graph.edge_pairs == baseline.edge_pairs,
        identical_json=comparable(graph) == comparable(baseline),
        errors=errors,
    )


def _content_run(
    seed: int, benchmark: Mapping[str, Any], baseline: CausalGraph, cache: Path
) -> ContentRun:
    responder = graph_responder(benchmark["edges"])
    names = set(variables_of(benchmark))
    run = ContentRun(
        seed=seed,
        requests=0,
        faults=Counter(),
        retries=0,
        reasks=0,
        reask_requests=0,
        reasks_quote_the_error=True,
        outcome="",
        identical_edges=None,
        unknown_edges=0,
        errors=[],
    )
    with FakeOpenAIServer(responder, fault_plan=content_plan(seed)) as server:
        assistant = build_assistant(server, cache)
        try:
            graph = suggest_with(assistant, benchmark)
        except QueriesFailedError as error:
            kinds = Counter(type(failure).__name__ for _, failure in error.failures)
            run.outcome = "typed error: " + ", ".join(
                f"{count} {kind}" for kind, count in sorted(kinds.items())
            )
        except ModelError as error:
            run.outcome = f"typed error: {type(error).__name__}"
        else:
            run.identical_edges = graph.edge_pairs == baseline.edge_pairs
            run.outcome = "same graph" if run.identical_edges else "DIFFERENT GRAPH"
            run.unknown_edges = sum(1 for pair in graph.edge_pairs if not set(pair) <= names)
        run.retries = assistant.usage.retries
        run.reasks = assistant.usage.reasks
        requests = server.chat_requests
        run.requests = len(requests)
        run.faults = Counter(str(kind) for kind in server.fault_counts.elements())
        run.errors = [repr(error) for error in server.errors]
    reasks = [record for record in requests if len(record.body["messages"]) > 2]
    run.reask_requests = len(reasks)
    run.reasks_quote_the_error = all(
        "Your previous reply was rejected" in record.body["messages"][-1]["content"]
        for record in reasks
    )
    return run


def run_campaign(
    seeds: Sequence[int] = DEFAULT_SEEDS,
    content_seeds: Sequence[int] = DEFAULT_CONTENT_SEEDS,
    workdir: Path | None = None,
    folder: Path | None = None,
) -> CampaignResult:
    """The fault-free run, then one transport-fault and one content-fault run per seed."""
    benchmark = load_benchmark("child", folder)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(workdir or scratch)
        with FakeOpenAIServer(graph_responder(benchmark["edges"])) as clean:
            baseline = suggest(clean, benchmark, root / "cache-clean")
            baseline_requests = len(clean.chat_requests)
        result = CampaignResult(
            variables=len(benchmark["variables"]),
            truth_edges=len(benchmark["edges"]),
            baseline_requests=baseline_requests,
            baseline_matches_truth=set(baseline.edge_pairs)
            == {(cause, effect) for cause, effect in benchmark["edges"]},
        )
        for seed in seeds:
            cache = root / f"cache-transport-{seed}"
            result.transport.append(_transport_run(seed, benchmark, baseline, cache))
        for seed in content_seeds:
            cache = root / f"cache-content-{seed}"
            result.content.append(_content_run(seed, benchmark, baseline, cache))
    result.seconds = time.monotonic() - started
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    parser.add_argument("--content-seeds", type=int, nargs="+", default=list(DEFAULT_CONTENT_SEEDS))
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--benchmarks", type=Path, help="a folder holding child.json (default: the packaged graphs)"
    )
    options = parser.parse_args(argv)
    folder = options.benchmarks or benchmark_folder()
    if not (folder / "child.json").is_file():
        print(f"no child.json in {folder}", file=sys.stderr)
        return 2
    result = run_campaign(options.seeds, options.content_seeds, folder=folder)
    command = " ".join(["python", "benchmarks/fault_campaign.py", *(argv or sys.argv[1:])])
    text = f"command: {command}\n" + result.report()
    print(text, end="")
    print(f"wall time {result.seconds:.1f} s")
    if options.output:
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(text, encoding="utf-8")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
