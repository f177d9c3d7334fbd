"""Measurement: eval sets, the runner and metrics, and benchmarks."""
