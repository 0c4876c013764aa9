"""IND arrangement: every microbatch is one positive drawn independently."""

from __future__ import annotations

import numpy as np

from coord_w2v.arrangements.alias import AliasSampler
from coord_w2v.arrangements.microbatches import Microbatches, check_generator, check_integer
from coord_w2v.data.matrix import AssociationMatrix

_PACK_LIMIT = 2**31
_LOW_32_BITS = 2**32 - 1


class IndMicrobatches:
    """Single-positive microbatches: (i, j) is drawn with probability kappa_ij / K.

    This is the baseline arrangement of independent examples. It is the same for
    both designations. An alias table over the nonzeros makes each draw O(1).

    Attributes:
        matrix: the association matrix the positives come from.
    """

    def __init__(self, matrix: AssociationMatrix):
        """Builds the alias table over the nonzeros of matrix.kappa.

        Args:
            matrix: association matrix with at least one nonzero.

        Raises:
            TypeError: if matrix is not an AssociationMatrix.
            ValueError: if matrix has no nonzeros.
        """
        if not isinstance(matrix, AssociationMatrix):
            raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
        if matrix.nnz == 0:
            raise ValueError(f"matrix {matrix.name!r} has no nonzeros, so there are no positives to draw.")
        self.matrix = matrix
        rows, cols, values = matrix.coo_arrays()
        # A draw gathers random nonzeros from arrays of nnz entries, which mostly
        # misses the cache. Packing (i, j) into one int64 as i * 2**32 + j needs one
        # gather per positive instead of two. Larger shapes keep two arrays.
        self._packed = max(matrix.num_focus, matrix.num_context) < _PACK_LIMIT
        if self._packed:
            self._pairs = (rows << 32) | cols
        else:
            self._focus = rows
            self._context = cols
        self._sampler = AliasSampler(values)

    def draw(self, rng: np.random.Generator, min_positives: int) -> Microbatches:
        """Draws exactly min_positives single-positive microbatches.

        Args:
            rng: source of randomness.
            min_positives: number of positives to draw, >= 0.

        Returns:
            Microbatches with min_positives positives and all sizes 1.

        Raises:
            TypeError: if rng is not a numpy.random.Generator or min_positives is
                not an integer.
            ValueError: if min_positives is negative.
        """
        check_generator(rng)
        count = check_integer(min_positives, "min_positives", 0)
        entries = self._sampler.sample(rng, count)
        if self._packed:
            pairs = self._pairs[entries]
            focus, context = pairs >> 32, pairs & _LOW_32_BITS
        else:
            focus, context = self._focus[entries], self._context[entries]
        return Microbatches(focus=focus, context=context, sizes=np.ones(count, dtype=np.int64))
