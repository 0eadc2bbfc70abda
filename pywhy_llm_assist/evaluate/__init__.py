"""Evaluation: benchmark graphs, metrics, the simulated expert and the benchmark runner.

`review_from_truth` is the command line's interface to the simulated review (the demo's
stand-in reviewer).
"""

from ._simulated_review import review_from_truth

__all__ = ["review_from_truth"]
