"""Reading data files and the data-test options (``--data``, ``--alpha``, ``--method``, ...).

Data files, chosen by extension (or ``--data-format``): ``.csv`` (comma-separated), ``.tsv`` /
``.tab`` (tab-separated), ``.parquet`` / ``.pq`` (needs pyarrow: the ``parquet`` extra). The
first row of a CSV or TSV file names the columns; empty cells are missing values.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import CausalGraph, ImplicationTests, OptionalDependencyError, test_implications
from ..core._errors import InputError

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


def _read_delimited(separator: str) -> Callable[[Path], pd.DataFrame]:
    def read(path: Path) -> pd.DataFrame:
        import pandas as pd

        return pd.read_csv(path, sep=separator, encoding="utf-8-sig")

    return read


def _read_parquet(path: Path) -> pd.DataFrame:
    import importlib.util

    import pandas as pd

    if importlib.util.find_spec("pyarrow") is None:
        raise OptionalDependencyError(
            f"reading the Parquet file {str(path)!r} needs pyarrow: "
            "pip install 'pywhy-llm-assist[parquet]' (or save the data as CSV)"
        )
    return pd.read_parquet(path)


#: data format -> how it is read.
DATA_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "csv": _read_delimited(","),
    "tsv": _read_delimited("\t"),
    "parquet": _read_parquet,
}


def read_data(path: str | Path, data_format: str | None = None) -> pd.DataFrame:
    """Read a data file (CSV, TSV or Parquet) into a DataFrame; every failure is an `InputError`."""
    import pandas as pd

    location = Path(path).expanduser()
    chosen = data_format or DATA_SUFFIXES.get(location.suffix.casefold())
    if chosen is None:
        raise InputError(
            f"data file {str(path)!r}: cannot tell its format from the extension; use .csv, .tsv "
            "or .parquet, or pass --data-format"
        )
    if not location.is_file():
        what = "is a folder, not a file" if location.is_dir() else "does not exist"
        raise InputError(f"data file {str(path)!r} {what}")
    try:
        frame = DATA_READERS[chosen](location)
    except OptionalDependencyError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            f"data file {str(path)!r} is not valid {chosen.upper()}: {first}"
        ) from None
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read data file {str(path)!r}: {error}") from None
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
