"""Reply schemas: the strict JSON schemas sent, and local validation of replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _snapshot import SNAPSHOT_TASKS, assert_snapshot, format_json, sent_requests, sent_schema
from pydantic import Field

from pywhy_llm_assist.llm._reply_schema import (
    ReplyModel,
    ReplyParseError,
    ShortText,
    VariableName,
    confidence_score,
    extract_json_object,
    strict_json_schema,
    unique_by,
    validate_reply,
)
from pywhy_llm_assist.suggest._pairwise import PairReply
from pywhy_llm_assist.suggest._per_node import DirectCausesReply
from pywhy_llm_assist.suggest._whole import WholeGraphReply

NAMES = ("smoking", "tar deposits", "lung cancer")


def walk(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sub-schema with its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key == "properties":
                for name, item in value.items():
                    yield from walk(item, f"{path}.{name}")
            elif key in ("items", "anyOf", "oneOf", "allOf"):
                yield from walk(value, f"{path}[{key}]")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, f"{path}[{index}]")


def assert_strict(schema: dict[str, Any]) -> None:
    """What OpenAI's strict mode and small local models need from every schema we send."""
    for path, node in walk(schema):
        assert "$ref" not in node and "$defs" not in node, f"{path}: references must be inlined"
        assert "title" not in node and "default" not in node, f"{path}: strict mode rejects these"
        kind = node.get("type")
        if kind == "object":
            assert node.get("additionalProperties") is False, f"{path}: additionalProperties"
            assert node.get("required") == list(node["properties"]), f"{path}: all required"
        if kind == "array":
            assert isinstance(node.get("maxItems"), int), f"{path}: every list is bounded"
        if kind == "string":
            assert "enum" in node or isinstance(node.get("maxLength"), int), (
                f"{path}: every string is bounded (enum or maxLength)"
            )
        if kind == "number":
            raise AssertionError(f"{path}: use bounded integers or enums, not floats")
        if kind == "integer":
            assert "minimum" in node and "maximum" in node, f"{path}: integers are bounded"


# ---------------------------------------------------------------- snapshots of what is sent
@pytest.mark.parametrize("task", sorted(SNAPSHOT_TASKS))
def test_sent_schema_snapshot(task: str) -> None:
    request = sent_requests(task)[0]
    response_format = request.response_format
    assert response_format is not None
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    name = response_format["json_schema"]["name"]
    assert_strict(sent_schema(request))
    assert_snapshot(f"schema_{name}.json", format_json(response_format))


def test_snapshotted_reply_models_are_the_graph_ones() -> None:
    names = {
        request.response_format["json_schema"]["name"]  # type: ignore[index]
        for task in ("per_node", "whole_graph", "pairwise")
        for request in sent_requests(task)[:1]
    }
    assert names == {"DirectCausesReply", "WholeGraphReply", "PairReply"}


# ---------------------------------------------------------------- strict schema construction
@pytest.mark.parametrize("model", [DirectCausesReply, WholeGraphReply, PairReply])
def test_reply_models_give_strict_schemas(model: type[ReplyModel]) -> None:
    assert_strict(strict_json_schema(model, NAMES, max_items=2))


def test_variable_fields_become_an_enum_of_the_query_names() -> None:
    schema = strict_json_schema(WholeGraphReply, NAMES)
    item = schema["properties"]["edges"]["items"]
    assert item["properties"]["cause"]["enum"] == list(NAMES)
    assert item["properties"]["effect"]["enum"] == list(NAMES)
    assert "x-variable-name" not in str(schema)


def test_max_items_tightens_but_never_loosens() -> None:
    assert (
        strict_json_schema(DirectCausesReply, NAMES, max_items=2)["properties"]["causes"][
            "maxItems"
        ]
        == 2
    )
    assert (
        strict_json_schema(DirectCausesReply, NAMES, max_items=500)["properties"]["causes"][
            "maxItems"
        ]
        == 40
    )
    assert strict_json_schema(DirectCausesReply, NAMES)["properties"]["causes"]["maxItems"] == 40


class Finding(ReplyModel):
    title: ShortText
    default: ShortText
    variable: VariableName


class FindingsReply(ReplyModel):
    findings: list[Finding] = Field(max_length=5)


def test_fields_named_like_schema_keywords_are_kept() -> None:
    """A field called ``title`` or ``default`` is data, not a keyword to strip."""
    schema = strict_json_schema(FindingsReply, NAMES)
    item = schema["properties"]["findings"]["items"]
    assert list(item["properties"]) == ["title", "default", "variable"]
    assert item["required"] == ["title", "default", "variable"]
    assert_strict(schema)


def test_schema_is_a_fresh_copy_each_time() -> None:
    first = strict_json_schema(WholeGraphReply, ("a", "b"))
    first["properties"]["edges"]["items"]["properties"]["cause"]["enum"].append("c")
    second = strict_json_schema(WholeGraphReply, ("a", "b"))
    assert second["properties"]["edges"]["items"]["properties"]["cause"]["enum"] == ["a", "b"]


# ---------------------------------------------------------------- local validation
def edge(cause: str, effect: str, **extra: Any) -> dict[str, Any]:
    return {"cause": cause, "effect": effect, "rationale": "r", "confidence": "high", **extra}


def test_valid_reply() -> None:
    reply = validate_reply(
        WholeGraphReply,
        '{"edges": [' + _json(edge("smoking", "tar deposits")) + "]}",
        NAMES,
        lenient=False,
    )
    assert isinstance(reply, WholeGraphReply)
    assert reply.edges[0].effect == "tar deposits"


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def test_variable_names_are_matched_ignoring_case_and_spaces() -> None:
    content = _json({"edges": [edge("  SMOKING ", "Tar Deposits")]})
    reply = validate_reply(WholeGraphReply, content, NAMES, lenient=False)
    assert (reply.edges[0].cause, reply.edges[0].effect) == ("smoking", "tar deposits")


def test_unknown_variable_name_names_the_allowed_ones() -> None:
    content = _json({"edges": [edge("smoking", "coffee")]})
    with pytest.raises(ReplyParseError) as caught:
        validate_reply(WholeGraphReply, content, NAMES, lenient=False)
    message = str(caught.value)
    assert "edges.0.effect" in message
    assert "'coffee' is not one of the variables" in message
    assert '"lung cancer"' in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "empty"),
        ("   ", "empty"),
        ("not json", "not valid JSON"),
        ('{"edges": []} trailing', "not valid JSON"),
        ('{"edges": [], "extra": 1}', "extra: Extra inputs are not permitted"),
        ('{"edges": [{"cause": "smoking"}]}', "edges.0.effect: Field required"),
        (_json({"edges": [edge("smoking", "tar deposits", confidence="certain")]}), "confidence"),
        ("[]", "valid dictionary"),
    ],
)
def test_strict_validation_errors(content: str | None, message: str) -> None:
    with pytest.raises(ReplyParseError, match=message):
        validate_reply(WholeGraphReply, content, NAMES, lenient=False)


def test_long_error_lists_are_summarised() -> None:
    content = _json({"edges": [{"cause": "x"}] * 10})
    with pytest.raises(ReplyParseError, match=r"\.\.\. and \d+ more problems"):
        validate_reply(WholeGraphReply, content, NAMES, lenient=False)


def test_overlong_rationale_is_cut_not_rejected() -> None:
    content = _json({"relation": "neither", "rationale": "x" * 1000, "confidence": "low"})
    reply = validate_reply(PairReply, content, ("a", "b"), lenient=False)
    assert len(reply.rationale) == 280


@pytest.mark.parametrize(
    "text",
    [
        '{"causes": []}',
        'Sure! Here is the answer:\n```json\n{"causes": []}\n```\nHope this helps.',
        '```\n{"causes": []}\n```',
        'I think {"causes": []} is right. {"other": 1}',
        'Answer: {not json} then {"causes": []}',
    ],
)
def test_lenient_extraction_finds_the_first_json_object(text: str) -> None:
    assert extract_json_object(text) == {"causes": []}
    reply = validate_reply(DirectCausesReply, text, NAMES, lenient=True)
    assert reply.causes == []


def test_lenient_extraction_without_any_object() -> None:
    with pytest.raises(ReplyParseError, match="no JSON object"):
        extract_json_object("I cannot answer that.")


def test_strict_mode_rejects_prose_around_json() -> None:
    with pytest.raises(ReplyParseError, match="not valid JSON"):
        validate_reply(DirectCausesReply, 'Here: {"causes": []}', NAMES, lenient=False)


def test_confidence_scores_and_unique_by() -> None:
    assert confidence_score("low") < confidence_score("medium") < confidence_score("high") <= 1
    assert confidence_score("unexpected") == confidence_score("medium")
    reply = validate_reply(
        DirectCausesReply,
        _json(
            {
                "causes": [
                    {"variable": "smoking", "rationale": "first", "confidence": "high"},
                    {"variable": "SMOKING", "rationale": "repeat", "confidence": "low"},
                ]
            }
        ),
        NAMES,
        lenient=False,
    )
    kept = unique_by(reply.causes, "variable")
    assert [(item.variable, item.rationale) for item in kept] == [("smoking", "first")]
