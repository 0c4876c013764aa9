"""Map an arrangement name to the microbatch sources of its two designations."""

from __future__ import annotations

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.microbatches import Designation, MicrobatchSource
from coord_w2v.data.matrix import AssociationMatrix

ARRANGEMENTS = ("ind", "coo")


def make_sources(matrix: AssociationMatrix, arrangement: str) -> tuple[MicrobatchSource, MicrobatchSource]:
    """Build the sources of focus-designated and context-designated microbatches.

    Args:
      matrix: the training matrix.
      arrangement: "ind" (one i.i.d. example per microbatch) or "coo"
        (coordinated microbatches: a shared context for focus designation, a
        shared focus for context designation).

    Returns:
      (focus source, context source).

    Raises:
      ValueError: unknown arrangement.
    """
    if arrangement == "ind":
        source = IndMicrobatches(matrix)
        return source, source
    if arrangement == "coo":
        return CooMicrobatches(matrix, Designation.FOCUS), CooMicrobatches(matrix, Designation.CONTEXT)
    raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}; got {arrangement!r}.")
