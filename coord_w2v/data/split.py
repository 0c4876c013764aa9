"""Train/test split of an association matrix for link-prediction quality measures.

The test positives T+ are nonzero entries sampled without replacement with
probability proportional to their value and removed from training. The test
negatives T- are distinct zero entries of the full matrix, sampled uniformly.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Optional

import numpy as np
import scipy.sparse
from absl import logging

from coord_w2v.data.matrix import AssociationMatrix

# Matrices with at most this many cells sample negatives from an explicit list
# of their zero cells, which takes one byte per cell. Larger ones use rejection
# sampling, unless more than half of the zero cells are requested.
_ENUMERATION_LIMIT = 1 << 22


@dataclasses.dataclass(frozen=True)
class TrainTestSplit:
    """A training matrix and the held-out test pairs.

    Attributes:
        train: the input matrix with the test positives removed. It keeps the
            same entities, ids, blocks and shape.
        test_positive_focus: int64[num_test] row of each test positive.
        test_positive_context: int64[num_test] column of each test positive.
        test_negative_focus: int64[num_negative] row of each test negative.
        test_negative_context: int64[num_negative] column of each test negative.
    """

    train: AssociationMatrix
    test_positive_focus: np.ndarray
    test_positive_context: np.ndarray
    test_negative_focus: np.ndarray
    test_negative_context: np.ndarray

    def __post_init__(self):
        for side in ("positive", "negative"):
            focus = getattr(self, f"test_{side}_focus")
            context = getattr(self, f"test_{side}_context")
            if focus.ndim != 1 or focus.shape != context.shape:
                raise ValueError(f"test_{side}_focus and test_{side}_context must be 1-D arrays of the same "
                                 f"length, got shapes {focus.shape} and {context.shape}.")

    @property
    def num_test(self) -> int:
        """Number of test positives."""
        return len(self.test_positive_focus)

    @property
    def num_negative(self) -> int:
        """Number of test negatives."""
        return len(self.test_negative_focus)


def split_train_test(
    matrix: AssociationMatrix,
    test_fraction: float = 0.2,
    rng: Optional[np.random.Generator] = None,
    num_negatives: Optional[int] = None,
) -> TrainTestSplit:
    """Hold out weighted test positives and uniform test negatives.

    T+ has round(test_fraction * nnz) nonzero entries, rounded half to even.
    They are sampled without replacement with probability proportional to
    kappa_ij. Each entry gets the key E / kappa_ij with E ~ Exp(1), and the
    entries with the smallest keys are taken. The result has the distribution
    of drawing entries one at a time with probability proportional to
    kappa_ij among those not yet drawn. T- has distinct (i, j) pairs with kappa_ij = 0 in the
    full matrix, uniform among all such pairs. Both are sorted by (row,
    column).

    Args:
        matrix: the full association matrix.
        test_fraction: fraction of the nonzero entries to hold out, in (0, 1).
        rng: source of randomness. It is required, and the default None
            only lets it follow test_fraction in the argument list.
        num_negatives: size of T-, or None for the size of T+.

    Returns:
        The split.

    Raises:
        ValueError: if test_fraction is not in (0, 1), T+ or the training
            matrix would be empty, num_negatives is negative, or the matrix
            has fewer zero entries than the negatives requested.
        TypeError: if rng is missing or an argument has the wrong type.
    """
    if not isinstance(matrix, AssociationMatrix):
        raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}.")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}. "
                        "Create one with numpy.random.default_rng(seed).")

    num_test = int(round(test_fraction * matrix.nnz))
    if num_test == 0:
        raise ValueError(f"test_fraction={test_fraction} of {matrix.nnz} nonzero entries rounds to 0 test "
                         f"positives. Use a larger test_fraction or a larger matrix.")
    if num_test == matrix.nnz:
        raise ValueError(f"test_fraction={test_fraction} of {matrix.nnz} nonzero entries moves every entry to the "
                         f"test set and leaves the training matrix empty. Use a smaller test_fraction.")
    if num_negatives is None:
        num_negatives = num_test
    elif isinstance(num_negatives, bool) or not isinstance(num_negatives, numbers.Integral):
        raise TypeError(f"num_negatives must be an int or None, got {num_negatives!r}.")
    elif num_negatives < 0:
        raise ValueError(f"num_negatives must be >= 0, got {num_negatives}.")
    num_negatives = int(num_negatives)

    rows, cols, values = matrix.coo_arrays()
    test_index = _sample_weighted_without_replacement(values, num_test, rng)
    is_test = np.zeros(matrix.nnz, dtype=bool)
    is_test[test_index] = True
    train_kappa = scipy.sparse.coo_matrix((values[~is_test], (rows[~is_test], cols[~is_test])),
                                          shape=matrix.kappa.shape).tocsr()
    train = matrix.with_kappa(train_kappa, name=f"{matrix.name} train" if matrix.name else "train")

    negative_focus, negative_context = _sample_zero_entries(matrix, num_negatives, rng)
    logging.info("Split %s: %d training entries, %d test positives, %d test negatives.",
                 matrix.name or "matrix", train.nnz, num_test, num_negatives)
    return TrainTestSplit(
        train=train,
        test_positive_focus=rows[test_index],
        test_positive_context=cols[test_index],
        test_negative_focus=negative_focus,
        test_negative_context=negative_context,
    )


def _sample_weighted_without_replacement(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Sample `count` indices without replacement, proportionally to positive weights.

    Args:
        weights: float64[n] positive weights.
        count: number of indices, at most n.
        rng: source of randomness.

    Returns:
        int64[count] sorted distinct indices.
    """
    keys = rng.exponential(size=len(weights)) / weights
    chosen = np.argpartition(keys, count - 1)[:count] if count < len(weights) else np.arange(len(weights))
    return np.sort(chosen).astype(np.int64)


def _sample_zero_entries(matrix: AssociationMatrix, count: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sample `count` distinct zero cells uniformly.

    Returns:
        (rows int64[count], cols int64[count]) sorted by (row, column).

    Raises:
        ValueError: if the matrix has fewer than `count` zero cells.
    """
    num_focus, num_context = matrix.kappa.shape
    num_cells = num_focus * num_context
    num_zeros = num_cells - matrix.nnz
    if count > num_zeros:
        raise ValueError(f"num_negatives={count} test negatives requested, but the {num_focus} x {num_context} "
                         f"matrix has only {num_zeros} zero entries. Request fewer negatives.")
    if num_cells >= 2 ** 62:
        raise ValueError(f"the {num_focus} x {num_context} matrix has too many cells to number them as int64.")

    rows, cols, _ = matrix.coo_arrays()
    # Row-major cell numbers of the nonzeros, sorted because coo_arrays is
    # row-major. The caller ensures that there is at least one nonzero.
    nonzero_cells = rows * num_context + cols
    if num_cells <= _ENUMERATION_LIMIT or 2 * count > num_zeros:
        cells = _sample_zero_cells_by_enumeration(nonzero_cells, num_cells, count, rng)
    else:
        cells = _sample_zero_cells_by_rejection(nonzero_cells, num_cells, count, rng)
    cells = np.sort(cells)
    return cells // num_context, cells % num_context


def _sample_zero_cells_by_enumeration(nonzero_cells: np.ndarray, num_cells: int, count: int,
                                      rng: np.random.Generator) -> np.ndarray:
    """List every zero cell and choose `count` of them without replacement."""
    is_zero = np.ones(num_cells, dtype=bool)
    is_zero[nonzero_cells] = False
    zero_cells = np.flatnonzero(is_zero)
    return rng.choice(zero_cells, size=count, replace=False)


def _sample_zero_cells_by_rejection(nonzero_cells: np.ndarray, num_cells: int, count: int,
                                    rng: np.random.Generator) -> np.ndarray:
    """Draw uniform cells in batches and keep new zero cells until there are `count`.

    The distinct new zero cells of a batch are a set whose distribution is the
    same for every choice of unchosen zero cells, so a uniform random subset
    of it keeps the sample uniform without replacement. The caller ensures
    that at least half of the zero cells stay unchosen, so each draw succeeds
    with probability at least half the zero density.
    """
    zero_density = 1.0 - len(nonzero_cells) / num_cells
    chosen = np.empty(0, dtype=np.int64)  # sorted
    while len(chosen) < count:
        needed = count - len(chosen)
        batch = int(2 * needed / zero_density) + 16
        # Sorted draws make the searches below cache-friendly.
        draws = np.sort(rng.integers(0, num_cells, size=batch, dtype=np.int64))
        draws = draws[np.concatenate([[True], draws[1:] != draws[:-1]])]
        draws = draws[~_contains(nonzero_cells, draws)]
        draws = draws[~_contains(chosen, draws)]
        if len(draws) > needed:
            draws = rng.choice(draws, size=needed, replace=False)
        chosen = np.sort(np.concatenate([chosen, draws]))
    return chosen


def _contains(sorted_cells: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Return bool[len(queries)], True where a query is in the sorted array."""
    if not len(sorted_cells):
        return np.zeros(len(queries), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_cells, queries), len(sorted_cells) - 1)
    return sorted_cells[position] == queries
