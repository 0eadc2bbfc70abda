"""Identification: exact graph checks, findings and critiques, and the model tasks that
suggest confounders, instruments, mediators and negative controls, critique a graph, or
explain the implications the data reject (`_explain_task`).

The exact checks (`_checks`, `_identification`, `_role_checks`, `_findings`) and the data
findings (`_data_findings`) import nothing of the LLM layer.
"""
