"""The request path, one stage per module: parse, normalise, detect, decide, audit, route."""
