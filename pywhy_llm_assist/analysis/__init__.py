"""The analysis layer: tasks that combine the data side with the model.

`elicit_sensitivity` asks the model how strong each unmeasured confounder is relative to an
observed covariate and turns its answers into sensitivity bounds. It stands above `suggest`,
`identify` and `data`, below `assistant`.
"""
