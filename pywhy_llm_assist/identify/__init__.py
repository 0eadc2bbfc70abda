"""Identification: exact graph checks, findings and critiques, and the model tasks that
suggest confounders, instruments, mediators and negative controls or critique a graph.

The exact checks (`_checks`, `_identification`, `_role_checks`, `_findings`) import nothing
of the LLM layer.
"""
