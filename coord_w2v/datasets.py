"""Load the configured data set and build its training matrix and evaluator."""

from __future__ import annotations

import dataclasses

import numpy as np
from absl import logging

from coord_w2v import evaluation
from coord_w2v.config import DataConfig, TrainConfig
from coord_w2v.data import blocks, loaders, split
from coord_w2v.data.matrix import AssociationMatrix

# Independent random streams per split index: np.random.default_rng([split, STREAM]).
_BLOCKS_STREAM = 0
_SPLIT_STREAM = 1
_EVALUATION_STREAM = 2


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """A data set ready for training.

    Attributes:
      full: the whole association matrix.
      train: the training matrix (equal to `full` for blocks data).
      evaluator: test pairs and queries of the quality measures.
    """

    full: AssociationMatrix
    train: AssociationMatrix
    evaluator: evaluation.Evaluator


def load_matrix(config: DataConfig) -> AssociationMatrix:
    """Generate or read the association matrix that `config` names."""
    if config.dataset == "blocks":
        rng = np.random.default_rng([config.split, _BLOCKS_STREAM])
        return blocks.make_blocks(config.blocks_n, config.blocks_num_blocks, config.blocks_interactions,
                                  config.blocks_in_prob, rng)
    paths = [path for path in config.data_path.split(",") if path]
    if config.dataset == "movielens":
        return loaders.load_movielens(paths, min_score=config.min_score, reweight=config.reweight)
    if config.dataset == "amazon":
        return loaders.load_amazon(paths, min_score=config.min_score)
    if config.dataset == "user_lists":
        return loaders.load_user_lists(paths)
    score_column = None if config.score_column < 0 else config.score_column
    return loaders.load_pairs(
        paths,
        delimiter=config.delimiter or None,
        focus_column=config.focus_column,
        context_column=config.context_column,
        weight_column=None if config.weight_column < 0 else config.weight_column,
        score_column=score_column,
        min_score=None if score_column is None else config.min_score,
        skip_header=config.skip_header,
    )


def _split(full: AssociationMatrix, data: DataConfig) -> split.TrainTestSplit:
    return split.split_train_test(full, data.test_fraction, np.random.default_rng([data.split, _SPLIT_STREAM]))


def load_training_matrix(data: DataConfig) -> AssociationMatrix:
    """Return the matrix a run trains on: the whole blocks matrix, or the training part of the split."""
    full = load_matrix(data)
    if data.dataset == "blocks":
        return full
    return _split(full, data).train


def prepare_data(data: DataConfig, train: TrainConfig) -> PreparedData:
    """Load the data, split it and build the evaluator.

    Blocks data trains on the whole matrix and is evaluated on block membership.
    Other data sets hold out `test_fraction` of their nonzero entries.
    """
    full = load_matrix(data)
    evaluation_rng = np.random.default_rng([data.split, _EVALUATION_STREAM])
    if data.dataset == "blocks":
        evaluator = evaluation.blocks_evaluator(full, train.eval_pairs, train.eval_entities, train.precision_k,
                                                evaluation_rng)
        return PreparedData(full, full, evaluator)

    train_test = _split(full, data)
    logging.info("Split %d: %d training entries, %d test positives, %d test negatives.", data.split,
                 train_test.train.nnz, len(train_test.test_positive_focus), len(train_test.test_negative_focus))
    evaluator = evaluation.recommendation_evaluator(full, train_test, train.eval_entities, train.precision_k,
                                                    train.min_user_entries, evaluation_rng)
    return PreparedData(full, train_test.train, evaluator)
