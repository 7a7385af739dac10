"""``gateway dataset scan``: the request detector and policies, run over a training data set.

A data set (JSONL, CSV or Parquet files) is cut into shards (:mod:`plan`); each
shard is read, inspected row by row exactly as a request is (detect, decide) and
cleaned (:mod:`rows`) by a worker holding its own detector (:mod:`engines`: a
local process pool or Ray Data); the shard results are merged in order into the
report (:mod:`report`) and the cleaned copy. Nothing holds more than a few
shards, so a data set larger than memory is scanned.
"""
