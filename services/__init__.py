"""Services below the flows: the composition root, the worker, reading files, evaluation, calibration."""
