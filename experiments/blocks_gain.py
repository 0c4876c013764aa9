"""Train IND and COO on one stochastic blocks matrix over several seeds and print COO's training gain.

The full-size check (n=10^4, B=10, r=10^7, 16M positives per run, 3 seeds):

  python -m experiments.blocks_gain --output_dir=runs/blocks_gain

Each run writes its own folder of metrics under --output_dir; the quality
curves of each arrangement are averaged over seeds before the gain is taken.
"""

import dataclasses
import os
import time

import numpy as np
from absl import app, flags

from coord_w2v.config import DataConfig, TrainConfig
from coord_w2v.datasets import prepare_data
from coord_w2v.gain import training_gains
from coord_w2v.training import train_and_evaluate

FLAGS = flags.FLAGS

flags.DEFINE_string("output_dir", None, "Folder that receives one sub-folder per run.")
flags.DEFINE_integer("blocks_n", 10_000, "Rows and columns of the blocks matrix.", lower_bound=2)
flags.DEFINE_integer("blocks_num_blocks", 10, "Number B of equal blocks.", lower_bound=2)
flags.DEFINE_integer("blocks_interactions", 10_000_000, "Interactions r drawn into the matrix.", lower_bound=1)
flags.DEFINE_integer("num_positives", 16_000_000, "Positives per run.", lower_bound=128)
flags.DEFINE_integer("eval_every", 500_000, "Positives between evaluations.", lower_bound=128)
flags.DEFINE_integer("num_seeds", 3, "Seeds 0..num_seeds-1 per arrangement.", lower_bound=1)
flags.DEFINE_list("arrangements", ["ind", "coo"], "Arrangements to train; the first is the reference.")
flags.DEFINE_enum("measure", "cosine_gap", ["cosine_gap", "precision_at_10"], "Quality measure of the gain.")
flags.mark_flag_as_required("output_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    data = DataConfig(dataset="blocks", blocks_n=FLAGS.blocks_n, blocks_num_blocks=FLAGS.blocks_num_blocks,
                      blocks_interactions=FLAGS.blocks_interactions)
    base = TrainConfig(num_positives=FLAGS.num_positives, eval_every=FLAGS.eval_every)
    prepared = prepare_data(data, base)

    curves = {}
    for arrangement in FLAGS.arrangements:
        runs = []
        for seed in range(FLAGS.num_seeds):
            config = dataclasses.replace(base, arrangement=arrangement, seed=seed)
            started = time.perf_counter()
            result = train_and_evaluate(data, config, output_dir=os.path.join(FLAGS.output_dir, config.default_run_id(data)),
                                        prepared=prepared)
            wall = time.perf_counter() - started
            final = result.records[-1]
            print(f"{arrangement} seed {seed}: {final['positives']} positives, wall {wall:.1f} s, "
                  f"training {final['train_seconds']:.1f} s ({final['positives_per_second']:.0f} positives/s), "
                  f"peak {FLAGS.measure} {max(r[FLAGS.measure] for r in result.records):.4f}", flush=True)
            runs.append(result.records)
        positives = np.array([record["positives"] for record in runs[0]], dtype=np.float64)
        qualities = np.mean([[record[FLAGS.measure] for record in records] for records in runs], axis=0)
        curves[arrangement] = (positives, qualities)

    reference = FLAGS.arrangements[0]
    for arrangement in FLAGS.arrangements[1:]:
        print(f"\n{arrangement} over {reference}, {FLAGS.measure}, mean curve of {FLAGS.num_seeds} seeds, "
              f"peak {curves[arrangement][1].max():.4f}")
        print("| q | level | positives " + reference + " | positives " + arrangement + " | gain % |")
        print("|---|---|---|---|---|")
        for gain in training_gains(curves[reference], curves[arrangement]):
            def show(value):
                return "not reached" if value is None else f"{value:,.0f}"
            percent = "n/a" if gain.percent is None else f"{gain.percent:.1f}"
            print(f"| {gain.fraction} | {gain.level:.4f} | {show(gain.reference_amount)} | "
                  f"{show(gain.method_amount)} | {percent} |")


if __name__ == "__main__":
    app.run(main)
