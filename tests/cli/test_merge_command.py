"""``pywhy-llm-assist merge-reviews``: files in, consensus out, second round, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _review_fixtures import decisions, smoking_graph

from pywhy_llm_assist import CausalGraph, ReviewConsensus
from pywhy_llm_assist.cli._main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_reviews(tmp_path: Path) -> tuple[Path, list[str]]:
    graph = smoking_graph()
    graph_file = tmp_path / "graph.json"
    graph.to_json(graph_file)
    tar = ("smoking", "tar")
    reviews = [
        decisions(graph, "Ada", (*tar, "accept", ""), ("asbestos", "smoking", "reject", "")),
        decisions(graph, "Ben", (*tar, "accept", ""), ("asbestos", "smoking", "accept", "")),
        decisions(graph, "Chen", (*tar, "reject", ""), ("asbestos", "cancer", "add", "")),
    ]
    paths = []
    for item in reviews:
        path = tmp_path / f"{item.reviewer.lower()}.json"
        path.write_text(item.model_dump_json(indent=2), encoding="utf-8")
        paths.append(str(path))
    return graph_file, paths


def test_merge_reviews_writes_the_consensus_and_a_second_round(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    graph_file, paths = write_reviews(tmp_path)
    code, out, err = run(
        capsys, "merge-reviews", str(graph_file), *paths, "--report", str(tmp_path / "report.json"),
        "--second-round", str(tmp_path / "round2"),
    )  # fmt: skip
    assert code == 0, err
    consensus_graph = CausalGraph.from_json(out)
    assert consensus_graph.has_edge("smoking", "tar")
    assert not consensus_graph.has_edge("asbestos", "cancer")  # one of three added it
    assert "Krippendorff's alpha" in err and "3 reviewers" in err
    assert "disputed (second round): asbestos -> smoking" in err
    report = ReviewConsensus.from_json(tmp_path / "report.json")
    assert report.reviewers == ("Ada", "Ben", "Chen")
    assert (tmp_path / "round2" / "second-round.html").is_file()
    second = CausalGraph.from_json(tmp_path / "round2" / "second-round-graph.json")
    assert second == report.second_round_graph
    assert "merge-reviews" in err and "second-round-graph.json" in err


def test_rules_and_output_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    graph_file, paths = write_reviews(tmp_path)
    code, out, err = run(
        capsys, "merge-reviews", str(graph_file), *paths, "--rule", "any_accept", "--format", "dot",
        "--quiet",
    )  # fmt: skip
    assert code == 0 and err == ""
    assert '"asbestos" -> "cancer"' in out


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda paths: [paths[0], paths[0]], "appears twice"),
        (lambda paths: [paths[0], "missing.json"], "does not exist"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mutate, message: str
) -> None:
    graph_file, paths = write_reviews(tmp_path)
    code, out, err = run(capsys, "merge-reviews", str(graph_file), *mutate(paths))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_another_graph_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    graph_file, paths = write_reviews(tmp_path)
    other = tmp_path / "other.json"
    CausalGraph.from_edges(["a", "b"], [("a", "b")]).to_json(other)
    code, _, err = run(capsys, "merge-reviews", str(other), *paths)
    assert code == 2 and "made for another graph" in err
    code, _, err = run(capsys, "merge-reviews", str(graph_file))
    assert code == 2 and "DECISIONS" in err
    assert json.loads(Path(paths[0]).read_text(encoding="utf-8"))["reviewer"] == "Ada"
