"""The data side: statistics on the analyst's data (sensitivity analysis, ...).

Imports nothing of the LLM layer; numpy, pandas, scipy and matplotlib are imported lazily.
"""
