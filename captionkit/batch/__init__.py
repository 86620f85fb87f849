"""Batch runs: a TOML manifest of jobs, local or Dask executors, a resumable state file and an HTML report."""
