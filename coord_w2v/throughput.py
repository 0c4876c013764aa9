"""Throughput measurements of the arrangement generators, the trainer and gensim's word2vec.

Every function returns positives per second measured in the calling process,
so that a benchmark can report ratios between runs that share one machine
state.
"""

from __future__ import annotations

import dataclasses
import logging as std_logging
import time
from typing import Optional

import numpy as np

from coord_w2v.config import DataConfig, TrainConfig
from coord_w2v.data.matrix import AssociationMatrix
from coord_w2v.datasets import PreparedData
from coord_w2v.training import CoarseEmbedding, make_assembler, round_up_to_multiple, train_and_evaluate


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One throughput measurement.

    Attributes:
      component: what was timed ("generator", "trainer", "gensim").
      arrangement: the arrangement, or "ind" for gensim's i.i.d. pairs.
      positives: positives processed.
      seconds: wall-clock seconds of the timed part.
    """

    component: str
    arrangement: str
    positives: int
    seconds: float

    @property
    def rate(self) -> float:
        """Positives per second."""
        return self.positives / self.seconds


def measure_generator(matrix: AssociationMatrix, config: TrainConfig,
                      coarse: Optional[CoarseEmbedding] = None) -> Measurement:
    """Time the assembly of `config.num_positives` positives into chunks, negatives included.

    Building the arrangement's index and LSH maps is not timed.
    """
    num_positives = round_up_to_multiple(config.num_positives, config.positives_per_pair, "num_positives")
    assembler = make_assembler(matrix, config, coarse)
    started = time.perf_counter()
    produced = 0
    for chunk in assembler.chunks(num_positives):
        produced += chunk.num_pairs * config.positives_per_pair
    return Measurement("generator", config.arrangement, produced, time.perf_counter() - started)


def measure_trainer(data: DataConfig, config: TrainConfig, prepared: PreparedData) -> Measurement:
    """Time a training run through tf.data and the compiled step, evaluation excluded.

    The run evaluates only before and after training, and the evaluations are
    not part of the timed seconds.
    """
    config = dataclasses.replace(config, eval_every=config.num_positives)
    result = train_and_evaluate(data, config, prepared=prepared)
    final = result.records[-1]
    return Measurement("trainer", config.arrangement, final["positives"], final["train_seconds"])


def measure_gensim(matrix: AssociationMatrix, num_sentences: int, dim: int, negatives: int, workers: int,
                   seed: int) -> Optional[Measurement]:
    """Time gensim's skip-gram word2vec on two-token sentences of i.i.d. positives.

    Each sentence is one positive (i, j) drawn with probability kappa_ij / K,
    written as the tokens "f<i>" and "c<j>". With sg=1 and window=1 gensim
    trains two (center, context) pairs per sentence, each with `negatives`
    negatives, so one sentence counts as two positives. Vocabulary building is
    not timed.

    Args:
      matrix: the association matrix to sample positives from.
      num_sentences: two-token sentences to train on, one epoch.
      dim: vector size.
      negatives: negatives per positive.
      workers: gensim worker threads.
      seed: seed of the sample and of gensim.

    Returns:
      The measurement, or None when gensim is not installed.
    """
    try:
        from gensim.models import Word2Vec  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    # gensim logs progress at INFO through the standard logging module.
    std_logging.getLogger("gensim").setLevel(std_logging.WARNING)
    rows, cols, values = matrix.coo_arrays()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(values), size=num_sentences, p=values / values.sum())
    focus_tokens = np.char.add("f", rows[picks].astype(str))
    context_tokens = np.char.add("c", cols[picks].astype(str))
    sentences = [[f, c] for f, c in zip(focus_tokens.tolist(), context_tokens.tolist())]
    model = Word2Vec(vector_size=dim, window=1, sg=1, hs=0, negative=negatives, min_count=1, sample=0,
                     workers=workers, seed=seed)
    model.build_vocab(sentences)
    started = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=1)
    return Measurement("gensim", "ind", 2 * num_sentences, time.perf_counter() - started)
