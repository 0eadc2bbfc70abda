"""Variables: every accepted shape, every rejected one, and awkward names end to end."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pywhy_llm_assist import Assistant, InputError, Variable, Variables
from pywhy_llm_assist.llm._backends import ChatRequest
from pywhy_llm_assist.testing import ScriptedModel

AWKWARD = ('blood "pressure"', "patient's age", "Lungenkrebs (肺癌) ✓", "sleep hours / night")


def test_input_error_is_a_value_error() -> None:
    assert issubclass(InputError, ValueError)


def test_list_of_names() -> None:
    variables = Variables(["smoking", "cancer"])
    assert variables.names == ("smoking", "cancer")
    assert variables[0] == Variable(name="smoking")
    assert variables.get("cancer").description == ""


def test_dict_of_descriptions() -> None:
    variables = Variables({"smoking": "cigarettes per day", "cancer": None})
    assert variables.names == ("smoking", "cancer")
    assert variables.get("smoking").description == "cigarettes per day"
    assert variables.get("cancer").description == ""


def test_dict_of_field_dicts() -> None:
    variables = Variables(
        {
            "smoking": {"description": "cigarettes per day", "unit": "1/day", "type": "count"},
            "cancer": {"name": "ignored, the key wins", "type": "binary", "latent": False},
        }
    )
    assert variables.get("smoking").unit == "1/day"
    assert variables.get("smoking").type == "count"
    assert variables.get("cancer").type == "binary"
    assert variables.names == ("smoking", "cancer")


def test_list_of_dicts() -> None:
    variables = Variables(
        [
            {"name": "smoking", "description": "cigarettes per day"},
            {"name": "region", "type": "categorical", "states": ["north", "south"]},
        ]
    )
    assert variables.get("region").states == ("north", "south")


def test_variable_objects_and_mixed_items() -> None:
    variables = Variables([Variable(name="smoking", latent=True), "cancer", {"name": "tar"}])
    assert variables.names == ("smoking", "cancer", "tar")
    assert variables.get("smoking").latent is True


def test_variables_object_is_accepted_as_is() -> None:
    first = Variables(["a", "b"])
    assert Variables(first) == first
    assert hash(Variables(first)) == hash(first)


def test_names_are_trimmed() -> None:
    assert Variables(["  smoking ", "cancer\t"]).names == ("smoking", "cancer")


def test_membership_and_lookup_errors() -> None:
    variables = Variables(["a", "b"])
    assert "a" in variables
    assert Variable(name="b") in variables
    assert "c" not in variables
    with pytest.raises(InputError, match="unknown variable 'c'"):
        variables.get("c")
    with pytest.raises(InputError, match="treatment 'c' is not among the variables"):
        variables.require(["a", "c"], role="treatment")


def test_to_list_leaves_out_unset_fields() -> None:
    assert Variables({"a": "first", "b": ""}).to_list() == [
        {"name": "a", "description": "first"},
        {"name": "b"},
    ]


def test_with_variables_appends_and_checks_duplicates() -> None:
    variables = Variables(["a", "b"]).with_variables([Variable(name="U", latent=True)])
    assert variables.names == ("a", "b", "U")
    with pytest.raises(InputError, match="duplicate"):
        variables.with_variables([Variable(name=" A ")])


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "no variables were given"),
        ({}, "no variables were given"),
        (["a", ""], "invalid variable ''"),
        (["a", "   "], "must not be empty"),
        ([{"name": ""}], "invalid variable"),
        (["smoking", "Smoking"], "duplicate variable name"),
        (["smoking", " smoking  "], "duplicate variable name"),
        (["Smoking", "SMOKING "], "duplicate variable name"),
        ({"a": "x", " a": "y"}, "duplicate variable name"),
        ("smoking", "not a single string"),
        (42, "not int"),
        ([3.5], "cannot read 3.5 as a variable"),
        ({"a": 5}, "must be a description"),
        ({1: "x"}, "must be text"),
        ([{"name": "a", "colour": "red"}], "colour"),
        ([{"name": "a", "type": "weird"}], "type"),
        (["a\x00b"], "control characters"),
        ([{"description": "no name"}], "name"),
    ],
)
def test_bad_input_is_an_input_error(items: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Variables(items)


def test_duplicate_message_names_both_spellings() -> None:
    with pytest.raises(InputError) as caught:
        Variables(["Income", "income "])
    assert "'income'" in str(caught.value)
    assert "'Income'" in str(caught.value)


def test_awkward_names_survive_coercion() -> None:
    variables = Variables({name: f"description of {name}" for name in AWKWARD})
    assert variables.names == AWKWARD


def test_awkward_names_end_to_end_through_suggest_graph() -> None:
    """Names with quotes, apostrophes, unicode and slashes go out as JSON and come back intact."""
    first, second, third, fourth = AWKWARD

    def respond(request: ChatRequest) -> dict[str, Any]:
        sent = "\n".join(message["content"] for message in request.messages)
        for name in AWKWARD:
            assert name in sent or name.replace('"', '\\"') in sent
        schema = request.response_format["json_schema"]["schema"]  # type: ignore[index]
        enum = schema["properties"]["edges"]["items"]["properties"]["cause"]["enum"]
        assert tuple(enum) == AWKWARD
        return {
            "edges": [
                {"cause": first, "effect": second, "rationale": "r", "confidence": "high"},
                # the model may change case and spacing; the name is mapped back
                {
                    "cause": f"  {third.upper()} ",
                    "effect": fourth,
                    "rationale": "r",
                    "confidence": "medium",
                },
            ]
        }

    model = ScriptedModel(respond=respond)
    assistant = Assistant("scripted", client=model, cache_mode="off")
    graph = assistant.suggest_graph(list(AWKWARD), strategy="whole")
    assert set(graph.edge_pairs) == {(first, second), (third, fourth)}
    assert graph.names == AWKWARD


# ---------------------------------------------------------------- names that look alike
@pytest.mark.parametrize(
    ("name", "character"),
    [
        ("zw\u200bsp", "U+200B ZERO WIDTH SPACE"),
        ("\u202erecnac\u202c", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("a\u2066b", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("soft\u00adhyphen", "U+00AD SOFT HYPHEN"),
        ("line\u2028break", "U+2028 LINE SEPARATOR"),
        ("\ufeffbom", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_invisible_format_characters_in_a_name_are_refused(name: str, character: str) -> None:
    with pytest.raises(InputError, match=re.escape(character)):
        Variables([name, "other"])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("age", "\u0430ge"),  # Cyrillic a
        ("cancer", "\u0441ancer"),  # Cyrillic es
        ("smoking", "\u0455moking"),  # Cyrillic dze
        ("alpha", "\u03b1lpha"),  # Greek alpha
        ("blood pressure", "blood  pressure"),
        ("income_I", "income_l"),
    ],
)
def test_names_that_look_alike_are_refused_with_both_spellings(first: str, second: str) -> None:
    with pytest.raises(InputError, match="look the same") as caught:
        Variables([first, "other", second])
    assert repr(first) in str(caught.value) and repr(second) in str(caught.value)


def test_distinct_names_with_digits_letters_and_scripts_are_kept() -> None:
    names = ["x1", "xl", "x0", "xo", "Lungenkrebs", "肺癌", "возраст", "age", "ages", "a_b", "a-b"]
    assert Variables(names).names == tuple(names)


def test_look_alike_names_from_the_model_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        unmeasured = [
            {"name": name, "description": "d", "rationale": "r", "confidence": "high"}
            for name in ("\u0430ge", "\u202eega\u202c", "genetics")
        ]
        return {"measured": [], "unmeasured": unmeasured}

    assistant = Assistant("test", client=ScriptedModel(respond=respond), cache_mode="off")
    suggestions = assistant.suggest_confounders(
        "smoking", "cancer", {"smoking": "s", "cancer": "c", "age": "age in years"}
    )
    assert [item.variable for item in suggestions.items] == ["genetics"]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "'\u0430ge' (U+0430 CYRILLIC SMALL LETTER A) looks like the variable 'age'" in logged
    assert "U+202E" in logged
