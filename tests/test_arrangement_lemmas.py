"""Statistical properties of the IND and COO arrangements, and the similarity helpers."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.arrangements.similarity import (empirical_column_jaccard, empirical_row_jaccard, multiplicities,
                                               weighted_jaccard)

from matrices import DESIGNATION_IDS, DESIGNATIONS, TIES, make_matrix

# Non-integer values with ties (0.25 twice in column 2, 1.5 twice in row 1).
FRACTIONAL = np.array([
    [0.5, 0.0, 0.25, 1.5],
    [1.5, 1.5, 0.25, 0.0],
    [0.0, 0.1, 0.75, 0.3],
], dtype=np.float64)


def _pair_counts(focus: np.ndarray, context: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Returns int64[shape], the number of occurrences of each (i, j)."""
    return np.bincount(focus * shape[1] + context, minlength=shape[0] * shape[1]).reshape(shape)


def _assert_binomial_counts(counts: np.ndarray, trials: int, probabilities: np.ndarray) -> None:
    """Checks every count against Binomial(trials, p) at 5 standard deviations."""
    expected = trials * probabilities
    tolerance = 5 * np.sqrt(trials * probabilities * (1 - probabilities))
    np.testing.assert_array_equal(counts[probabilities == 0], 0)
    assert np.all(np.abs(counts - expected) <= tolerance), (counts, expected, tolerance)


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("dense", [TIES, FRACTIONAL], ids=["ties", "fractional"])
@pytest.mark.parametrize("seed", [0, 1])
def test_coo_inclusion_probability(designation, dense, seed):
    index = CooMicrobatches(make_matrix(dense), designation)
    line_max = dense.max(axis=0) if designation == Designation.FOCUS else dense.max(axis=1)
    probabilities = dense / line_max.sum()
    microbatches = 200_000
    drawn = index.draw_microbatches(np.random.default_rng(seed), microbatches)
    counts = _pair_counts(drawn.focus, drawn.context, dense.shape)
    # A microbatch contains each (i, j) at most once, independently of the others, so
    # the count of (i, j) is Binomial(200000, kappa_ij / sum of line maxima). A
    # 5-sigma deviation has probability below 6e-7 per entry, and at most 10 entries
    # x 8 cases make a chance failure below 1e-4. The smallest p here is 0.1 / 5.25,
    # whose bound of 306 is 8% of its expected count 3810.
    _assert_binomial_counts(counts, microbatches, probabilities)


@pytest.mark.parametrize("dense", [TIES, FRACTIONAL], ids=["ties", "fractional"])
@pytest.mark.parametrize("seed", [0, 1])
def test_ind_marginal_probability(dense, seed):
    draws = 200_000
    drawn = IndMicrobatches(make_matrix(dense)).draw(np.random.default_rng(seed), draws)
    counts = _pair_counts(drawn.focus, drawn.context, dense.shape)
    # Each draw is (i, j) with probability kappa_ij / K, so the count of (i, j) is
    # Binomial(200000, kappa_ij / K). The 5-sigma argument of the COO test applies.
    _assert_binomial_counts(counts, draws, dense / dense.sum())


@pytest.mark.parametrize("designation", DESIGNATIONS, ids=DESIGNATION_IDS)
@pytest.mark.parametrize("dense", [TIES, FRACTIONAL], ids=["ties", "fractional"])
def test_coo_microbatch_contains_larger_entries(designation, dense):
    # A focus microbatch that contains (i, j) contains every (i', j) with
    # kappa_i'j >= kappa_ij, and a context microbatch every (i, j') with
    # kappa_ij' >= kappa_ij. Checked on each of 3000 microbatches.
    index = CooMicrobatches(make_matrix(dense), designation)
    drawn = index.draw_microbatches(np.random.default_rng(5), 3000)
    boundaries = np.cumsum(drawn.sizes)[:-1]
    for focus, context in zip(np.split(drawn.focus, boundaries), np.split(drawn.context, boundaries)):
        if designation == Designation.FOCUS:
            line_values, members = dense[:, context[0]], focus
            assert np.all(context == context[0])
        else:
            line_values, members = dense[focus[0], :], context
            assert np.all(focus == focus[0])
        smallest = line_values[members].min()
        assert smallest > 0
        assert set(members.tolist()) == set(np.flatnonzero(line_values >= smallest).tolist())
        assert len(set(members.tolist())) == members.size


def _trial_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Returns float64[T], J of each trial's two count vectors (shape [T, n]); NaN where undefined."""
    numerator = np.minimum(first, second).sum(axis=1).astype(np.float64)
    denominator = np.maximum(first, second).sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _counts_per_trial(trial: np.ndarray, key: np.ndarray, other: np.ndarray, selected: int, trials: int,
                      width: int) -> np.ndarray:
    """Returns int64[trials, width]: per trial, how often `other` occurs with key == selected."""
    mask = key == selected
    return np.bincount(trial[mask] * width + other[mask], minlength=trials * width).reshape(trials, width)


# Rows 0 and 1: min = [1, 1, 0, 0], max = [3, 1, 2, 2], J = 2 / 8 = 0.25.
# Columns 0 and 1: min = [1, 1, 0, 0], max = [3, 1, 4, 2], J = 2 / 10 = 0.2.
JACCARD = np.array([
    [3, 1, 0, 2],
    [1, 1, 2, 0],
    [4, 0, 1, 1],
    [0, 2, 2, 0],
], dtype=np.float64)


@pytest.mark.parametrize("designation, expected", [(Designation.FOCUS, 0.25), (Designation.CONTEXT, 0.2)],
                         ids=DESIGNATION_IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_coo_preserves_expected_jaccard(designation, expected, seed):
    # Each trial is 4 consecutive microbatches, well under an epoch (about 8 of the
    # K = 20 positives). Over focus microbatches E[J(X_0., X_1.) | defined] equals
    # J(kappa_0., kappa_1.) = 0.25, and over context microbatches
    # E[J(X_.0, X_.1)] = J(kappa_.0, kappa_.1) = 0.2.
    trials, per_trial = 20_000, 4
    index = CooMicrobatches(make_matrix(JACCARD), designation)
    drawn = index.draw_microbatches(np.random.default_rng(seed), trials * per_trial)
    trial = drawn.microbatch_ids() // per_trial
    if designation == Designation.FOCUS:
        key, other = drawn.focus, drawn.context
    else:
        key, other = drawn.context, drawn.focus
    width = JACCARD.shape[1] if designation == Designation.FOCUS else JACCARD.shape[0]
    first = _counts_per_trial(trial, key, other, 0, trials, width)
    second = _counts_per_trial(trial, key, other, 1, trials, width)
    similarities = _trial_jaccard(first, second)
    defined = similarities[~np.isnan(similarities)]

    # A microbatch touches row 0 or 1 with probability 8 / 10 (focus) and column 0
    # or 1 with probability 10 / 11 (context), so nearly every trial is defined.
    assert defined.size > 0.9 * trials
    # The trial values lie in [0, 1] with a standard deviation of 0.21 to 0.25, so
    # the mean of about 20000 has sigma below 0.0018. The bound is 5 sample sigmas,
    # about 0.009. IND draws of 8 positives per trial give a mean near 0.11 (rows) and
    # 0.09 (columns) in 200000 simulated multinomial trials, over 50 sigmas away.
    tolerance = 5 * defined.std(ddof=1) / np.sqrt(defined.size)
    assert abs(defined.mean() - expected) <= tolerance, (defined.mean(), expected, tolerance)


# Rows 0 and 1 are identical, so their weighted Jaccard similarity is 1. K = 31.
IDENTICAL_ROWS = np.array([
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1],
    [2, 0, 1, 0, 3, 0, 1, 0],
    [0, 1, 0, 2, 0, 1, 0, 4],
], dtype=np.float64)


@pytest.mark.parametrize("seed", [0, 1])
def test_ind_fractional_epoch_similarity_far_lower(seed):
    # Each trial draws 16 positives, about half an epoch of K = 31. Under IND each
    # (0, j) and (1, j) then occurs about Poisson(16 / 31) times, independently, and
    # the mean J(X_0., X_1.) is about 0.194 with a trial standard deviation of 0.161
    # (from 200000 simulated multinomial trials). Over 2000 trials the mean has sigma
    # 0.0036, so the bound 0.4 is about 57 sigmas above it. COO focus microbatches
    # always contain both rows or neither, so every defined trial gives exactly 1.
    trials, per_trial = 2000, 16
    matrix = make_matrix(IDENTICAL_ROWS)
    num_focus, num_context = IDENTICAL_ROWS.shape
    assert weighted_jaccard(IDENTICAL_ROWS[0], IDENTICAL_ROWS[1]) == 1.0

    ind = IndMicrobatches(matrix).draw(np.random.default_rng(seed), trials * per_trial)
    trial = np.arange(ind.num_positives) // per_trial
    first = _counts_per_trial(trial, ind.focus, ind.context, 0, trials, num_context)
    second = _counts_per_trial(trial, ind.focus, ind.context, 1, trials, num_context)
    ind_similarities = _trial_jaccard(first, second)
    ind_mean = np.nanmean(ind_similarities)
    assert ind_mean < 0.4, ind_mean

    coo = CooMicrobatches(matrix, Designation.FOCUS)
    rng = np.random.default_rng(seed + 100)
    coo_similarities = []
    for _ in range(trials):
        drawn = coo.draw(rng, per_trial)
        coo_similarities.append(empirical_row_jaccard(drawn.focus, drawn.context, num_focus, num_context, 0, 1))
    coo_similarities = np.array(coo_similarities)
    defined = coo_similarities[~np.isnan(coo_similarities)]
    assert defined.size > 0.9 * trials
    np.testing.assert_array_equal(defined, 1.0)


def test_weighted_jaccard_hand_values():
    # min = [1, 1, 0, 0] sums to 2, max = [3, 1, 2, 2] sums to 8.
    u = np.array([3.0, 1.0, 0.0, 2.0])
    v = np.array([1.0, 1.0, 2.0, 0.0])
    assert weighted_jaccard(u, v) == 0.25
    assert weighted_jaccard(scipy.sparse.csr_matrix(u), v) == 0.25
    assert weighted_jaccard(scipy.sparse.csr_matrix(u).T, scipy.sparse.csr_array(v.reshape(1, -1))) == 0.25
    assert weighted_jaccard(u, u) == 1.0
    assert weighted_jaccard(u, np.zeros(4)) == 0.0
    assert np.isnan(weighted_jaccard(np.zeros(4), np.zeros(4)))


@pytest.mark.parametrize("u, v, pattern", [
    (np.array([1.0, -1.0]), np.array([1.0, 1.0]), "non-negative"),
    (np.array([1.0, np.nan]), np.array([1.0, 1.0]), "non-negative"),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), "equal length"),
    (np.ones((2, 2)), np.ones((2, 2)), "1-D"),
    (scipy.sparse.csr_matrix(np.ones((2, 2))), np.ones(4), "vector"),
])
def test_weighted_jaccard_rejects_bad_vectors(u, v, pattern):
    with pytest.raises(ValueError, match=pattern):
        weighted_jaccard(u, v)


def test_multiplicities_and_empirical_jaccard():
    # Positives (0,0), (0,0), (1,0), (0,1), (1,2) give X = [[2, 1, 0], [1, 0, 1]].
    # Rows: min = [1, 0, 0], max = [2, 1, 1], J = 1/4.
    # Columns 0 and 1: min = [1, 0], max = [2, 1], J = 1/3.
    focus = np.array([0, 0, 1, 0, 1])
    context = np.array([0, 0, 0, 1, 2])
    np.testing.assert_array_equal(multiplicities(focus, context, 2, 3).toarray(), [[2, 1, 0], [1, 0, 1]])
    assert empirical_row_jaccard(focus, context, 2, 3, 0, 1) == 0.25
    assert empirical_column_jaccard(focus, context, 2, 3, 0, 1) == pytest.approx(1 / 3)
    assert np.isnan(empirical_row_jaccard(focus, context, 3, 3, 2, 2))
    with pytest.raises(ValueError, match="i2 must be in"):
        empirical_row_jaccard(focus, context, 2, 3, 0, 2)
    with pytest.raises(ValueError, match="context indices"):
        multiplicities(focus, context, 2, 2)
