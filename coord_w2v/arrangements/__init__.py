"""Microbatch arrangements (IND, COO) and minibatch assembly; numpy only."""
