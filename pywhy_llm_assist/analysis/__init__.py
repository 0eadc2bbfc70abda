"""The analysis layer: the tasks that combine the data side with the model, and the report.

`elicit_sensitivity` asks the model how strong each unmeasured confounder is relative to an
observed covariate and turns its answers into sensitivity bounds. `analyse_with` runs the whole
analysis on DoWhy (identify, estimate, refute) with the implication tests, the sensitivity
analysis and the critique, and writes an `AnalysisReport` with its assumptions ledger, its
page and its script. It stands above `suggest`, `identify`, `data` and `review`, below
`assistant`; the report, the ledger, the page and the script never reach the LLM layer.
"""

from ._dowhy_steps import DEFAULT_REFUTERS, ESTIMATORS, REFUTERS

__all__ = ["DEFAULT_REFUTERS", "ESTIMATORS", "REFUTERS"]
