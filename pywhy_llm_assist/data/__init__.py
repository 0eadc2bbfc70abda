"""The data side: statistics on the analyst's data (sensitivity analysis, implication tests).

Sensitivity analysis (`sensitivity_analysis`), implication tests (`test_implications`: a graph's
implied independences against data) with the conditional-independence tests they use,
variable types, and simulated data (`simulate_data`). Imports nothing of the LLM layer; numpy,
pandas, scipy and matplotlib are imported lazily.
"""
