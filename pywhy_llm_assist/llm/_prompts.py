"""Prompt templates: Jinja2 files rendered in a sandbox, user text entering only as JSON data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    Undefined,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..core._errors import InputError

TEMPLATE_SUFFIX = ".jinja"
ROLE_MARKERS = {"[system]": "system", "[user]": "user", "[assistant]": "assistant"}
# JSON leaves these unescaped when unicode is kept, yet str.splitlines() breaks lines at them:
# escaped, user text can never start a line of its own (and fake a role marker).
_LINE_BREAKS_KEPT_BY_JSON = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def default_prompt_folder() -> Path:
    """The folder of the prompts shipped with the package (or the source checkout's)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "prompts"
    if packaged.is_dir():
        return packaged
    return package.parent / "prompts"


def _to_json(value: Any, indent: int | None = None) -> str:
    """Jinja filter: plain JSON (not HTML-escaped), unicode kept, for data blocks.

    Every line break inside strings is escaped, including U+0085, U+2028 and U+2029, so
    the data stays on its own lines and cannot start a ``[system]`` line.
    """
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()  # a missing input is an error, not a TypeError
    text = json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=False)
    for character, escaped in _LINE_BREAKS_KEPT_BY_JSON.items():
        text = text.replace(character, escaped)
    return text


def _to_json_lines(items: list[Any]) -> str:
    """Jinja filter: a JSON list with one compact item per line (readable, few tokens)."""
    if isinstance(items, Undefined):
        items._fail_with_undefined_error()
    if not items:
        return "[]"
    return "[\n" + ",\n".join(_to_json(item) for item in items) + "\n]"


@dataclass(frozen=True)
class RenderedPrompt:
    """Chat messages produced by a template, and the template's version."""

    template: str
    version: str
    messages: tuple[dict[str, str], ...]


class PromptLibrary:
    """Loads and renders the prompt templates of one folder.

    Each template is a file ``<name>.jinja`` whose text is split into chat messages by lines
    ``[system]``, ``[user]`` and ``[assistant]``. Its version is the first 12 hex digits of
    the SHA-256 of its bytes, so editing a prompt changes cache keys and provenance.

    Args:
        folder: a folder of templates; defaults to the packaged prompts. A template missing
            from a custom folder is taken from the packaged prompts, so users may override
            only the ones they want to change.

    Example:
        >>> library = PromptLibrary()
        >>> library.version("per_node") == library.version("per_node")
        True
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self._folders = [default_prompt_folder()]
        if folder is not None:
            custom = Path(folder)
            if not custom.is_dir():
                raise InputError(f"prompt folder {str(custom)!r} does not exist or is not a folder")
            self._folders.insert(0, custom)
        self._sources: dict[str, str] = {}
        self._compiled: dict[str, Template] = {}  # compiling costs ~10x a render

    @cached_property
    def _environment(self) -> ImmutableSandboxedEnvironment:
        environment = ImmutableSandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters["tojson"] = _to_json
        environment.filters["tojson_lines"] = _to_json_lines
        return environment

    def source(self, name: str) -> str:
        """Return the template text for `name` (without the suffix)."""
        if name not in self._sources:
            for folder in self._folders:
                path = folder / f"{name}{TEMPLATE_SUFFIX}"
                if path.is_file():
                    self._sources[name] = path.read_text(encoding="utf-8")
                    break
            else:
                raise InputError(
                    f"no prompt template {name!r} in {', '.join(str(f) for f in self._folders)}"
                )
        return self._sources[name]

    def version(self, name: str) -> str:
        """The content hash of template `name` (12 hex digits)."""
        return hashlib.sha256(self.source(name).encode("utf-8")).hexdigest()[:12]

    def render(self, name: str, inputs: dict[str, Any]) -> RenderedPrompt:
        """Render template `name` with `inputs` into chat messages."""
        try:
            template = self._compiled.get(name)
            if template is None:
                template = self._environment.from_string(self.source(name))
                self._compiled[name] = template
            text = template.render(**inputs)
        except TemplateNotFound as error:  # pragma: no cover - includes are not used
            raise InputError(
                f"prompt template {name!r} includes a missing template: {error}"
            ) from None
        except UndefinedError as error:
            raise InputError(f"prompt template {name!r} uses an undefined input: {error}") from None
        except SecurityError as error:
            raise InputError(
                f"prompt template {name!r} tried something the sandbox forbids: {error}"
            ) from None
        except TemplateError as error:
            raise InputError(f"prompt template {name!r} is not valid Jinja2: {error}") from None
        return RenderedPrompt(
            template=name, version=self.version(name), messages=tuple(split_messages(text, name))
        )


def split_messages(text: str, name: str = "template") -> list[dict[str, str]]:
    """Split rendered text into messages at ``[system]``/``[user]``/``[assistant]`` lines."""
    messages: list[dict[str, str]] = []
    role: str | None = None
    lines: list[str] = []
    for line in text.split("\n"):  # not splitlines(): only a real newline starts a line
        marker = ROLE_MARKERS.get(line.strip())
        if marker is None:
            lines.append(line)
            continue
        if role is not None:
            messages.append({"role": role, "content": "\n".join(lines).strip()})
        role, lines = marker, []
    if role is None:
        raise InputError(f"prompt template {name!r} has no [system] or [user] line")
    messages.append({"role": role, "content": "\n".join(lines).strip()})
    return [message for message in messages if message["content"]]
