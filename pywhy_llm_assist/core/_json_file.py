"""Lossless JSON files for results: one mixin, and the helpers every reader shares."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import InputError
from ._files import read_text_file

ModelT = TypeVar("ModelT", bound="JsonFile")


class JsonFile(BaseModel):
    """Adds `to_json` and `from_json` (a string or a file) to a pydantic result model.

    Subclasses name what they are (`json_label`) and which `InputError` subclass a bad file
    raises (`json_error`).
    """

    json_label: ClassVar[str] = "JSON"
    json_error: ClassVar[type[InputError]] = InputError

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 2) -> str:
        """Return (and optionally write) the lossless JSON form; `from_json` reads it back."""
        text = self.model_dump_json(indent=indent)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls: type[ModelT], source: str | Path) -> ModelT:
        """Read what `to_json` wrote: a JSON string or the path of a file."""
        text = read_text_or_path(source, cls.json_error)
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise cls.json_error(
                f"not a pywhy-llm-assist {cls.json_label}: {first_error(error)}"
            ) from None


def read_text_or_path(source: str | Path, error_type: type[InputError] = InputError) -> str:
    """The text itself, or the content of the file it names (a `Path`, or a one-line string)."""
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and _is_file(source)
    ):
        try:
            return read_text_file(source, "file")  # regular files only, bounded, read once
        except InputError as error:
            raise error_type(str(error)) from None
    return str(source)


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # e.g. a one-line document longer than a file name may be
        return False


def first_error(error: ValidationError) -> str:
    """The first problem of a pydantic error, as ``where: what``."""
    issue = error.errors()[0]
    message = str(issue["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in issue["loc"])
    return f"{where}: {message}" if where else message
