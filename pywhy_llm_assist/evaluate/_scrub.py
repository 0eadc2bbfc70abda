"""Scrubbing a benchmark's text for the renamed-variables mode: no network name, no original names.

Neutral variable names alone do not stop a model from recognising a textbook network when the
context sentence names the network or a description names a variable. `scrub_text` replaces,
as whole words and ignoring case, the network's name (also with spaces for underscores, and in
the plural) with ``[name removed]`` and every original variable name with its neutral name, and
records each replacement so the renamed graph can say what it changed
(``metadata["replacements"]``).

One-character names (``A``, ``S`` in the survey network) are left alone: a single letter
reveals nothing and cannot be told apart from ordinary text ("A questionnaire ...").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NETWORK_PLACEHOLDER = "[name removed]"
SHORTEST_SCRUBBED_NAME = 2
_WORD = "A-Za-z0-9_"


@dataclass(frozen=True)
class Replacement:
    """One replaced word: where, what it was and what it became."""

    where: str
    original: str
    replacement: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form for metadata."""
        return {"where": self.where, "original": self.original, "replacement": self.replacement}


def network_names(name: str | None) -> list[str]:
    """The spellings of a network's name to remove (``shrier_platt_2008`` also with spaces).

    Example:
        >>> network_names("shrier_platt_2008")
        ['shrier_platt_2008', 'shrier platt 2008']
    """
    if not name or len(name) < SHORTEST_SCRUBBED_NAME:
        return []
    return list(dict.fromkeys([name, name.replace("_", " ")]))


def _pattern(words: Sequence[str], *, plural: bool) -> re.Pattern[str] | None:
    chosen = sorted({word for word in words if len(word) >= SHORTEST_SCRUBBED_NAME}, key=len)
    if not chosen:
        return None
    alternatives = "|".join(re.escape(word) for word in reversed(chosen))  # longest first
    suffix = "(?:e?s)?" if plural else ""
    return re.compile(rf"(?<![{_WORD}])(?:{alternatives}){suffix}(?![{_WORD}])", re.IGNORECASE)


def scrub_text(
    text: str | None,
    where: str,
    *,
    network: str | None,
    mapping: Mapping[str, str],
) -> tuple[str | None, list[Replacement]]:
    """Replace the network's name and the original variable names in `text`.

    Args:
        text: a context sentence or a description (None passes through).
        where: what the text is, for the record (``"context"``, ``"description of V03"``).
        network: the network's name (``metadata["name"]``).
        mapping: original variable name -> neutral name.

    Returns:
        The scrubbed text and what was replaced, in order.

    Example:
        >>> scrub_text("The Clinics network: smokers with bronc", "context", network="clinic",
        ...            mapping={"bronc": "V02", "asia": "V01"})[0]
        'The [name removed] network: smokers with V02'
    """
    if not text:
        return text, []
    replacements: list[Replacement] = []
    lowered = {name.casefold(): neutral for name, neutral in mapping.items()}
    network_pattern = _pattern(network_names(network), plural=True)
    names_pattern = _pattern(list(mapping), plural=False)

    def replace_network(found: re.Match[str]) -> str:
        replacements.append(Replacement(where, found.group(0), NETWORK_PLACEHOLDER))
        return NETWORK_PLACEHOLDER

    def replace_name(found: re.Match[str]) -> str:
        neutral = lowered[found.group(0).casefold()]
        replacements.append(Replacement(where, found.group(0), neutral))
        return neutral

    # A variable named like the network (asia's "asia") is a variable first.
    scrubbed = names_pattern.sub(replace_name, text) if names_pattern else text
    if network_pattern is not None:
        scrubbed = network_pattern.sub(replace_network, scrubbed)
    return scrubbed, replacements
