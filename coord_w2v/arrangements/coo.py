"""COO arrangement: coordinated microbatches that share one context or one focus.

A focus-designated COO microbatch picks a column j with probability
M_j / sum_h M_h (M_j is the largest entry of column j), draws u ~ U[0, 1) and
contains every nonzero (i, j) of that column with kappa_ij >= u * M_j. Because u
is shared, a column's entries are drawn together, the larger ones more often:
(i, j) is included with probability kappa_ij / sum_h M_h, and a microbatch that
contains (i, j) also contains every (i', j) with kappa_i'j >= kappa_ij. A
context-designated microbatch is the same construction on a row i with its
largest entry R_i.
"""

from __future__ import annotations

import numpy as np
from absl import logging

from coord_w2v.arrangements.alias import AliasSampler
from coord_w2v.arrangements.microbatches import (Designation, Microbatches, check_generator,
                                                 check_integer)
from coord_w2v.data.matrix import AssociationMatrix

# A draw round samples this factor times the expected number of microbatches, plus
# _EXTRA_MICROBATCHES, so that one round usually suffices. Microbatches past the
# stopping point are discarded.
_OVERDRAW_FACTOR = 1.1
_EXTRA_MICROBATCHES = 8


class CooMicrobatches:
    """COO microbatches of one designation, drawn from a prefix index.

    A line is a column for the focus designation and a row for the context
    designation. The members of a line are the row indices (focus) or column
    indices (context) of its nonzeros. The index stores every line's nonzeros
    sorted by value descending, ties by member index ascending. A microbatch is a
    prefix of one line in that order, and its positives appear in that order.

    Lookups are exact. The prefix end of a query is found by a binary search
    within the line that compares the stored float64 values with the threshold
    u * line_max directly, so the prefix contains exactly the entries with
    value >= threshold and never splits a tie. The searches of many queries run
    together as numpy array steps, ceil(log2(L + 1)) of them for the longest
    line length L. A microbatch thus costs O(log L) plus O(size) to list its
    positives.

    Attributes:
        matrix: the association matrix the positives come from.
        designation: FOCUS (microbatches share a column) or CONTEXT (share a row).
        line_max: float64[num_lines] largest entry of each line, 0 for an empty line.
        mean_size: expected microbatch size, K / sum(line_max).
    """

    def __init__(self, matrix: AssociationMatrix, designation: Designation):
        """Builds the prefix index in O(nnz log nnz).

        Args:
            matrix: association matrix with at least one nonzero.
            designation: Designation.FOCUS or Designation.CONTEXT.

        Raises:
            TypeError: if matrix is not an AssociationMatrix or designation is not a
                Designation.
            ValueError: if matrix has no nonzeros.
        """
        if not isinstance(matrix, AssociationMatrix):
            raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
        if not isinstance(designation, Designation):
            raise TypeError(f"designation must be Designation.FOCUS or Designation.CONTEXT, got {designation!r}.")
        if matrix.nnz == 0:
            raise ValueError(f"matrix {matrix.name!r} has no nonzeros, so there are no positives to draw.")
        self.matrix = matrix
        self.designation = designation

        if designation == Designation.FOCUS:
            compressed = matrix.csc
            self.line_max = matrix.col_max
        else:
            compressed = matrix.kappa
            self.line_max = matrix.row_max
        num_lines = self.line_max.size
        line_ptr = compressed.indptr.astype(np.int64)
        line_of_entry = np.repeat(np.arange(num_lines, dtype=np.int64), np.diff(line_ptr))
        # lexsort is stable and members are ascending within each line of the
        # compressed matrix, so ties keep member order.
        order = np.lexsort((-compressed.data, line_of_entry))
        line_lengths = np.diff(line_ptr)

        self._line_ptr = line_ptr
        self._sorted_values = compressed.data[order]
        self._sorted_members = compressed.indices[order].astype(np.int64)
        # Each step at least halves every search interval, so a line of length L
        # needs floor(log2(L)) + 1 steps, which is L's bit length.
        self._search_steps = int(line_lengths.max()).bit_length()
        self._line_sampler = AliasSampler(self.line_max)
        self.mean_size = matrix.total / float(self.line_max.sum())
        logging.info("Built the COO %s index of %r: %d lines, %d nonzeros, longest line %d, "
                     "mean microbatch size %.3f.", designation.name.lower(), matrix.name, num_lines,
                     matrix.nnz, line_lengths.max(), self.mean_size)

    @property
    def num_lines(self) -> int:
        """Number of columns (focus designation) or rows (context designation)."""
        return self.line_max.size

    def query(self, lines: np.ndarray, u: np.ndarray) -> Microbatches:
        """Returns the microbatch of each (line, u) pair, in the order given.

        Microbatch t contains every nonzero of line lines[t] with value
        >= u[t] * line_max[lines[t]], in index order (value descending, ties by
        member index ascending). An empty line yields an empty microbatch.

        Args:
            lines: int[q] line indices (columns for FOCUS, rows for CONTEXT), or a scalar.
            u: float[q] thresholds in [0, 1] as a fraction of the line's maximum, or a
                scalar that applies to every line.

        Returns:
            Microbatches with q microbatches.

        Raises:
            TypeError: if lines is not integer.
            ValueError: if a line is out of range or a u is outside [0, 1].
        """
        lines = np.atleast_1d(np.asarray(lines))
        if not np.issubdtype(lines.dtype, np.integer):
            raise TypeError(f"lines must be integer line indices, got dtype {lines.dtype}.")
        if lines.ndim != 1:
            raise ValueError(f"lines must be 1-D, got shape {lines.shape}.")
        lines = lines.astype(np.int64, copy=False)
        if lines.size and (lines.min() < 0 or lines.max() >= self.num_lines):
            raise ValueError(f"lines must be in [0, {self.num_lines}), got values from {lines.min()} to "
                             f"{lines.max()}.")
        u = np.broadcast_to(np.asarray(u, dtype=np.float64), lines.shape)
        if u.size and not (u.min() >= 0.0 and u.max() <= 1.0):
            raise ValueError(f"u must be in [0, 1], got values from {u.min()} to {u.max()}.")
        starts, sizes = self._prefixes(lines, u)
        return self._expand(lines, starts, sizes)

    def draw_microbatches(self, rng: np.random.Generator, count: int) -> Microbatches:
        """Draws exactly count independent microbatches.

        Args:
            rng: source of randomness.
            count: number of microbatches, >= 0.

        Returns:
            Microbatches with count microbatches, each of size >= 1.

        Raises:
            TypeError: if rng is not a numpy.random.Generator or count is not an integer.
            ValueError: if count is negative.
        """
        check_generator(rng)
        count = check_integer(count, "count", 0)
        lines, u = self._sample_queries(rng, count)
        starts, sizes = self._prefixes(lines, u)
        return self._expand(lines, starts, sizes)

    def draw(self, rng: np.random.Generator, min_positives: int) -> Microbatches:
        """Draws independent microbatches until they hold at least min_positives positives.

        Microbatches are drawn in vectorised rounds, each of about the expected
        number still needed. A round is cut after the first microbatch that reaches
        min_positives. Because the microbatches are i.i.d., this yields the same
        distribution as drawing one at a time and stopping there.

        Args:
            rng: source of randomness.
            min_positives: number of positives to reach, >= 0.

        Returns:
            Microbatches whose positives number at least min_positives, where every
            microbatch but the last leaves the total below min_positives.

        Raises:
            TypeError: if rng is not a numpy.random.Generator or min_positives is
                not an integer.
            ValueError: if min_positives is negative.
            RuntimeError: if a whole round yields only empty microbatches, which
                only an index inconsistent with the matrix can cause.
        """
        check_generator(rng)
        needed = check_integer(min_positives, "min_positives", 0)
        parts = []
        while needed > 0:
            count = int(needed / self.mean_size * _OVERDRAW_FACTOR) + _EXTRA_MICROBATCHES
            lines, u = self._sample_queries(rng, count)
            starts, sizes = self._prefixes(lines, u)
            totals = np.cumsum(sizes)
            if totals[-1] == 0:
                # Every drawn line is nonempty and its max entry always qualifies, so
                # this means the index does not match the matrix.
                raise RuntimeError(f"COO draw on {self.matrix.name!r} produced {count} empty microbatches; "
                                   "the prefix index is inconsistent with the matrix.")
            if totals[-1] >= needed:
                keep = int(np.searchsorted(totals, needed, side="left")) + 1
                lines, starts, sizes = lines[:keep], starts[:keep], sizes[:keep]
                needed = 0
            else:
                needed -= int(totals[-1])
            parts.append(self._expand(lines, starts, sizes))
        if not parts:
            return Microbatches.empty()
        if len(parts) == 1:
            return parts[0]
        return Microbatches(focus=np.concatenate([part.focus for part in parts]),
                            context=np.concatenate([part.context for part in parts]),
                            sizes=np.concatenate([part.sizes for part in parts]))

    def _sample_queries(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Draws count lines with probability line_max / sum(line_max) and count u ~ U[0, 1)."""
        lines = self._line_sampler.sample(rng, count)
        u = rng.random(count)
        return lines, u

    def _prefixes(self, lines: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns the start (int64[q], into the index) and size (int64[q]) of each microbatch."""
        thresholds = u * self.line_max[lines]
        starts = self._line_ptr[lines]
        # Binary search for the first position in [low, high) whose value is below the
        # threshold. Values descend within a line, so the prefix before it qualifies.
        low = starts.copy()
        high = self._line_ptr[lines + 1]
        last = self._sorted_values.size - 1
        for _ in range(self._search_steps):
            middle = (low + high) >> 1
            # A finished search has low == high, and its middle may equal nnz, so
            # it is clipped before the lookup and its result is ignored below.
            qualifies = self._sorted_values[np.minimum(middle, last)] >= thresholds
            active = low < high
            low = np.where(active & qualifies, middle + 1, low)
            high = np.where(active & ~qualifies, middle, high)
        return starts, low - starts

    def _expand(self, lines: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> Microbatches:
        """Lists the positives of the microbatches given by their prefixes of the index."""
        total = int(sizes.sum())
        first_position = np.cumsum(sizes) - sizes
        positions = np.arange(total, dtype=np.int64) + np.repeat(starts - first_position, sizes)
        members = self._sorted_members[positions]
        line_ids = np.repeat(lines, sizes)
        if self.designation == Designation.FOCUS:
            return Microbatches(focus=members, context=line_ids, sizes=sizes)
        return Microbatches(focus=line_ids, context=members, sizes=sizes)
