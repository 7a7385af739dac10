"""Where a request can be answered: the cloud upstream or the in-process local model."""
