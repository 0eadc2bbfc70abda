"""The result of testing a graph's implications: one row per implication, and the verdict."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..core._json_file import JsonFile
from ..core._text import counted
from ._independence import TestName
from ._types import VariableKind

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: test name -> how people call it.
TEST_LABELS: dict[str, str] = {
    "fisher_z": "Fisher z",
    "g_test": "G-test",
    "residual": "residual (Pillai)",
    "kci": "KCI",
    "rcit": "RCIT",
}
#: test name -> the symbol of its statistic.
_STATISTIC_SYMBOLS: dict[str, str] = {"fisher_z": "z", "g_test": "G", "residual": "F"}


def format_p(p_value: float | None) -> str:
    """A p-value for people: ``0.042``, ``3.1e-05``, ``< 1e-300``; ``-`` when absent.

    Example:
        >>> format_p(0.04213), format_p(0.0000314), format_p(0.0)
        ('0.042', '3.1e-05', '< 1e-300')
    """
    if p_value is None:
        return "-"
    if p_value < 1e-300:
        return "< 1e-300"
    if p_value < 0.001:
        return f"{p_value:.1e}"
    return f"{p_value:.3f}"


def format_independence(x: str, y: str, given: tuple[str, ...]) -> str:
    """``x ⊥ y | {a, b}`` (``x ⊥ y`` when nothing is given)."""
    if not given:
        return f"{x} ⊥ {y}"
    return f"{x} ⊥ {y} | {{{', '.join(given)}}}"


class ImplicationTest(BaseModel):
    """One implied independence ``x ⊥ y | given`` and what the data say about it.

    Attributes:
        x, y: the two variables the graph says are independent given `given`.
        given: a minimal set of measured variables that d-separates them in the graph.
        test: ``fisher_z``, ``g_test``, ``residual``, ``kci`` or ``rcit``.
        statistic: the test statistic (z, G² or F; None for kernel tests).
        degrees_of_freedom: of the statistic's reference law (None for z and kernel tests).
        p_value: the test's p-value; None when the test could not run (see `reason`).
        adjusted_p_value: after the Benjamini-Hochberg correction over every test run.
        effect_size: how dependent they are (see `effect_measure`).
        effect_measure: ``partial correlation``, ``canonical correlation`` or ``Cramér's V``.
        rows_used: complete rows of x, y and `given` (rows with a missing value are left out).
        rejected: the data contradict the implication (adjusted p-value at most alpha).
        reason: why the test could not run (empty when it ran).
    """

    model_config = _FROZEN

    x: str
    y: str
    given: tuple[str, ...] = ()
    test: TestName
    statistic: float | None = None
    degrees_of_freedom: float | None = None
    p_value: float | None = Field(default=None, ge=0.0, le=1.0)
    adjusted_p_value: float | None = Field(default=None, ge=0.0, le=1.0)
    effect_size: float | None = None
    effect_measure: str | None = None
    rows_used: int = Field(default=0, ge=0)
    rejected: bool = False
    reason: str = ""

    @property
    def tested(self) -> bool:
        """True if the test ran."""
        return self.p_value is not None

    @property
    def independence(self) -> str:
        """The implication as text, ``x ⊥ y | {a, b}``."""
        return format_independence(self.x, self.y, self.given)

    def describe(self) -> str:
        """One line: the test, its statistic, p-values, effect size and rows used."""
        label = TEST_LABELS.get(self.test, self.test)
        if not self.tested:
            return f"{label} not run: {self.reason}"
        parts = [label]
        symbol = _STATISTIC_SYMBOLS.get(self.test)
        if symbol is not None and self.statistic is not None:
            degrees = (
                f" ({self.degrees_of_freedom:g} df)" if self.degrees_of_freedom is not None else ""
            )
            parts.append(f"{symbol} = {self.statistic:.3g}{degrees}")
        parts.append(f"p = {format_p(self.p_value)}")
        parts.append(f"adjusted p = {format_p(self.adjusted_p_value)}")
        if self.effect_size is not None:
            parts.append(f"{self.effect_measure} {self.effect_size:.2f}")
        parts.append(counted(self.rows_used, "row"))
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.independence}: {self.describe()}"


class UntestablePair(BaseModel):
    """A non-adjacent pair whose independence no set of measured variables implies."""

    model_config = _FROZEN

    x: str
    y: str
    reason: str


class ImplicationTests(JsonFile):
    """Every implied independence of a graph, tested against data (see `test_implications`).

    Attributes:
        tests: one row per implication, in the order of the graph's variables.
        untestable: non-adjacent pairs that no measured set separates (latent variables).
        alpha: the level of the Benjamini-Hochberg correction (false discovery rate).
        method: the method asked for (``auto`` picks a test per implication).
        types: the kind of each measured variable (``continuous`` or ``discrete``).
        rows: rows of the data.
        global_statistic: the Cauchy combination statistic over every test run.
        global_p_value: the p-value of that global test of the whole set (valid although the
            tests are dependent; see `cauchy_combination`); None when nothing was tested.
        graph_fingerprint: `CausalGraph.fingerprint` of the graph tested.

    Example:
        >>> from pywhy_llm_assist import CausalGraph, simulate_data, test_implications
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> result = test_implications(graph, simulate_data(graph, 500, seed=1))
        >>> [(row.independence, row.test, row.rejected) for row in result.tests]
        [('a ⊥ c | {b}', 'fisher_z', False)]
        >>> result.consistent
        True
    """

    model_config = _FROZEN
    json_label: ClassVar[str] = "implication tests JSON"

    tests: tuple[ImplicationTest, ...] = ()
    untestable: tuple[UntestablePair, ...] = ()
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    method: str = "auto"
    types: dict[str, VariableKind] = Field(default_factory=dict)
    rows: int = Field(default=0, ge=0)
    global_statistic: float | None = None
    global_p_value: float | None = Field(default=None, ge=0.0, le=1.0)
    graph_fingerprint: str = ""

    @property
    def tested(self) -> tuple[ImplicationTest, ...]:
        """The rows whose test ran."""
        return tuple(row for row in self.tests if row.tested)

    @property
    def rejected(self) -> tuple[ImplicationTest, ...]:
        """The implications the data contradict, smallest adjusted p-value first."""
        found = [row for row in self.tests if row.rejected]
        return tuple(sorted(found, key=lambda row: (row.adjusted_p_value or 0.0, row.p_value)))

    @property
    def not_tested(self) -> tuple[ImplicationTest, ...]:
        """The rows whose test could not run (each says why in `reason`)."""
        return tuple(row for row in self.tests if not row.tested)

    @property
    def consistent(self) -> bool:
        """True when no implication is rejected after the Benjamini-Hochberg correction.

        The global test is reported beside it (`global_p_value`): it can flag many small
        departures that no single test shows, and then `summary` says so.
        """
        return not any(row.rejected for row in self.tests)

    def to_frame(self) -> pd.DataFrame:
        """One row per implication as a pandas DataFrame (``given`` as a tuple)."""
        import pandas as pd

        columns = list(ImplicationTest.model_fields)
        frame: pd.DataFrame = pd.DataFrame(
            [row.model_dump() for row in self.tests], columns=columns
        )
        return frame

    def plot(self, ax: Axes | None = None, *, labels: int = 5) -> Axes:
        """Plot the p-values against the uniform law (a Q-Q plot on a -log10 scale).

        Under the graph every p-value is uniform, so the points follow the diagonal; the
        dashed line is the Benjamini-Hochberg threshold and rejected implications are
        drawn in red, the `labels` strongest named.

        Returns:
            The matplotlib Axes (a new figure when `ax` is None).
        """
        from ._display import plot_p_values

        return plot_p_values(self, ax, labels=labels)

    def save_plot(self, path: str | Path, **options: Any) -> Path:
        """Write `plot` to an image file (PNG, SVG, PDF: by extension) and return its path."""
        from ._display import save_plot

        return save_plot(self, Path(path), **options)

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the verdict and the table of implications."""
        from ._display import implication_tests_html

        return implication_tests_html(self)

    def summary(self) -> str:
        """One line: how many implications were tested and rejected, and the global test."""
        text = (
            f"{len(self.tested)} of {counted(len(self.tests), 'implication')} tested, "
            f"{len(self.rejected)} rejected at alpha {self.alpha:g} (Benjamini-Hochberg)"
        )
        if self.untestable:
            text += f"; {counted(len(self.untestable), 'untestable pair')}"
        if self.global_p_value is not None:
            text += f"; global test p = {format_p(self.global_p_value)}"
            if self.consistent and self.global_p_value <= self.alpha:
                text += " (many small departures, though no single implication is rejected)"
        return text

    def __repr__(self) -> str:
        verdict = "consistent" if self.consistent else "inconsistent"
        return f"ImplicationTests({self.summary()}; {verdict})"

    def __str__(self) -> str:
        verdict = "consistent with" if self.consistent else "contradicted by"
        lines = [f"The graph is {verdict} the data ({counted(self.rows, 'row')}): {self.summary()}"]
        lines += [f"  rejected    {row}" for row in self.rejected]
        lines += [f"  not tested  {row.independence}: {row.reason}" for row in self.not_tested]
        lines += [f"  untestable  {item.x}, {item.y}: {item.reason}" for item in self.untestable]
        return "\n".join(lines)
