"""The renamed mode hides the network: no network name, no original variable name in the context
or descriptions; and no packaged benchmark context names its network or states an edge."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pywhy_llm_assist.evaluate._graphs import (
    CYCLIC_FOLDER,
    PACKAGED_FOLDER,
    load_benchmark,
    rename_benchmark,
    rename_variables,
)
from pywhy_llm_assist.evaluate._scrub import NETWORK_PLACEHOLDER, scrub_text

PACKAGED = sorted([*PACKAGED_FOLDER.glob("*.json"), *CYCLIC_FOLDER.glob("*.json")])
# Words that assert a causal link; a context may describe the setting, never an edge.
CAUSAL_WORDS = (
    "cause", "causes", "caused", "causing", "leads to", "lead to", "results in", "affects",
    "affect", "influences", "influence", "because", "due to", "triggers", "changes",
    "increases", "decreases", "raises", "lowers", "drives", "determines", "makes",
)  # fmt: skip


def mentions(text: str, word: str, *, plural: bool = False) -> bool:
    suffix = "(?:e?s)?" if plural else ""
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(word)}{suffix}(?![A-Za-z0-9_])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def network_spellings(name: str) -> list[str]:
    return list({name, name.replace("_", " ")})


@pytest.mark.parametrize("path", PACKAGED, ids=lambda path: path.stem)
def test_no_packaged_context_names_its_network_a_variable_or_a_causal_link(path: Path) -> None:
    benchmark = load_benchmark(path)
    name = benchmark.name
    context = benchmark.context or ""
    assert context, f"{name} has no context sentence"
    for spelling in network_spellings(name):
        assert not mentions(context, spelling, plural=True), (name, spelling)
    for variable in benchmark.graph.names:
        if len(variable) > 1:
            # Naming no variable, the context cannot state an edge between two of them.
            assert not mentions(context, variable), (name, variable)
    for word in CAUSAL_WORDS:
        assert not mentions(context, word), (name, word)


@pytest.mark.parametrize("path", PACKAGED, ids=lambda path: path.stem)
def test_no_packaged_description_names_the_network_or_another_variable(path: Path) -> None:
    benchmark = load_benchmark(path)
    name = benchmark.name
    for variable in benchmark.graph.variables:
        for spelling in network_spellings(name):
            if spelling.casefold() != variable.name.casefold():
                assert not mentions(variable.description, spelling, plural=True), variable
        for other in benchmark.graph.names:
            if other != variable.name and len(other) > 1:
                assert not mentions(variable.description, other), (variable.name, other)


@pytest.mark.parametrize("path", PACKAGED, ids=lambda path: path.stem)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_renamed_mode_leaves_no_original_name_in_any_text_it_sends(
    path: Path, seed: int
) -> None:
    original = load_benchmark(path)
    name = original.name
    renamed, mapping = rename_benchmark(original, seed=seed)
    texts = [renamed.context or ""] + [variable.description for variable in renamed.graph.variables]
    for text in texts:
        for spelling in network_spellings(name):
            assert not mentions(text, spelling, plural=True), (text, spelling)
        for variable in original.graph.names:
            if len(variable) > 1:
                assert not mentions(text, variable), (text, variable)
    # What it replaced is listed, and in the packaged graphs it is only a variable's own name
    # in its own description (the proteins of sachs).
    for item in renamed.graph.metadata["replacements"]:
        neutral = item["replacement"]
        assert item["where"] == f"description of {neutral}"
        assert mapping[item["original"]] == neutral if item["original"] in mapping else True


def test_a_users_benchmark_that_names_things_is_scrubbed_and_the_replacements_listed(
    tmp_path: Path,
) -> None:
    data = {
        "name": "clinic_net",
        "context": "The Clinic net study: smoking leads to tar in every case.",
        "variables": [
            {"name": "smoking", "description": "cigarettes a day, which deposit tar"},
            {"name": "tar", "description": "tar in the lungs of the clinic net patients"},
            {"name": "cancer", "description": "a tumour; see Smoking"},
        ],
        "edges": [["smoking", "tar"], ["tar", "cancer"]],
    }
    path = tmp_path / "clinic_net.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    renamed, mapping = rename_benchmark(load_benchmark(path), seed=0)
    assert renamed.context == (
        f"The {NETWORK_PLACEHOLDER} study: {mapping['smoking']} leads to {mapping['tar']} in "
        "every case."
    )
    descriptions = {v.name: v.description for v in renamed.graph.variables}
    assert descriptions[mapping["smoking"]] == f"cigarettes a day, which deposit {mapping['tar']}"
    assert descriptions[mapping["tar"]] == (
        f"{mapping['tar']} in the lungs of the {NETWORK_PLACEHOLDER} patients"
    )
    assert descriptions[mapping["cancer"]] == f"a tumour; see {mapping['smoking']}"
    listed = renamed.graph.metadata["replacements"]
    assert listed[0] == {
        "where": "context",
        "original": "smoking",
        "replacement": mapping["smoking"],
    }
    assert {"where": f"description of {mapping['tar']}", "original": "clinic net",
            "replacement": NETWORK_PLACEHOLDER} in listed  # fmt: skip
    assert len(listed) == 7


def test_scrubbing_respects_word_boundaries_and_skips_one_letter_names() -> None:
    text, found = scrub_text(
        "A smoker smokes; Smoking and smoking_rate differ; A and S are letters.",
        "context",
        network=None,
        mapping={"smoking": "V01", "A": "V02", "S": "V03"},
    )
    assert text == "A smoker smokes; V01 and smoking_rate differ; A and S are letters."
    assert [item.original for item in found] == ["Smoking"]


def test_rename_variables_records_no_replacement_for_clean_text() -> None:
    renamed, _ = rename_variables(load_benchmark("cancer").graph, seed=3)
    assert renamed.metadata["replacements"] == []
    assert renamed.metadata["renamed"] is True
