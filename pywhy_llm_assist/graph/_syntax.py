"""A small, strict reader for the DOT family of graph languages (Graphviz DOT and DAGitty).

Both languages share one shape: ``[strict] kind [name] { statements }`` where a statement
declares a node with an attribute list, an edge chain ``a -> b -> c [attributes]``, a default
attribute statement (``node [...]``), a graph attribute ``name = value``, or a ``{ ... }``
group (subgraph) that stands for all the nodes inside it. The two dialects differ in what a
bare identifier is, which escapes a quoted string knows, and which edge operators exist.

The reader runs in linear time, never recurses deeper than `MAX_DEPTH`, and reports every
problem as one `GraphFormatError` naming the line and column.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn

from ..core._errors import GraphFormatError

MAX_DEPTH = 64
MAX_EDGES = 200_000
PADDING = 2  # peek looks at most this far past the current token
FLAG_VALUE = "true"
SHOWN_LENGTH = 40


@dataclass(frozen=True)
class Dialect:
    """What differs between DOT and DAGitty text.

    Attributes:
        label: the language name used in error messages.
        bareword: an unquoted identifier (anchored at the scan position).
        escapes: character after a backslash in a quoted string -> its meaning; a backslash
            before any other character is kept as it is.
        edge_operators: every edge operator, longest first.
        keywords: unquoted words that start a default attribute statement.
        graph_kinds: accepted words before the opening brace (lower case).
        html_strings: True if ``<...>`` is an identifier (DOT) rather than an operator start.
    """

    label: str
    bareword: re.Pattern[str]
    escapes: dict[str, str]
    edge_operators: tuple[str, ...]
    keywords: frozenset[str]
    graph_kinds: frozenset[str]
    html_strings: bool


DOT = Dialect(
    label="DOT",
    bareword=re.compile(r"-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)|[^\W\d]\w*"),
    escapes={'"': '"', "\\": "\\"},
    edge_operators=("->", "--"),
    keywords=frozenset({"node", "edge", "graph"}),
    graph_kinds=frozenset({"digraph", "graph"}),
    html_strings=True,
)

DAGITTY = Dialect(
    label="DAGitty",
    bareword=re.compile(r"-?[0-9A-Za-z_.]+"),
    escapes={'"': '"'},
    edge_operators=("@->", "<-@", "--@", "@-@", "@--", "<->", "->", "<-", "--"),
    keywords=frozenset(),
    graph_kinds=frozenset({"dag", "digraph", "graph", "mag", "pdag", "pag"}),
    html_strings=False,
)


class Token(NamedTuple):
    """One lexical unit: ``kind`` is ``id``, ``edge``, ``punct`` or ``end``."""

    kind: str
    value: str
    position: int
    quoted: bool = False


@dataclass
class ParsedEdge:
    """One ``source operator target`` pair with its attributes, as written."""

    source: str
    operator: str
    target: str
    attributes: dict[str, str]
    line: int


@dataclass
class ParsedGraph:
    """The statements of one graph, before any meaning is given to them.

    Attributes:
        kind: the graph kind word, lower case (``digraph``, ``dag``, ...).
        name: the graph's name, if any.
        nodes: every node in order of first mention, with its attributes.
        edges: every edge pair in order.
        attributes: graph-level attributes.
    """

    kind: str
    name: str | None = None
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[ParsedEdge] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


def parse(text: str, dialect: Dialect) -> ParsedGraph:
    """Parse one graph written in `dialect`.

    Example:
        >>> parse('digraph { a -> b [confidence="0.5"] }', DOT).edges[0].attributes
        {'confidence': '0.5'}
    """
    locator = Locator(text, dialect.label)
    return _Parser(tokenize(text, dialect, locator), dialect, locator).parse()


def shorten(text: str, limit: int = SHOWN_LENGTH) -> str:
    """Return `text` cut to `limit` characters (with an ellipsis), for error messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------- tokenizer
class Locator:
    """Turns a character position into a line and column (computed only when needed)."""

    def __init__(self, text: str, label: str) -> None:
        self.label = label
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, position: int) -> int:
        return bisect_right(self.newlines, position - 1) + 1

    def where(self, position: int) -> str:
        line = self.line(position)
        line_start = self.newlines[line - 2] + 1 if line > 1 else 0
        return f"{self.label} line {line}, column {position - line_start + 1}"

    def fail(self, position: int, message: str) -> GraphFormatError:
        return GraphFormatError(f"{self.where(position)}: {message}")


QUOTE_OR_BACKSLASH = re.compile(r'["\\]')
LINE_BREAKS = re.compile(r"[\r\n]+")
_TOKEN_PATTERNS: dict[str, re.Pattern[str]] = {}


def _token_pattern(dialect: Dialect) -> re.Pattern[str]:
    """Skip blanks and comments, then match one token other than a quoted or HTML string."""
    if dialect.label not in _TOKEN_PATTERNS:
        operators = "|".join(re.escape(operator) for operator in dialect.edge_operators)
        skip = r"(?:\n[ \t]*\#[^\n]*|\A[ \t]*\#[^\n]*|[^\S\n]+|\n|//[^\n]*|/\*.*?\*/)*"
        _TOKEN_PATTERNS[dialect.label] = re.compile(
            rf"{skip}(?:(?P<edge>{operators})|(?P<punct>[{{}}\[\]=,;:+])"
            rf"|(?P<id>{dialect.bareword.pattern}))?",
            re.DOTALL,
        )
    return _TOKEN_PATTERNS[dialect.label]


def _quoted(text: str, start: int, dialect: Dialect, locator: Locator) -> tuple[str, int]:
    """Read the quoted string opening at `start`; return its value and the position after it."""
    parts: list[str] = []
    index = start + 1
    while True:
        match = QUOTE_OR_BACKSLASH.search(text, index)
        if match is None:
            raise locator.fail(start, "a quoted string is never closed")
        stop = match.start()
        parts.append(text[index:stop])
        if text[stop] == '"':
            return "".join(parts), stop + 1
        following = text[stop + 1 : stop + 2]
        if following in ("\n", "\r"):  # a backslash before a line break continues the line
            breaks = LINE_BREAKS.match(text, stop + 1)
            index = breaks.end() if breaks else stop + 2
        elif following in dialect.escapes:
            parts.append(dialect.escapes[following])
            index = stop + 2
        else:
            parts.append("\\")
            index = stop + 1


def _html(text: str, start: int, locator: Locator) -> tuple[str, int]:
    """Read the ``<...>`` string (nested angle brackets) opening at `start`."""
    depth = 0
    for match in re.compile("[<>]").finditer(text, start):
        depth += 1 if match.group() == "<" else -1
        if depth == 0:
            return text[start + 1 : match.start()], match.end()
    raise locator.fail(start, "an <HTML> string is never closed")


def tokenize(text: str, dialect: Dialect, locator: Locator | None = None) -> list[Token]:
    """Split `text` into tokens (`GraphFormatError` on a character no rule accepts).

    Example:
        >>> [token.value for token in tokenize('dag { "a b" -> c }', DAGITTY)]
        ['dag', '{', 'a b', '->', 'c', '}', 'end of input']
    """
    locator = locator or Locator(text, dialect.label)
    pattern = _token_pattern(dialect)
    tokens: list[Token] = []
    append = tokens.append
    position, length = 0, len(text)
    while True:
        match = pattern.match(text, position)
        position = match.end() if match else position
        kind = match.lastgroup if match else None
        if kind is not None and match is not None:
            append(Token(kind, match.group(kind), match.start(kind)))
            continue
        if position >= length:
            append(Token("end", "end of input", position))
            return tokens
        character = text[position]
        if character == '"':
            value, after = _quoted(text, position, dialect, locator)
        elif character == "<" and dialect.html_strings:
            value, after = _html(text, position, locator)
        elif text.startswith("/*", position):
            raise locator.fail(position, "a /* comment is never closed")
        else:
            raise locator.fail(position, f"unexpected character {character!r}")
        append(Token("id", value, position, quoted=True))
        position = after


# ------------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, tokens: list[Token], dialect: Dialect, locator: Locator) -> None:
        self.tokens = tokens + [tokens[-1]] * PADDING
        self.locator = locator
        self.dialect = dialect
        self.index = 0
        self.graph = ParsedGraph(kind="")

    # -- token helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[self.index + offset]  # the list ends with PADDING end tokens

    def take(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> NoReturn:
        found = token or self.peek()
        shown = found.value if found.kind == "end" else repr(shorten(found.value))
        raise GraphFormatError(
            f"{self.locator.where(found.position)}: expected {expected}, found {shown}"
        )

    def is_punct(self, value: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "punct" and token.value == value

    def expect_punct(self, value: str) -> None:
        if not self.is_punct(value):
            self.fail(repr(value))
        self.take()

    def is_word(self, words: frozenset[str] | set[str], offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "id" and not token.quoted and token.value.lower() in words

    def identifier(self) -> str:
        token = self.take()
        if token.kind != "id":
            self.fail("a name", token)
        value = token.value
        while token.quoted and self.is_punct("+") and self.peek(1).quoted:
            self.take()
            value += self.take().value
        return value

    # -- grammar
    def parse(self) -> ParsedGraph:
        if self.peek().kind == "end":
            self.fail(f"a {self.dialect.label} graph such as 'digraph {{ a -> b }}'")
        if self.is_word({"strict"}):
            self.take()
        if not self.is_word(self.dialect.graph_kinds):
            kinds = " or ".join(sorted(self.dialect.graph_kinds))
            self.fail(f"the graph kind ({kinds})")
        self.graph.kind = self.take().value.lower()
        if not self.is_punct("{"):
            self.graph.name = self.identifier()
        self.expect_punct("{")
        self.statements(depth=1, node_defaults={}, edge_defaults={})
        self.expect_punct("}")
        if self.peek().kind != "end":
            self.fail("the end of the input (one graph per text)")
        return self.graph

    def statements(
        self, depth: int, node_defaults: dict[str, str], edge_defaults: dict[str, str]
    ) -> list[str]:
        if depth > MAX_DEPTH:
            self.fail(f"at most {MAX_DEPTH} nested braces")
        node_defaults, edge_defaults = dict(node_defaults), dict(edge_defaults)
        mentioned: list[str] = []
        while not self.is_punct("}"):
            if self.peek().kind == "end":
                self.fail("'}'")
            if self.is_punct(";") or self.is_punct(","):
                self.take()
                continue
            mentioned += self.statement(depth, node_defaults, edge_defaults)
        return mentioned

    def statement(
        self, depth: int, node_defaults: dict[str, str], edge_defaults: dict[str, str]
    ) -> list[str]:
        if self.is_word(self.dialect.keywords) and self.is_punct("[", 1):
            keyword = self.take().value.lower()
            targets = {"node": node_defaults, "edge": edge_defaults, "graph": self.graph.attributes}
            attributes = self.attribute_lists()
            if keyword != "graph" or depth == 1:
                targets[keyword].update(attributes)
            return []
        if self.peek().kind == "id" and self.is_punct("=", 1):
            key = self.identifier()
            self.take()
            value = self.identifier()
            if depth == 1:
                self.graph.attributes[key] = value
            return []
        groups = [self.endpoint(depth, node_defaults, edge_defaults)]
        operators: list[Token] = []
        while self.peek().kind == "edge":
            operators.append(self.take())
            groups.append(self.endpoint(depth, node_defaults, edge_defaults))
        attributes = self.attribute_lists() if self.is_punct("[") else {}
        if not operators:
            for name in groups[0]:
                self.graph.nodes[name].update(attributes)
            return groups[0]
        edge_attributes = {**edge_defaults, **attributes}
        pairs = sum(len(left) * len(right) for left, right in itertools.pairwise(groups))
        if len(self.graph.edges) + pairs > MAX_EDGES:
            self.fail(f"at most {MAX_EDGES} edges", operators[0])
        for left, operator, right in zip(groups, operators, groups[1:], strict=False):
            for source in left:
                for target in right:
                    self.graph.edges.append(
                        ParsedEdge(
                            source,
                            operator.value,
                            target,
                            dict(edge_attributes),
                            self.locator.line(operator.position),
                        )
                    )
        return [name for group in groups for name in group]

    def endpoint(
        self, depth: int, node_defaults: dict[str, str], edge_defaults: dict[str, str]
    ) -> list[str]:
        if self.dialect.keywords and self.is_word({"subgraph"}):  # DOT: 'subgraph [name] {'
            self.take()
            if not self.is_punct("{"):
                self.identifier()
        if self.is_punct("{"):
            self.take()
            names = self.statements(depth + 1, node_defaults, edge_defaults)
            self.expect_punct("}")
            return list(dict.fromkeys(names))
        name = self.identifier()
        if self.dialect.keywords and self.is_punct(":"):  # DOT port and compass point: dropped
            self.take()
            self.identifier()
            if self.is_punct(":"):
                self.take()
                self.identifier()
        if name not in self.graph.nodes:
            self.graph.nodes[name] = dict(node_defaults)
        return [name]

    def attribute_lists(self) -> dict[str, str]:
        attributes: dict[str, str] = {}
        while self.is_punct("["):
            self.take()
            while not self.is_punct("]"):
                if self.peek().kind == "end":
                    self.fail("']'")
                key = self.identifier()
                value = FLAG_VALUE
                if self.is_punct("="):
                    self.take()
                    value = self.identifier()
                attributes[key] = value
                if self.is_punct(",") or self.is_punct(";"):
                    self.take()
            self.take()
        return attributes
