"""Tests for the stochastic blocks generator."""

import numpy as np
import pytest

from coord_w2v.data.blocks import make_blocks


def test_total_equals_interactions():
    matrix = make_blocks(12, 3, 5000, 0.7, np.random.default_rng(0))
    assert matrix.total == 5000
    assert np.all(matrix.kappa.data == np.round(matrix.kappa.data))


def test_shape_ids_and_blocks():
    matrix = make_blocks(12, 3, 1000, 0.7, np.random.default_rng(1))
    assert matrix.kappa.shape == (12, 12)
    np.testing.assert_array_equal(matrix.focus_ids, np.arange(12))
    np.testing.assert_array_equal(matrix.context_ids, np.arange(12))
    expected_blocks = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    np.testing.assert_array_equal(matrix.focus_blocks, expected_blocks)
    np.testing.assert_array_equal(matrix.context_blocks, expected_blocks)
    assert matrix.focus_blocks.dtype == np.int64
    assert matrix.context_blocks.dtype == np.int64
    assert matrix.name == "blocks(n=12,B=3,r=1000,p=0.7)"


def test_in_block_fraction_matches_probability():
    p = 0.7
    interactions = 200_000
    matrix = make_blocks(100, 10, interactions, p, np.random.default_rng(2))
    rows, cols, values = matrix.coo_arrays()
    in_block = matrix.focus_blocks[rows] == matrix.context_blocks[cols]
    fraction = values[in_block].sum() / interactions
    # 200,000 Bernoulli(0.7) draws: sigma = sqrt(0.7 * 0.3 / 200,000) ~ 0.001, tolerance 5 sigma.
    sigma = np.sqrt(p * (1 - p) / interactions)
    assert abs(fraction - p) < 5 * sigma


def test_row_draw_counts_are_uniform():
    n = 50
    interactions = 100_000
    matrix = make_blocks(n, 5, interactions, 0.5, np.random.default_rng(3))
    # Each row count is Binomial(100,000, 1/50): mean 2,000, sigma = sqrt(2000 * 49/50) ~ 44.3.
    # With 50 rows, 5 sigma per row keeps the chance of a false failure below 1e-4.
    mean = interactions / n
    sigma = np.sqrt(interactions * (1 / n) * (1 - 1 / n))
    assert np.all(np.abs(matrix.row_sums - mean) < 5 * sigma)


def test_outside_columns_are_uniform():
    # n = 4, B = 2, p = 0: rows 0-1 draw only from columns 2-3 and rows 2-3 only from columns 0-1.
    interactions = 40_000
    matrix = make_blocks(4, 2, interactions, 0.0, np.random.default_rng(4))
    dense = matrix.kappa.toarray()
    assert np.all(dense[:2, :2] == 0)
    assert np.all(dense[2:, 2:] == 0)
    # Each of the 8 allowed cells is Binomial(40,000, 1/8): mean 5,000, sigma ~ 66; tolerance 5 sigma.
    mean = interactions / 8
    sigma = np.sqrt(interactions * (1 / 8) * (7 / 8))
    allowed = np.concatenate([dense[:2, 2:].ravel(), dense[2:, :2].ravel()])
    assert np.all(np.abs(allowed - mean) < 5 * sigma)


def test_in_block_only_when_probability_one():
    matrix = make_blocks(20, 4, 3000, 1.0, np.random.default_rng(5))
    rows, cols, _ = matrix.coo_arrays()
    np.testing.assert_array_equal(matrix.focus_blocks[rows], matrix.context_blocks[cols])


def test_single_block_and_single_entity():
    single_block = make_blocks(5, 1, 100, 1.0, np.random.default_rng(6))
    assert single_block.total == 100
    np.testing.assert_array_equal(single_block.focus_blocks, np.zeros(5))
    one_by_one = make_blocks(1, 1, 7, 1.0, np.random.default_rng(6))
    assert one_by_one.kappa.toarray().tolist() == [[7.0]]


def test_same_seed_gives_same_matrix():
    first = make_blocks(30, 3, 2000, 0.6, np.random.default_rng(7))
    second = make_blocks(30, 3, 2000, 0.6, np.random.default_rng(7))
    other = make_blocks(30, 3, 2000, 0.6, np.random.default_rng(8))
    assert (first.kappa != second.kappa).nnz == 0
    assert (first.kappa != other.kappa).nnz > 0


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(n=0), ValueError, "n must be at least 1"),
        (dict(num_blocks=0), ValueError, "num_blocks must be at least 1"),
        (dict(num_blocks=13), ValueError, "at most n=12"),
        (dict(num_blocks=5), ValueError, "does not divide n=12"),
        (dict(interactions=0), ValueError, "interactions must be at least 1"),
        (dict(in_block_prob=1.5), ValueError, r"in_block_prob must be in \[0, 1\]"),
        (dict(in_block_prob=-0.1), ValueError, r"in_block_prob must be in \[0, 1\]"),
        (dict(in_block_prob=float("nan")), ValueError, r"in_block_prob must be in \[0, 1\]"),
        (dict(num_blocks=1, in_block_prob=0.9), ValueError, "must be 1"),
        (dict(n=12.0), TypeError, "n must be an integer"),
        (dict(interactions=True), TypeError, "interactions must be an integer"),
        (dict(in_block_prob="0.5"), TypeError, "in_block_prob must be a number"),
        (dict(rng=42), TypeError, "numpy.random.Generator"),
    ],
)
def test_invalid_arguments_raise(kwargs, error, pattern):
    arguments = dict(n=12, num_blocks=3, interactions=100, in_block_prob=0.5, rng=np.random.default_rng(0))
    arguments.update(kwargs)
    with pytest.raises(error, match=pattern):
        make_blocks(**arguments)


def test_numpy_integer_arguments_accepted():
    matrix = make_blocks(np.int64(8), np.int32(2), np.int64(50), np.float32(0.5), np.random.default_rng(9))
    assert matrix.total == 50
