"""Tests for minibatch assembly from microbatch streams, and for the IND source."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v.arrangements import ind as ind_module
from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.microbatches import Designation, MicrobatchSource, Microbatches
from coord_w2v.arrangements.minibatches import MinibatchAssembler

from matrices import TIES, make_matrix
from sources import assert_chunks_equal, recording_sources, slot_stream


@pytest.mark.parametrize("arrangement", ["ind", "coo"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size, pairs_per_chunk, num_pairs", [(4, 3, 10), (1, 1, 5), (7, 8, 8), (64, 2, 3)])
def test_slot_stream_reproduces_source_stream(arrangement, seed, batch_size, pairs_per_chunk, num_pairs):
    matrix = make_matrix(TIES)
    sources = recording_sources(matrix, arrangement)
    assembler = MinibatchAssembler(matrix, sources, batch_size=batch_size, num_negatives=2,
                                   pairs_per_chunk=pairs_per_chunk, seed=seed)
    num_positives = 2 * batch_size * num_pairs
    chunks = list(assembler.chunks(num_positives))

    assert len(chunks) == -(-num_pairs // pairs_per_chunk)
    assert sum(chunk.num_pairs for chunk in chunks) == num_pairs
    for slot, source in enumerate(sources):
        focus = slot_stream(chunks, slot, "focus")
        context = slot_stream(chunks, slot, "context")
        ids = slot_stream(chunks, slot, "microbatch")
        # Both slots process num_positives / 2 positives.
        assert focus.size == num_positives // 2
        # The slot's positives are the first positives of its source's draws, in order.
        drawn_focus = np.concatenate([drawn.focus for drawn in source.draws])
        drawn_context = np.concatenate([drawn.context for drawn in source.draws])
        drawn_sizes = np.concatenate([drawn.sizes for drawn in source.draws])
        drawn_ids = np.repeat(np.arange(drawn_sizes.size), drawn_sizes)
        np.testing.assert_array_equal(focus, drawn_focus[:focus.size])
        np.testing.assert_array_equal(context, drawn_context[:context.size])
        np.testing.assert_array_equal(ids, drawn_ids[:ids.size])
        # Microbatch ids start at 0 and step by 0 or 1, since no microbatch is empty.
        assert ids[0] == 0
        assert set(np.diff(ids).tolist()) <= {0, 1}
        # Every positive is a nonzero of kappa.
        assert np.all(TIES[focus, context] > 0)


def test_large_microbatch_split_across_minibatches():
    # One column with 10 equal entries: every focus microbatch is that whole column
    # (10 positives), and every context microbatch is a single positive. With b = 4
    # the focus stream is microbatch 0 x 10, microbatch 1 x 10, ..., so the focus
    # minibatches carry ids [0,0,0,0], [0,0,0,0], [0,0,1,1], [1,1,1,1], [1,1,1,1].
    matrix = make_matrix(np.ones((10, 1)))
    sources = (CooMicrobatches(matrix, Designation.FOCUS), CooMicrobatches(matrix, Designation.CONTEXT))
    assembler = MinibatchAssembler(matrix, sources, batch_size=4, num_negatives=1, pairs_per_chunk=5, seed=0)
    (chunk,) = list(assembler.chunks(2 * 4 * 5))
    np.testing.assert_array_equal(chunk.microbatch[:, 0],
                                  [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]])
    # Within a focus microbatch the rows come in index order (all values tie).
    np.testing.assert_array_equal(chunk.focus[:, 0].ravel()[:10], np.arange(10))
    np.testing.assert_array_equal(chunk.context, 0)
    np.testing.assert_array_equal(chunk.microbatch[:, 1].ravel(), np.arange(20))


def test_small_microbatches_packed():
    # IND microbatches have one positive each, so a minibatch of b = 3 packs three
    # of them, with consecutive ids.
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, ind), batch_size=3, num_negatives=1, pairs_per_chunk=2, seed=0)
    (chunk,) = list(assembler.chunks(12))
    np.testing.assert_array_equal(chunk.microbatch[:, 0], [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(chunk.microbatch[:, 1], [[0, 1, 2], [3, 4, 5]])


@pytest.mark.parametrize("arrangement", ["ind", "coo"])
def test_last_chunk_padding(arrangement):
    # 2 * 4 * (3 + 3 + 2) positives with S = 3: chunks of 3, 3 and 2 pairs.
    matrix = make_matrix(TIES)
    assembler = MinibatchAssembler(matrix, recording_sources(matrix, arrangement), batch_size=4, num_negatives=5,
                                   pairs_per_chunk=3, seed=4)
    chunks = list(assembler.chunks(2 * 4 * 8))
    assert [chunk.num_pairs for chunk in chunks] == [3, 3, 2]
    last = chunks[-1]
    assert last.num_positives == 2 * 4 * 2
    for field, width in (("focus", 4), ("context", 4), ("microbatch", 4), ("neg_context", 5), ("neg_focus", 5)):
        array = getattr(last, field)
        assert array.shape == (3, 2, width), field
        np.testing.assert_array_equal(array[2:], 0, err_msg=field)
    # Real rows of the padded chunk hold nonzeros of kappa, not padding.
    assert np.all(TIES[last.focus[:2], last.context[:2]] > 0)


def test_chunk_dtypes():
    matrix = make_matrix(TIES)
    assembler = MinibatchAssembler(matrix, recording_sources(matrix, "coo"), batch_size=2, num_negatives=3,
                                   pairs_per_chunk=4, seed=0)
    chunk = next(iter(assembler.chunks(16)))
    assert chunk.focus.dtype == np.int32
    assert chunk.context.dtype == np.int32
    assert chunk.neg_context.dtype == np.int32
    assert chunk.neg_focus.dtype == np.int32
    assert chunk.microbatch.dtype == np.int64
    assert chunk.num_pairs == 4


@pytest.mark.parametrize("seed", [0, 1])
def test_negative_marginals(seed):
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, ind), batch_size=4, num_negatives=10, pairs_per_chunk=50,
                                   seed=seed)
    chunks = list(assembler.chunks(2 * 4 * 50 * 20))
    neg_context = np.concatenate([chunk.neg_context.ravel() for chunk in chunks])
    neg_focus = np.concatenate([chunk.neg_focus.ravel() for chunk in chunks])
    draws = 20 * 50 * 2 * 10
    assert neg_context.size == draws
    # 20000 draws of each kind. Each count is Binomial(20000, p) with p = c_j / 23 for
    # contexts and r_i / 23 for foci. A 5-sigma deviation has probability below 6e-7
    # per entry, and 8 nonzero entries x 2 seeds fail by chance below 1e-5. The
    # smallest p is 1/23, whose bound of 144 is 17% of its expected count 870.
    for values, sums in ((neg_context, TIES.sum(axis=0)), (neg_focus, TIES.sum(axis=1))):
        probabilities = sums / sums.sum()
        counts = np.bincount(values, minlength=5)
        np.testing.assert_array_equal(counts[probabilities == 0], 0)
        tolerance = 5 * np.sqrt(draws * probabilities * (1 - probabilities))
        assert np.all(np.abs(counts - draws * probabilities) <= tolerance), (counts, draws * probabilities)


@pytest.mark.parametrize("arrangement", ["ind", "coo"])
def test_chunks_deterministic_and_restartable(arrangement):
    matrix = make_matrix(TIES)
    assembler = MinibatchAssembler(matrix, recording_sources(matrix, arrangement), batch_size=4, num_negatives=3,
                                   pairs_per_chunk=5, seed=9)
    num_positives = 2 * 4 * 23
    first = list(assembler.chunks(num_positives))

    # A half-consumed iterator does not affect a new one.
    partial = assembler.chunks(num_positives)
    next(partial)
    second = list(assembler.chunks(num_positives))
    assert_chunks_equal(first, second)

    # A new assembler with the same seed and fresh sources yields the same chunks.
    twin = MinibatchAssembler(matrix, recording_sources(matrix, arrangement), batch_size=4, num_negatives=3,
                              pairs_per_chunk=5, seed=9)
    assert_chunks_equal(first, list(twin.chunks(num_positives)))

    other = MinibatchAssembler(matrix, recording_sources(matrix, arrangement), batch_size=4, num_negatives=3,
                               pairs_per_chunk=5, seed=10)
    other_chunks = list(other.chunks(num_positives))
    assert not all(np.array_equal(a.neg_context, b.neg_context) for a, b in zip(first, other_chunks))
    assert not all(np.array_equal(a.focus, b.focus) for a, b in zip(first, other_chunks))


@pytest.mark.parametrize("num_positives, pattern", [
    (0, "nearest valid values are 16"),
    (-16, "nearest valid values are 16"),
    (10, "nearest valid values are 16"),
    (40, "nearest valid values are 32 or 48"),
])
def test_chunks_rejects_invalid_num_positives(num_positives, pattern):
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, ind), batch_size=8, num_negatives=1, pairs_per_chunk=1, seed=0)
    with pytest.raises(ValueError, match=pattern):
        assembler.chunks(num_positives)


def test_chunks_rejects_non_integer():
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, ind), batch_size=8, num_negatives=1, pairs_per_chunk=1, seed=0)
    with pytest.raises(TypeError, match="num_positives"):
        assembler.chunks(32.0)


@pytest.mark.parametrize("overrides, error, pattern", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": True}, TypeError, "batch_size"),
    ({"num_negatives": 0}, ValueError, "num_negatives"),
    ({"pairs_per_chunk": 0}, ValueError, "pairs_per_chunk"),
    ({"pairs_per_chunk": 2.0}, TypeError, "pairs_per_chunk"),
    ({"seed": -1}, ValueError, "seed"),
    ({"matrix": scipy.sparse.csr_matrix(TIES)}, TypeError, "AssociationMatrix"),
    ({"matrix": make_matrix(np.zeros((5, 5)))}, ValueError, "no nonzeros"),
])
def test_assembler_rejects_bad_arguments(overrides, error, pattern):
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    arguments = dict(matrix=matrix, sources=(ind, ind), batch_size=4, num_negatives=2, pairs_per_chunk=2, seed=0)
    arguments.update(overrides)
    with pytest.raises(error, match=pattern):
        MinibatchAssembler(**arguments)


def test_assembler_rejects_bad_sources():
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    focus = CooMicrobatches(matrix, Designation.FOCUS)
    context = CooMicrobatches(matrix, Designation.CONTEXT)
    other_shape = IndMicrobatches(make_matrix(TIES[:4]))
    common = dict(batch_size=4, num_negatives=2, pairs_per_chunk=2, seed=0)
    with pytest.raises(ValueError, match="2 microbatch sources"):
        MinibatchAssembler(matrix, (ind,), **common)
    with pytest.raises(TypeError, match=r"sources\[1\] must have a draw"):
        MinibatchAssembler(matrix, (ind, object()), **common)
    with pytest.raises(ValueError, match=r"sources\[0\] draws from a matrix of shape \(4, 5\)"):
        MinibatchAssembler(matrix, (other_shape, ind), **common)
    with pytest.raises(ValueError, match="order \\(focus, context\\)"):
        MinibatchAssembler(matrix, (context, focus), **common)


class _ShortSource:
    """A faulty source that returns one positive fewer than requested."""

    def draw(self, rng, min_positives):
        count = min_positives - 1
        zeros = np.zeros(count, dtype=np.int64)
        return Microbatches(focus=zeros, context=zeros.copy(), sizes=np.ones(count, dtype=np.int64))


def test_short_source_detected():
    matrix = make_matrix(TIES)
    ind = IndMicrobatches(matrix)
    assembler = MinibatchAssembler(matrix, (ind, _ShortSource()), batch_size=4, num_negatives=2,
                                   pairs_per_chunk=2, seed=0)
    with pytest.raises(ValueError, match="slot 1"):
        list(assembler.chunks(16))


@pytest.mark.parametrize("seed", [0, 1])
def test_ind_draw_exact_count(seed):
    ind = IndMicrobatches(make_matrix(TIES))
    drawn = ind.draw(np.random.default_rng(seed), 37)
    assert drawn.num_positives == 37
    np.testing.assert_array_equal(drawn.sizes, 1)
    assert np.all(TIES[drawn.focus, drawn.context] > 0)
    assert ind.draw(np.random.default_rng(seed), 0).num_positives == 0
    assert isinstance(ind, MicrobatchSource)


def test_ind_unpacked_pairs_match_packed(monkeypatch):
    # Matrices with a dimension of 2**31 or more store foci and contexts in two
    # arrays instead of packed int64 pairs. A limit of 1 forces that path here.
    matrix = make_matrix(TIES)
    packed = IndMicrobatches(matrix).draw(np.random.default_rng(3), 100)
    monkeypatch.setattr(ind_module, "_PACK_LIMIT", 1)
    unpacked = IndMicrobatches(matrix).draw(np.random.default_rng(3), 100)
    np.testing.assert_array_equal(packed.focus, unpacked.focus)
    np.testing.assert_array_equal(packed.context, unpacked.context)


def test_ind_rejects_bad_arguments():
    with pytest.raises(ValueError, match="no nonzeros"):
        IndMicrobatches(make_matrix(np.zeros((2, 2))))
    with pytest.raises(TypeError, match="AssociationMatrix"):
        IndMicrobatches(TIES)
    ind = IndMicrobatches(make_matrix(TIES))
    with pytest.raises(ValueError, match="min_positives"):
        ind.draw(np.random.default_rng(0), -2)
    with pytest.raises(TypeError, match="Generator"):
        ind.draw(np.random.RandomState(0), 2)


def test_microbatches_validation():
    zeros = np.zeros(3, dtype=np.int64)
    with pytest.raises(ValueError, match="sums to 2"):
        Microbatches(focus=zeros, context=zeros, sizes=np.array([1, 1]))
    with pytest.raises(ValueError, match="same positives"):
        Microbatches(focus=zeros, context=zeros[:2], sizes=np.array([3]))
    with pytest.raises(TypeError, match="integer"):
        Microbatches(focus=zeros.astype(float), context=zeros, sizes=np.array([3]))
    with pytest.raises(ValueError, match="negative size"):
        Microbatches(focus=zeros, context=zeros, sizes=np.array([4, -1]))
