"""`AnalysisReport`: the whole analysis of one effect, in one object, one page and one script."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from ..core._errors import InputError
from ..core._json_file import JsonFile
from ..core._text import percent
from ..core._usage import Usage
from ..data._implication_tests import ImplicationTests
from ..data._sensitivity import SensitivityReport
from ..graph._causal_graph import CausalGraph
from ..identify._findings import Critique
from ._ledger import AssumptionsLedger
from ._results import EffectEstimate, Identification, Refutation, StepRecord

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class AnalysisReport(JsonFile):
    """The whole analysis of one effect: model, identify, estimate, refute, and what it rests on.

    Made by `Assistant.analyse`. Every step that could not run says why in `steps`; the rest
    ran. `to_html` writes one self-contained page, `to_script` the same analysis as a short
    DoWhy script, `to_json`/`from_json` keep everything.

    Attributes:
        treatment, outcome: the effect analysed.
        estimator: the DoWhy estimator asked for.
        graph: the (reviewed) graph the analysis stands on.
        rows: rows of the data; rows_used: complete rows of the graph's measured variables.
        data_source: the data file, when the analysis read one (the script reads it again).
        identification: which estimand identifies the effect, with which variables, and why.
        adjustment_set: the backdoor set used (None when there is none).
        effect: the estimate with its confidence interval (None when it could not run).
        estimate, confidence_interval: the same two numbers, directly.
        refutations: one row per DoWhy refuter.
        implications: the tests of the graph's implied independences.
        sensitivity: the sensitivity analysis, with formal and elicited bounds.
        critique: the model's and the exact checks' findings.
        ledger: every edge and missing edge the estimate relies on, with its source.
        steps: what each step did, or why it did not run.
        refuters, simulations, seed: how the refuters ran.
        context: the domain context given to the model.
        usage: what the model calls cost.
        metadata: versions, the model, the prompt versions.
    """

    model_config = _FROZEN
    json_label: ClassVar[str] = "analysis report JSON"

    treatment: str
    outcome: str
    estimator: str
    graph: CausalGraph
    rows: int = Field(default=0, ge=0)
    rows_used: int = Field(default=0, ge=0)
    data_source: str | None = None
    identification: Identification
    adjustment_set: tuple[str, ...] | None = None
    effect: EffectEstimate | None = None
    refutations: tuple[Refutation, ...] = ()
    implications: ImplicationTests | None = None
    sensitivity: SensitivityReport | None = None
    critique: Critique | None = None
    ledger: AssumptionsLedger
    steps: tuple[StepRecord, ...] = ()
    refuters: tuple[str, ...] = ()
    simulations: int = Field(default=0, ge=0)
    seed: int = 0
    context: str | None = None
    usage: Usage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def estimate(self) -> float | None:
        """The estimated effect (None when the estimate could not run)."""
        return None if self.effect is None else self.effect.value

    @property
    def confidence_interval(self) -> tuple[float, float] | None:
        """The estimate's confidence interval (None when there is none)."""
        return None if self.effect is None else self.effect.interval

    @property
    def complete(self) -> bool:
        """True when every step ran."""
        return all(step.status == "done" for step in self.steps)

    @property
    def not_run(self) -> tuple[StepRecord, ...]:
        """The steps that were skipped or failed, each with its reason."""
        return tuple(step for step in self.steps if step.status != "done")

    def step(self, name: str) -> StepRecord:
        """The record of step `name` (``identify``, ``estimate``, ``refute``, ...)."""
        for record in self.steps:
            if record.name == name:
                return record
        raise InputError(
            f"no step {name!r}; the steps are {', '.join(step.name for step in self.steps)}"
        )

    # ------------------------------------------------------------------ text
    def summary_lines(self) -> list[str]:
        """The report in a few lines: what `print(report)` shows."""
        lines = [
            f"Analysis of {self.treatment} -> {self.outcome}: {self.rows:,} rows "
            f"({self.rows_used:,} complete), {len(self.graph.variables)} variables, "
            f"{len(self.graph.edges)} edges",
            f"  identification: {self.identification.summary()}",
        ]
        if self.effect is not None:
            lines.append(f"  estimate: {self.effect.summary()}")
        else:
            lines.append(f"  estimate: not run ({self.step('estimate').reason})")
        if self.refutations:
            verdicts = ", ".join(f"{item.label} {item.verdict}" for item in self.refutations)
            lines.append(f"  refutations: {verdicts}")
        if self.implications is not None:
            lines.append(f"  implications: {self.implications.summary()}")
        if self.sensitivity is not None:
            report = self.sensitivity
            lines.append(
                f"  sensitivity: robustness value {percent(report.robustness_value)} "
                f"(at alpha {report.alpha:g}: {percent(report.robustness_value_alpha)})"
            )
            lines += [
                f"    {bound.label} ({bound.source}, {bound.k_treatment:g}x/{bound.k_outcome:g}x "
                f"{bound.benchmark}): {report.verdict(bound)}"
                for bound in report.bounds
                if bound.source == "model"
            ]
        if self.critique is not None:
            sources = {
                source: sum(item.source == source for item in self.critique.findings)
                for source in ("graph", "data", "model")
            }
            counted = ", ".join(f"{count} {source}" for source, count in sources.items())
            lines.append(f"  critique: {len(self.critique.findings)} findings ({counted})")
        lines.append(f"  {self.ledger.summary()}")
        for step in self.not_run:
            lines.append(f"  {step.name} {step.status}: {step.reason}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.summary_lines())

    def __repr__(self) -> str:
        effect = "no estimate" if self.estimate is None else f"estimate {self.estimate:.4g}"
        return f"<AnalysisReport of {self.treatment} -> {self.outcome}: {effect}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: the short `repr`."""
        printer.text(repr(self))

    # ------------------------------------------------------------------ outputs
    def to_html(self, path: str | Path | None = None, *, title: str | None = None) -> str:
        """Write (and return) the report as one self-contained HTML page.

        No network, no script: the graph coloured by the source of each edge, the estimate,
        the refutations, the implication tests' p-values, the sensitivity contour plot, the
        critique and the assumptions ledger. Every piece of text is escaped, and a strict
        Content-Security-Policy allows only inline styles and ``data:`` images.
        """
        from ._report_page import render_report_page

        return render_report_page(self, path, title=title)

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the page's sections, without the page around them."""
        from ._report_page import report_fragment

        return report_fragment(self)

    def to_script(self, path: str | Path | None = None, *, data_path: str | None = None) -> str:
        """Write (and return) the same analysis as a short, runnable DoWhy script.

        The script builds the reviewed graph, reads the data (`data_path`, else the file the
        analysis read, else ``data.csv``), identifies with the adjustment set (or instruments
        or mediators) the report used, estimates with the same estimator, and runs the same
        refuters with the same seed. It prints the estimate and its interval.
        """
        from ._script import analysis_script

        text = analysis_script(self, data_path=data_path)
        if path is not None:
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as error:
                raise InputError(f"cannot write the script to {str(path)!r}: {error}") from None
        return text
