"""Microbatch-source and chunk helpers shared by the arrangement tests."""

import numpy as np

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.microbatches import Designation, Microbatches
from coord_w2v.arrangements.minibatches import Chunk
from coord_w2v.data.matrix import AssociationMatrix


class RecordingSource:
    """Wraps a source and keeps every Microbatches it returns."""

    def __init__(self, inner):
        self.inner = inner
        self.matrix = inner.matrix
        self.designation = getattr(inner, "designation", None)
        self.draws = []

    def draw(self, rng, min_positives):
        drawn = self.inner.draw(rng, min_positives)
        self.draws.append(drawn)
        return drawn

    def stream(self, field: str) -> np.ndarray:
        return np.concatenate([getattr(drawn, field) for drawn in self.draws])


def recording_sources(matrix: AssociationMatrix, arrangement: str) -> tuple[RecordingSource, RecordingSource]:
    """Return the (focus, context) sources of "ind" or "coo", each wrapped in a RecordingSource.

    Both IND slots wrap one shared IndMicrobatches.
    """
    if arrangement == "ind":
        ind = IndMicrobatches(matrix)
        return (RecordingSource(ind), RecordingSource(ind))
    return (RecordingSource(CooMicrobatches(matrix, Designation.FOCUS)),
            RecordingSource(CooMicrobatches(matrix, Designation.CONTEXT)))


def slot_stream(chunks: list[Chunk], slot: int, field: str) -> np.ndarray:
    """Concatenates one slot's real positives over the chunks, in training order."""
    return np.concatenate([getattr(chunk, field)[:chunk.num_pairs, slot].ravel() for chunk in chunks])


def assert_chunks_equal(first: list[Chunk], second: list[Chunk]) -> None:
    assert len(first) == len(second)
    for left, right in zip(first, second):
        assert left.num_pairs == right.num_pairs
        for field in ("focus", "context", "neg_context", "neg_focus", "microbatch"):
            np.testing.assert_array_equal(getattr(left, field), getattr(right, field), err_msg=field)


def microbatch_members(microbatches: Microbatches, designation: Designation) -> np.ndarray:
    """Return each positive's focus for FOCUS microbatches, which share one context, or its context for CONTEXT ones."""
    return microbatches.focus if designation == Designation.FOCUS else microbatches.context


def bit_maps(num_entities: int) -> np.ndarray:
    """Returns int64[num_bits, num_entities]: map b keys entity e by bit b of e, so all maps together identify e."""
    num_bits = max(1, (num_entities - 1).bit_length())
    return (np.arange(num_entities)[None, :] >> np.arange(num_bits)[:, None]) & 1
