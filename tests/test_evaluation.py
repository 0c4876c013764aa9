"""Cosine gap and precision@k on hand-made embeddings."""

import numpy as np
import pytest
import scipy.sparse

from coord_w2v import evaluation
from coord_w2v.data.matrix import AssociationMatrix
from coord_w2v.data.split import split_train_test


def test_cosine_gap_by_hand():
    # f0 = (1, 0); contexts c0 = (1, 0), c1 = (0, 2), c2 = (-3, 0).
    # cos(f0, c0) = 1, cos(f0, c1) = 0, cos(f0, c2) = -1.
    focus = np.array([[1.0, 0.0]])
    context = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    # Positives (0,0) and (0,1): mean 0.5. Negative (0,2): mean -1. Gap 1.5.
    gap = evaluation.cosine_gap(focus, context, np.array([0, 0]), np.array([0, 1]), np.array([0]), np.array([2]))
    assert gap == pytest.approx(1.5)


def test_zero_vectors_have_cosine_zero():
    focus = np.array([[1.0, 0.0]])
    context = np.zeros((2, 2))
    gap = evaluation.cosine_gap(focus, context, np.array([0]), np.array([0]), np.array([0]), np.array([1]))
    assert gap == 0.0


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("num_columns", [7, 10, 100, 1000])
def test_top_k_columns_equals_full_sort(seed, num_columns):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(30, num_columns)).astype(np.float32)
    scores[0, : num_columns // 2] = -np.inf
    k = 5
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    actual = evaluation.top_k_columns(scores, k)
    # Finite scores have no ties, so their order is unique; -inf ties may come in any order.
    np.testing.assert_array_equal(np.take_along_axis(scores, actual, axis=1),
                                  np.take_along_axis(scores, expected, axis=1))
    finite = np.isfinite(np.take_along_axis(scores, expected, axis=1))
    np.testing.assert_array_equal(actual[finite], expected[finite])
    assert len(set(actual[0])) == k


def test_top_k_excludes_training_entries():
    focus = np.array([[1.0, 0.0], [0.0, 1.0]])
    context = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    exclude = scipy.sparse.csr_matrix(np.array([[1, 0, 0], [0, 0, 0]]))
    top = evaluation.top_k_contexts(focus, context, np.array([0, 1]), 2, exclude)
    # Query 0 would rank context 0 first, but it is a training entry.
    np.testing.assert_array_equal(top[0], [1, 2])
    np.testing.assert_array_equal(top[1], [2, 1])


def blocks_matrix(num_blocks=2, block_size=5):
    n = num_blocks * block_size
    labels = np.arange(n) // block_size
    dense = (labels[:, None] == labels[None, :]).astype(float)
    return AssociationMatrix(scipy.sparse.csr_matrix(dense), np.arange(n), np.arange(n), labels, labels)


def test_blocks_evaluator_pairs_respect_blocks():
    matrix = blocks_matrix(num_blocks=3, block_size=4)
    evaluator = evaluation.blocks_evaluator(matrix, num_pairs=500, num_queries=6, k=3, rng=np.random.default_rng(0))
    labels = matrix.focus_blocks
    assert np.all(labels[evaluator.positive_focus] == labels[evaluator.positive_context])
    assert np.all(labels[evaluator.negative_focus] != labels[evaluator.negative_context])
    # Cross-block contexts cover both other blocks: 500 draws, each block with prob 1/2.
    assert len(np.unique(labels[evaluator.negative_context])) == 3


def test_blocks_precision_of_perfect_and_random_embeddings():
    matrix = blocks_matrix(num_blocks=2, block_size=20)
    evaluator = evaluation.blocks_evaluator(matrix, num_pairs=200, num_queries=40, k=10,
                                            rng=np.random.default_rng(1))
    # One axis per block: every same-block context has cosine 1, the others 0.
    perfect = np.eye(2)[matrix.focus_blocks]
    measures = evaluator.evaluate(perfect, perfect)
    assert measures["precision_at_10"] == 1.0
    assert measures["cosine_gap"] == pytest.approx(1.0)
    # Opposite embeddings rank the other block first.
    measures = evaluator.evaluate(perfect, perfect[:, ::-1])
    assert measures["precision_at_10"] == 0.0


def test_recommendation_evaluator_uses_test_positives():
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 40)) < 0.7).astype(float)
    matrix = AssociationMatrix(scipy.sparse.csr_matrix(dense), np.arange(30), np.arange(40))
    split = split_train_test(matrix, 0.2, np.random.default_rng(1))
    evaluator = evaluation.recommendation_evaluator(matrix, split, num_queries=100, k=5, min_entries=20,
                                                    rng=np.random.default_rng(2))
    # Every query has at least 20 entries in the full matrix.
    assert np.all(np.diff(matrix.kappa.indptr)[evaluator.queries] >= 20)
    # With f_i = the indicator of i's test positives and c_j = e_j, the test
    # positives score 1/|f_i| and everything else 0, so a query with t test
    # positives has min(t, 5) hits in its top 5.
    focus = evaluator.relevant.toarray().astype(float)
    context = np.eye(40)
    test_counts = np.diff(evaluator.relevant.indptr)[evaluator.queries]
    expected = np.mean(np.minimum(test_counts, 5) / 5)
    assert evaluator.evaluate(focus, context)["precision_at_5"] == pytest.approx(expected)
    # Training positives never appear in a ranking.
    top = evaluation.top_k_contexts(focus, context, evaluator.queries, 5, evaluator.exclude)
    for query, row in zip(evaluator.queries, top):
        assert not np.any(split.train.kappa[query].toarray()[0, row] > 0)


def test_recommendation_evaluator_rejects_too_few_entries():
    matrix = AssociationMatrix(scipy.sparse.csr_matrix(np.eye(6)), np.arange(6), np.arange(6))
    split = split_train_test(matrix, 0.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="min_user_entries"):
        evaluation.recommendation_evaluator(matrix, split, 10, 2, 20, np.random.default_rng(0))
