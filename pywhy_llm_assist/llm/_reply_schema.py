"""Reply schemas: pydantic models of what the model must answer, and the strict JSON schemas sent.

Reply models are static pydantic classes. Fields that must name a variable are typed
`VariableName`; when a query is sent, `strict_json_schema` turns them into an ``enum`` of the
query's variable names, and `validate_reply` checks them again locally. Every string and list
is bounded so that small local models cannot ramble to ``max_tokens``.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)

from ..core._variables import normalized_name

VARIABLE_MARKER = "x-variable-name"
NAMES_CONTEXT_KEY = "variable_names"

Confidence = Literal["low", "medium", "high"]
CONFIDENCE_SCORES: dict[str, float] = {"low": 0.35, "medium": 0.65, "high": 0.9}
Severity = Literal["low", "medium", "high"]

ReplyT = TypeVar("ReplyT", bound=BaseModel)


def _canonical_variable_name(value: str, info: ValidationInfo) -> str:
    names: Sequence[str] | None = (info.context or {}).get(NAMES_CONTEXT_KEY)
    if names is None:
        return value
    if value in names:
        return value
    matches = [name for name in names if normalized_name(name) == normalized_name(value)]
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(json.dumps(name, ensure_ascii=False) for name in names[:40])
    raise ValueError(f"{value!r} is not one of the variables; use exactly one of: {shown}")


def bounded_text(limit: int) -> Any:
    """A string type bounded at `limit` characters in the schema; longer replies are cut."""

    def cut(value: object) -> object:
        return value[:limit] if isinstance(value, str) else value

    return Annotated[
        str, BeforeValidator(cut), WithJsonSchema({"type": "string", "maxLength": limit})
    ]


VariableName = Annotated[
    str,
    AfterValidator(_canonical_variable_name),
    WithJsonSchema({"type": "string", VARIABLE_MARKER: True}),
]
"""A field that must name one of the query's variables (an ``enum`` in the schema sent)."""

Rationale = bounded_text(280)
ShortText = bounded_text(80)


class ReplyModel(BaseModel):
    """Base of reply models: forbids unknown keys, ignores nothing silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def strict_json_schema(
    model: type[BaseModel], names: Sequence[str], *, max_items: int | None = None
) -> dict[str, Any]:
    """Return the strict JSON schema of `model` with variable fields as an enum of `names`.

    References are inlined, every object gets ``additionalProperties: false`` and lists every
    property as required, titles and defaults are dropped (strict mode rejects them).

    Args:
        max_items: a tighter bound for every list than the model's own (e.g. the number of
            candidate variables).
    """
    schema = dict(_model_schema(model))  # the result below is built fresh, never shared
    definitions = schema.pop("$defs", {})
    tightened: dict[str, Any] = _tighten(_inline(schema, definitions), list(names), max_items)
    return tightened


@functools.lru_cache(maxsize=256)
def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """pydantic's JSON schema of `model`, generated once (it costs most of a query's overhead)."""
    return model.model_json_schema()


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            target = definitions[reference.rsplit("/", 1)[-1]]
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def _tighten(node: Any, names: list[str], max_items: int | None) -> Any:
    if isinstance(node, list):
        return [_tighten(item, names, max_items) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "default", VARIABLE_MARKER):
            continue
        if key == "properties" and isinstance(value, dict):
            # Field names are data, not keywords: a field called "title" must stay.
            result[key] = {name: _tighten(item, names, max_items) for name, item in value.items()}
        else:
            result[key] = _tighten(value, names, max_items)
    if node.get(VARIABLE_MARKER):
        result["enum"] = list(names)
    if result.get("type") == "object" and "properties" in result:
        result["additionalProperties"] = False
        result["required"] = list(result["properties"])
    if result.get("type") == "array" and max_items is not None:
        result["maxItems"] = min(int(result.get("maxItems", max_items)), max(max_items, 0))
    return result


class ReplyParseError(ValueError):
    """A reply could not be read as JSON or did not validate; the message is fed back."""


def extract_json_object(text: str) -> Any:
    """Return the first JSON object in `text` (fences and surrounding prose are tolerated)."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", stripped, re.DOTALL)
    if fenced:
        stripped = fenced.group(1).strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for start in (index for index, char in enumerate(stripped) if char == "{"):
        try:
            value, _ = decoder.raw_decode(stripped[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ReplyParseError("the reply holds no JSON object; answer with one JSON object only")


def validate_reply(
    model: type[ReplyT], content: str | None, names: Sequence[str], *, lenient: bool
) -> ReplyT:
    """Parse and validate `content` as `model`, checking variable names against `names`.

    Args:
        lenient: look for the first JSON object inside prose (for replies without a
            server-enforced format) instead of requiring the whole reply to be JSON.
    """
    if content is None or not content.strip():
        raise ReplyParseError("the reply was empty; answer with one JSON object")
    if lenient:
        data = extract_json_object(content)
    else:
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise ReplyParseError(
                f"the reply is not valid JSON ({error.msg} at {error.pos})"
            ) from None
    try:
        return model.model_validate(data, context={NAMES_CONTEXT_KEY: list(names)})
    except ValidationError as error:
        raise ReplyParseError(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError, limit: int = 5) -> str:
    """Summarise a pydantic error in a few lines a model can act on."""
    lines = []
    for issue in error.errors()[:limit]:
        where = ".".join(str(part) for part in issue["loc"]) or "reply"
        message = str(issue["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    more = error.error_count() - limit
    if more > 0:
        lines.append(f"... and {more} more problems")
    return "; ".join(lines)


def confidence_score(confidence: str) -> float:
    """Map a ``low``/``medium``/``high`` confidence to a number in 0..1."""
    return CONFIDENCE_SCORES.get(confidence, CONFIDENCE_SCORES["medium"])


def unique_by(items: Sequence[ReplyT], key: str) -> list[ReplyT]:
    """Keep the first item for each value of field `key` (small models repeat list items)."""
    seen: set[Any] = set()
    kept = []
    for item in items:
        value = getattr(item, key)
        if value not in seen:
            seen.add(value)
            kept.append(item)
    return kept
