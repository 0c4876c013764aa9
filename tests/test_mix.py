"""Tests for MIX: minibatch assembly that switches microbatch sources at a set point."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.lsh import jaccard_maps
from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.arrangements.minibatches import Chunk, MinibatchAssembler
from coord_w2v.arrangements.refine import RefinedMicrobatches
from coord_w2v.data.matrix import AssociationMatrix

# K = 23; COO focus microbatches have mean size 23 / 11 and context ones 23 / 13.
TIES = np.array([
    [3, 0, 1, 2, 0],
    [3, 2, 0, 2, 0],
    [1, 2, 0, 0, 0],
    [0, 2, 0, 5, 0],
    [0, 0, 0, 0, 0],
], dtype=np.float64)


def _matrix(dense: np.ndarray) -> AssociationMatrix:
    dense = np.asarray(dense, dtype=np.float64)
    return AssociationMatrix(kappa=scipy.sparse.csr_matrix(dense), focus_ids=np.arange(dense.shape[0]),
                             context_ids=np.arange(dense.shape[1]))


class _RecordingSource:
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


def _coo_sources(matrix: AssociationMatrix):
    return (_RecordingSource(CooMicrobatches(matrix, Designation.FOCUS)),
            _RecordingSource(CooMicrobatches(matrix, Designation.CONTEXT)))


def _ind_sources(matrix: AssociationMatrix):
    ind = IndMicrobatches(matrix)
    return (_RecordingSource(ind), _RecordingSource(ind))


def _slot_stream(chunks: list[Chunk], slot: int, field: str) -> np.ndarray:
    """Concatenates one slot's real positives over the chunks, in training order."""
    return np.concatenate([getattr(chunk, field)[:chunk.num_pairs, slot].ravel() for chunk in chunks])


def _assembler(matrix, sources, later_sources, switch_positives, batch_size=4, pairs_per_chunk=3, seed=0):
    return MinibatchAssembler(matrix, sources, batch_size=batch_size, num_negatives=2,
                              pairs_per_chunk=pairs_per_chunk, seed=seed, later_sources=later_sources,
                              switch_positives=switch_positives)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size, switch_pairs, total_pairs", [(4, 5, 12), (1, 3, 7), (8, 1, 4), (4, 4, 4)])
def test_switch_at_exact_point(seed, batch_size, switch_pairs, total_pairs):
    matrix = _matrix(TIES)
    first, later = _coo_sources(matrix), _ind_sources(matrix)
    switch_positives = 2 * batch_size * switch_pairs
    assembler = _assembler(matrix, first, later, switch_positives, batch_size=batch_size, seed=seed)
    assert assembler.switch_positives == switch_positives
    chunks = list(assembler.chunks(2 * batch_size * total_pairs))
    before = switch_positives // 2
    after = batch_size * total_pairs - before

    for slot in (0, 1):
        focus = _slot_stream(chunks, slot, "focus")
        context = _slot_stream(chunks, slot, "context")
        ids = _slot_stream(chunks, slot, "microbatch")
        # Before the switch the slot contains exactly the first positives of its COO
        # draws, and after it the first positives of its IND draws.
        np.testing.assert_array_equal(focus[:before], first[slot].stream("focus")[:before])
        np.testing.assert_array_equal(context[:before], first[slot].stream("context")[:before])
        assert sum(drawn.num_positives for drawn in first[slot].draws) >= before
        if after:
            np.testing.assert_array_equal(focus[before:], later[slot].stream("focus")[:after])
            np.testing.assert_array_equal(context[before:], later[slot].stream("context")[:after])
        else:
            assert not later[slot].draws

        # COO microbatches share the context (focus slot) or the focus (context
        # slot), and IND microbatches are single positives with new ids.
        shared = context if slot == 0 else focus
        for microbatch in np.unique(ids[:before]):
            assert np.unique(shared[:before][ids[:before] == microbatch]).size == 1
        np.testing.assert_array_equal(np.diff(ids[before:]), 1)
        if after:
            assert ids[before] == ids[before - 1] + 1


def test_switch_cuts_last_microbatch():
    # Focus COO microbatches of column 3 at u = 0 contain rows 3, 0 and 1. Drawing
    # only that microbatch and switching after 2 positives per slot must keep rows 3
    # and 0 and drop row 1.
    matrix = _matrix(TIES)

    class _FixedCoo:
        matrix = _matrix(TIES)
        designation = Designation.FOCUS

        def __init__(self):
            self.index = CooMicrobatches(self.matrix, Designation.FOCUS)

        def draw(self, rng, min_positives):
            count = -(-min_positives // 3)
            return self.index.query(np.full(count, 3), np.zeros(count))

    ind = IndMicrobatches(matrix)
    context = CooMicrobatches(matrix, Designation.CONTEXT)
    assembler = _assembler(matrix, (_FixedCoo(), context), (ind, ind), switch_positives=4, batch_size=1,
                           pairs_per_chunk=8)
    (chunk,) = list(assembler.chunks(16))
    focus = chunk.focus[:, 0, 0]
    ids = chunk.microbatch[:, 0, 0]
    np.testing.assert_array_equal(focus[:2], [3, 0])
    np.testing.assert_array_equal(chunk.context[:2, 0, 0], [3, 3])
    np.testing.assert_array_equal(ids, [0, 0, 1, 2, 3, 4, 5, 6])


def test_no_switch_when_training_ends_first():
    matrix = _matrix(TIES)
    first, later = _coo_sources(matrix), _ind_sources(matrix)
    assembler = _assembler(matrix, first, later, switch_positives=2 * 4 * 10)
    chunks = list(assembler.chunks(2 * 4 * 6))
    assert sum(chunk.num_pairs for chunk in chunks) == 6
    assert not later[0].draws
    assert not later[1].draws


def test_switch_to_refined_coo():
    # Map b keys entity e by bit b of e, so the 3 maps together identify each of
    # the 5 entities and adaptive refinement with cap 1 splits every COO
    # microbatch into single positives after the switch.
    matrix = _matrix(TIES)
    bit_maps = (np.arange(5)[None, :] >> np.arange(3)[:, None]) & 1
    refined = tuple(RefinedMicrobatches(CooMicrobatches(matrix, designation), bit_maps, max_size=1)
                    for designation in (Designation.FOCUS, Designation.CONTEXT))
    assembler = _assembler(matrix, _coo_sources(matrix), refined, switch_positives=2 * 4 * 2)
    chunks = list(assembler.chunks(2 * 4 * 8))
    for slot in (0, 1):
        ids = _slot_stream(chunks, slot, "microbatch")
        assert ids.size == 32
        assert np.all(np.diff(ids[8:]) == 1)
        assert np.all(TIES[_slot_stream(chunks, slot, "focus"), _slot_stream(chunks, slot, "context")] > 0)


def _assert_chunks_equal(first: list[Chunk], second: list[Chunk]) -> None:
    assert len(first) == len(second)
    for left, right in zip(first, second):
        assert left.num_pairs == right.num_pairs
        for field in ("focus", "context", "neg_context", "neg_focus", "microbatch"):
            np.testing.assert_array_equal(getattr(left, field), getattr(right, field), err_msg=field)


@pytest.mark.parametrize("seed", [0, 3])
def test_mix_deterministic_and_restartable(seed):
    matrix = _matrix(TIES)
    num_positives = 2 * 4 * 23
    assembler = _assembler(matrix, _coo_sources(matrix), _ind_sources(matrix), 2 * 4 * 7, pairs_per_chunk=5,
                           seed=seed)
    first = list(assembler.chunks(num_positives))

    # A half-consumed iterator does not affect a new one.
    partial = assembler.chunks(num_positives)
    next(partial)
    _assert_chunks_equal(first, list(assembler.chunks(num_positives)))

    twin = _assembler(matrix, _coo_sources(matrix), _ind_sources(matrix), 2 * 4 * 7, pairs_per_chunk=5,
                      seed=seed)
    _assert_chunks_equal(first, list(twin.chunks(num_positives)))

    # The first chunk requests the same 20 positives per slot from the same
    # generators as plain COO with this seed, so it is identical.
    plain = MinibatchAssembler(matrix, _coo_sources(matrix), batch_size=4, num_negatives=2, pairs_per_chunk=5,
                               seed=seed)
    _assert_chunks_equal(first[:1], [next(iter(plain.chunks(num_positives)))])


def test_switch_point_attributes_without_mix():
    matrix = _matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, ind), batch_size=4, num_negatives=2, pairs_per_chunk=2, seed=0)
    assert assembler.switch_positives is None
    assert assembler.later_sources is None


@pytest.mark.parametrize("later, switch_positives, error, pattern", [
    ("ind", None, ValueError, "pass both or neither"),
    (None, 16, ValueError, "pass both or neither"),
    ("ind", 12, ValueError, "nearest valid values are 8 or 16"),
    ("ind", 4, ValueError, "nearest valid values are 8"),
    ("ind", 0, ValueError, "switch_positives must be >= 1"),
    ("ind", 16.0, TypeError, "switch_positives"),
    ("one", 16, ValueError, "later_sources must contain 2"),
    ("swapped", 16, ValueError, r"later_sources\[0\] has designation CONTEXT"),
])
def test_mix_rejects_bad_arguments(later, switch_positives, error, pattern):
    matrix = _matrix(TIES)
    ind = IndMicrobatches(matrix)
    focus = CooMicrobatches(matrix, Designation.FOCUS)
    context = CooMicrobatches(matrix, Designation.CONTEXT)
    later_sources = {"ind": (ind, ind), "one": (ind,), "swapped": (context, focus), None: None}[later]
    with pytest.raises(error, match=pattern):
        MinibatchAssembler(matrix, (focus, context), batch_size=4, num_negatives=2, pairs_per_chunk=2, seed=0,
                           later_sources=later_sources, switch_positives=switch_positives)
