"""`Assistant.analyse`: the whole analysis (model, identify, estimate, refute) in one report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..analysis._analyse import analyse_with
from ..analysis._dowhy_steps import DEFAULT_REFUTERS
from ..analysis._elicit_sensitivity import ConfoundersLike
from ..analysis._report import AnalysisReport
from ..graph._importers import GraphLike
from ..llm._engine import LanguageModel
from ..llm._progress import ProgressOption, progress_for
from ..llm._sync import run_sync


class AnalysisMethods:
    """The whole-analysis methods of `Assistant` (a mixin: it needs ``self.engine``)."""

    engine: LanguageModel

    async def analyse_async(
        self,
        data: Any,
        graph: GraphLike,
        treatment: str,
        outcome: str,
        *,
        adjustment_set: Iterable[str] | None = None,
        estimator: str = "backdoor.linear_regression",
        refuters: Iterable[str] = DEFAULT_REFUTERS,
        context: str | None = None,
        confounders: ConfoundersLike | None = None,
        max_confounders: int = 3,
        alpha: float = 0.05,
        simulations: int = 50,
        seed: int = 0,
        data_source: str | None = None,
        progress: ProgressOption = None,
    ) -> AnalysisReport:
        """Async twin of `analyse`."""
        with progress_for(progress, "analyse") as callback:
            return await analyse_with(
                self.engine,
                data,
                graph,
                treatment,
                outcome,
                adjustment_set=adjustment_set,
                estimator=estimator,
                refuters=refuters,
                context=context,
                confounders=confounders,
                max_confounders=max_confounders,
                alpha=alpha,
                simulations=simulations,
                seed=seed,
                data_source=data_source,
                progress=callback,
            )

    def analyse(
        self,
        data: Any,
        graph: GraphLike,
        treatment: str,
        outcome: str,
        *,
        adjustment_set: Iterable[str] | None = None,
        estimator: str = "backdoor.linear_regression",
        refuters: Iterable[str] = DEFAULT_REFUTERS,
        context: str | None = None,
        confounders: ConfoundersLike | None = None,
        max_confounders: int = 3,
        alpha: float = 0.05,
        simulations: int = 50,
        seed: int = 0,
        data_source: str | None = None,
        progress: ProgressOption = None,
    ) -> AnalysisReport:
        """The whole analysis of one effect, on DoWhy, in one `AnalysisReport`.

        On the (reviewed) graph: identification (backdoor, instrumental variable or front
        door, from the estimator's prefix; the exact checks' smallest valid adjustment set
        unless you give one, and DoWhy's own identification as a cross-check), DoWhy's
        estimate with its confidence interval, DoWhy's refuters (seeded), the tests of the
        graph's implied independences, the sensitivity analysis with formal bounds and bounds
        whose strength the model judges, the critique (the model and the exact checks), and
        the assumptions ledger: every edge and missing edge the estimate relies on, with its
        source (model, expert review, data test or analyst). A step that cannot run is
        recorded with the reason (``report.steps``) and the rest runs.

        Model calls: one critique (two when the data reject implications), plus one to
        suggest unmeasured confounders when `confounders` is not given, plus one per
        confounder elicited (at most `max_confounders`). All are cached, so a rerun, or a
        replay in CI, makes no call.

        Args:
            data: a pandas DataFrame with a column per measured variable of the graph.
            graph: the reviewed graph (a `CausalGraph` or a `networkx.DiGraph`).
            treatment, outcome: the effect to estimate.
            adjustment_set: the backdoor set to use (checked); default: the smallest valid one.
            estimator: a DoWhy method name: ``backdoor.linear_regression`` (default),
                ``backdoor.propensity_score_weighting``, ``iv.instrumental_variable``,
                ``frontdoor.two_stage_regression``, ...
            refuters: DoWhy refuters to run (default: placebo treatment, random common cause,
                data subset); ``()`` for none.
            context: a sentence or two about the domain, for the model.
            confounders: unmeasured confounders to elicit strengths for (names, name ->
                description, or `Suggestions`); default: the graph's latent common causes
                and the model's suggestions.
            max_confounders: most confounders elicited when they are not given.
            alpha: level of the implication tests (false discovery rate) and of the
                sensitivity analysis.
            simulations: simulations per refuter (1 to 1000).
            seed: the refuters' random seed.
            data_source: the data file's path, for `AnalysisReport.to_script`.
            progress: ``True`` for a progress bar across the steps, or a callable that
                receives a `ProgressEvent` after each step.

        Returns:
            The `AnalysisReport`: ``estimate``, ``confidence_interval``, ``identification``,
            ``adjustment_set``, ``refutations``, ``implications``, ``sensitivity``,
            ``critique``, ``ledger``, ``steps``; ``to_html``, ``to_script``, ``to_json``.

        Raises:
            CyclicGraphError: the graph has a feedback loop (a cyclic summary graph).
            UnorientedEdgesError: the graph has undirected or bidirected edges (a CPDAG from
                PC, or edges left open in review); orient them first.
            InputError: a treatment or outcome that is not a measured variable, a column
                missing from the data, an unknown estimator or refuter (both errors above are
                `NotADagError`, an `InputError` too).

        Example:
            >>> import numpy as np, pandas as pd
            >>> from pywhy_llm_assist import Assistant, CausalGraph
            >>> from pywhy_llm_assist.testing import ScriptedModel
            >>> rng = np.random.default_rng(0)
            >>> a = rng.normal(size=500)
            >>> t = a + rng.normal(size=500)
            >>> data = pd.DataFrame({"a": a, "t": t, "y": 2 * t + a + rng.normal(size=500)})
            >>> edges = [("a", "t"), ("a", "y"), ("t", "y")]
            >>> graph = CausalGraph.from_edges(["a", "t", "y"], edges)
            >>> model = ScriptedModel(respond=lambda request: {"findings": []})
            >>> report = Assistant("test", client=model, cache_mode="off").analyse(
            ...     data, graph, "t", "y", confounders=[], refuters=())
            >>> report.adjustment_set, round(report.estimate, 1)
            (('a',), 2.0)
        """
        return run_sync(
            self.analyse_async(
                data,
                graph,
                treatment,
                outcome,
                adjustment_set=adjustment_set,
                estimator=estimator,
                refuters=refuters,
                context=context,
                confounders=confounders,
                max_confounders=max_confounders,
                alpha=alpha,
                simulations=simulations,
                seed=seed,
                data_source=data_source,
                progress=progress,
            )
        )
