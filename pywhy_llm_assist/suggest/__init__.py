"""`suggest_graph`: its strategies (per_node, whole, pairwise), constraints and the assembly of
replies into a DAG.
"""
