"""Tests for the weighted train/test split."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v.data import split as split_module
from coord_w2v.data.matrix import AssociationMatrix
from coord_w2v.data.split import TrainTestSplit, split_train_test


def make_matrix(dense) -> AssociationMatrix:
    dense = np.asarray(dense, dtype=np.float64)
    num_focus, num_context = dense.shape
    return AssociationMatrix(kappa=scipy.sparse.csr_matrix(dense), focus_ids=np.arange(num_focus) + 100,
                             context_ids=np.array([f"c{j}" for j in range(num_context)]),
                             focus_blocks=np.arange(num_focus) % 2, name="toy")


def random_matrix(seed: int, shape=(40, 60), density=0.1) -> AssociationMatrix:
    rng = np.random.default_rng(seed)
    kappa = scipy.sparse.random(*shape, density=density, format="csr", random_state=rng,
                                data_rvs=lambda size: rng.integers(1, 10, size=size).astype(np.float64))
    return AssociationMatrix(kappa=kappa, focus_ids=np.arange(shape[0]), context_ids=np.arange(shape[1]))


def pairs(focus, context) -> set:
    return set(zip(focus.tolist(), context.tolist()))


def test_split_sizes():
    matrix = random_matrix(0)
    result = split_train_test(matrix, rng=np.random.default_rng(1))
    expected_test = round(0.2 * matrix.nnz)
    assert result.num_test == expected_test
    assert result.num_negative == expected_test
    assert result.train.nnz == matrix.nnz - expected_test
    for array in (result.test_positive_focus, result.test_positive_context, result.test_negative_focus,
                  result.test_negative_context):
        assert array.dtype == np.int64


def test_split_custom_negative_count():
    matrix = random_matrix(0)
    result = split_train_test(matrix, test_fraction=0.1, rng=np.random.default_rng(1), num_negatives=500)
    assert result.num_test == round(0.1 * matrix.nnz)
    assert result.num_negative == 500


def test_train_plus_test_is_full_matrix():
    matrix = random_matrix(2)
    result = split_train_test(matrix, rng=np.random.default_rng(3))
    rows, cols = result.test_positive_focus, result.test_positive_context
    test_values = np.asarray(matrix.kappa[rows, cols]).ravel()
    assert np.all(test_values > 0)
    test_kappa = scipy.sparse.csr_matrix((test_values, (rows, cols)), shape=matrix.kappa.shape)
    assert abs(result.train.kappa + test_kappa - matrix.kappa).max() == 0


def test_test_positives_absent_from_train():
    matrix = random_matrix(4)
    result = split_train_test(matrix, rng=np.random.default_rng(5))
    positives = pairs(result.test_positive_focus, result.test_positive_context)
    assert len(positives) == result.num_test
    train_rows, train_cols, _ = result.train.coo_arrays()
    assert not positives & pairs(train_rows, train_cols)


def test_test_negatives_are_distinct_zeros():
    matrix = random_matrix(6)
    result = split_train_test(matrix, rng=np.random.default_rng(7), num_negatives=1000)
    negatives = pairs(result.test_negative_focus, result.test_negative_context)
    assert len(negatives) == 1000
    values = np.asarray(matrix.kappa[result.test_negative_focus, result.test_negative_context]).ravel()
    assert np.all(values == 0)
    assert not negatives & pairs(result.test_positive_focus, result.test_positive_context)


def test_train_keeps_entities():
    matrix = make_matrix([[1, 2, 0], [0, 3, 4], [5, 0, 0]])
    result = split_train_test(matrix, test_fraction=0.4, rng=np.random.default_rng(0))
    assert result.train.kappa.shape == (3, 3)
    np.testing.assert_array_equal(result.train.focus_ids, matrix.focus_ids)
    np.testing.assert_array_equal(result.train.context_ids, matrix.context_ids)
    np.testing.assert_array_equal(result.train.focus_blocks, matrix.focus_blocks)
    assert result.train.name == "toy train"
    assert isinstance(result, TrainTestSplit)


def test_split_is_deterministic_per_seed():
    matrix = random_matrix(8)
    first = split_train_test(matrix, rng=np.random.default_rng(9))
    second = split_train_test(matrix, rng=np.random.default_rng(9))
    other = split_train_test(matrix, rng=np.random.default_rng(10))
    for name in ("test_positive_focus", "test_positive_context", "test_negative_focus", "test_negative_context"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert (first.train.kappa != second.train.kappa).nnz == 0
    assert pairs(first.test_positive_focus, first.test_positive_context) != pairs(
        other.test_positive_focus, other.test_positive_context)


def test_heavier_entry_held_out_more_often():
    # Two nonzeros, weights 1 and 3, and one test positive: the heavy entry is chosen with probability 3/4.
    matrix = make_matrix([[1, 3], [0, 0]])
    num_splits = 2000
    heavy = 0
    for seed in range(num_splits):
        result = split_train_test(matrix, test_fraction=0.5, rng=np.random.default_rng(seed))
        heavy += int(result.test_positive_context[0] == 1)
    # 2,000 Bernoulli(0.75) draws: sigma = sqrt(0.75 * 0.25 / 2000) ~ 0.0097, tolerance 5 sigma.
    sigma = np.sqrt(0.75 * 0.25 / num_splits)
    assert abs(heavy / num_splits - 0.75) < 5 * sigma


def test_weighted_inclusion_probabilities_exact():
    # Two draws without replacement from weights w = (1, 2, 3, 4), W = 10. Entry i is included with probability
    # w_i / W + sum_{j != i} (w_j / W) * w_i / (W - w_j), e.g. 0.1 + 0.2/9 + 0.3/8 + 0.4/7 ~ 0.2168 for i = 0.
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    total = weights.sum()
    expected = np.array([
        weights[i] / total + sum(weights[j] / total * weights[i] / (total - weights[j]) for j in range(4) if j != i)
        for i in range(4)
    ])
    assert expected.sum() == pytest.approx(2.0)
    rng = np.random.default_rng(11)
    num_samples = 20_000
    counts = np.zeros(4)
    for _ in range(num_samples):
        counts[split_module._sample_weighted_without_replacement(weights, 2, rng)] += 1
    # Each count is Binomial(20,000, p_i) with p_i <= 0.75: sigma <= sqrt(0.25 / 20,000) ~ 0.0035, tolerance
    # 5 sigma of each entry's own binomial.
    sigma = np.sqrt(expected * (1 - expected) / num_samples)
    assert np.all(np.abs(counts / num_samples - expected) < 5 * sigma)


@pytest.mark.parametrize("enumeration_limit", [split_module._ENUMERATION_LIMIT, 0])
def test_negatives_uniform_over_zeros(monkeypatch, enumeration_limit):
    # enumeration_limit 0 forces rejection sampling. The 3 x 3 matrix has 4 nonzeros and 5 zeros, and with
    # 2 negatives per split each zero is included with probability 2/5.
    monkeypatch.setattr(split_module, "_ENUMERATION_LIMIT", enumeration_limit)
    matrix = make_matrix([[1, 0, 2], [0, 0, 3], [4, 0, 0]])
    zero_cells = [(0, 1), (1, 0), (1, 1), (2, 1), (2, 2)]
    num_splits = 3000
    counts = dict.fromkeys(zero_cells, 0)
    for seed in range(num_splits):
        result = split_train_test(matrix, test_fraction=0.25, rng=np.random.default_rng(seed), num_negatives=2)
        for cell in pairs(result.test_negative_focus, result.test_negative_context):
            counts[cell] += 1
    # Each count is Binomial(3,000, 0.4): sigma = sqrt(0.4 * 0.6 / 3000) ~ 0.0089, tolerance 5 sigma.
    sigma = np.sqrt(0.4 * 0.6 / num_splits)
    for cell, count in counts.items():
        assert abs(count / num_splits - 0.4) < 5 * sigma, cell


def test_rejection_sampling_on_larger_matrix(monkeypatch):
    monkeypatch.setattr(split_module, "_ENUMERATION_LIMIT", 0)
    matrix = random_matrix(12, shape=(100, 80), density=0.3)
    result = split_train_test(matrix, rng=np.random.default_rng(13), num_negatives=2000)
    negatives = pairs(result.test_negative_focus, result.test_negative_context)
    assert len(negatives) == 2000
    values = np.asarray(matrix.kappa[result.test_negative_focus, result.test_negative_context]).ravel()
    assert np.all(values == 0)


def test_all_zero_cells_can_be_requested():
    matrix = make_matrix([[1, 0], [2, 3]])
    result = split_train_test(matrix, test_fraction=0.4, rng=np.random.default_rng(0), num_negatives=1)
    assert pairs(result.test_negative_focus, result.test_negative_context) == {(0, 1)}


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(test_fraction=0.0), ValueError, r"test_fraction must be in \(0, 1\)"),
        (dict(test_fraction=1.0), ValueError, r"test_fraction must be in \(0, 1\)"),
        (dict(test_fraction=float("nan")), ValueError, r"test_fraction must be in \(0, 1\)"),
        (dict(test_fraction="0.2"), TypeError, "test_fraction must be a number"),
        (dict(test_fraction=0.01), ValueError, "rounds to 0 test positives"),
        (dict(test_fraction=0.95), ValueError, "leaves the training matrix empty"),
        (dict(num_negatives=-1), ValueError, "num_negatives must be >= 0"),
        (dict(num_negatives=2.0), TypeError, "num_negatives must be an int"),
        (dict(num_negatives=4), ValueError, "has only 3 zero entries"),
        (dict(rng=np.random.RandomState(0)), TypeError, "numpy.random.Generator"),
    ],
)
def test_invalid_arguments_raise(kwargs, error, pattern):
    # 3 x 3 with 6 nonzeros and 3 zeros.
    matrix = make_matrix([[1, 1, 0], [1, 1, 0], [1, 1, 0]])
    arguments = dict(test_fraction=0.5, rng=np.random.default_rng(0))
    arguments.update(kwargs)
    with pytest.raises(error, match=pattern):
        split_train_test(matrix, **arguments)


def test_rng_is_required():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, got NoneType"):
        split_train_test(make_matrix([[1, 1, 0]]), 0.5)


def test_positional_rng_accepted():
    matrix = make_matrix([[1, 1, 0]])
    positional = split_train_test(matrix, 0.5, np.random.default_rng(3))
    keyword = split_train_test(matrix, test_fraction=0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(positional.test_positive_context, keyword.test_positive_context)
