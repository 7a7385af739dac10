"""Data-sovereignty compliance gateway for AI.

A request flows through small stages, each a module of :mod:`gateway.pipeline`:
parse -> normalise -> detect -> decide -> audit -> route.
"""

__version__ = "0.1.0"
