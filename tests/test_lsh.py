"""Tests for the Jaccard, angular and block LSH maps."""

import itertools

import numpy as np
import pytest

from coord_w2v.arrangements import lsh
from coord_w2v.arrangements.lsh import angular_maps, block_map, jaccard_maps
from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.arrangements.similarity import weighted_jaccard

from matrices import DESIGNATION_IDS, DESIGNATIONS, make_matrix

# Rows 0 and 1: min = [1, 1, 0, 0], max = [3, 1, 2, 2], weighted Jaccard J_W = 2/8 = 0.25.
# Their probability Jaccard J_P sums over the shared columns 0 and 1:
#   j = 0: sum_l max(x_l / 3, y_l / 1) = 1 + 1 + 2 + 2/3, term 3/14;
#   j = 1: sum_l max(x_l / 1, y_l / 1) = 3 + 1 + 2 + 2, term 1/8;
# so J_P = 3/14 + 1/8 = 0.3393, which the exponential maps give instead of 0.25.
WEIGHTED = np.array([
    [3, 1, 0, 2],
    [1, 1, 2, 0],
    [4, 0, 1, 1],
    [0, 2, 2, 0],
    [3, 1, 0, 2],
], dtype=np.float64)

# 0/1 entries, where J_P equals J_W. Rows 0 and 1 share 2 of 4 columns (J = 0.5),
# rows 0 and 2 are disjoint (J = 0), and column 4 is empty.
BINARY = np.array([
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 0, 1, 0],
    [1, 0, 1, 1, 0],
], dtype=np.float64)


def _entity_vectors(dense: np.ndarray, designation: Designation) -> np.ndarray:
    """Returns one row per mapped entity: rows of kappa for FOCUS, columns for CONTEXT."""
    return dense if designation == Designation.FOCUS else dense.T


def _probability_jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """Returns J_P(x, y) = sum over shared support j of 1 / sum_l max(x_l / x_j, y_l / y_j)."""
    total = 0.0
    for j in np.flatnonzero((x > 0) & (y > 0)):
        total += 1.0 / np.maximum(x / x[j], y / y[j]).sum()
    return total


def _assert_collision_rates(keys: np.ndarray, expected: dict[tuple[int, int], float]) -> None:
    """Checks the collision count of each pair against Binomial(num_maps, p) at 5 standard deviations."""
    num_maps = keys.shape[0]
    for (a, b), probability in expected.items():
        collisions = int(np.count_nonzero(keys[:, a] == keys[:, b]))
        tolerance = 5 * np.sqrt(num_maps * probability * (1 - probability))
        assert abs(collisions - num_maps * probability) <= tolerance, (a, b, collisions / num_maps, probability)


def _nonempty_pairs(vectors: np.ndarray) -> list[tuple[int, int]]:
    nonempty = np.flatnonzero(vectors.sum(axis=1) > 0)
    return list(itertools.combinations(nonempty.tolist(), 2))


def test_hand_computed_similarities():
    assert weighted_jaccard(WEIGHTED[0], WEIGHTED[1]) == 0.25
    assert _probability_jaccard(WEIGHTED[0], WEIGHTED[1]) == pytest.approx(3 / 14 + 1 / 8)
    # For x = (2, 1), y = (1, 2): J_W = 2/4, and J_P = 1/3 + 1/3.
    assert _probability_jaccard(np.array([2.0, 1.0]), np.array([1.0, 2.0])) == pytest.approx(2 / 3)
    assert _probability_jaccard(BINARY[0], BINARY[1]) == weighted_jaccard(BINARY[0], BINARY[1]) == 0.5


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_icws_collision_is_weighted_jaccard(designation, seed):
    num_maps = 10_000
    vectors = _entity_vectors(WEIGHTED, designation)
    keys = jaccard_maps(make_matrix(WEIGHTED), designation, num_maps, np.random.default_rng(seed), method="icws")
    expected = {(a, b): weighted_jaccard(vectors[a], vectors[b]) for a, b in _nonempty_pairs(vectors)}
    # Rows 0 and 4 are identical, so their keys always collide.
    assert designation == Designation.CONTEXT or expected[(0, 4)] == 1.0
    # Each pair collides in each of 10000 independent maps with probability J_W, so
    # its count is Binomial(10000, J_W). A 5-sigma deviation has probability below
    # 6e-7, and 10 pairs x 4 cases fail by chance below 3e-5. For rows 0 and 1 the
    # bound is 5 * 43 = 217 collisions, while the exponential maps' J_P = 0.339
    # would be 893 collisions away.
    _assert_collision_rates(keys, expected)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_exponential_collision_is_probability_jaccard(designation, seed):
    num_maps = 20_000
    vectors = _entity_vectors(WEIGHTED, designation)
    keys = jaccard_maps(make_matrix(WEIGHTED), designation, num_maps, np.random.default_rng(seed))
    expected = {(a, b): _probability_jaccard(vectors[a], vectors[b]) for a, b in _nonempty_pairs(vectors)}
    # Counts are Binomial(20000, J_P); the 5-sigma argument of the ICWS test applies.
    _assert_collision_rates(keys, expected)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("method", ["exponential", "icws"])
def test_binary_collision_is_jaccard(designation, method):
    num_maps = 10_000
    vectors = _entity_vectors(BINARY, designation)
    keys = jaccard_maps(make_matrix(BINARY), designation, num_maps, np.random.default_rng(3), method=method)
    expected = {(a, b): weighted_jaccard(vectors[a], vectors[b]) for a, b in _nonempty_pairs(vectors)}
    # On 0/1 vectors both methods collide with probability J_W. Binomial(10000, J_W)
    # at 5 sigma as in the ICWS test; disjoint pairs must never collide.
    _assert_collision_rates(keys, expected)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
def test_exponential_key_distribution(designation):
    # The key of entity a is the other-side index j with probability
    # kappa_aj / (sum of a's entries), the winner of an exponential race.
    num_maps = 20_000
    vectors = _entity_vectors(WEIGHTED, designation)
    keys = jaccard_maps(make_matrix(WEIGHTED), designation, num_maps, np.random.default_rng(4))
    for entity, weights in enumerate(vectors):
        probabilities = weights / weights.sum()
        counts = np.bincount(keys[:, entity], minlength=weights.size)
        # Each count is Binomial(20000, p); 5 sigma per entry, at most 25 entries.
        tolerance = 5 * np.sqrt(num_maps * probabilities * (1 - probabilities))
        np.testing.assert_array_equal(counts[probabilities == 0], 0)
        assert np.all(np.abs(counts - num_maps * probabilities) <= tolerance), (entity, counts)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("method", ["exponential", "icws"])
def test_empty_entities_get_unique_keys(designation, method):
    # Rows 2 and 4 and columns 3 and 4 of this matrix are empty.
    dense = np.zeros((5, 5))
    dense[0, 0] = dense[1, 1] = dense[3, 2] = 1.0
    keys = jaccard_maps(make_matrix(dense), designation, 30, np.random.default_rng(0), method=method)
    vectors = _entity_vectors(dense, designation)
    empty = np.flatnonzero(vectors.sum(axis=1) == 0)
    assert keys.shape == (30, 5)
    assert keys.dtype == np.int64
    np.testing.assert_array_equal(keys[:, empty], np.broadcast_to(-1 - empty, (30, empty.size)))
    nonempty = np.flatnonzero(vectors.sum(axis=1) > 0)
    assert np.all(keys[:, nonempty] >= 0)


def test_exponential_keys_are_support_members():
    # A single nonzero per row always wins, and a 1x1 matrix has one key.
    dense = np.array([[0.0, 2.0, 0.0], [5.0, 0.0, 0.0]])
    keys = jaccard_maps(make_matrix(dense), Designation.FOCUS, 8, np.random.default_rng(0))
    np.testing.assert_array_equal(keys, [[1, 0]] * 8)
    keys = jaccard_maps(make_matrix(dense), Designation.CONTEXT, 8, np.random.default_rng(0))
    np.testing.assert_array_equal(keys, [[1, 0, -3]] * 8)
    np.testing.assert_array_equal(jaccard_maps(make_matrix([[2.5]]), Designation.FOCUS, 3, np.random.default_rng(0)),
                                  [[0]] * 3)


@pytest.mark.parametrize("method", ["exponential", "icws"])
def test_jaccard_maps_deterministic_per_seed(method):
    matrix = make_matrix(WEIGHTED)
    first = jaccard_maps(matrix, Designation.FOCUS, 50, np.random.default_rng(7), method=method)
    second = jaccard_maps(matrix, Designation.FOCUS, 50, np.random.default_rng(7), method=method)
    other = jaccard_maps(matrix, Designation.FOCUS, 50, np.random.default_rng(8), method=method)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
def test_icws_unpacked_pairs_match_packed(designation, monkeypatch):
    # ICWS keys number (entity, level) pairs in lexicographic order whether the
    # pairs are packed into one int64 or compared as rows. A limit of 0 forces rows.
    packed = jaccard_maps(make_matrix(WEIGHTED), designation, 40, np.random.default_rng(2), method="icws")
    monkeypatch.setattr(lsh, "_PACKED_PAIR_LIMIT", 0)
    unpacked = jaccard_maps(make_matrix(WEIGHTED), designation, 40, np.random.default_rng(2), method="icws")
    np.testing.assert_array_equal(packed, unpacked)


def test_jaccard_maps_rejects_bad_arguments():
    matrix = make_matrix(WEIGHTED)
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="AssociationMatrix"):
        jaccard_maps(WEIGHTED, Designation.FOCUS, 2, rng)
    with pytest.raises(TypeError, match="designation"):
        jaccard_maps(matrix, 0, 2, rng)
    with pytest.raises(ValueError, match="num_maps"):
        jaccard_maps(matrix, Designation.FOCUS, 0, rng)
    with pytest.raises(TypeError, match="Generator"):
        jaccard_maps(matrix, Designation.FOCUS, 2, 0)
    with pytest.raises(ValueError, match="method must be one of exponential, icws"):
        jaccard_maps(matrix, Designation.FOCUS, 2, rng, method="minhash")


# Angles to vector 0: 45 degrees (1), 90 (2), 180 (3), 0 (4, a multiple of vector 0),
# and 60 (5, cosine 1/2).
ANGULAR = np.array([
    [1.0, 0.0, 0.0],
    [1.0, 1.0, 0.0],
    [0.0, 0.0, 2.0],
    [-3.0, 0.0, 0.0],
    [0.5, 0.0, 0.0],
    [1.0, np.sqrt(3.0), 0.0],
])


@pytest.mark.parametrize("seed", [0, 1])
def test_angular_collision_probability(seed):
    num_maps = 20_000
    keys = angular_maps(ANGULAR, num_maps, np.random.default_rng(seed))
    unit = ANGULAR / np.linalg.norm(ANGULAR, axis=1, keepdims=True)
    expected = {}
    for a, b in itertools.combinations(range(len(ANGULAR)), 2):
        angle = np.arccos(np.clip(unit[a] @ unit[b], -1.0, 1.0))
        expected[(a, b)] = 1.0 - angle / np.pi
    assert expected[(0, 1)] == pytest.approx(0.75)
    assert expected[(0, 3)] == pytest.approx(0.0)
    assert expected[(0, 5)] == pytest.approx(2 / 3)
    # Each pair collides in each of 20000 independent maps with probability
    # 1 - angle / pi, so the count is Binomial(20000, p). A 5-sigma deviation has
    # probability below 6e-7, and 15 pairs x 2 seeds fail by chance below 2e-5.
    _assert_collision_rates(keys, expected)


def test_angular_keys_shape_and_zero_vector():
    vectors = np.array([[0.0, 0.0], [1.0, 2.0], [-1.0, -2.0]], dtype=np.float32)
    keys = angular_maps(vectors, 40, np.random.default_rng(0))
    assert keys.shape == (40, 3)
    assert keys.dtype == np.int64
    assert set(np.unique(keys).tolist()) <= {0, 1}
    # v . 0 = 0 >= 0, so a zero vector always gets key 1.
    np.testing.assert_array_equal(keys[:, 0], 1)
    # Opposite vectors never share a key unless v is orthogonal to them, which has probability 0.
    assert not np.any(keys[:, 1] == keys[:, 2])


@pytest.mark.parametrize("vectors, num_maps, error, pattern", [
    (np.ones(3), 2, ValueError, "shape"),
    (np.ones((3, 0)), 2, ValueError, "d >= 1"),
    (np.array([[1.0, np.nan]]), 2, ValueError, "NaN"),
    (np.array([["a", "b"]]), 2, TypeError, "real array"),
    (np.ones((3, 2)), 0, ValueError, "num_maps"),
])
def test_angular_maps_rejects_bad_arguments(vectors, num_maps, error, pattern):
    with pytest.raises(error, match=pattern):
        angular_maps(vectors, num_maps, np.random.default_rng(0))


def test_block_map():
    labels = np.array([2, 0, 0, 1], dtype=np.int32)
    keys = block_map(labels)
    np.testing.assert_array_equal(keys, [[2, 0, 0, 1]])
    assert keys.dtype == np.int64
    keys[0, 0] = 9
    assert labels[0] == 2
    with pytest.raises(TypeError, match="integer"):
        block_map(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="1-D"):
        block_map(np.zeros((2, 2), dtype=np.int64))
