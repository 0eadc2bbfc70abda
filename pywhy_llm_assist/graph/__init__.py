"""The graph model: `CausalGraph`, its formats, importers, syntax readers and layout.

Imports only `core` (the review page is reached lazily by the convenience methods).
"""
