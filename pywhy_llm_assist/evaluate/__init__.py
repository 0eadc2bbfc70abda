"""Evaluation: benchmark graphs, metrics, the simulated expert and the benchmark runner."""
