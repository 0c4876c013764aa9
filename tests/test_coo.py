"""Tests for the COO prefix index and microbatch draws."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v.arrangements import coo
from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.microbatches import Designation

from matrices import DESIGNATIONS, TIES, make_matrix, single_nonzero
from sources import microbatch_members


def _lines(dense: np.ndarray, designation: Designation) -> np.ndarray:
    """Returns the dense matrix with one line per row: columns for FOCUS, rows for CONTEXT."""
    return dense.T if designation == Designation.FOCUS else dense


def _brute_force_prefix(line_values: np.ndarray, u: float) -> list[int]:
    """Lists {k : v_k >= u * max(v)} by value descending, ties by index ascending."""
    threshold = u * line_values.max(initial=0.0)
    members = [k for k in range(line_values.size) if line_values[k] > 0 and line_values[k] >= threshold]
    return sorted(members, key=lambda k: (-line_values[k], k))


def _line_ids(microbatches, designation: Designation) -> np.ndarray:
    return microbatches.context if designation == Designation.FOCUS else microbatches.focus


def _split(array: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    return np.split(array, np.cumsum(sizes)[:-1])


@pytest.mark.parametrize("line, u, expected", [
    (0, 1.0, [0, 1]),  # threshold 3: both 3s.
    (0, 0.5, [0, 1]),  # threshold 1.5.
    (0, 1 / 3, [0, 1, 2]),  # threshold exactly 1, the value of row 2.
    (0, 0.0, [0, 1, 2]),
    (1, 0.9, [1, 2, 3]),  # All three entries tie at the maximum 2.
    (2, 0.7, [0]),  # Single nonzero.
    (3, 0.4, [3, 0, 1]),  # threshold 2: 5 first, then the tied 2s by row.
    (3, 0.41, [3]),  # threshold 2.05.
    (4, 0.5, []),  # Empty column.
])
def test_focus_query_hand_cases(line, u, expected):
    index = CooMicrobatches(make_matrix(TIES), Designation.FOCUS)
    result = index.query(np.array([line]), np.array([u]))
    np.testing.assert_array_equal(result.focus, expected)
    np.testing.assert_array_equal(result.context, [line] * len(expected))
    np.testing.assert_array_equal(result.sizes, [len(expected)])


@pytest.mark.parametrize("line, u, expected", [
    (0, 1.0, [0]),  # Row 0 is [3, 0, 1, 2, 0], threshold 3.
    (0, 0.6, [0, 3]),  # threshold 1.8.
    (1, 0.5, [0, 1, 3]),  # Row 1 is [3, 2, 0, 2, 0], threshold 1.5: the tied 2s by column.
    (3, 0.4, [3, 1]),  # Row 3 is [0, 2, 0, 5, 0], threshold 2.
    (4, 0.0, []),  # Empty row.
])
def test_context_query_hand_cases(line, u, expected):
    index = CooMicrobatches(make_matrix(TIES), Designation.CONTEXT)
    result = index.query(line, u)
    np.testing.assert_array_equal(result.context, expected)
    np.testing.assert_array_equal(result.focus, [line] * len(expected))


def _random_matrices():
    rng = np.random.default_rng(12345)
    matrices = [pytest.param(TIES, id="ties"), pytest.param(np.array([[2.5]]), id="1x1"),
                pytest.param(single_nonzero(), id="single_nonzero")]
    for _ in range(6):
        shape = tuple(rng.integers(1, 9, size=2))
        # Few distinct values, so ties are common. 1/3 and 0.1 have no exact binary form.
        values = rng.choice([0.0, 0.0, 1.0, 2.0, 3.0, 1 / 3, 0.1], size=shape)
        values[:, rng.integers(shape[1])] = 0.0  # An empty column.
        if values.sum() == 0:
            values[0, 0] = 1.0
        matrices.append(pytest.param(values, id=f"random{len(matrices) - 3}"))
    return matrices


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
@pytest.mark.parametrize("dense", _random_matrices())
def test_query_matches_brute_force(designation, dense):
    index = CooMicrobatches(make_matrix(dense), designation)
    lines_dense = _lines(dense, designation)
    rng = np.random.default_rng(0)
    queries = []
    for line, line_values in enumerate(lines_dense):
        line_max = line_values.max(initial=0.0)
        # u at 0, 1, random points, and exactly at and next to each value's ratio to the max.
        candidates = [0.0, 1.0, *rng.random(5)]
        for value in line_values[line_values > 0]:
            ratio = value / line_max
            candidates += [ratio, np.nextafter(ratio, 0.0), min(np.nextafter(ratio, 2.0), 1.0)]
        queries += [(line, u) for u in candidates]
    lines = np.array([line for line, _ in queries])
    thresholds = np.array([u for _, u in queries])

    result = index.query(lines, thresholds)

    members = _split(microbatch_members(result, designation), result.sizes)
    line_ids = _split(_line_ids(result, designation), result.sizes)
    assert len(members) == len(queries)
    for (line, u), got, got_lines in zip(queries, members, line_ids):
        assert got.tolist() == _brute_force_prefix(lines_dense[line], u), (line, u)
        assert np.all(got_lines == line)


def test_single_nonzero_matrix():
    dense = single_nonzero()
    for designation in DESIGNATIONS:
        index = CooMicrobatches(make_matrix(dense), designation)
        drawn = index.draw(np.random.default_rng(0), 20)
        np.testing.assert_array_equal(drawn.focus, 1)
        np.testing.assert_array_equal(drawn.context, 2)
        np.testing.assert_array_equal(drawn.sizes, 1)
        assert drawn.num_positives == 20


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
def test_one_by_one_matrix(designation):
    index = CooMicrobatches(make_matrix([[2.5]]), designation)
    assert index.mean_size == 1.0
    drawn = index.draw_microbatches(np.random.default_rng(0), 5)
    np.testing.assert_array_equal(drawn.sizes, [1] * 5)
    np.testing.assert_array_equal(drawn.focus, 0)
    np.testing.assert_array_equal(drawn.context, 0)


def test_mean_size_and_line_max():
    # K = 23, sum of column maxima 11, sum of row maxima 13.
    focus_index = CooMicrobatches(make_matrix(TIES), Designation.FOCUS)
    context_index = CooMicrobatches(make_matrix(TIES), Designation.CONTEXT)
    np.testing.assert_allclose(focus_index.line_max, [3, 2, 1, 5, 0])
    np.testing.assert_allclose(context_index.line_max, [3, 3, 2, 5, 0])
    assert focus_index.mean_size == pytest.approx(23 / 11)
    assert context_index.mean_size == pytest.approx(23 / 13)
    assert focus_index.num_lines == 5


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("min_positives", [1, 7, 500])
def test_draw_stops_at_first_microbatch_reaching_min(designation, seed, min_positives):
    index = CooMicrobatches(make_matrix(TIES), designation)
    drawn = index.draw(np.random.default_rng(seed), min_positives)
    assert drawn.num_positives >= min_positives
    assert drawn.sizes[:-1].sum() < min_positives
    assert np.all(drawn.sizes >= 1)
    assert drawn.focus.dtype == np.int64
    assert drawn.context.dtype == np.int64


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
@pytest.mark.parametrize("seed", [0, 1])
def test_draw_over_many_rounds(designation, seed, monkeypatch):
    # A factor of 0.05 samples about a twentieth of the microbatches needed, so the
    # draw loops over many rounds and must still stop at the first sufficient one.
    monkeypatch.setattr(coo, "_OVERDRAW_FACTOR", 0.05)
    monkeypatch.setattr(coo, "_EXTRA_MICROBATCHES", 1)
    index = CooMicrobatches(make_matrix(TIES), designation)
    drawn = index.draw(np.random.default_rng(seed), 1000)
    assert drawn.num_positives >= 1000
    assert drawn.sizes[:-1].sum() < 1000
    assert drawn.sizes.sum() == drawn.num_positives


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
def test_draws_are_prefixes_of_lines(designation):
    dense = TIES
    lines_dense = _lines(dense, designation)
    index = CooMicrobatches(make_matrix(dense), designation)
    drawn = index.draw(np.random.default_rng(3), 2000)
    for members, line_ids in zip(_split(microbatch_members(drawn, designation), drawn.sizes),
                                 _split(_line_ids(drawn, designation), drawn.sizes)):
        line = line_ids[0]
        assert np.all(line_ids == line)
        # The smallest value present defines the threshold that the prefix must match.
        smallest_ratio = lines_dense[line, members].min() / lines_dense[line].max()
        assert members.tolist() == _brute_force_prefix(lines_dense[line], smallest_ratio)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
def test_empty_lines_never_drawn(designation):
    drawn = CooMicrobatches(make_matrix(TIES), designation).draw_microbatches(np.random.default_rng(0), 5000)
    assert drawn.num_microbatches == 5000
    assert not np.any(drawn.focus == 4)
    assert not np.any(drawn.context == 4)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=["focus", "context"])
def test_draw_deterministic_per_seed(designation):
    index = CooMicrobatches(make_matrix(TIES), designation)
    first = index.draw(np.random.default_rng(11), 300)
    second = index.draw(np.random.default_rng(11), 300)
    np.testing.assert_array_equal(first.focus, second.focus)
    np.testing.assert_array_equal(first.context, second.context)
    np.testing.assert_array_equal(first.sizes, second.sizes)


def test_draw_zero_positives_is_empty():
    index = CooMicrobatches(make_matrix(TIES), Designation.FOCUS)
    drawn = index.draw(np.random.default_rng(0), 0)
    assert drawn.num_positives == 0
    assert drawn.num_microbatches == 0


def test_constructor_rejects_bad_arguments():
    with pytest.raises(TypeError, match="AssociationMatrix"):
        CooMicrobatches(scipy.sparse.csr_matrix(TIES), Designation.FOCUS)
    with pytest.raises(TypeError, match="designation"):
        CooMicrobatches(make_matrix(TIES), 0)
    with pytest.raises(ValueError, match="no nonzeros"):
        CooMicrobatches(make_matrix(np.zeros((2, 3))), Designation.CONTEXT)


@pytest.mark.parametrize("lines, u, error, pattern", [
    ([5], [0.5], ValueError, "lines must be in"),
    ([-1], [0.5], ValueError, "lines must be in"),
    ([0.0], [0.5], TypeError, "integer"),
    ([[0]], [0.5], ValueError, "1-D"),
    ([0], [1.5], ValueError, "u must be in"),
    ([0], [-0.1], ValueError, "u must be in"),
    ([0], [np.nan], ValueError, "u must be in"),
])
def test_query_rejects_bad_arguments(lines, u, error, pattern):
    index = CooMicrobatches(make_matrix(TIES), Designation.FOCUS)
    with pytest.raises(error, match=pattern):
        index.query(np.array(lines), np.array(u))


def test_draw_rejects_bad_arguments():
    index = CooMicrobatches(make_matrix(TIES), Designation.FOCUS)
    with pytest.raises(TypeError, match="Generator"):
        index.draw(0, 10)
    with pytest.raises(ValueError, match="min_positives"):
        index.draw(np.random.default_rng(0), -1)
    with pytest.raises(TypeError, match="min_positives"):
        index.draw(np.random.default_rng(0), 2.5)
    with pytest.raises(ValueError, match="count"):
        index.draw_microbatches(np.random.default_rng(0), -3)
