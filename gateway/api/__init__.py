"""HTTP endpoints; each module wires the pipeline stages for one route."""
