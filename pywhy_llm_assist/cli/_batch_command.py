"""``pywhy-llm-assist batch submit|status|collect COMMAND ...``: a command's requests as a batch.

Wraps a model command (``suggest-graph``, ``confounders``, ``instruments``, ``mediators``,
``negative-controls``, ``critique``) with the same options as a normal run. ``submit`` sends
the requests the cache cannot answer as one OpenAI Batch API job (half the price, answered
within 24 hours) and saves its id next to the cache; ``status`` shows how far it got;
``collect`` imports the answers into the cache. The normal command then replays them.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from typing import Any

from .. import Assistant, BatchJob
from ..core._errors import InputError
from ..llm import DEFAULT_POLL_SECONDS
from ._commands import Reporter, open_assistant, reporter, write_output
from ._settings import PROGRAM
from ._task_calls import TASK_CALLS

ACTIONS = ("submit", "status", "collect")
EXIT_PENDING = 75
"""``batch collect`` without ``--wait`` while a batch is still running (EX_TEMPFAIL)."""


def add_batch_options(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """``--wait``, ``--timeout``, ``--poll-interval`` and ``--json``."""
    default: Any = None if defaults else argparse.SUPPRESS
    group = parser.add_argument_group("batch")
    group.add_argument(
        "--wait",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="collect: poll until every batch has finished",
    )
    group.add_argument(
        "--timeout", type=float, metavar="SECONDS", default=default, help="collect: most to wait"
    )
    group.add_argument(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        default=DEFAULT_POLL_SECONDS if defaults else argparse.SUPPRESS,
        help=f"collect: seconds between looks at the server (default {DEFAULT_POLL_SECONDS:g})",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="print the status or report as JSON on stdout",
    )


def configure_batch(parser: argparse.ArgumentParser) -> None:
    """The ``batch`` command's arguments: the action, the wrapped command and its options."""
    parser.add_argument("action", choices=ACTIONS, help="submit, status or collect")
    parser.add_argument(
        "target",
        choices=tuple(TASK_CALLS),
        metavar="COMMAND",
        help=f"the command whose requests to batch: {', '.join(TASK_CALLS)}",
    )
    parser.add_argument(
        "arguments",
        nargs=argparse.REMAINDER,
        metavar="OPTIONS",
        help="the command's options, exactly as for a normal run",
    )
    add_batch_options(parser)


def _split(
    args: argparse.Namespace,
) -> tuple[argparse.Namespace, argparse.Namespace, list[str]]:
    """The batch options (wherever they were given), the wrapped command's parsed arguments
    and its command line."""
    from ._main import _Parser, build_parser

    extra = _Parser(add_help=False)
    add_batch_options(extra, defaults=False)
    found, rest = extra.parse_known_args(args.arguments)
    options = argparse.Namespace(**{**vars(args), **vars(found)})
    command = build_parser().parse_args([args.target, *rest])
    if getattr(command, "no_model", False):
        raise InputError("critique --no-model asks no model: there is nothing to batch")
    return options, command, [args.target, *rest]


def _show_jobs(report: Reporter) -> Callable[[Sequence[BatchJob]], None]:
    def show(jobs: Sequence[BatchJob]) -> None:
        for job in jobs:
            report.line(f"  {job}")

    return show


def _print_json(text: str) -> None:
    write_output(text, None)


def run_batch(args: argparse.Namespace) -> int:
    """``batch``: submit a command's requests as a batch, show its status, or collect it."""
    options, command, line = _split(args)
    call = TASK_CALLS[options.target](command)
    report = reporter(command)
    wrapped = " ".join(shlex.quote(word) for word in line)

    def ask(assistant: Assistant) -> Any:
        return call(assistant, None)

    with open_assistant(command) as assistant:
        if options.action == "collect":
            collected = assistant.collect_batch(
                ask,
                wait=options.wait,
                timeout=options.timeout,
                poll_interval=options.poll_interval,
                progress=_show_jobs(report) if options.wait else None,
            )
            report.line(str(collected))
            if options.json:
                _print_json(collected.model_dump_json(indent=2))
            if collected.waiting:
                report.line(
                    f"still running: rerun '{PROGRAM} batch collect {wrapped}' later "
                    "(or add --wait)"
                )
                return EXIT_PENDING
            if collected.imported or collected.cached:
                report.line(
                    f"now run '{PROGRAM} {wrapped}': its answers come from the cache"
                    + (" (the failed ones are asked live)" if collected.failed else "")
                )
            return 0
        if options.action == "submit":
            status = assistant.submit_batch(ask)
        else:
            status = assistant.batch_status(ask)
        report.line(str(status))
        if options.json:
            _print_json(status.model_dump_json(indent=2))
        if status.ready:
            report.line(f"every answer is cached: run '{PROGRAM} {wrapped}'")
        elif status.waiting:
            report.line(f"collect the answers with '{PROGRAM} batch collect {wrapped}'")
        elif status.unsubmitted:
            report.line(f"send them with '{PROGRAM} batch submit {wrapped}'")
        return 0
