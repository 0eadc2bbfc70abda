"""Variables: the named, described quantities an analyst asks about."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeAlias, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import InputError

VariableType = Literal["binary", "categorical", "ordinal", "continuous", "count", "other"]


class Variable(BaseModel):
    """One variable of the analysis.

    Args:
        name: how the variable is called in the data (any text: spaces, quotes, unicode).
        description: what the variable *is*, in plain words; the model reads it.
        unit: unit of measurement, if any.
        type: kind of values it takes.
        states: the values of a categorical variable.
        latent: True for an unmeasured variable (proposed, or drawn in a graph).

    Example:
        >>> Variable(name="smoking", description="cigarettes per day").name
        'smoking'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    unit: str | None = None
    type: VariableType | None = None
    states: tuple[str, ...] | None = None
    latent: bool = False

    @field_validator("name")
    @classmethod
    def _name_is_not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("a variable name must not be empty or only spaces")
        if any(unicodedata.category(character) == "Cc" for character in stripped):
            raise ValueError("a variable name must not contain control characters")
        hidden = invisible_characters(stripped)
        if hidden:
            raise ValueError(
                f"a variable name must not contain invisible format or bidirectional control "
                f"characters ({hidden}): they hide or reorder what a reader sees; remove them"
            )
        return stripped


def normalized_name(name: str) -> str:
    """Return the form of a name used to detect duplicates (case-folded, trimmed, NFKC)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})
"""Format characters (zero-width spaces, bidi overrides, ...) and line/paragraph separators."""


def invisible_characters(text: str) -> str:
    """The invisible format characters of `text`, described (``""`` when there are none).

    Example:
        >>> invisible_characters("a\u202eb")
        'U+202E RIGHT-TO-LEFT OVERRIDE at position 2'
    """
    found = [
        f"U+{ord(character):04X} {unicodedata.name(character, 'FORMAT CHARACTER')} "
        f"at position {position}"
        for position, character in enumerate(text, start=1)
        if unicodedata.category(character) in INVISIBLE_CATEGORIES
    ]
    return ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")


def confusable_key(name: str) -> str:
    """The form under which two names look alike: the Unicode TR39 skeleton after NFKC.

    ``age`` and ``\u0430ge`` (Cyrillic a) share a key; so do ``cancer`` and ``\u0441ancer``.
    The skeleton comes from `disarm` (Unicode's confusables table, maintained there), imported
    only when names are checked.

    Example:
        >>> confusable_key("\u0430ge") == confusable_key("age")
        True
    """
    from disarm import skeleton_key

    return str(skeleton_key(unicodedata.normalize("NFKC", name).strip()))


def spelled(name: str) -> str:
    """A name with its non-ASCII characters spelled out: ``'\u0430ge' (U+0430 CYRILLIC ...)``."""
    others = sorted({character for character in name if ord(character) > 127})
    if not others:
        return repr(name)
    described = ", ".join(
        f"U+{ord(character):04X} {unicodedata.name(character, '?')}" for character in others[:3]
    )
    return f"{name!r} ({described})"


def proposed_name_problem(name: str, known: Iterable[str]) -> str | None:
    """Why a name the model proposed for a new (unmeasured) variable is refused, or None.

    Refused: invisible format or bidi characters, or a name that looks like one of `known`
    without being it (both spellings are given). A name equal to a known one is not refused
    here (the caller decides: usually it is not a new variable at all).
    """
    hidden = invisible_characters(name)
    if hidden:
        return f"{name!r} holds invisible format characters ({hidden})"
    other = look_alike(name, known)
    if other is not None:
        return f"{spelled(name)} looks like the variable {spelled(other)} but is another name"
    return None


def look_alike(name: str, known: Iterable[str]) -> str | None:
    """The first of `known` that `name` looks like without being the same name, if any."""
    key = confusable_key(name)
    exact = normalized_name(name)
    for other in known:
        if normalized_name(other) != exact and confusable_key(other) == key:
            return other
    return None


VariableSpec: TypeAlias = "Variable | str | Mapping[str, Any]"
"""One variable: a `Variable`, a name, or a dict of its fields."""
VariableFields: TypeAlias = "str | Mapping[str, Any]"
"""A variable's description, or a dict of its fields (the values of a name -> ... mapping)."""
VariablesLike: TypeAlias = "Variables | Sequence[VariableSpec] | Mapping[str, VariableFields]"
"""What every function taking variables accepts."""


class Variables(Sequence[Variable]):
    """An ordered collection of variables with unique names.

    Accepts a list of `Variable`, a list of names, a list of dicts, or a dict name -> description.

    Example:
        >>> Variables({"smoking": "cigarettes per day", "cancer": "lung cancer"}).names
        ('smoking', 'cancer')
    """

    __slots__ = ("_by_name", "_items")

    def __init__(self, items: VariablesLike) -> None:
        variables = _coerce_items(items)
        if not variables:
            raise InputError(
                "no variables were given: pass at least two, as a list of names, "
                "a dict name -> description, or Variable objects"
            )
        seen: dict[str, str] = {}
        for variable in variables:
            key = normalized_name(variable.name)
            if key in seen:
                raise InputError(
                    f"duplicate variable name {variable.name!r} (same as {seen[key]!r} when case "
                    "and surrounding spaces are ignored): give every variable a distinct name"
                )
            seen[key] = variable.name
        _refuse_look_alikes(variables)
        self._items: tuple[Variable, ...] = tuple(variables)
        self._by_name = {variable.name: variable for variable in variables}

    @property
    def names(self) -> tuple[str, ...]:
        """The names, in order."""
        return tuple(self._by_name)

    @overload
    def __getitem__(self, index: int) -> Variable: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Variable]: ...
    def __getitem__(self, index: int | slice) -> Variable | Sequence[Variable]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._items)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Variable):
            return item.name in self._by_name
        return item in self._by_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variables) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Variables({list(self.names)!r})"

    def get(self, name: str) -> Variable:
        """Return the variable called `name`, or raise `InputError` naming the known ones."""
        try:
            return self._by_name[name]
        except KeyError:
            raise InputError(
                f"unknown variable {name!r}: known variables are {_preview(self.names)}"
            ) from None

    def require(self, names: Iterable[str], *, role: str = "variable") -> None:
        """Raise `InputError` if any of `names` is not a variable here."""
        for name in names:
            if name not in self._by_name:
                raise InputError(
                    f"{role} {name!r} is not among the variables; known variables are "
                    f"{_preview(self.names)}"
                )

    def with_variables(self, extra: Iterable[Variable]) -> Variables:
        """Return a new collection with `extra` appended."""
        return Variables([*self._items, *extra])

    def to_list(self) -> list[dict[str, Any]]:
        """Return the variables as plain dicts (JSON-ready), leaving out unset fields."""
        return [variable.model_dump(exclude_defaults=True, mode="json") for variable in self]


def _refuse_look_alikes(variables: Sequence[Variable]) -> None:
    """Refuse two names that look the same but differ (``age`` and Cyrillic ``\u0430ge``)."""
    by_key: dict[str, str] = {}
    for variable in variables:
        key = confusable_key(variable.name)
        if key in by_key:
            raise InputError(
                f"variable names {spelled(by_key[key])} and {spelled(variable.name)} look the "
                "same but are different names (Unicode look-alike characters): rename one"
            )
        by_key[key] = variable.name


def _preview(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _coerce_items(items: object) -> list[Variable]:
    if isinstance(items, Variables):
        return list(items)
    if isinstance(items, str):
        raise InputError(
            f"variables must be a list or a dict, not a single string: did you mean [{items!r}]?"
        )
    if isinstance(items, Mapping):
        return [_coerce_mapping_entry(name, value) for name, value in items.items()]
    if isinstance(items, Iterable):
        return [_coerce_one(item) for item in items]
    raise InputError(
        f"variables must be a list of names, a dict name -> description or Variable objects, "
        f"not {type(items).__name__}"
    )


def _coerce_mapping_entry(name: object, value: object) -> Variable:
    if not isinstance(name, str):
        raise InputError(f"a variable name must be text, not {type(name).__name__}: {name!r}")
    if value is None or isinstance(value, str):
        return _build(name=name, description=value or "")
    if isinstance(value, Mapping):
        return _build(name=name, **{key: item for key, item in value.items() if key != "name"})
    raise InputError(
        f"variable {name!r}: the value must be a description (text) or a dict of fields, "
        f"not {type(value).__name__}"
    )


def _coerce_one(item: object) -> Variable:
    if isinstance(item, Variable):
        return item
    if isinstance(item, str):
        return _build(name=item)
    if isinstance(item, Mapping):
        return _build(**item)
    raise InputError(
        f"cannot read {item!r} as a variable: give a name, a dict with 'name' and "
        "'description', or a Variable"
    )


def _build(**fields: Any) -> Variable:
    try:
        return Variable(**fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'value'}: {issue['msg']}"
            for issue in error.errors()
        )
        label = fields.get("name", "?")
        raise InputError(f"invalid variable {label!r}: {problems}") from None
    except TypeError as error:
        raise InputError(f"invalid variable: {error}") from None
