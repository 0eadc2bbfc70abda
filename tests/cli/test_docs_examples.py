"""Every command line shown in the README, docs/ and examples/ parses with the real parser.

A command in a code block (``$ pywhy-llm-assist ...``, continuation lines joined) or in an
inline code span is parsed by `build_parser`: an option that does not exist, a bad choice or a
missing argument fails here. An inline span that names options alone (```--samples N```)
must name options some command has.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from pywhy_llm_assist.cli._main import COMMANDS, PROGRAM, UsageError, build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").glob("*/README.md")]
)
FENCE = re.compile(r"```[\w-]*\n(.*?)```", re.DOTALL)
SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
ENVIRONMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")
COMMAND_START = re.compile(
    rf"^(?:\$ )?(?:[A-Z_][A-Z0-9_]*=\S+ )*(?:{PROGRAM}|python -m pywhy_llm_assist)( |$)"
)
SHELL_STOPS = {"|", ">", ">>", "&&", "||", ";", "2>", "2>&1"}


def _commands_in_blocks(text: str) -> list[str]:
    found = []
    for block in FENCE.findall(text):
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            if COMMAND_START.match(line):
                command = line.removeprefix("$ ")
                while command.rstrip().endswith("\\") and index + 1 < len(lines):
                    index += 1
                    command = command.rstrip()[:-1] + " " + lines[index].strip()
                found.append(command)
            index += 1
    return found


def _outside_fences(text: str) -> str:
    return FENCE.sub("", text)


def _examples() -> list[tuple[str, str]]:
    examples = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        name = str(document.relative_to(ROOT))
        examples += [(name, command) for command in _commands_in_blocks(text)]
        examples += [
            (name, span)
            for span in SPAN.findall(_outside_fences(text))
            if COMMAND_START.match(span)
        ]
    return examples


def _arguments(command: str) -> list[str]:
    """The arguments after the program name, without environment, comments or redirections."""
    words = shlex.split(command.removeprefix("$ "), comments=True)
    while words and ENVIRONMENT.match(words[0]):
        words.pop(0)
    words = words[3:] if words[:2] == ["python", "-m"] else words[1:]
    for position, word in enumerate(words):
        if word in SHELL_STOPS or word.startswith((">", "2>")):
            return words[:position]
    return words


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


EXAMPLES = _examples()


def test_the_documents_show_command_lines() -> None:
    by_document = {name for name, _ in EXAMPLES}
    assert {"README.md", "docs/cli.md", "docs/benchmarks.md"} <= by_document
    assert len(EXAMPLES) > 40


@pytest.mark.parametrize(("document", "command"), EXAMPLES, ids=lambda value: str(value)[:60])
def test_every_documented_command_line_parses(document: str, command: str) -> None:
    arguments = _arguments(command)
    if len(arguments) == 1 and not command.startswith("$"):
        # A command named in prose (`pywhy-llm-assist merge-reviews`): it must exist.
        assert arguments[0] in COMMANDS, (document, command)
        return
    parser = build_parser()
    try:
        parsed = parser.parse_args(arguments)
    except SystemExit as exit_request:  # --help, --version
        assert exit_request.code in (0, None), (document, command)
        return
    except UsageError as error:
        pytest.fail(f"{document}: {command!r} does not parse: {error}")
    if arguments:
        assert getattr(parsed, "handler", None) is not None, (document, command)


def test_options_named_in_inline_code_exist() -> None:
    known = {
        option
        for parser in _parsers(build_parser())
        for action in parser._actions
        for option in action.option_strings
    }
    unknown = []
    for document in DOCUMENTS:
        for span in SPAN.findall(_outside_fences(document.read_text(encoding="utf-8"))):
            if span.startswith("--"):
                named = [word for word in span.split() if word.startswith("--")]
                unknown += [f"{document.name}: `{span}`" for word in named if word not in known]
    assert unknown == [], "options the command line does not have: " + "; ".join(unknown)


def test_the_checker_catches_a_wrong_option() -> None:
    with pytest.raises(UsageError, match="--simulated-error"):
        build_parser().parse_args(_arguments("$ pywhy-llm-assist benchmark --simulated-error 0.2"))
    assert _arguments("A=1 pywhy-llm-assist cache stats --quiet > out.txt  # note") == [
        "cache",
        "stats",
        "--quiet",
    ]
