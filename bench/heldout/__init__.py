"""Held-out accuracy benchmark: an independently written labelled corpus and its runner.

Run with ``python -m bench.heldout [--show-misses]``.
"""
