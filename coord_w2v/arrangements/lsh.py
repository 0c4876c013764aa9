"""LSH maps: random keys per entity such that similar entities tend to share a key.

A map assigns every entity of one designation (rows of `kappa` for FOCUS,
columns for CONTEXT) an int64 key. Keys are compared only for equality within
one map. Refining a COO microbatch by the keys of a few maps splits it into parts
whose members are more similar to each other than the microbatch as a whole.

Three kinds of maps are built here:

- Jaccard maps from the rows (or columns) of `kappa` itself. The default
  "exponential" method is Algorithm 4 of Buchnik et al., "Self-similar Epochs:
  Value in Arrangement" (ICML 2019): draw u_j ~ Exp(1) per context j and give
  row i the key argmin_j u_j / kappa_ij over its nonzeros. The key of row i is
  then j with probability kappa_ij / r_i. Rows x and y both get key j exactly
  when u_l > u_j * max(x_l / x_j, y_l / y_j) for every l != j, so they collide
  with probability
      J_P(x, y) = sum_{j: x_j > 0, y_j > 0} 1 / sum_l max(x_l / x_j, y_l / y_j),
  the probability Jaccard similarity of Moulton and Jiang
  (https://arxiv.org/abs/1809.04052). J_P equals the weighted Jaccard similarity
  J_W = sum_j min(x_j, y_j) / sum_j max(x_j, y_j) when both rows are 0/1
  vectors, but not in general: for x = (2, 1) and y = (1, 2), J_P = 2/3 and
  J_W = 1/2. The "icws" method is Ioffe's improved consistent weighted sampling
  (ICDM 2010, https://research.google.com/pubs/pub36928.html), whose keys
  collide with probability exactly J_W for any non-negative weights.
- Angular maps from given vectors (a coarse embedding): the side of a random
  hyperplane through the origin. The hyperplane separates two vectors with
  probability angle / pi, so they share the key with probability 1 - angle / pi.
- The block map: ground-truth labels used as one map.

A Jaccard map costs time linear in the nonzeros, and an angular map time linear
in the size of the vectors.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from coord_w2v.arrangements.microbatches import Designation, check_generator, check_integer
from coord_w2v.data.matrix import AssociationMatrix

JACCARD_METHODS = ("exponential", "icws")
# ICWS keys pack (entity, level) into one int64 while the product of the ranges
# stays below this bound, and fall back to np.unique over rows otherwise.
_PACKED_PAIR_LIMIT = 2**62


def jaccard_maps(matrix: AssociationMatrix, designation: Designation, num_maps: int, rng: np.random.Generator,
                 method: str = "exponential") -> np.ndarray:
    """Draws Jaccard LSH maps of the rows (FOCUS) or columns (CONTEXT) of kappa.

    For FOCUS each map draws one random variable per column and keys every row by
    the column that wins a race among the row's nonzeros. For CONTEXT the roles
    of rows and columns swap. An entity without nonzeros gets the key
    -1 - entity index, which no other entity's key equals.

    Args:
        matrix: the association matrix.
        designation: FOCUS to map rows (focus entities), CONTEXT to map columns.
        num_maps: number of independent maps, >= 1.
        rng: source of randomness.
        method: "exponential" keys row i by argmin_j u_j / kappa_ij with
            u_j ~ Exp(1), so the key is a column index. Two rows collide with
            the probability Jaccard similarity J_P (see the module docstring).
            "icws" uses Ioffe's improved consistent weighted sampling. Its keys
            number the pairs (winning column, quantisation level of its weight)
            from 0 within each map, and two rows collide with probability equal
            to their weighted Jaccard similarity.

    Returns:
        int64[num_maps, num_entities] keys, num_entities = num_focus (FOCUS) or
        num_context (CONTEXT).

    Raises:
        TypeError: if matrix, designation, num_maps or rng has the wrong type.
        ValueError: if num_maps < 1 or method is not in JACCARD_METHODS.
    """
    if not isinstance(matrix, AssociationMatrix):
        raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
    if not isinstance(designation, Designation):
        raise TypeError(f"designation must be Designation.FOCUS or Designation.CONTEXT, got {designation!r}.")
    num_maps = check_integer(num_maps, "num_maps", 1)
    check_generator(rng)
    if method not in JACCARD_METHODS:
        raise ValueError(f"method must be one of {', '.join(JACCARD_METHODS)}, got {method!r}.")

    compressed = matrix.kappa if designation == Designation.FOCUS else matrix.csc
    num_entities, num_others = _lines_and_others(compressed, designation)
    segments = _Segments(compressed.indptr)
    others = compressed.indices.astype(np.int64)
    keys = np.empty((num_maps, num_entities), dtype=np.int64)
    empty = ~segments.nonempty
    empty_keys = -1 - np.flatnonzero(empty)

    if method == "exponential":
        values = compressed.data
        for map_index in range(num_maps):
            u = rng.standard_exponential(num_others)
            winners = segments.argmin(u[others] / values)
            keys[map_index, segments.nonempty] = others[winners]
            keys[map_index, empty] = empty_keys
    else:
        log_values = np.log(compressed.data)
        for map_index in range(num_maps):
            keys[map_index, segments.nonempty] = _icws_keys(log_values, others, num_others, segments, rng)
            keys[map_index, empty] = empty_keys
    return keys


def _icws_keys(log_values: np.ndarray, others: np.ndarray, num_others: int, segments: "_Segments",
               rng: np.random.Generator) -> np.ndarray:
    """Returns int64[num_nonempty_lines] ICWS keys of one map, numbered from 0.

    For every other-side entity k the map draws r_k, c_k ~ Gamma(2, 1) and
    beta_k ~ U[0, 1). A nonzero of weight w on entity k gets
    t = floor(ln w / r_k + beta_k) and ln a = ln c_k - r_k (t - beta_k) - r_k.
    A line keeps the pair (k, t) of its nonzero with the smallest a, and two lines
    keep the same pair with probability equal to their weighted Jaccard
    similarity.
    """
    gamma_r = rng.gamma(2.0, 1.0, num_others)
    gamma_c = rng.gamma(2.0, 1.0, num_others)
    beta = rng.random(num_others)
    r = gamma_r[others]
    b = beta[others]
    quantised = np.floor(log_values / r + b)
    log_a = np.log(gamma_c[others]) - r * (quantised - b) - r
    winners = segments.argmin(log_a)
    winner_others = others[winners]
    winner_levels = quantised[winners].astype(np.int64)
    if winner_levels.size == 0:
        return winner_levels
    # Number the distinct pairs from 0, in lexicographic order.
    lowest = int(winner_levels.min())
    level_range = int(winner_levels.max()) - lowest + 1
    if num_others * level_range < _PACKED_PAIR_LIMIT:
        _, labels = np.unique(winner_others * level_range + (winner_levels - lowest), return_inverse=True)
    else:
        _, labels = np.unique(np.stack([winner_others, winner_levels], axis=1), axis=0, return_inverse=True)
    return labels.reshape(-1).astype(np.int64)


def angular_maps(vectors: np.ndarray, num_maps: int, rng: np.random.Generator) -> np.ndarray:
    """Draws angular LSH maps: the side of a random hyperplane for each vector.

    Each map draws a unit vector v uniformly on the sphere (a normalised Gaussian)
    and keys vector x_i by 1 if v . x_i >= 0, else 0. Two nonzero vectors share the
    key with probability 1 - angle(x_i, x_i') / pi. A zero vector always gets
    key 1.

    Args:
        vectors: float[num_entities, d] coarse embedding, finite, d >= 1.
        num_maps: number of independent maps, >= 1.
        rng: source of randomness.

    Returns:
        int64[num_maps, num_entities] keys in {0, 1}.

    Raises:
        TypeError: if vectors is not a real array, or num_maps or rng has the wrong type.
        ValueError: if vectors is not 2-D with d >= 1, contains NaN or infinity,
            or num_maps < 1.
    """
    vectors = np.asarray(vectors)
    if not (np.issubdtype(vectors.dtype, np.floating) or np.issubdtype(vectors.dtype, np.integer)):
        raise TypeError(f"vectors must be a real array, got dtype {vectors.dtype}.")
    if vectors.ndim != 2 or vectors.shape[1] < 1:
        raise ValueError(f"vectors must have shape [num_entities, d] with d >= 1, got shape {vectors.shape}.")
    if not np.all(np.isfinite(vectors)):
        raise ValueError("vectors contains NaN or infinity; pass a finite coarse embedding.")
    num_maps = check_integer(num_maps, "num_maps", 1)
    check_generator(rng)

    directions = rng.standard_normal((num_maps, vectors.shape[1]))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    projections = directions @ vectors.astype(np.float64, copy=False).T  # [num_maps, num_entities]
    return (projections >= 0.0).astype(np.int64)


def block_map(labels: np.ndarray) -> np.ndarray:
    """Returns ground-truth labels as a single map, for refinement by true blocks (OPTLSH).

    Args:
        labels: int[num_entities] block of each entity, such as
            AssociationMatrix.focus_blocks.

    Returns:
        int64[1, num_entities], a copy of labels.

    Raises:
        TypeError: if labels is not an integer array.
        ValueError: if labels is not 1-D.
    """
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be an integer array of block ids, got dtype {labels.dtype}.")
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D with one block id per entity, got shape {labels.shape}.")
    return labels.astype(np.int64).reshape(1, -1)


def _lines_and_others(compressed: scipy.sparse.spmatrix, designation: Designation) -> tuple[int, int]:
    """Returns (number of mapped entities, number of entities on the other side)."""
    num_focus, num_context = compressed.shape
    if designation == Designation.FOCUS:
        return num_focus, num_context
    return num_context, num_focus


class _Segments:
    """Segment reductions over the lines of a compressed (CSR or CSC) matrix.

    Attributes:
        nonempty: bool[num_lines], whether each line has a nonzero.
    """

    def __init__(self, indptr: np.ndarray):
        indptr = indptr.astype(np.int64)
        lengths = np.diff(indptr)
        self.nonempty = lengths > 0
        self._starts = indptr[:-1][self.nonempty]
        # int64[nnz]: index of each entry's line among the nonempty lines.
        self._segment_of_entry = np.repeat(np.arange(self._starts.size, dtype=np.int64), lengths[self.nonempty])

    def argmin(self, values: np.ndarray) -> np.ndarray:
        """Returns int64[num_nonempty_lines], the entry index of each line's smallest value.

        A tie keeps the first entry of the line. Values must not be NaN.
        """
        if self._starts.size == 0:
            return np.zeros(0, dtype=np.int64)
        minima = np.minimum.reduceat(values, self._starts)
        candidates = np.flatnonzero(values == minima[self._segment_of_entry])
        if candidates.size == self._starts.size:
            return candidates
        # Ties within a line leave several candidates, and the first one is kept.
        candidate_segments = self._segment_of_entry[candidates]
        first = np.ones(candidates.size, dtype=bool)
        first[1:] = candidate_segments[1:] != candidate_segments[:-1]
        return candidates[first]
