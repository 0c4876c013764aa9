"""Tests for LSH refinement of COO microbatches and for make_sources."""

import logging

import numpy as np
import pytest

from coord_w2v.arrangements import refine as refine_module
from coord_w2v.arrangements import registry
from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.lsh import angular_maps, block_map, jaccard_maps
from coord_w2v.arrangements.microbatches import Designation, MicrobatchSource, Microbatches
from coord_w2v.arrangements.refine import RefinedMicrobatches, Refinement
from coord_w2v.data.matrix import AssociationMatrix

from matrices import DESIGNATION_IDS, DESIGNATIONS, make_matrix
from sources import bit_maps, microbatch_members

# Two blocks of three rows and three columns, with cross-block entries and ties.
# K = 40. Column maxima M = [3, 3, 3, 3, 3, 2], row maxima R = [3, 2, 3, 3, 2, 3].
BLOCKS = np.array([
    [3, 1, 2, 0, 1, 0],
    [2, 2, 1, 0, 0, 0],
    [1, 3, 3, 1, 0, 0],
    [0, 1, 0, 2, 3, 1],
    [0, 0, 1, 1, 2, 2],
    [1, 0, 0, 3, 1, 2],
], dtype=np.float64)
BLOCK_LABELS = np.array([0, 0, 0, 1, 1, 1])


def _matrix(dense: np.ndarray, blocks: bool = True) -> AssociationMatrix:
    labels = BLOCK_LABELS if blocks else None
    return make_matrix(dense, focus_blocks=labels, context_blocks=labels)


def _pool(kind: str, designation: Designation, rng: np.random.Generator) -> np.ndarray:
    vectors = BLOCKS if designation == Designation.FOCUS else BLOCKS.T
    if kind == "jaccard":
        return jaccard_maps(_matrix(BLOCKS), designation, 4, rng)
    if kind == "angular":
        return angular_maps(vectors, 4, rng)
    if kind == "bits":
        return bit_maps(vectors.shape[0])
    return block_map(BLOCK_LABELS)


def _split_parts(refinement: Refinement, designation: Designation) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Returns (origin, depth, members, positions) per part; positions index the stream of parts."""
    parts = refinement.microbatches
    boundaries = np.cumsum(parts.sizes)[:-1]
    members = np.split(microbatch_members(parts, designation), boundaries)
    positions = np.split(np.arange(parts.num_positives), boundaries)
    return list(zip(refinement.origin.tolist(), refinement.depth.tolist(), members, positions))


def _check_refinement(refinement: Refinement, inputs: Microbatches, maps: np.ndarray, designation: Designation,
                      num_maps, max_size) -> None:
    """Checks that the parts partition the inputs as static or adaptive refinement by map_order requires."""
    parts = refinement.microbatches
    pool_size = maps.shape[0]
    assert refinement.map_order.shape == (inputs.num_microbatches, pool_size)
    np.testing.assert_array_equal(np.sort(refinement.map_order, axis=1),
                                  np.broadcast_to(np.arange(pool_size), refinement.map_order.shape))
    assert parts.num_positives == inputs.num_positives
    assert np.all(parts.sizes >= 1)
    # Parts of one input are adjacent and the inputs keep their order.
    assert np.all(np.diff(refinement.origin) >= 0)

    # Every input's positives reappear exactly once among its parts, in the same
    # relative order within a part.
    input_ids = inputs.microbatch_ids()
    part_origin = np.repeat(refinement.origin, parts.sizes)
    for origin in range(inputs.num_microbatches):
        input_pairs = list(zip(inputs.focus[input_ids == origin].tolist(), inputs.context[input_ids == origin].tolist()))
        got = list(zip(parts.focus[part_origin == origin].tolist(), parts.context[part_origin == origin].tolist()))
        assert sorted(input_pairs) == sorted(got), origin
    input_position = {(origin, f, c): k for k, (origin, f, c) in
                      enumerate(zip(input_ids.tolist(), inputs.focus.tolist(), inputs.context.tolist()))}

    split = _split_parts(refinement, designation)
    for origin, depth, members, positions in split:
        used = refinement.map_order[origin, :depth]
        # The members of a part share their keys under the maps applied to it.
        keys = maps[used][:, members]
        assert np.all(keys == keys[:, :1]), (origin, depth, members, keys)
        order = [input_position[(origin, parts.focus[p], parts.context[p])] for p in positions]
        assert order == sorted(order)
        if num_maps is not None:
            assert depth == num_maps
        else:
            assert members.size <= max_size or depth == pool_size
            # A map was added only while the part containing these members was larger than max_size.
            same_origin = input_ids == origin
            origin_members = microbatch_members(inputs, designation)[same_origin]
            before = refinement.map_order[origin, :max(depth - 1, 0)]
            agree = np.all(maps[before][:, origin_members] == maps[before][:, members[:1]], axis=0)
            if depth >= 1:
                assert agree.sum() > max_size
            else:
                assert members.size == origin_members.size

    # Two parts of one input differ in a key under the maps both of them used.
    for first, second in zip(split, split[1:]):
        origin, depth, members, _ = first
        next_origin, next_depth, next_members, _ = second
        if origin != next_origin:
            continue
        shared = refinement.map_order[origin, :min(depth, next_depth)]
        assert np.any(maps[shared, members[0]] != maps[shared, next_members[0]])


REFINEMENT_CASES = [
    pytest.param("jaccard", {"num_maps": 1}, id="jaccard-static1"),
    pytest.param("jaccard", {"num_maps": 3}, id="jaccard-static3"),
    pytest.param("jaccard", {"max_size": 2}, id="jaccard-adaptive2"),
    pytest.param("angular", {"num_maps": 2}, id="angular-static2"),
    pytest.param("angular", {"max_size": 1}, id="angular-adaptive1"),
    pytest.param("bits", {"max_size": 1}, id="bits-adaptive1"),
    pytest.param("bits", {"max_size": 2}, id="bits-adaptive2"),
    pytest.param("block", {"num_maps": 1}, id="block-static1"),
    pytest.param("block", {"max_size": 3}, id="block-adaptive3"),
]


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("kind, mode", REFINEMENT_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_refinement_partitions_microbatches(designation, kind, mode, seed):
    rng = np.random.default_rng(seed)
    base = CooMicrobatches(_matrix(BLOCKS), designation)
    maps = _pool(kind, designation, rng)
    source = RefinedMicrobatches(base, maps, **mode)
    inputs = base.draw_microbatches(rng, 400)
    refinement = source.refine(inputs, rng)
    _check_refinement(refinement, inputs, maps, designation, source.num_maps, source.max_size)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("max_size", [1, 2])
def test_adaptive_reaches_size_cap(designation, max_size):
    # The bit maps together give every entity a distinct key tuple, and the
    # members of a COO microbatch are distinct, so the whole pool splits any part
    # into singletons and the cap is always reachable.
    base = CooMicrobatches(_matrix(BLOCKS), designation)
    source = RefinedMicrobatches(base, bit_maps(6), max_size=max_size)
    drawn = source.draw(np.random.default_rng(0), 3000)
    assert drawn.sizes.max() <= max_size
    assert drawn.num_positives >= 3000


def test_adaptive_warns_once_when_pool_exhausted(caplog):
    # One constant map never splits anything, so parts above the cap remain.
    base = CooMicrobatches(_matrix(BLOCKS), Designation.FOCUS)
    source = RefinedMicrobatches(base, np.zeros((1, 6), dtype=np.int64), max_size=1)
    with caplog.at_level(logging.WARNING):
        first = source.draw(np.random.default_rng(0), 500)
        source.draw(np.random.default_rng(1), 500)
    warnings = [record for record in caplog.records if "still exceed max_size=1" in record.getMessage()]
    assert len(warnings) == 1
    assert first.sizes.max() > 1
    # With nothing split, the parts are the COO microbatches themselves.
    coarse = base.draw(np.random.default_rng(0), 500)
    assert sorted(first.sizes.tolist()) == sorted(coarse.sizes.tolist())


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_optlsh_parts_are_single_block(designation, seed):
    focus_source, context_source = registry.make_sources(_matrix(BLOCKS), "coo_optlsh")
    source = focus_source if designation == Designation.FOCUS else context_source
    assert source.designation == designation
    rng = np.random.default_rng(seed)
    inputs = source.base.draw_microbatches(rng, 500)
    refinement = source.refine(inputs, rng)
    split = _split_parts(refinement, designation)
    for origin, depth, members, _ in split:
        assert depth == 1
        assert np.unique(BLOCK_LABELS[members]).size == 1
    # Parts of one microbatch come from different blocks.
    for (origin, _, members, _), (next_origin, _, next_members, _) in zip(split, split[1:]):
        if origin == next_origin:
            assert BLOCK_LABELS[members[0]] != BLOCK_LABELS[next_members[0]]
    # Some COO microbatches mix both blocks, so splitting by block must happen.
    assert refinement.microbatches.num_microbatches > inputs.num_microbatches


def test_part_order_within_microbatch_is_random():
    # The COO focus microbatch of column 0 at u = 0 contains rows 0, 1, 2 and 5,
    # which the bit-0 map splits into {0, 2} and {1, 5}. Over 4000 refinements
    # the part {0, 2} comes first about half the time: Binomial(4000, 0.5) has
    # sigma 31.6, and the 5-sigma bound is 158.
    base = CooMicrobatches(_matrix(BLOCKS), Designation.FOCUS)
    source = RefinedMicrobatches(base, bit_maps(6)[:1], num_maps=1)
    inputs = base.query(np.array([0]), np.array([0.0]))
    np.testing.assert_array_equal(np.sort(inputs.focus), [0, 1, 2, 5])
    rng = np.random.default_rng(0)
    even_first = 0
    for _ in range(4000):
        parts = source.refine(inputs, rng).microbatches
        np.testing.assert_array_equal(parts.sizes, [2, 2])
        even_first += int(parts.focus[0] % 2 == 0)
    assert abs(even_first - 2000) <= 158


@pytest.mark.parametrize("constant, value", [("_COMBINED_KEY_LIMIT", 0), ("_MAX_RADIX_DIGITS", 0)])
def test_fallback_sorts_give_same_parts(constant, value, monkeypatch):
    # Part indices times key codes beyond 2**62 use np.lexsort, and keys of more
    # than 48 bits use np.argsort. Forcing each path here must not change the result.
    rng = np.random.default_rng(0)
    base = CooMicrobatches(_matrix(BLOCKS), Designation.FOCUS)
    source = RefinedMicrobatches(base, _pool("jaccard", Designation.FOCUS, rng), max_size=1)
    inputs = base.draw_microbatches(rng, 300)
    expected = source.refine(inputs, np.random.default_rng(1))
    monkeypatch.setattr(refine_module, constant, value)
    got = source.refine(inputs, np.random.default_rng(1))
    for field in ("focus", "context", "sizes"):
        np.testing.assert_array_equal(getattr(got.microbatches, field), getattr(expected.microbatches, field))
    np.testing.assert_array_equal(got.origin, expected.origin)
    np.testing.assert_array_equal(got.depth, expected.depth)


def test_refine_empty_and_degenerate_inputs():
    base = CooMicrobatches(_matrix([[2.5]], blocks=False), Designation.FOCUS)
    source = RefinedMicrobatches(base, np.array([[7]]), max_size=1)
    drawn = source.draw(np.random.default_rng(0), 5)
    np.testing.assert_array_equal(drawn.sizes, [1] * 5)
    assert source.draw(np.random.default_rng(0), 0).num_positives == 0
    refinement = source.refine(Microbatches.empty(), np.random.default_rng(0))
    assert refinement.microbatches.num_microbatches == 0
    assert refinement.origin.size == 0
    # An empty input microbatch produces no part.
    zero = np.zeros(2, dtype=np.int64)
    refinement = source.refine(Microbatches(zero, zero.copy(), np.array([0, 2])), np.random.default_rng(0))
    np.testing.assert_array_equal(refinement.microbatches.sizes, [2])
    np.testing.assert_array_equal(refinement.origin, [1])


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
def test_refined_draw_deterministic_per_seed(designation):
    rng = np.random.default_rng(5)
    source = RefinedMicrobatches(CooMicrobatches(_matrix(BLOCKS), designation), _pool("jaccard", designation, rng),
                                 max_size=2)
    first = source.draw(np.random.default_rng(11), 300)
    second = source.draw(np.random.default_rng(11), 300)
    for field in ("focus", "context", "sizes"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))
    assert isinstance(source, MicrobatchSource)


def _arrangement_sources(arrangement: str, **overrides):
    arguments = dict(rng=np.random.default_rng(2), lsh_pool_size=4, lsh_max_size=2, coarse_focus=BLOCKS,
                     coarse_context=BLOCKS.T)
    arguments.update(overrides)
    return registry.make_sources(_matrix(BLOCKS), arrangement, **arguments)


ARRANGEMENT_CASES = [
    pytest.param("ind", {}, id="ind"),
    pytest.param("coo", {}, id="coo"),
    pytest.param("coo_jaccard", {}, id="coo_jaccard-adaptive"),
    pytest.param("coo_jaccard", {"lsh_maps": 2}, id="coo_jaccard-static2"),
    pytest.param("coo_jaccard", {"jaccard_method": "icws"}, id="coo_jaccard-icws"),
    pytest.param("coo_angular", {}, id="coo_angular"),
    pytest.param("coo_optlsh", {}, id="coo_optlsh"),
]


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("arrangement, overrides", ARRANGEMENT_CASES)
def test_marginal_frequency_is_kappa_over_total(designation, arrangement, overrides):
    source = _arrangement_sources(arrangement, **overrides)[designation]
    rng = np.random.default_rng(17)
    replicates, per_replicate = 2000, 60
    num_focus, num_context = BLOCKS.shape
    counts = np.zeros((replicates, num_focus * num_context))
    totals = np.zeros(replicates)
    for replicate in range(replicates):
        drawn = source.draw(rng, per_replicate)
        counts[replicate] = np.bincount(drawn.focus * num_context + drawn.context, minlength=num_focus * num_context)
        totals[replicate] = drawn.num_positives
    expected = (BLOCKS / BLOCKS.sum()).ravel()
    frequency = counts.sum(axis=0) / totals.sum()

    # Each draw stops at a stopping time of an i.i.d. sequence of microbatches (COO
    # microbatches before refinement, single positives for IND), so
    # by Wald's identity E[count_ij] / E[total] = E[(i, j) per microbatch] /
    # E[microbatch size] = kappa_ij / K. The ratio of sums over 2000 independent
    # draws is then asymptotically normal around kappa_ij / K, and its standard
    # error comes from the delta method. A 5-sigma deviation has probability below
    # 6e-7 per entry, and 23 nonzero entries x 14 cases fail by chance below 2e-4.
    residuals = counts - np.outer(totals, frequency)
    standard_error = np.sqrt((residuals**2).sum(axis=0) / (replicates * (replicates - 1))) / totals.mean()
    np.testing.assert_array_equal(frequency[expected == 0], 0)
    nonzero = expected > 0
    # The test has power: the bound is at most 25% of each expected frequency
    # (the smallest, 1/40, has about 3000 expected occurrences).
    assert np.all(5 * standard_error[nonzero] <= 0.25 * expected[nonzero])
    assert np.all(np.abs(frequency - expected)[nonzero] <= 5 * standard_error[nonzero]), (frequency, expected)


def test_make_sources_plain_arrangements():
    matrix = _matrix(BLOCKS)
    focus, context = registry.make_sources(matrix, "ind")
    assert isinstance(focus, IndMicrobatches) and focus is context
    focus, context = registry.make_sources(matrix, "coo")
    assert isinstance(focus, CooMicrobatches) and focus.designation == Designation.FOCUS
    assert isinstance(context, CooMicrobatches) and context.designation == Designation.CONTEXT
    assert registry.ARRANGEMENTS == ("ind", "coo", "coo_jaccard", "coo_angular", "coo_optlsh")


@pytest.mark.parametrize("arrangement", ["coo_jaccard", "coo_angular", "coo_optlsh"])
def test_make_sources_refined_arrangements(arrangement):
    focus, context = _arrangement_sources(arrangement)
    for source, designation in ((focus, Designation.FOCUS), (context, Designation.CONTEXT)):
        assert isinstance(source, RefinedMicrobatches)
        assert source.designation == designation
    if arrangement == "coo_optlsh":
        assert (focus.num_maps, focus.pool_size, focus.max_size) == (1, 1, None)
    else:
        assert (focus.num_maps, focus.pool_size, focus.max_size) == (None, 4, 2)
    static_focus, _ = _arrangement_sources("coo_jaccard", lsh_maps=3)
    assert (static_focus.num_maps, static_focus.max_size) == (3, None)


@pytest.mark.parametrize("arrangement, matrix_blocks, overrides, error, pattern", [
    ("two_sided", True, {}, ValueError, "arrangement must be one of"),
    ("coo_optlsh", False, {}, ValueError, "no focus_blocks or context_blocks"),
    ("coo_angular", True, {"coarse_focus": None}, ValueError, "needs coarse_focus"),
    ("coo_angular", True, {"coarse_context": BLOCKS[:3]}, ValueError, r"coarse_context must have shape \[6, d'\]"),
    ("coo_jaccard", True, {"rng": None}, ValueError, "needs rng"),
    ("coo_jaccard", True, {"lsh_maps": 5}, ValueError, "at most lsh_pool_size=4"),
    ("coo_jaccard", True, {"lsh_max_size": 0}, ValueError, "lsh_max_size"),
    ("coo_jaccard", True, {"jaccard_method": "minhash"}, ValueError, "jaccard_method"),
    ("coo_jaccard", True, {"rng": 3}, TypeError, "Generator"),
])
def test_make_sources_rejects_bad_arguments(arrangement, matrix_blocks, overrides, error, pattern):
    arguments = dict(rng=np.random.default_rng(0), lsh_pool_size=4, coarse_focus=BLOCKS, coarse_context=BLOCKS.T)
    arguments.update(overrides)
    with pytest.raises(error, match=pattern):
        registry.make_sources(_matrix(BLOCKS, blocks=matrix_blocks), arrangement, **arguments)


def test_refined_rejects_bad_arguments():
    matrix = _matrix(BLOCKS)
    base = CooMicrobatches(matrix, Designation.FOCUS)
    maps = bit_maps(6)
    with pytest.raises(TypeError, match="CooMicrobatches"):
        RefinedMicrobatches(IndMicrobatches(matrix), maps, num_maps=1)
    with pytest.raises(TypeError, match="integer array"):
        RefinedMicrobatches(base, maps.astype(float), num_maps=1)
    with pytest.raises(ValueError, match=r"shape \[pool_size >= 1, 6\]"):
        RefinedMicrobatches(base, maps[:, :5], num_maps=1)
    with pytest.raises(ValueError, match="exactly one of num_maps"):
        RefinedMicrobatches(base, maps)
    with pytest.raises(ValueError, match="exactly one of num_maps"):
        RefinedMicrobatches(base, maps, num_maps=1, max_size=4)
    with pytest.raises(ValueError, match="at most the pool size 3"):
        RefinedMicrobatches(base, maps, num_maps=4)
    with pytest.raises(ValueError, match="num_maps must be >= 1"):
        RefinedMicrobatches(base, maps, num_maps=0)
    with pytest.raises(ValueError, match="max_size must be >= 1"):
        RefinedMicrobatches(base, maps, max_size=0)
    source = RefinedMicrobatches(base, maps, num_maps=1)
    with pytest.raises(TypeError, match="Generator"):
        source.draw(0, 10)
    with pytest.raises(ValueError, match="min_positives"):
        source.draw(np.random.default_rng(0), -1)
    bad = Microbatches(np.array([6]), np.array([0]), np.array([1]))
    with pytest.raises(ValueError, match=r"members must be in \[0, 6\)"):
        source.refine(bad, np.random.default_rng(0))
