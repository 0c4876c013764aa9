"""Tests for the alias-table sampler."""

import numpy as np
import pytest

from coord_w2v.arrangements.alias import AliasSampler


def test_two_weights_table():
    # weights [1, 3]: n = 2, scaled weights q = [0.5, 1.5]. Index 0 is light and
    # keeps itself with probability 0.5, else returns heavy index 1, which keeps
    # itself. Index 1 gets 1 + 0.5 = 1.5 buckets of mass 1/2, i.e. 3/4.
    sampler = AliasSampler(np.array([1.0, 3.0]))
    np.testing.assert_allclose(sampler.threshold, [0.5, 1.0])
    assert sampler.alias[0] == 1
    np.testing.assert_allclose(sampler.probabilities(), [0.25, 0.75])


def test_overshooting_heavy_table():
    # weights [0.5, 1.3, 0.5, 1.7] sum to n = 4, so q equals the weights.
    # Lights 0 and 2 have deficits 0.5 each, on the line [0, 0.5) and [0.5, 1.0).
    # Heavies 1 and 3 have excesses 0.3 and 0.7, on the line [0, 0.3) and [0.3, 1.0).
    # Light 0 starts at 0, inside heavy 1's excess, so alias[0] = 1. Light 2 starts at
    # 0.5, inside heavy 3's excess, so alias[2] = 3. Heavy 1 gave 0.5 to light 0, 0.2
    # more than its excess, so threshold[1] = 0.8 and alias[1] = 3.
    # Totals: index 1 gets 0.8 + 0.5 = 1.3 and index 3 gets 1 + 0.2 + 0.5 = 1.7.
    sampler = AliasSampler(np.array([0.5, 1.3, 0.5, 1.7]))
    np.testing.assert_allclose(sampler.threshold, [0.5, 0.8, 0.5, 1.0], atol=1e-12)
    np.testing.assert_array_equal(sampler.alias[[0, 1, 2]], [1, 3, 3])
    np.testing.assert_allclose(sampler.probabilities(), [0.125, 0.325, 0.125, 0.425], atol=1e-12)


@pytest.mark.parametrize("weights", [
    [5.0],
    [0.0, 2.0],
    [1.0, 1.0, 1.0, 1.0],
    [1.0, 0.0, 0.0, 1e9, 0.0],
    [1e-300, 1.0],
    [3, 0, 1, 2, 0, 7],
    [True, False, True],
])
def test_table_encodes_weights(weights):
    weights = np.asarray(weights)
    sampler = AliasSampler(weights)
    expected = weights.astype(np.float64) / weights.sum()
    np.testing.assert_allclose(sampler.probabilities(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_table_encodes_random_weights(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 2000))
    weights = rng.exponential(size=size) ** 3
    weights[rng.random(size) < 0.3] = 0.0
    weights[0] = 1.0
    sampler = AliasSampler(weights)
    np.testing.assert_allclose(sampler.probabilities(), weights / weights.sum(), rtol=0, atol=1e-12)
    # A zero weight never keeps its own bucket and is never an alias.
    assert np.all(sampler.threshold[weights == 0] == 0)
    assert np.all(weights[sampler.alias[sampler.threshold < 1]] > 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sample_frequencies(seed):
    weights = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 10.0, 0.5])
    probabilities = weights / weights.sum()
    draws = 200_000
    counts = np.bincount(AliasSampler(weights).sample(np.random.default_rng(seed), draws), minlength=weights.size)

    assert counts.size == weights.size
    np.testing.assert_array_equal(counts[weights == 0], 0)
    # Each count is Binomial(200000, p). A deviation above 5 standard deviations has
    # probability below 6e-7 per bin, so the 5 positive bins x 3 seeds fail by
    # chance with probability below 1e-5. The smallest expected count is 6061 (p = 1/33)
    # with a bound of 383 draws, so a bin whose probability is off by 7% fails.
    tolerance = 5 * np.sqrt(draws * probabilities * (1 - probabilities))
    assert np.all(np.abs(counts - draws * probabilities) <= tolerance), (counts, draws * probabilities)


def test_sample_shape_and_dtype():
    sampler = AliasSampler(np.array([1.0, 2.0, 3.0]))
    rng = np.random.default_rng(0)
    block = sampler.sample(rng, (3, 4, 5))
    assert block.shape == (3, 4, 5)
    assert block.dtype == np.int64
    assert sampler.sample(rng, 0).shape == (0,)
    assert np.all((block >= 0) & (block < 3))


def test_single_weight_always_drawn():
    sampler = AliasSampler(np.array([0.25]))
    np.testing.assert_array_equal(sampler.sample(np.random.default_rng(0), 100), 0)


def test_sample_deterministic_per_seed():
    sampler = AliasSampler(np.arange(10, dtype=np.float64))
    first = sampler.sample(np.random.default_rng(7), 1000)
    second = sampler.sample(np.random.default_rng(7), 1000)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("weights, error", [
    ([], ValueError),
    ([[1.0, 2.0]], ValueError),
    ([1.0, -0.5], ValueError),
    ([1.0, np.nan], ValueError),
    ([1.0, np.inf], ValueError),
    ([0.0, 0.0], ValueError),
    (["a", "b"], TypeError),
    ([1 + 1j], TypeError),
])
def test_invalid_weights_rejected(weights, error):
    with pytest.raises(error, match="weights"):
        AliasSampler(np.asarray(weights))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_sample_requires_generator(rng):
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        AliasSampler(np.array([1.0])).sample(rng, 3)
