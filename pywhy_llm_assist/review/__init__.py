"""The expert review page and the decisions it exports.

Imports the graph model and `core`; nothing of the LLM layer.
"""
