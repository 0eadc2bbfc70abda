"""Query: one question for the model (task, template, inputs, reply schema)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Query:
    """One question: which template to render with which inputs, and what reply to expect.

    Attributes:
        task: the task that asks (``per_node``, ``pairwise``, ``confounders``, ...).
        template: prompt template name (a file in the prompt folder).
        inputs: template inputs (JSON-ready; user text enters the prompt as JSON data).
        reply_model: the pydantic model the reply must validate against.
        names: the variable names the reply may use (an ``enum`` in the schema).
        subject: the variables this query is about (for progress, errors and test doubles).
        sample: sample index when a question is asked several times (part of the cache key).
        max_tokens: reply length limit.
        max_items: a tighter bound on every list in the reply schema.
    """

    task: str
    template: str
    inputs: Mapping[str, Any]
    reply_model: type[BaseModel]
    names: tuple[str, ...]
    subject: tuple[str, ...] = ()
    sample: int = 0
    max_tokens: int = 1024
    max_items: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        """A short label such as ``per_node query about 'smoking' (sample 2)``."""
        about = ", ".join(repr(name) for name in self.subject[:4])
        if len(self.subject) > 4:
            about += f", ... ({len(self.subject)} variables)"
        text = f"{self.task} query" + (f" about {about}" if about else "")
        return text + (f" (sample {self.sample})" if self.sample else "")
