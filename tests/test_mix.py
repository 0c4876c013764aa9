"""Tests for MIX: minibatch assembly that switches microbatch sources at a set point."""

import numpy as np
import pytest

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.lsh import jaccard_maps
from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.arrangements.minibatches import MinibatchAssembler
from coord_w2v.arrangements.refine import RefinedMicrobatches

from matrices import TIES, make_matrix
from sources import assert_chunks_equal, bit_maps, recording_sources, slot_stream


def _assembler(matrix, sources, later_sources, switch_positives, batch_size=4, pairs_per_chunk=3, seed=0):
    return MinibatchAssembler(matrix, sources, batch_size=batch_size, num_negatives=2,
                              pairs_per_chunk=pairs_per_chunk, seed=seed, later_sources=later_sources,
                              switch_positives=switch_positives)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size, switch_pairs, total_pairs", [(4, 5, 12), (1, 3, 7), (8, 1, 4), (4, 4, 4)])
def test_switch_at_exact_point(seed, batch_size, switch_pairs, total_pairs):
    matrix = make_matrix(TIES)
    first, later = recording_sources(matrix, "coo"), recording_sources(matrix, "ind")
    switch_positives = 2 * batch_size * switch_pairs
    assembler = _assembler(matrix, first, later, switch_positives, batch_size=batch_size, seed=seed)
    assert assembler.switch_positives == switch_positives
    chunks = list(assembler.chunks(2 * batch_size * total_pairs))
    before = switch_positives // 2
    after = batch_size * total_pairs - before

    for slot in (0, 1):
        focus = slot_stream(chunks, slot, "focus")
        context = slot_stream(chunks, slot, "context")
        ids = slot_stream(chunks, slot, "microbatch")
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
    matrix = make_matrix(TIES)

    class _FixedCoo:
        matrix = make_matrix(TIES)
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
    matrix = make_matrix(TIES)
    first, later = recording_sources(matrix, "coo"), recording_sources(matrix, "ind")
    assembler = _assembler(matrix, first, later, switch_positives=2 * 4 * 10)
    chunks = list(assembler.chunks(2 * 4 * 6))
    assert sum(chunk.num_pairs for chunk in chunks) == 6
    assert not later[0].draws
    assert not later[1].draws


def test_switch_to_refined_coo():
    # Map b keys entity e by bit b of e, so the 3 maps together identify each of
    # the 5 entities and adaptive refinement with cap 1 splits every COO
    # microbatch into single positives after the switch.
    matrix = make_matrix(TIES)
    refined = tuple(RefinedMicrobatches(CooMicrobatches(matrix, designation), bit_maps(5), max_size=1)
                    for designation in (Designation.FOCUS, Designation.CONTEXT))
    assembler = _assembler(matrix, recording_sources(matrix, "coo"), refined, switch_positives=2 * 4 * 2)
    chunks = list(assembler.chunks(2 * 4 * 8))
    for slot in (0, 1):
        ids = slot_stream(chunks, slot, "microbatch")
        assert ids.size == 32
        assert np.all(np.diff(ids[8:]) == 1)
        assert np.all(TIES[slot_stream(chunks, slot, "focus"), slot_stream(chunks, slot, "context")] > 0)


@pytest.mark.parametrize("seed", [0, 3])
def test_mix_deterministic_and_restartable(seed):
    matrix = make_matrix(TIES)
    num_positives = 2 * 4 * 23
    assembler = _assembler(matrix, recording_sources(matrix, "coo"), recording_sources(matrix, "ind"), 2 * 4 * 7,
                           pairs_per_chunk=5, seed=seed)
    first = list(assembler.chunks(num_positives))

    # A half-consumed iterator does not affect a new one.
    partial = assembler.chunks(num_positives)
    next(partial)
    assert_chunks_equal(first, list(assembler.chunks(num_positives)))

    twin = _assembler(matrix, recording_sources(matrix, "coo"), recording_sources(matrix, "ind"), 2 * 4 * 7,
                      pairs_per_chunk=5, seed=seed)
    assert_chunks_equal(first, list(twin.chunks(num_positives)))

    # The first chunk requests the same 20 positives per slot from the same
    # generators as plain COO with this seed, so it is identical.
    plain = MinibatchAssembler(matrix, recording_sources(matrix, "coo"), batch_size=4, num_negatives=2,
                               pairs_per_chunk=5, seed=seed)
    assert_chunks_equal(first[:1], [next(iter(plain.chunks(num_positives)))])


def test_switch_point_attributes_without_mix():
    matrix = make_matrix(TIES)
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
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    focus = CooMicrobatches(matrix, Designation.FOCUS)
    context = CooMicrobatches(matrix, Designation.CONTEXT)
    later_sources = {"ind": (ind, ind), "one": (ind,), "swapped": (context, focus), None: None}[later]
    with pytest.raises(error, match=pattern):
        MinibatchAssembler(matrix, (focus, context), batch_size=4, num_negatives=2, pairs_per_chunk=2, seed=0,
                           later_sources=later_sources, switch_positives=switch_positives)
