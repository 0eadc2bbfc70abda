"""How a `ReviewConsensus` reads: a text table for ``print`` and an HTML table for Jupyter."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..core._text import counted

if TYPE_CHECKING:
    from ._merge import ConsensusEdge, ReviewConsensus, ReviewerVote

_COMMENT_WIDTH = 40


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _arrow(item: ConsensusEdge) -> str:
    return f"{item.pair[0]} -> {item.pair[1]}"


def _vote_text(vote: ReviewerVote) -> str:
    text = vote.action + (" (suggestion)" if vote.origin is not None else "")
    comment = " ".join(vote.comment.split())
    if comment:
        short = comment if len(comment) <= _COMMENT_WIDTH else comment[: _COMMENT_WIDTH - 3] + "..."
        text += f' "{short}"'
    return text


def _outcome(item: ConsensusEdge) -> str:
    if item.decision is None:
        return "DISPUTED" + (f" ({item.note})" if item.note else "")
    added = f", added by {len(item.added_by)}" if not item.proposed else ""
    return item.decision + added


def consensus_text(consensus: ReviewConsensus) -> str:
    """The consensus as a table: one line per edge, one column per reviewer, then the outcome."""
    lines = [
        f"Review consensus of {counted(len(consensus.reviewers), 'reviewer')} "
        f"({', '.join(consensus.reviewers)}), rule {consensus.rule}: "
        f"{counted(len(consensus.edges), 'edge')}, {len(consensus.disputed)} disputed",
        f"  agreement: {consensus.agreement}",
    ]
    width = max((len(_arrow(item)) for item in consensus.edges), default=0)
    for item in consensus.edges:
        votes = "; ".join(f"{vote.reviewer}: {_vote_text(vote)}" for vote in item.votes)
        marker = "" if item.proposed else " [added]"
        lines.append(f"  {_arrow(item).ljust(width)}  {_outcome(item)}{marker}  <- {votes}")
    graph = consensus.graph
    lines.append(
        f"  consensus graph: {counted(len(graph.variables), 'variable')}, "
        f"{counted(len(graph.edges), 'edge')}"
    )
    if consensus.disputed:
        shown = ", ".join(_arrow(item) for item in consensus.disputed)
        lines.append(f"  disputed (second round): {shown}")
    return "\n".join(lines)


_CELL = "border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top"
_DISPUTED = "background:#fef3c7"
_ACTION_COLOURS = {
    "accept": "#15803d",
    "add": "#7c3aed",
    "reject": "#b91c1c",
    "leave_out": "#b91c1c",
    "not_added": "#64748b",
    "reverse": "#b45309",
    "unreviewed": "#64748b",
}


def _vote_cell(vote: ReviewerVote) -> str:
    colour = _ACTION_COLOURS.get(vote.action, "#0f172a")
    origin = (
        f"<div style='color:#475569;font-size:11px'>{_escape(vote.origin.describe())}</div>"
        if vote.origin is not None
        else ""
    )
    comment = f"<div style='color:#475569'>{_escape(vote.comment)}</div>" if vote.comment else ""
    action = f"<span style='color:{colour};font-weight:600'>{_escape(vote.action)}</span>"
    return action + comment + origin


def consensus_repr_html(consensus: ReviewConsensus) -> str:
    """HTML for a notebook: the agreement line and a table of every edge's votes."""
    head = "".join(
        f"<th style='{_CELL}'>{_escape(name)}</th>"
        for name in ("Edge", *consensus.reviewers, "Agreed")
    )
    rows = []
    for item in consensus.edges:
        style = f" style='{_DISPUTED}'" if item.disputed else ""
        cells = [
            _escape(_arrow(item).replace("->", "→"))
            + ("" if item.proposed else " <span style='color:#7c3aed'>(added)</span>"),
            *(_vote_cell(vote) for vote in item.votes),
            f"<strong>{_escape(_outcome(item))}</strong>",
        ]
        rows.append(
            f"<tr{style}>" + "".join(f"<td style='{_CELL}'>{cell}</td>" for cell in cells) + "</tr>"
        )
    heading = _escape(
        f"Review consensus ({consensus.rule}) of {', '.join(consensus.reviewers)}: "
        f"{len(consensus.disputed)} of {counted(len(consensus.edges), 'edge')} disputed"
    )
    return (
        "<div class='pywhy-llm-assist-consensus' style='font-family:system-ui,sans-serif'>"
        f"<div style='font-weight:600'>{heading}</div>"
        f"<div style='color:#475569'>{_escape(consensus.agreement)}</div>"
        "<table style='border-collapse:collapse;font-size:12px;margin-top:6px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
