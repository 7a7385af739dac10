"""A long-running detection process sets its long-lived heap aside from the cyclic garbage collector.

A detector holds a large heap of objects built once and kept for the life of its process: the spaCy model
and its vocabulary, the compiled recognisers, the name lexicons. CPython's collector walks every object of
the oldest generation on each full collection: with that heap in it, one full collection takes about
0.1 s, and a data set scan or a busy worker triggers one every thousand rows or so. ``gc.freeze()`` moves
everything alive now to a generation the collector never walks; what is allocated later (each request,
each row) is collected as before. Only processes whose detector lives as long as they do call
:func:`settle` (a detection worker; the process a data-set scan keeps its detector in for every later
scan): code that builds and drops detectors must not, or their frozen heaps would never be freed.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what is garbage now, then exempt every object still alive from later collections."""
    gc.collect()
    gc.freeze()
