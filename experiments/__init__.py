"""Experiment definitions and runners that regenerate the paper's results."""
