"""Map an arrangement name to the microbatch sources of its two designations."""

from __future__ import annotations

from typing import Optional

import numpy as np

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.lsh import JACCARD_METHODS, angular_maps, block_map, jaccard_maps
from coord_w2v.arrangements.microbatches import Designation, MicrobatchSource, check_generator, check_integer
from coord_w2v.arrangements.refine import RefinedMicrobatches
from coord_w2v.data.matrix import AssociationMatrix

ARRANGEMENTS = ("ind", "coo", "coo_jaccard", "coo_angular", "coo_optlsh")


def make_sources(matrix: AssociationMatrix, arrangement: str, *, rng: Optional[np.random.Generator] = None,
                 lsh_maps: int = 0, lsh_max_size: int = 64, lsh_pool_size: int = 16,
                 coarse_focus: Optional[np.ndarray] = None, coarse_context: Optional[np.ndarray] = None,
                 jaccard_method: str = "exponential") -> tuple[MicrobatchSource, MicrobatchSource]:
    """Build the sources of focus-designated and context-designated microbatches.

    Args:
      matrix: the training matrix.
      arrangement: one of ARRANGEMENTS.
        "ind": one i.i.d. example per microbatch.
        "coo": coordinated microbatches, a shared context for focus designation
          and a shared focus for context designation.
        "coo_jaccard": COO refined by Jaccard LSH maps of the rows (focus) and
          columns (context) of kappa.
        "coo_angular": COO refined by angular LSH maps of coarse_focus (focus)
          and coarse_context (context).
        "coo_optlsh": COO split by the ground-truth blocks of matrix.
      rng: source of randomness for the LSH map pools; required by
        "coo_jaccard" and "coo_angular".
      lsh_maps: maps per COO microbatch, 0 <= lsh_maps <= lsh_pool_size. 0 adds
        maps until every part has at most lsh_max_size positives.
      lsh_max_size: size cap of adaptive refinement, in positives, >= 1.
      lsh_pool_size: maps precomputed per designation, >= 1. Each microbatch
        draws its maps from this pool without replacement.
      coarse_focus: float[num_focus, d'] coarse focus vectors for "coo_angular".
      coarse_context: float[num_context, d'] coarse context vectors for "coo_angular".
      jaccard_method: "exponential" (the paper's map, keyed by a column or row
        index) or "icws" (collides with probability exactly equal to the
        weighted Jaccard similarity); see coord_w2v.arrangements.lsh.

    Returns:
      (focus source, context source).

    Raises:
      ValueError: unknown arrangement, an LSH setting out of range, or an input
        that the arrangement needs is missing or has the wrong shape.
      TypeError: an argument of the wrong type.
    """
    if arrangement not in ARRANGEMENTS:
        raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}; got {arrangement!r}.")
    if arrangement == "ind":
        source = IndMicrobatches(matrix)
        return source, source
    designations = (Designation.FOCUS, Designation.CONTEXT)
    bases = tuple(CooMicrobatches(matrix, designation) for designation in designations)
    if arrangement == "coo":
        return bases

    if arrangement == "coo_optlsh":
        if matrix.focus_blocks is None or matrix.context_blocks is None:
            raise ValueError(f"arrangement 'coo_optlsh' splits COO microbatches by ground-truth blocks, but matrix "
                             f"{matrix.name!r} has no focus_blocks or context_blocks; use the blocks data set or "
                             "another arrangement.")
        labels = (matrix.focus_blocks, matrix.context_blocks)
        return tuple(RefinedMicrobatches(base, block_map(np.asarray(blocks)), num_maps=1)
                     for base, blocks in zip(bases, labels))

    lsh_pool_size = check_integer(lsh_pool_size, "lsh_pool_size", 1)
    lsh_maps = check_integer(lsh_maps, "lsh_maps", 0)
    if lsh_maps > lsh_pool_size:
        raise ValueError(f"lsh_maps must be at most lsh_pool_size={lsh_pool_size}, got {lsh_maps}; raise "
                         "lsh_pool_size or lower lsh_maps.")
    lsh_max_size = check_integer(lsh_max_size, "lsh_max_size", 1)
    if rng is None:
        raise ValueError(f"arrangement {arrangement!r} draws random LSH maps and needs rng; pass "
                         "rng=np.random.default_rng(seed).")
    check_generator(rng)

    if arrangement == "coo_jaccard":
        if jaccard_method not in JACCARD_METHODS:
            raise ValueError(f"jaccard_method must be one of {', '.join(JACCARD_METHODS)}, got {jaccard_method!r}.")
        pools = tuple(jaccard_maps(matrix, designation, lsh_pool_size, rng, method=jaccard_method)
                      for designation in designations)
    else:
        pools = _angular_pools(matrix, coarse_focus, coarse_context, lsh_pool_size, rng)

    if lsh_maps == 0:
        return tuple(RefinedMicrobatches(base, pool, max_size=lsh_max_size) for base, pool in zip(bases, pools))
    return tuple(RefinedMicrobatches(base, pool, num_maps=lsh_maps) for base, pool in zip(bases, pools))


def _angular_pools(matrix: AssociationMatrix, coarse_focus: Optional[np.ndarray],
                   coarse_context: Optional[np.ndarray], pool_size: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Returns the angular map pools of the focus and context designations after checking the vectors."""
    pools = []
    for name, vectors, count in (("coarse_focus", coarse_focus, matrix.num_focus),
                                 ("coarse_context", coarse_context, matrix.num_context)):
        if vectors is None:
            raise ValueError(f"arrangement 'coo_angular' needs {name}, the coarse embedding whose vectors give "
                             "the angular LSH maps; pass the vectors of a low-dimensional or partly trained model.")
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != count:
            raise ValueError(f"{name} must have shape [{count}, d'] for matrix {matrix.name!r}, got shape "
                             f"{vectors.shape}; train the coarse embedding on the same matrix.")
        pools.append(angular_maps(vectors, pool_size, rng))
    return pools[0], pools[1]
