"""`Assistant.elicit_sensitivity`: confounder strengths from the model, as sensitivity bounds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..analysis._elicit_sensitivity import ConfoundersLike, elicit_with
from ..core._variables import VariablesLike
from ..data._sensitivity import KValue, SensitivityReport
from ..graph._causal_graph import CausalGraph
from ..llm._engine import LanguageModel, ProgressCallback
from ..llm._sync import run_sync


class SensitivityMethods:
    """The sensitivity methods of `Assistant` (a mixin: it needs ``self.engine``)."""

    engine: LanguageModel

    async def elicit_sensitivity_async(
        self,
        data: Any,
        treatment: str,
        outcome: str,
        adjustment_set: Iterable[str],
        *,
        confounders: ConfoundersLike | None = None,
        graph: CausalGraph | None = None,
        context: str | None = None,
        variables: VariablesLike | None = None,
        benchmarks: Sequence[str] | None = None,
        k: Iterable[KValue] = (1, 2, 3),
        q: float = 1.0,
        alpha: float = 0.05,
        progress: ProgressCallback | None = None,
    ) -> SensitivityReport:
        """Async twin of `elicit_sensitivity`."""
        return await elicit_with(
            self.engine,
            data,
            treatment,
            outcome,
            adjustment_set,
            confounders=confounders,
            graph=graph,
            variables=variables,
            context=context,
            benchmarks=benchmarks,
            k=k,
            q=q,
            alpha=alpha,
            progress=progress,
        )

    def elicit_sensitivity(
        self,
        data: Any,
        treatment: str,
        outcome: str,
        adjustment_set: Iterable[str],
        *,
        confounders: ConfoundersLike | None = None,
        graph: CausalGraph | None = None,
        context: str | None = None,
        variables: VariablesLike | None = None,
        benchmarks: Sequence[str] | None = None,
        k: Iterable[KValue] = (1, 2, 3),
        q: float = 1.0,
        alpha: float = 0.05,
        progress: ProgressCallback | None = None,
    ) -> SensitivityReport:
        """Sensitivity analysis with confounder strengths elicited from the model.

        Runs `sensitivity_analysis` (OLS of `outcome` on `treatment` and `adjustment_set`),
        then asks the model, for each unmeasured confounder, which adjusted covariate it is
        most comparable to and how many times as strongly (0.25, 0.5, 1, 1.5, 2, 3, 5 or 10)
        it explains the treatment and the outcome, with a rationale. Each answer becomes a
        bound with ``source="model"``; `SensitivityReport.verdict` says whether the
        estimate's sign and significance survive it.

        Args:
            data: a pandas DataFrame (or a dict of columns).
            treatment, outcome, adjustment_set: the regression, as in `sensitivity_analysis`.
            confounders: unmeasured confounders: names, name -> description, `Variable`
                objects, or `Suggestions` (their unmeasured items). Default: the graph's
                latent common causes of treatment and outcome, plus those
                `suggest_confounders` proposes.
            graph: the analyst's graph (descriptions, latent confounders, and context for
                the suggestion).
            context: a sentence or two about the domain.
            variables: descriptions of the measured columns (names, name -> description).
            benchmarks, k, q, alpha: the formal bounds and robustness values, as in
                `sensitivity_analysis` (default: every adjustment variable, k = 1, 2, 3).
            progress: called with a `ProgressEvent` after each finished query.

        Returns:
            The `SensitivityReport` with formal bounds and one model bound per confounder
            (an impossible strength becomes a note instead).

        Example:
            >>> import numpy as np, pandas as pd
            >>> from pywhy_llm_assist.testing import ScriptedModel
            >>> rng = np.random.default_rng(0)
            >>> x = rng.normal(size=300)
            >>> d = 0.3 * x + rng.normal(size=300)
            >>> data = pd.DataFrame({"income": x, "d": d, "y": d + 0.3 * x + rng.normal(size=300)})
            >>> model = ScriptedModel([{"benchmark": "income", "k_treatment": "0.5",
            ...     "k_outcome": "1", "rationale": "weaker than income"}])
            >>> from pywhy_llm_assist import Assistant
            >>> report = Assistant("test", client=model, cache_mode="off").elicit_sensitivity(
            ...     data, "d", "y", ["income"], confounders=["ability"], benchmarks=())
            >>> bound = report.model_bounds[0]
            >>> bound.label, bound.k_treatment, report.verdict(bound)
            ('ability', 0.5, 'sign and significance survive')
        """
        return run_sync(
            self.elicit_sensitivity_async(
                data,
                treatment,
                outcome,
                adjustment_set,
                confounders=confounders,
                graph=graph,
                context=context,
                variables=variables,
                benchmarks=benchmarks,
                k=k,
                q=q,
                alpha=alpha,
                progress=progress,
            )
        )
