"""Variable types for the data tests: detection from pandas dtypes, overrides, and encoding.

Each measured variable is ``continuous`` or ``discrete``. The test of an implication is chosen
from the types of its variables (`pywhy_llm_assist.data._independence`), so the rule is simple
and documented:

- an explicit ``types={"name": "discrete"}`` wins;
- else the graph's own `Variable.type`: ``binary`` and ``categorical`` are discrete,
  ``continuous`` is continuous (``ordinal``, ``count`` and ``other`` are detected);
- else booleans, pandas categoricals and text are discrete; a numeric column is discrete when
  it holds at most `MAX_DISCRETE_LEVELS` distinct values, all whole numbers (0/1 codes, a
  five-point scale), and continuous otherwise.

Columns are encoded once (floats with NaN, or integer codes with -1 for a missing value), so
each of hundreds of tests only selects rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..core._errors import InputError
from ..core._variables import normalized_name
from ..graph._causal_graph import CausalGraph

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

VariableKind = Literal["continuous", "discrete"]
VARIABLE_KINDS: tuple[VariableKind, ...] = ("continuous", "discrete")
DataLike: TypeAlias = "pd.DataFrame | Mapping[str, Sequence[Any]]"
"""A pandas DataFrame, or a mapping column name -> values."""

#: Most distinct whole-number values a numeric column may hold and still be detected discrete.
MAX_DISCRETE_LEVELS = 10

#: `Variable.type` -> kind; the other declared types are detected from the data.
_DECLARED_KINDS: dict[str, VariableKind] = {
    "binary": "discrete",
    "categorical": "discrete",
    "continuous": "continuous",
}


def as_frame(data: object) -> pd.DataFrame:
    """Return `data` as a DataFrame (a DataFrame, or a mapping of columns); else `InputError`."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, Mapping):
        try:
            frame = pd.DataFrame(dict(data))
        except (ValueError, TypeError) as error:
            raise InputError(f"cannot read the data as columns: {error}") from None
    else:
        raise InputError(
            f"data must be a pandas DataFrame or a mapping of columns, not {type(data).__name__}"
        )
    if not all(isinstance(column, str) for column in frame.columns):
        frame = frame.rename(columns=str)  # a copy: the caller's frame is left as it is
    if not frame.columns.is_unique:
        repeated = frame.columns[frame.columns.duplicated()][0]
        raise InputError(f"the data has two columns named {repeated!r}; rename one")
    if len(frame) == 0:
        raise InputError("the data has no rows")
    return frame


def require_columns(graph: CausalGraph, frame: pd.DataFrame) -> None:
    """Raise `InputError` if a measured variable of `graph` is not a column of `frame`."""
    columns = [str(column) for column in frame.columns]
    present = set(columns)
    missing = [name for name in graph.observed if name not in present]
    if not missing:
        return
    by_normal = {normalized_name(column): column for column in columns}
    hint = ""
    close = by_normal.get(normalized_name(missing[0]))
    if close is not None:
        hint = f" (the data has {close!r}: rename the column or the variable)"
    shown = ", ".join(repr(column) for column in columns[:12])
    more = f", ... ({len(columns)} columns)" if len(columns) > 12 else ""
    raise InputError(
        f"the graph's measured variable {missing[0]!r} is not a column of the data{hint}; "
        f"{len(missing)} of {len(graph.observed)} measured variables are missing. The data's "
        f"columns are {shown}{more}. Add the column, or mark the variable latent in the graph"
    )


def detect_kind(column: pd.Series[Any]) -> VariableKind:
    """The kind of one column, from its dtype and its distinct values.

    Example:
        >>> import pandas as pd
        >>> detect_kind(pd.Series([0, 1, 1, 0])), detect_kind(pd.Series([0.5, 1.7, 2.2]))
        ('discrete', 'continuous')
    """
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if (
        pd.api.types.is_bool_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or not pd.api.types.is_numeric_dtype(dtype)
    ):
        return "discrete"
    values = column.dropna().to_numpy(dtype=float)
    distinct = np.unique(values)
    if len(distinct) <= MAX_DISCRETE_LEVELS and bool(np.all(np.mod(distinct, 1) == 0)):
        return "discrete"
    return "continuous"


def resolve_kinds(
    graph: CausalGraph, frame: pd.DataFrame, overrides: Mapping[str, str] | None
) -> dict[str, VariableKind]:
    """The kind of every measured variable: overrides, then declared types, then detection.

    Raises:
        InputError: an override names an unknown variable or kind, or declares a text
            column continuous.
    """
    import pandas as pd

    observed = graph.observed
    chosen: dict[str, VariableKind] = {}
    for name, kind in (overrides or {}).items():
        if name not in observed:
            raise InputError(f"types names {name!r}, which is not a measured variable of the graph")
        if kind not in VARIABLE_KINDS:
            raise InputError(f"types[{name!r}] is {kind!r}; use one of {', '.join(VARIABLE_KINDS)}")
        chosen[name] = kind
    for variable in graph.variables:
        if variable.latent or variable.name in chosen:
            continue
        declared = _DECLARED_KINDS.get(variable.type or "")
        chosen[variable.name] = declared or detect_kind(frame[variable.name])
    for name in observed:
        column = frame[name]
        if chosen[name] == "continuous" and not (
            pd.api.types.is_numeric_dtype(column.dtype)
            and not pd.api.types.is_bool_dtype(column.dtype)
        ):
            raise InputError(
                f"{name!r} holds {column.dtype} values, which cannot be treated as continuous; "
                "declare it discrete (types={...: 'discrete'}) or convert the column to numbers"
            )
    return {name: chosen[name] for name in observed}


@dataclass(frozen=True)
class EncodedColumn:
    """One column, ready for the tests.

    Attributes:
        kind: ``continuous`` or ``discrete``.
        values: floats (NaN where missing) for a continuous column; integer codes (-1 where
            missing) for a discrete one.
        levels: the distinct values of a discrete column, in code order.
    """

    kind: VariableKind
    values: np.ndarray[Any, Any]
    levels: tuple[str, ...] = ()

    @property
    def missing(self) -> np.ndarray[Any, Any]:
        """True where the value is missing."""
        import numpy as np

        if self.kind == "discrete":
            return np.asarray(self.values < 0)
        return np.asarray(np.isnan(self.values))


def encode_column(column: pd.Series[Any], kind: VariableKind) -> EncodedColumn:
    """Encode one column as `kind` (see `EncodedColumn`)."""
    import numpy as np
    import pandas as pd

    if kind == "continuous":
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return EncodedColumn("continuous", np.where(np.isfinite(values), values, np.nan))
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
    return EncodedColumn(
        "discrete", np.asarray(codes, dtype=np.int64), tuple(str(level) for level in uniques)
    )


def encode_frame(
    frame: pd.DataFrame, kinds: Mapping[str, VariableKind]
) -> dict[str, EncodedColumn]:
    """Encode every column named in `kinds`."""
    return {name: encode_column(frame[name], kind) for name, kind in kinds.items()}
