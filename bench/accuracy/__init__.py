"""Detection accuracy benchmark: ``python -m bench.accuracy``."""
