"""Where each finding goes on the review page, and what its one-click suggestion does."""

from __future__ import annotations

import json
import re

from _review_fixtures import critique_for, finding, smoking_graph

from pywhy_llm_assist import SuggestedEdit, check_graph
from pywhy_llm_assist.graph._causal_graph import CausalGraph
from pywhy_llm_assist.graph._layout import layered_layout
from pywhy_llm_assist.graph._routing import geometry
from pywhy_llm_assist.review._page import to_review_html
from pywhy_llm_assist.review._page_findings import findings_data


def data_for(graph: CausalGraph, *findings: object) -> dict:
    return findings_data(
        critique_for(graph, list(findings)), graph, geometry(layered_layout(graph))
    )


def embedded(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_each_finding_is_linked_to_its_edge_pair_or_variables() -> None:
    graph = smoking_graph()
    index = graph.edge_pairs.index
    data = data_for(
        graph,
        finding("reversed_edge", "model", "high", "age comes first", ("cancer", "age"),
                SuggestedEdit(action="reverse_edge", source="cancer", target="age")),
        # A data finding names (x, y, *given): linked by its first two variables, either way.
        finding("implication_rejected", "data", "high", "tar and smoking dependent",
                ("tar", "smoking", "age")),
        # No edge between smoking and age: it gets a row of its own.
        finding("implication_rejected", "data", "medium", "smoking and age dependent",
                ("smoking", "age", "tar")),
        finding("minimal_adjustment_set", "graph", "info", "adjust for {asbestos, tar}",
                ("asbestos", "tar"),
                SuggestedEdit(action="set_adjustment", variables=("asbestos", "tar"))),
        finding("instrument", "graph", "info", "asbestos is an instrument", ("asbestos",)),
        finding("note", "model", "low", "about nothing in particular", ()),
    )  # fmt: skip
    links = [item["link"] for item in data["items"]]
    assert links == [
        {"edge": index(("cancer", "age"))},
        {"edge": index(("smoking", "tar"))},
        {"pair_row": 0},
        {"variables": ["asbestos", "tar"]},  # a set, not the pair of its first two members
        {"variables": ["asbestos"]},
        {},
    ]
    assert data["pairs"] == [["smoking", "age"]]


def test_suggestions_map_each_edit_to_a_page_action() -> None:
    graph = smoking_graph()
    index = graph.edge_pairs.index
    data = data_for(
        graph,
        finding("reversed_edge", "model", "high", "r", ("cancer", "age"),
                SuggestedEdit(action="reverse_edge", source="cancer", target="age")),
        finding("implausible_edge", "model", "high", "i", ("asbestos", "smoking"),
                SuggestedEdit(action="remove_edge", source="asbestos", target="smoking")),
        finding("missing_edge", "model", "medium", "m", ("asbestos", "cancer"),
                SuggestedEdit(action="add_edge", source="asbestos", target="cancer")),
        finding("missing_edge", "model", "medium", "o", ("age", "cancer"),
                SuggestedEdit(action="add_edge", source="age", target="cancer")),
        finding("unmeasured_confounder", "model", "medium", "u", ("smoking", "cancer"),
                SuggestedEdit(action="add_latent", latent_name="genotype",
                              latent_description="inherited", variables=("smoking", "cancer"))),
        finding("missing_edge", "model", "low", "exists", ("smoking", "tar"),
                SuggestedEdit(action="add_edge", source="smoking", target="tar")),
    )  # fmt: skip
    suggestions = [item["suggestion"] for item in data["items"]]
    assert suggestions[0] == {
        "type": "decide", "edge": index(("cancer", "age")), "action": "reverse",
        "label": "Apply: reverse cancer → age",
    }  # fmt: skip
    assert (suggestions[1]["type"], suggestions[1]["action"]) == ("decide", "reject")
    assert suggestions[2]["type"] == "add" and suggestions[2]["edges"] == [["asbestos", "cancer"]]
    # Adding the opposite of a proposed edge is reversing it.
    assert (suggestions[3]["action"], suggestions[3]["edge"]) == (
        "reverse",
        index(("cancer", "age")),
    )
    latent = suggestions[4]
    assert latent["type"] == "latent" and latent["edges"] == [
        ["genotype", "smoking"],
        ["genotype", "cancer"],
    ]
    box = latent["box"]
    layout = layered_layout(graph)
    assert box["layer"] < min(layout.nodes[name].layer for name in ("smoking", "cancer"))
    assert suggestions[5] is None  # the edge is already there


def test_the_critique_section_lists_every_adjustment_set() -> None:
    graph = CausalGraph.from_edges(
        ["age", "income", "exercise", "heart"],
        [("age", "exercise"), ("age", "heart"), ("income", "exercise"), ("income", "heart"),
         ("exercise", "heart")],
    )  # fmt: skip
    critique = check_graph(graph, treatment="exercise", outcome="heart")
    page = to_review_html(graph, critique=critique)
    section = page[page.index("<section id='critique'>") :]
    assert "Effect</dt><dd class='sets'>exercise → heart" in section
    assert "1 minimal valid adjustment set</dt><dd class='sets'>{age, income}" in section
    assert "Smallest valid adjustment set</dt><dd class='sets'>{age, income}" in section
    data = embedded(page)
    assert data["findings"]["question"]["valid_adjustment_sets"] == [["age", "income"]]
    assert data["findings"]["items"][0]["link"] == {"variables": ["age", "income"]}


def test_page_data_carries_geometry_bounds_and_placed_latents() -> None:
    graph = smoking_graph()
    latent = finding(
        "unmeasured_confounder", "model", "medium", "u", ("tar", "cancer"),
        SuggestedEdit(action="add_latent", latent_name="diet", variables=("tar", "cancer")),
    )  # fmt: skip
    data = embedded(to_review_html(graph, critique=critique_for(graph, [latent])))
    box = data["findings"]["items"][0]["suggestion"]["box"]
    assert data["bounds"]["y"] <= box["y"] - box["height"] / 2
    layer = data["geometry"]["layers"][str(box["layer"])]
    assert [round(box["x"] - box["width"] / 2, 1), round(box["x"] + box["width"] / 2, 1)] in layer
