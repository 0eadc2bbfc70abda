"""Reading data files and the data-test options (``--data``, ``--alpha``, ``--method``, ...).

Data files, chosen by extension (or ``--data-format``): ``.csv`` (comma-separated), ``.tsv`` /
``.tab`` (tab-separated), ``.parquet`` / ``.pq`` (needs pyarrow: the ``parquet`` extra). The
first row of a CSV or TSV file names the columns; empty cells are missing values.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import CausalGraph, ImplicationTests, OptionalDependencyError, test_implications
from ..core._errors import InputError
from ..core._files import is_stream_name, read_bytes

if TYPE_CHECKING:
    import pandas as pd

DATA_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
TEST_METHODS = ("auto", "fisher_z", "g_test", "residual", "kci", "rcit")
MAX_DATA_BYTES = 2 * 1024**3
"""Largest data file read: 2 GiB (a FIFO, a device or a larger file is refused at once)."""


def _read_delimited(separator: str) -> Callable[[bytes, str], pd.DataFrame]:
    def read(raw: bytes, shown: str) -> pd.DataFrame:
        import pandas as pd

        return pd.read_csv(io.BytesIO(raw), sep=separator, encoding="utf-8-sig")

    return read


def _read_parquet(raw: bytes, shown: str) -> pd.DataFrame:
    import importlib.util

    import pandas as pd

    if importlib.util.find_spec("pyarrow") is None:
        raise OptionalDependencyError(
            f"reading the Parquet file {shown!r} needs pyarrow: "
            "pip install 'pywhy-llm-assist[parquet]' (or save the data as CSV)"
        )
    return pd.read_parquet(io.BytesIO(raw))


#: data format -> how its bytes are read.
DATA_READERS: dict[str, Callable[[bytes, str], pd.DataFrame]] = {
    "csv": _read_delimited(","),
    "tsv": _read_delimited("\t"),
    "parquet": _read_parquet,
}


def read_data(path: str | Path, data_format: str | None = None) -> pd.DataFrame:
    """Read a data file (CSV, TSV or Parquet; ``-`` is standard input) into a DataFrame.

    The file is read once through the safe reader (a regular file of at most `MAX_DATA_BYTES`,
    never a FIFO or a device); every failure is an `InputError`.
    """
    import pandas as pd

    shown = str(path)
    suffix = "" if is_stream_name(shown) else Path(path).suffix.casefold()
    chosen = data_format or DATA_SUFFIXES.get(suffix)
    if chosen is None:
        raise InputError(
            f"data file {shown!r}: cannot tell its format from the extension; use .csv, .tsv "
            "or .parquet, or pass --data-format"
        )
    raw = read_bytes(path, "data file", limit=MAX_DATA_BYTES)
    try:
        frame = DATA_READERS[chosen](raw, shown)
    except OptionalDependencyError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"data file {shown!r} is not valid {chosen.upper()}: {first}") from None
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot read data file {shown!r}: {first}") from None
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def parse_types(text: str | None) -> dict[str, str]:
    """``'a=discrete,b=continuous'`` -> ``{"a": "discrete", "b": "continuous"}``."""
    if not text:
        return {}
    types: dict[str, str] = {}
    for part in text.split(","):
        name, separator, kind = part.rpartition("=")
        if not separator or not name.strip():
            raise InputError(
                f"--types {text!r}: write NAME=KIND pairs separated by commas, "
                "e.g. 'age=continuous,region=discrete'"
            )
        types[name.strip()] = kind.strip()
    return types


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def add_data_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """``--data``, ``--data-format``, ``--alpha``, ``--method`` and ``--types``."""
    group = parser.add_argument_group("data tests")
    group.add_argument(
        "--data",
        required=required,
        metavar="FILE",
        help="data to test the graph's implied independences against: .csv, .tsv, .parquet",
    )
    group.add_argument(
        "--data-format",
        choices=tuple(DATA_READERS),
        help="data file format (default: by extension)",
    )
    group.add_argument(
        "--alpha",
        type=_alpha,
        default=0.05,
        metavar="A",
        help="false discovery rate of the Benjamini-Hochberg correction (default 0.05)",
    )
    group.add_argument(
        "--method",
        choices=TEST_METHODS,
        default="auto",
        help="auto (a test per implication from the variables' types, default), or one test for "
        "all; kci and rcit are causal-learn's kernel tests (slow)",
    )
    group.add_argument(
        "--types",
        metavar="A=KIND,...",
        help="correct a detected variable type: KIND is continuous or discrete",
    )


def implication_tests_from(args: argparse.Namespace, graph: CausalGraph) -> ImplicationTests | None:
    """Test `graph` against ``--data`` with the options given (None without ``--data``)."""
    path = getattr(args, "data", None)
    if path is None:
        return None
    frame = read_data(path, getattr(args, "data_format", None))
    options: dict[str, Any] = {
        "alpha": args.alpha,
        "method": args.method,
        "types": parse_types(args.types),
    }
    if getattr(args, "quiet", False):
        options["progress"] = False
    return test_implications(graph, frame, **options)


def add_discovery_options(parser: argparse.ArgumentParser) -> None:
    """``--data``, ``--data-format``, ``--alpha`` and ``--types`` for ``suggest-graph``."""
    group = parser.add_argument_group("data (strategy data_first)")
    group.add_argument(
        "--data",
        metavar="FILE",
        help="data to learn the graph from with PC (.csv, .tsv, .parquet); the model then "
        "orients only the edges the data leave open (strategy data_first, the default with data)",
    )
    group.add_argument(
        "--data-format",
        choices=tuple(DATA_READERS),
        help="data file format (default: by extension)",
    )
    group.add_argument(
        "--alpha",
        type=_alpha,
        default=0.05,
        metavar="A",
        help="level of PC's conditional-independence tests (default 0.05)",
    )
    group.add_argument(
        "--types",
        metavar="A=KIND,...",
        help="correct a detected variable type: KIND is continuous or discrete",
    )


def discovery_options(args: argparse.Namespace) -> dict[str, Any]:
    """The `suggest_graph` keyword arguments for ``--data`` (empty without it)."""
    path = getattr(args, "data", None)
    if path is None:
        return {}
    return {
        "data": read_data(path, getattr(args, "data_format", None)),
        "alpha": args.alpha,
        "types": parse_types(args.types),
    }
