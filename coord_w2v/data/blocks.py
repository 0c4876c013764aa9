"""Stochastic blocks: a synthetic association matrix with a known block structure.

The n entities on each side are split into `num_blocks` equal blocks of
consecutive indices, and row block b and column block b belong together. Each
interaction picks a row uniformly at random. With probability `in_block_prob`
it then picks a column uniformly inside the row's block, otherwise uniformly
among the columns outside it, and adds 1 to that entry of `kappa`.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse
from absl import logging

from coord_w2v.data.matrix import AssociationMatrix


def make_blocks(
    n: int,
    num_blocks: int,
    interactions: int,
    in_block_prob: float,
    rng: np.random.Generator,
) -> AssociationMatrix:
    """Generate a stochastic blocks association matrix.

    Example: `make_blocks(10_000, 10, 10_000_000, 0.7, rng)` builds the
    10^4 x 10^4 matrix with 10 blocks and 10^7 interactions.

    Args:
        n: number of rows, which is also the number of columns. At least 1.
        num_blocks: number of blocks B, with 1 <= B <= n. It must divide n.
        interactions: number of interactions r, at least 1. The entries of
            `kappa` sum to r.
        in_block_prob: probability p in [0, 1] that an interaction picks a
            column inside the row's block. With B = 1 there are no columns
            outside the block, so p must be 1.
        rng: source of randomness.

    Returns:
        An n x n AssociationMatrix with integer-valued float64 entries,
        `focus_ids` = `context_ids` = int64[n] `arange(n)`, and
        `focus_blocks` = `context_blocks` = int64[n] `index // (n // B)`.

    Raises:
        TypeError: if an argument has the wrong type.
        ValueError: if an argument is out of range, B does not divide n, or
            B = 1 with p < 1.
    """
    n = _check_int("n", n, minimum=1)
    num_blocks = _check_int("num_blocks", num_blocks, minimum=1)
    interactions = _check_int("interactions", interactions, minimum=1)
    in_block_prob = _check_probability("in_block_prob", in_block_prob)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}. "
                        "Create one with numpy.random.default_rng(seed).")
    if num_blocks > n:
        raise ValueError(f"num_blocks must be at most n={n}, got {num_blocks}.")
    if n % num_blocks:
        raise ValueError(f"num_blocks={num_blocks} does not divide n={n}. The blocks must have equal size, "
                         f"so choose a divisor of n.")
    if num_blocks == 1 and in_block_prob < 1.0:
        raise ValueError(f"with num_blocks=1 every column is inside the row's block, so in_block_prob must be 1, "
                         f"got {in_block_prob}.")

    block_size = n // num_blocks
    rows, cols = _draw_interactions(n, block_size, interactions, in_block_prob, rng)

    # COO to CSR conversion adds up repeated (row, col) pairs, which turns the
    # interactions into counts without an n*n dense array.
    kappa = scipy.sparse.coo_matrix((np.ones(interactions, dtype=np.float64), (rows, cols)), shape=(n, n)).tocsr()
    ids = np.arange(n, dtype=np.int64)
    blocks = ids // block_size
    name = f"blocks(n={n},B={num_blocks},r={interactions},p={in_block_prob:g})"
    matrix = AssociationMatrix(kappa=kappa, focus_ids=ids, context_ids=ids.copy(), focus_blocks=blocks,
                               context_blocks=blocks.copy(), name=name)
    logging.info("Built %s: %d x %d, %d nonzeros.", name, n, n, matrix.nnz)
    return matrix


def _draw_interactions(n: int, block_size: int, interactions: int, in_block_prob: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw the (row, column) pair of every interaction.

    Returns:
        (rows int64[interactions], cols int64[interactions]).
    """
    rows = rng.integers(0, n, size=interactions, dtype=np.int64)
    in_block = rng.random(interactions) < in_block_prob
    block_start = (rows // block_size) * block_size
    cols = np.empty(interactions, dtype=np.int64)

    num_in_block = int(np.count_nonzero(in_block))
    cols[in_block] = block_start[in_block] + rng.integers(0, block_size, size=num_in_block, dtype=np.int64)

    num_outside = interactions - num_in_block
    if num_outside:
        # Draw uniformly among the n - block_size outside columns, numbered in
        # order, then shift the ones at or after the block start past the block.
        outside = rng.integers(0, n - block_size, size=num_outside, dtype=np.int64)
        outside_start = block_start[~in_block]
        outside += np.where(outside >= outside_start, block_size, 0)
        cols[~in_block] = outside
    return rows, cols


def _check_int(name: str, value: object, minimum: int) -> int:
    """Return `value` as an int, or raise if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _check_probability(name: str, value: object) -> float:
    """Return `value` as a float, or raise if it is not a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r} of type {type(value).__name__}.")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}.")
    return value
