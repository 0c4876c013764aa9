"""Throughput benchmark: generators, trainer and gensim word2vec on stochastic blocks data.

  python -m coord_w2v.benchmark            # n=10^4, r=10^7 interactions
  python -m coord_w2v.benchmark --quick    # n=10^4, r=10^6, fewer positives

Generators are measured for IND, COO and the LSH refinements of COO (Jaccard
and angular, adaptive with at most b positives per part, and OPTLSH). All
rates are measured in this one process and printed as a Markdown table
with ratios against the IND trainer and against gensim (when installed:
pip install -e .[bench]). d=50, lambda=10, b=64 unless overridden.
"""

import dataclasses
import os
import platform

from absl import app, flags

from coord_w2v import throughput
from coord_w2v.config import DataConfig, TrainConfig
from coord_w2v.datasets import prepare_data
from coord_w2v.training import prepare_coarse

FLAGS = flags.FLAGS

flags.DEFINE_bool("quick", False, "Use r=10^6 interactions and a tenth of the positives.")
flags.DEFINE_integer("blocks_n", 10_000, "Rows and columns of the blocks matrix.", lower_bound=2)
flags.DEFINE_integer("blocks_num_blocks", 10, "Number of equal blocks.", lower_bound=2)
flags.DEFINE_integer("trainer_positives", 8_000_000, "Positives per trainer measurement.", lower_bound=128)
flags.DEFINE_integer("generator_positives", 16_000_000, "Positives per generator measurement.", lower_bound=128)
flags.DEFINE_integer("gensim_sentences", 2_000_000, "Two-token sentences for the gensim measurement "
                     "(two positives each).", lower_bound=1)
flags.DEFINE_integer("dim", 50, "Embedding dimension d.", lower_bound=1)
flags.DEFINE_integer("neg_ratio", 10, "lambda: negatives per positive.", lower_bound=1)
flags.DEFINE_integer("batch_size", 64, "b: positives per minibatch.", lower_bound=1)
flags.DEFINE_integer("gensim_workers", 2, "gensim worker threads.", lower_bound=1)
flags.DEFINE_bool("jit_compile", False, "Compile the training step with XLA.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    scale = 10 if FLAGS.quick else 1
    data = DataConfig(dataset="blocks", blocks_n=FLAGS.blocks_n, blocks_num_blocks=FLAGS.blocks_num_blocks,
                      blocks_interactions=10_000_000 // scale)
    base = TrainConfig(dim=FLAGS.dim, neg_ratio=FLAGS.neg_ratio, batch_size=FLAGS.batch_size,
                       num_positives=FLAGS.trainer_positives // scale, eval_every=FLAGS.trainer_positives // scale,
                       eval_entities=100, eval_pairs=1000, jit_compile=FLAGS.jit_compile)
    prepared = prepare_data(data, base)
    matrix = prepared.train

    measurements = []
    # Angular LSH maps come from a coarse d=5 embedding trained here first.
    coarse = prepare_coarse(data, dataclasses.replace(base, arrangement="coo_angular"), prepared)
    for arrangement in ("ind", "coo", "coo_jaccard", "coo_angular", "coo_optlsh"):
        generator_config = dataclasses.replace(base, arrangement=arrangement,
                                               num_positives=FLAGS.generator_positives // scale)
        measurements.append(throughput.measure_generator(matrix, generator_config, coarse))
    for arrangement in ("ind", "coo"):
        trainer_config = dataclasses.replace(base, arrangement=arrangement)
        measurements.append(throughput.measure_trainer(data, trainer_config, prepared))
    gensim = throughput.measure_gensim(matrix, FLAGS.gensim_sentences // scale, FLAGS.dim, FLAGS.neg_ratio,
                                       FLAGS.gensim_workers, seed=0)
    if gensim is not None:
        measurements.append(gensim)

    trainer_ind = next(m for m in measurements if m.component == "trainer" and m.arrangement == "ind")
    print(f"blocks n={FLAGS.blocks_n}, B={FLAGS.blocks_num_blocks}, r={data.blocks_interactions}, "
          f"nnz={matrix.nnz}; d={FLAGS.dim}, lambda={FLAGS.neg_ratio}, b={FLAGS.batch_size}; "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    header = "| component | arrangement | positives | seconds | positives/s | / IND trainer |"
    if gensim is not None:
        header += " / gensim |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for m in measurements:
        row = (f"| {m.component} | {m.arrangement} | {m.positives:,} | {m.seconds:.2f} | {m.rate:,.0f} | "
               f"{m.rate / trainer_ind.rate:.2f} |")
        if gensim is not None:
            row += f" {m.rate / gensim.rate:.2f} |"
        print(row)
    if gensim is None:
        print("gensim is not installed (pip install -e .[bench]); its row is missing.")


if __name__ == "__main__":
    app.run(main)
