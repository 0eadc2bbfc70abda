"""Variable types: detection from dtypes and distinct values, declared types, overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist import CausalGraph, InputError, Variable
from pywhy_llm_assist.data._types import (
    MAX_DISCRETE_LEVELS,
    as_frame,
    detect_kind,
    encode_column,
    require_columns,
    resolve_kinds,
)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series([True, False, True]), "discrete"),
        (pd.Series(["low", "high", "low"]), "discrete"),
        (pd.Series(["a", "b"], dtype="category"), "discrete"),
        (pd.Series([0, 1, 1, 0]), "discrete"),
        (pd.Series([0.0, 1.0, 1.0]), "discrete"),  # 0/1 codes stored as floats
        (pd.Series([1, 2, 3, 4, 5] * 3), "discrete"),  # a five-point scale
        (pd.Series(range(MAX_DISCRETE_LEVELS + 1)), "continuous"),
        (pd.Series([0.5, 1.5, 2.5]), "continuous"),  # few values, but not whole numbers
        (pd.Series(np.linspace(0, 1, 50)), "continuous"),
        (pd.Series([1.0, np.nan, 0.0]), "discrete"),  # missing values are ignored
    ],
)
def test_kind_detection(values: pd.Series, kind: str) -> None:
    assert detect_kind(values) == kind


def graph(*variables: Variable | str) -> CausalGraph:
    return CausalGraph.from_edges(list(variables), [])


def test_override_beats_declared_type_beats_detection() -> None:
    frame = pd.DataFrame({"a": [0, 1, 2, 3], "b": [0.1, 0.2, 0.3, 0.4], "c": [1, 2, 1, 2]})
    declared = graph("a", "b", Variable(name="c", type="continuous"))
    assert resolve_kinds(declared, frame, None) == {
        "a": "discrete",
        "b": "continuous",
        "c": "continuous",
    }
    assert resolve_kinds(declared, frame, {"a": "continuous", "c": "discrete"}) == {
        "a": "continuous",
        "b": "continuous",
        "c": "discrete",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ghost": "discrete"}, "ghost"),
        ({"a": "ordinal"}, "continuous, discrete"),
        ({"t": "continuous"}, "cannot be treated as continuous"),
    ],
)
def test_bad_overrides_are_input_errors(overrides: dict[str, str], message: str) -> None:
    frame = pd.DataFrame({"a": [0.5, 1.5], "t": ["x", "y"]})
    with pytest.raises(InputError, match=message):
        resolve_kinds(graph("a", "t"), frame, overrides)


def test_latent_variables_need_no_column() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    latent = CausalGraph.from_edges(["a", "u"], [("u", "a")], latent=["u"])
    require_columns(latent, frame)
    assert resolve_kinds(latent, frame, None) == {"a": "discrete"}


def test_a_missing_column_names_the_variable_and_a_close_match() -> None:
    frame = pd.DataFrame({"Age": [1.0], "weight": [2.0]})
    with pytest.raises(InputError, match=r"'age' is not a column.*the data has 'Age'"):
        require_columns(graph("age", "weight"), frame)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2, 3], "DataFrame or a mapping"),
        ({"a": [1, 2], "b": [1]}, "cannot read the data"),
        (pd.DataFrame({"a": []}), "no rows"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "two columns named 'a'"),
    ],
)
def test_data_that_is_not_a_table_is_an_input_error(data: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        as_frame(data)


def test_encoding_marks_missing_values() -> None:
    discrete = encode_column(pd.Series(["b", None, "a", "b"]), "discrete")
    assert discrete.levels == ("a", "b")
    assert discrete.values.tolist() == [1, -1, 0, 1]
    assert discrete.missing.tolist() == [False, True, False, False]
    continuous = encode_column(pd.Series([1.0, np.nan, np.inf, 2.0]), "continuous")
    assert continuous.missing.tolist() == [False, True, True, False]


def test_column_names_that_are_not_text_are_matched_as_text() -> None:
    frame = pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 4.0]})
    converted = as_frame(frame)
    assert list(converted.columns) == ["0", "1"]
    assert list(frame.columns) == [0, 1]  # the caller's frame is left as it is
    require_columns(graph("0", "1"), converted)
