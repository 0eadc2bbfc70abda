"""test_implications: rows, verdict, missing values, bad input, JSON, display and plot."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from _smoking_study import DRAFT, TRUTH, study_data

from pywhy_llm_assist import (
    CausalGraph,
    ImplicationTests,
    InputError,
    OptionalDependencyError,
    load_benchmark,
    simulate_data,
)
from pywhy_llm_assist import test_implications as run_tests
from pywhy_llm_assist.data._refute import cauchy_combination
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return study_data(seed=3)


def test_rows_say_what_was_tested_and_the_missing_edge_is_found(frame: pd.DataFrame) -> None:
    result = run_tests(DRAFT, frame)
    assert result.types == {
        "age": "continuous",
        "smoking": "discrete",
        "tar": "continuous",
        "cancer": "discrete",
        "cough": "continuous",
    }
    assert len(result.tests) == 10 - len(DRAFT.edges)
    row = next(row for row in result.tests if {row.x, row.y} == {"age", "cancer"})
    assert row.rejected and row.given in (("smoking",), ("tar",))
    assert row.test == "residual" and row.rows_used == 2000
    assert row.adjusted_p_value >= row.p_value and row.effect_size != 0
    assert result.rejected[0].independence == row.independence
    assert not result.consistent
    assert result.global_p_value < 0.05
    assert run_tests(TRUTH, frame).consistent


def test_benjamini_hochberg_and_the_global_test_match_statsmodels(frame: pd.DataFrame) -> None:
    from statsmodels.stats.multitest import multipletests

    result = run_tests(
        load_benchmark(PACKAGED_FOLDER / "sachs.json").graph.without_edges([("PKC", "PKA")]),
        simulate_data(load_benchmark(PACKAGED_FOLDER / "sachs.json").graph, 1500, seed=4),
    )
    p_values = [row.p_value for row in result.tested]
    rejected, adjusted, _, _ = multipletests(p_values, alpha=0.05, method="fdr_bh")
    assert [row.adjusted_p_value for row in result.tested] == pytest.approx(list(adjusted))
    assert [row.rejected for row in result.tested] == list(rejected)
    assert result.global_p_value == pytest.approx(cauchy_combination(p_values)[1])


def test_the_cauchy_combination_is_the_published_formula() -> None:
    p_values = [0.01, 0.2, 0.7, 0.45]
    expected = np.mean(np.tan((0.5 - np.array(p_values)) * np.pi))
    statistic, p_value = cauchy_combination(p_values)
    assert statistic == pytest.approx(expected)
    assert p_value == pytest.approx(0.5 - np.arctan(expected) / np.pi)
    assert cauchy_combination([0.3])[1] == pytest.approx(0.3)  # one test: its own p-value


def test_cauchy_combination_handles_extreme_p_values() -> None:
    assert cauchy_combination([0.0, 0.5])[1] < 1e-290
    assert 0.0 < cauchy_combination([1.0, 1.0])[1] <= 1.0
    assert cauchy_combination([1e-20, 1.0, 1.0])[1] < 1e-15  # one p = 1 cannot cancel it


def test_each_test_uses_the_complete_rows_of_its_own_variables(frame: pd.DataFrame) -> None:
    holed = frame.copy()
    holed.loc[holed.index[:300], "cough"] = np.nan
    result = run_tests(DRAFT, holed)
    for row in result.tests:
        expected = 1700 if "cough" in (row.x, row.y, *row.given) else 2000
        assert row.rows_used == expected, row


def test_a_constant_column_makes_its_rows_untestable(frame: pd.DataFrame) -> None:
    constant = frame.assign(cough=1.5)
    result = run_tests(DRAFT, constant, types={"cough": "continuous"})
    untested = [row for row in result.tests if "cough" in (row.x, row.y)]
    assert untested and all(not row.tested for row in untested)
    assert all("'cough' is constant" in row.reason for row in untested)
    assert all(row.tested for row in result.tests if "cough" not in (row.x, row.y))
    assert result.not_tested == tuple(untested)
    assert "not tested" in str(result)


def test_too_few_rows_are_untestable_rows_not_a_crash() -> None:
    result = run_tests(DRAFT, simulate_data(TRUTH, 12, kind="mixed", seed=1))
    assert result.tests and not result.tested
    assert result.global_p_value is None and result.consistent
    assert all("too few" in row.reason for row in result.tests)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": 0}, "alpha must be between 0 and 1"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1"),
        ({"method": "chi2"}, "method 'chi2' is not known"),
        ({"types": {"cough": "ordinal"}}, "use one of continuous, discrete"),
        ({"types": {"ghost": "discrete"}}, "'ghost'"),
    ],
)
def test_bad_options_are_input_errors(frame: pd.DataFrame, options: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_tests(DRAFT, frame, **options)


def test_a_measured_variable_missing_from_the_data_is_an_input_error(frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'cough' is not a column of the data"):
        run_tests(DRAFT, frame.drop(columns="cough"))
    latent = CausalGraph.from_edges(DRAFT.names, DRAFT.edge_pairs, latent=["cough"])
    assert len(run_tests(latent, frame.drop(columns="cough")).tests) == 3


def test_a_cyclic_graph_or_a_non_graph_is_an_input_error(frame: pd.DataFrame) -> None:
    cyclic = CausalGraph.from_edges(["a", "b"], [("a", "b"), ("b", "a")], check_acyclic=False)
    with pytest.raises(InputError, match="cycle"):
        run_tests(cyclic, frame)
    with pytest.raises(InputError, match=r"CausalGraph or a networkx\.DiGraph"):
        run_tests([("a", "b")], frame)  # type: ignore[arg-type]


def test_a_networkx_graph_is_accepted(frame: pd.DataFrame) -> None:
    network: nx.DiGraph[str] = nx.DiGraph(DRAFT.edge_pairs)
    assert run_tests(network, frame).tests == run_tests(DRAFT, frame).tests


def test_forced_tests_refuse_variables_they_cannot_take(frame: pd.DataFrame) -> None:
    forced = run_tests(DRAFT, frame, method="g_test")
    assert all(not row.tested for row in forced.tests)
    assert "never binned" in forced.tests[0].reason
    three = frame.assign(smoking=frame.smoking + (frame.age > 1))
    refused = run_tests(DRAFT, three, method="fisher_z")
    assert any("needs x and y continuous or binary" in row.reason for row in refused.tests)
    residual = run_tests(DRAFT, frame, method="residual")
    assert all(row.test == "residual" and row.tested for row in residual.tests)


def test_kernel_tests_run_when_asked(frame: pd.DataFrame) -> None:
    pytest.importorskip("causallearn")
    small = frame.iloc[:60]
    result = run_tests(DRAFT, small, method="kci", progress=False)
    assert all(row.test == "kci" and row.tested for row in result.tests)
    assert all(row.statistic is None for row in result.tests)


def test_a_missing_kernel_package_is_an_optional_dependency_error(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_causal_learn(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("causallearn"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_causal_learn)
    with pytest.raises(OptionalDependencyError, match=r"pywhy-llm-assist\[causallearn\]"):
        run_tests(DRAFT, frame, method="kci")


def test_json_round_trip_repr_and_frame(frame: pd.DataFrame, tmp_path: Path) -> None:
    latent = TRUTH.with_latent(
        [TRUTH.variables[0].model_copy(update={"name": "genes"})],
        [("genes", "tar"), ("genes", "cough")],
    )
    result = run_tests(latent.without_edges([("age", "cancer")]), frame)
    assert result.untestable  # tar, cough share the unmeasured genes
    path = tmp_path / "tests.json"
    result.to_json(path)
    assert ImplicationTests.from_json(path) == result
    assert ImplicationTests.from_json(result.to_json()) == result
    text = repr(result)
    assert text.startswith("ImplicationTests(") and "rejected" in text and len(text) < 300
    table = result.to_frame()
    assert list(table.columns)[:4] == ["x", "y", "given", "test"]
    assert len(table) == len(result.tests)
    assert table["rejected"].sum() == len(result.rejected)


def test_bad_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="implication tests JSON"):
        ImplicationTests.from_json('{"tests": 3}')


def test_the_notebook_display_shows_p_values_and_escapes_names() -> None:
    hostile = "<script>alert(1)</script>"
    graph = CausalGraph.from_edges([hostile, "b", "c"], [(hostile, "b"), ("b", "c")])
    truth = CausalGraph.from_edges(
        [hostile, "b", "c"], [(hostile, "b"), ("b", "c"), (hostile, "c")]
    )
    result = run_tests(graph, simulate_data(truth, 1000, seed=2))
    page = result._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    row = result.rejected[0]
    assert "rejected" in page and f"{row.effect_size:.2f}" in page
    assert "Adjusted p" in page


def test_the_plot_marks_the_rejected_implications(frame: pd.DataFrame, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    result = run_tests(DRAFT, frame)
    axes = Figure().add_subplot()
    assert result.plot(axes) is axes
    labels = [text.get_text() for text in axes.texts]
    assert labels == [row.independence for row in result.rejected]
    path = result.save_plot(tmp_path / "p-values.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match="cannot write the plot"):
        result.save_plot(tmp_path / "missing" / "folder" / "plot.png")
