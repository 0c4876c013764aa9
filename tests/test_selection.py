"""Tests for IND and COO example selection."""

import numpy as np
import pytest

from coord_w2v.arrangements.selection import select_examples
from coord_w2v.data.matrix import AssociationMatrix

from matrices import TIES, make_matrix, single_nonzero

METHODS = ["ind", "coo"]

# Rows 0 and 1 are identical, and so are columns 0 and 2.
IDENTICAL = np.array([
    [1, 2, 1, 3],
    [1, 2, 1, 3],
    [2, 0, 2, 1],
], dtype=np.float64)


def _matrix(dense: np.ndarray) -> AssociationMatrix:
    num_focus, num_context = np.shape(dense)
    return make_matrix(dense, focus_ids=np.arange(num_focus) + 100, context_ids=np.arange(num_context) + 200,
                       focus_blocks=np.arange(num_focus) % 2, context_blocks=np.arange(num_context) % 2, name="tiny")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("per_entity", [1, 5])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("dense", [pytest.param(TIES, id="ties"), pytest.param(np.array([[2.5]]), id="1x1"),
                                   pytest.param(single_nonzero(), id="single_nonzero")])
def test_exactly_t_draws_per_nonempty_line(method, per_entity, seed, dense):
    matrix = _matrix(dense)
    focus_selection, context_selection = select_examples(matrix, per_entity, method, np.random.default_rng(seed))
    focus_counts = focus_selection.kappa.toarray()
    context_counts = context_selection.kappa.toarray()

    np.testing.assert_array_equal(focus_counts.sum(axis=1), np.where(dense.sum(axis=1) > 0, per_entity, 0))
    np.testing.assert_array_equal(context_counts.sum(axis=0), np.where(dense.sum(axis=0) > 0, per_entity, 0))
    # Examples are drawn only where kappa is nonzero.
    assert np.all(focus_counts[dense == 0] == 0)
    assert np.all(context_counts[dense == 0] == 0)
    for selection in (focus_selection, context_selection):
        assert selection.kappa.shape == dense.shape
        np.testing.assert_array_equal(selection.focus_ids, matrix.focus_ids)
        np.testing.assert_array_equal(selection.context_ids, matrix.context_ids)
        np.testing.assert_array_equal(selection.focus_blocks, matrix.focus_blocks)
        np.testing.assert_array_equal(selection.context_blocks, matrix.context_blocks)
        assert selection.name.startswith("tiny")


@pytest.mark.parametrize("method", METHODS)
def test_single_nonzero_lines_always_pick_it(method):
    # (1, 2) is the only nonzero of row 1 and of column 2, so every draw is (1, 2).
    focus_selection, context_selection = select_examples(_matrix(single_nonzero()), 4, method,
                                                         np.random.default_rng(0))
    expected = np.zeros((3, 4))
    expected[1, 2] = 4
    np.testing.assert_array_equal(focus_selection.kappa.toarray(), expected)
    np.testing.assert_array_equal(context_selection.kappa.toarray(), expected)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1])
def test_marginal_is_kappa_over_line_sum(method, seed):
    per_entity = 20_000
    focus_selection, context_selection = select_examples(_matrix(TIES), per_entity, method,
                                                         np.random.default_rng(seed))
    row_sums = TIES.sum(axis=1, keepdims=True)
    column_sums = TIES.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        row_probabilities = np.nan_to_num(TIES / row_sums)
        column_probabilities = np.nan_to_num(TIES / column_sums)
    # Row i makes 20000 draws, independent across draws for IND and across rounds
    # for COO (each round has fresh u), so its count of j is Binomial(20000,
    # kappa_ij / r_i), and likewise for columns. A 5-sigma deviation has
    # probability below 6e-7 per entry, and 2 x 10 entries x 4 cases fail by chance
    # below 5e-5. The smallest p is 1/7, whose bound of 247 is 9% of its expected
    # count 2857.
    for counts, probabilities in ((focus_selection.kappa.toarray(), row_probabilities),
                                  (context_selection.kappa.toarray(), column_probabilities)):
        expected = per_entity * probabilities
        tolerance = 5 * np.sqrt(per_entity * probabilities * (1 - probabilities))
        np.testing.assert_array_equal(counts[probabilities == 0], 0)
        assert np.all(np.abs(counts - expected) <= tolerance), (counts, expected)


def test_coo_coordinates_identical_lines():
    # With T = 1 each seed is one round. COO gives rows 0 and 1, and columns 0
    # and 2, the same pick in every round. IND picks independently: rows 0 and 1
    # agree in one round with probability sum_j (kappa_0j / 7)**2 = 15/49, so in
    # all 20 rounds with probability (15/49)**20 < 1e-10, and columns 0 and 2 agree
    # with probability 3/8 per round, (3/8)**20 < 1e-8 over all.
    same_rows = {"ind": 0, "coo": 0}
    same_columns = {"ind": 0, "coo": 0}
    rounds = 20
    for method in METHODS:
        for seed in range(rounds):
            focus_selection, context_selection = select_examples(_matrix(IDENTICAL), 1, method,
                                                                 np.random.default_rng(seed))
            focus_counts = focus_selection.kappa.toarray()
            context_counts = context_selection.kappa.toarray()
            same_rows[method] += int(np.array_equal(focus_counts[0], focus_counts[1]))
            same_columns[method] += int(np.array_equal(context_counts[:, 0], context_counts[:, 2]))
    assert same_rows["coo"] == rounds
    assert same_columns["coo"] == rounds
    assert same_rows["ind"] < rounds
    assert same_columns["ind"] < rounds


@pytest.mark.parametrize("method", METHODS)
def test_selection_deterministic_per_seed(method):
    first = select_examples(_matrix(TIES), 7, method, np.random.default_rng(3))
    second = select_examples(_matrix(TIES), 7, method, np.random.default_rng(3))
    for left, right in zip(first, second):
        np.testing.assert_array_equal(left.kappa.toarray(), right.kappa.toarray())


@pytest.mark.parametrize("arguments, error, pattern", [
    ({"per_entity": 0}, ValueError, "per_entity must be >= 1"),
    ({"per_entity": 2.0}, TypeError, "per_entity"),
    ({"method": "two_sided"}, ValueError, "method must be one of ind, coo"),
    ({"rng": 0}, TypeError, "Generator"),
    ({"matrix": TIES}, TypeError, "AssociationMatrix"),
])
def test_select_examples_rejects_bad_arguments(arguments, error, pattern):
    call = dict(matrix=_matrix(TIES), per_entity=3, method="ind", rng=np.random.default_rng(0))
    call.update(arguments)
    with pytest.raises(error, match=pattern):
        select_examples(**call)
