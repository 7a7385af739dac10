"""Detection benchmarks on labelled material this team did not write (run each module with ``python -m``)."""
