"""Validate elicited confounder strengths on the Darfur data by hiding measured covariates.

Each covariate of Cinelli & Hazlett's (2020) Darfur analysis in turn is presented as if it
were unmeasured (its name and description only); the assistant picks a benchmark among the
remaining covariates and says how many times as strong the hidden one is. The data know the
truth. Per covariate the table shows the true and elicited k, the error in doublings
(|log2(elicited / true)|, 1 = off by a factor 2), and whether the elicited bound covers the
bias that leaving the covariate out really causes. The last column is the same check for
the bound at the *true* k (it fails where the bound's orthogonality assumption fails).

Offline, the simulated expert answers from the true strengths, multiplied by a random error
(``--errors``, standard deviations in doublings) and rounded to the ladder. With ``--model``
(or ``--local``) a real model answers, through the answer cache (``--cache DIR``).

    python benchmarks/sensitivity_elicitation.py > benchmarks/results/sensitivity_elicitation.txt
    python benchmarks/sensitivity_elicitation.py --local --cache fixtures/sensitivity-benchmark

Needs the Darfur data from PySensemakr (the ``test`` extra).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from statistics import mean

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small regressions: threads only contend

from pywhy_llm_assist import Assistant
from pywhy_llm_assist.evaluate._sensitivity_benchmark import (
    ElicitationRow,
    elicit_hidden_covariates,
    hidden_covariate_truths,
    simulated_expert_for,
    summarize,
)

TREATMENT = "directlyharmed"
OUTCOME = "peacefactor"
ADJUSTMENT = ("age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female", "village")
DESCRIPTIONS = {
    "directlyharmed": "the respondent was personally physically injured in the attacks on "
    "villages in Darfur (0/1)",
    "peacefactor": "pro-peace attitudes, a factor score from several survey questions "
    "(0 least, 1 most pro-peace)",
    "age": "age in years",
    "farmer_dar": "was a farmer in Darfur (0/1)",
    "herder_dar": "was a herder in Darfur (0/1)",
    "pastvoted": "voted in an election before the conflict (0/1)",
    "hhsize_darfur": "household size while in Darfur",
    "female": "the respondent is female (0/1)",
    "village": "the respondent's home village in Darfur (486 villages)",
}
CONTEXT = (
    "A survey of Darfurian refugees in eastern Chad. The question is whether being physically "
    "harmed in the attacks on villages made people more or less in favour of peace."
)
SEEDS = tuple(range(5))


def _number(value: float) -> str:
    return "-" if math.isnan(value) else ("inf" if math.isinf(value) else f"{value:.3g}")


def _table(rows: Sequence[ElicitationRow]) -> list[str]:
    header = (
        "| hidden | benchmark | true k_D | k_D | true k_Y | k_Y | log2 error k_D | "
        "log2 error k_Y | true bias | bound bias | covered | covered at true k |"
    )
    lines = [header, "|---|---|" + "---:|" * 8 + "---|---|"]
    for row in rows:
        cells = [
            row.hidden,
            row.benchmark,
            *(
                _number(value)
                for value in (
                    row.true_k_treatment,
                    row.k_treatment,
                    row.true_k_outcome,
                    row.k_outcome,
                    row.error_treatment,
                    row.error_outcome,
                )
            ),
            f"{row.true_bias:+.4f}",
            _number(row.bound_bias),
            "yes" if row.covered else "no",
            "yes" if row.formal_covered else "no",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", default="0,0.5,1", help="simulated error levels (doublings)")
    parser.add_argument("--model", help="a real model (through the cache)")
    parser.add_argument("--base-url", help="its OpenAI-compatible server")
    parser.add_argument("--local", action="store_true", help="the embedded llama.cpp model")
    parser.add_argument("--cache", help="answer cache folder for a real model")
    parser.add_argument("--cache-mode", default="read_write", help="read_write, replay, ...")
    args = parser.parse_args(argv)
    from sensemakr.data import load_darfur

    data = load_darfur()
    truths = hidden_covariate_truths(data, TREATMENT, OUTCOME, ADJUSTMENT, ADJUSTMENT)
    command = "python benchmarks/sensitivity_elicitation.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print(f"command: {command.strip()}")
    print(f"data: Darfur (Cinelli & Hazlett 2020), {TREATMENT} -> {OUTCOME}, {len(data)} rows")
    print()
    if args.model or args.local:
        options = {"cache": args.cache, "cache_mode": args.cache_mode, "concurrency": 1}
        assistant = (
            Assistant.local(**options)
            if args.local
            else Assistant(args.model, base_url=args.base_url, **options)
        )
        with assistant:
            rows = elicit_hidden_covariates(
                assistant,
                data,
                TREATMENT,
                OUTCOME,
                truths,
                descriptions=DESCRIPTIONS,
                context=CONTEXT,
                progress=lambda name: print(f"asking about {name}", file=sys.stderr),
            )
        print(f"#### Model {assistant.model}")
        print()
        print("\n".join(_table(rows)))
        print()
        print(_summary_line(summarize(rows)))
        return 0
    for error in (float(text) for text in args.errors.split(",")):
        per_seed = []
        for seed in SEEDS:
            expert = simulated_expert_for(
                truths, TREATMENT, OUTCOME, strength_error=error, seed=seed
            )
            assistant = Assistant("simulated-expert", client=expert, cache_mode="off")
            per_seed.append(
                elicit_hidden_covariates(
                    assistant,
                    data,
                    TREATMENT,
                    OUTCOME,
                    truths,
                    descriptions=DESCRIPTIONS,
                    context=CONTEXT,
                )
            )
        print(f"#### Simulated expert, error {error:g} doublings (seed 0 shown)")
        print()
        print("\n".join(_table(per_seed[0])))
        print()
        summaries = [summarize(rows) for rows in per_seed]
        averaged = {key: mean(item[key] for item in summaries) for key in summaries[0]}
        print(_summary_line(averaged) + f" (mean of seeds {SEEDS[0]}-{SEEDS[-1]})")
        print()
    return 0


def _summary_line(summary: dict[str, float]) -> str:
    return (
        f"median |log2 error| of k: {summary['median_log2_error']:.2f}, mean "
        f"{summary['mean_log2_error']:.2f}; elicited bound covers the true bias in "
        f"{100 * summary['coverage']:.0f}% of hidden covariates (bound at the true k: "
        f"{100 * summary['formal_coverage']:.0f}%)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
