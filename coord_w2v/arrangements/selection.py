"""Example selection: a fixed number of sampled examples per row and per column.

A selection emulates what a fraction of an epoch shows the trainer. For every
nonempty row i it draws `per_entity` columns j, each with probability
kappa_ij / r_i, and for every nonempty column j it draws rows i with probability
kappa_ij / c_j. The rows' draws train focus vectors and the columns' draws train
context vectors.

- IND selection makes every draw independent.
- COO selection coordinates the rows: each round draws one u_j ~ Exp(1) per
  column, and every row takes argmax_j kappa_ij / u_j. That column is j with
  probability kappa_ij / r_i, the same marginal as IND, but similar rows tend to
  pick the same column in the same round, so the selection keeps their
  similarity. Column selection is symmetric, with one u_i per row.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from absl import logging

from coord_w2v.arrangements.lsh import jaccard_maps
from coord_w2v.arrangements.microbatches import Designation, check_generator, check_integer
from coord_w2v.data.matrix import AssociationMatrix

SELECTION_METHODS = ("ind", "coo")


def select_examples(matrix: AssociationMatrix, per_entity: int, method: str,
                    rng: np.random.Generator) -> tuple[AssociationMatrix, AssociationMatrix]:
    """Selects per_entity examples for every nonempty row and for every nonempty column.

    Args:
        matrix: the training matrix.
        per_entity: T >= 1, draws per nonempty row and per nonempty column.
        method: "ind" (independent draws) or "coo" (coordinated rounds).
        rng: source of randomness. The rows' draws come first, then the columns'.

    Returns:
        (focus_selection, context_selection). Both have the shape, ids, blocks
        and entity order of matrix, and their entries count how often each
        (i, j) was drawn. Every nonempty row of focus_selection sums to T, as
        does every nonempty column of context_selection, and an entry is nonzero
        only where kappa is.

    Raises:
        TypeError: if matrix, per_entity or rng has the wrong type.
        ValueError: if per_entity < 1 or method is unknown.
    """
    if not isinstance(matrix, AssociationMatrix):
        raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
    per_entity = check_integer(per_entity, "per_entity", 1)
    if method not in SELECTION_METHODS:
        raise ValueError(f"method must be one of {', '.join(SELECTION_METHODS)}, got {method!r}.")
    check_generator(rng)

    selections = []
    for designation in (Designation.FOCUS, Designation.CONTEXT):
        if method == "ind":
            lines, members = _independent_draws(matrix, designation, per_entity, rng)
        else:
            lines, members = _coordinated_draws(matrix, designation, per_entity, rng)
        if designation == Designation.FOCUS:
            rows, cols = lines, members
        else:
            rows, cols = members, lines
        counts = scipy.sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=matrix.kappa.shape)
        side = "focus" if designation == Designation.FOCUS else "context"
        name = f"{matrix.name} {method} {side} selection T={per_entity}"
        selections.append(matrix.with_kappa(counts, name=name))
        logging.info("Selected %d examples (%d distinct) for %s updates from %r by %s selection.", rows.size,
                     selections[-1].nnz, side, matrix.name, method)
    return selections[0], selections[1]


def _independent_draws(matrix: AssociationMatrix, designation: Designation, per_entity: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draws per_entity independent members for every nonempty line.

    A line is a row for FOCUS and a column for CONTEXT. Each draw inverts the
    line's cumulative weights at a uniform point, found by binary search.

    Returns:
        (lines int64[T * L], members int64[T * L]) for the L nonempty lines.
    """
    compressed = matrix.kappa if designation == Designation.FOCUS else matrix.csc
    indptr = compressed.indptr.astype(np.int64)
    lengths = np.diff(indptr)
    lines = np.flatnonzero(lengths > 0)
    cumulative = np.cumsum(compressed.data)
    line_end = cumulative[indptr[lines + 1] - 1]
    line_start = np.where(indptr[lines] > 0, cumulative[np.maximum(indptr[lines] - 1, 0)], 0.0)

    draw_lines = np.tile(lines, per_entity)
    u = rng.random(draw_lines.size)
    targets = np.tile(line_start, per_entity) + u * np.tile(line_end - line_start, per_entity)
    positions = np.searchsorted(cumulative, targets, side="right")
    # Rounding of the cumulative sums can put a target on a neighbouring line's
    # boundary, so positions are clipped into the line.
    positions = np.clip(positions, indptr[draw_lines], indptr[draw_lines + 1] - 1)
    return draw_lines, compressed.indices[positions].astype(np.int64)


def _coordinated_draws(matrix: AssociationMatrix, designation: Designation, per_entity: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draws one member per nonempty line in each of per_entity coordinated rounds.

    Round t keys every line by argmin over its nonzeros of u_k / kappa, with one
    u_k ~ Exp(1) per entity k on the other side. That is one exponential Jaccard
    map, and argmin u_k / kappa is argmax kappa / u_k.

    Returns:
        (lines int64[T * L], members int64[T * L]) for the L nonempty lines.
    """
    keys = jaccard_maps(matrix, designation, per_entity, rng, method="exponential")  # [T, num_lines]
    lengths = np.diff((matrix.kappa if designation == Designation.FOCUS else matrix.csc).indptr)
    lines = np.flatnonzero(lengths > 0)
    return np.tile(lines, per_entity), keys[:, lines].reshape(-1)
