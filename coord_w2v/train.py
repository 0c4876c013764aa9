"""Train SGNS embeddings with an IND, COO, COO+LSH or MIX arrangement and write metrics.

With no flags it trains on a small embedded stochastic blocks matrix:

  python -m coord_w2v.train

MovieLens 100K with coordinated arrangements:

  python -m coord_w2v.train --dataset=movielens --data_path=ml-100k/u.data --arrangement=coo
"""

import sys

from absl import app, flags, logging

from coord_w2v import cli, training
from coord_w2v.config import TrainConfig

FLAGS = flags.FLAGS
_DEFAULTS = TrainConfig()

cli.define_data_flags()
cli.define_arrangement_flags()
# List the shared flags in --help, not only in --helpfull.
flags.adopt_module_key_flags(cli)
cli.define_num_positives_flag(_DEFAULTS.num_positives)
flags.DEFINE_integer("dim", _DEFAULTS.dim, "d: embedding dimension.", lower_bound=1)
flags.DEFINE_float("learning_rate", _DEFAULTS.learning_rate,
                   "eta: fixed SGD step size, applied in full to every example's update.", lower_bound=0.0)
flags.DEFINE_integer("eval_every", _DEFAULTS.eval_every,
                     "Positives between evaluations; rounded up to a multiple of 2 * --batch_size.", lower_bound=1)
flags.DEFINE_bool("bias", _DEFAULTS.bias, "Train a bias b_j per context entity.")
flags.DEFINE_integer("eval_pairs", _DEFAULTS.eval_pairs,
                     "Blocks data: same-block and cross-block pairs sampled for the cosine gap (each).", lower_bound=1)
flags.DEFINE_integer("eval_entities", _DEFAULTS.eval_entities,
                     "Focus entities sampled for precision@k (all eligible ones when fewer).", lower_bound=1)
flags.DEFINE_integer("precision_k", _DEFAULTS.precision_k, "k of precision@k.", lower_bound=1)
flags.DEFINE_integer("min_user_entries", _DEFAULTS.min_user_entries,
                     "Recommendation data: precision@k averages over focus entities with at least this many "
                     "nonzero entries.", lower_bound=0)
flags.DEFINE_string("output_dir", "", "Folder for config.json, metrics.jsonl, TensorBoard scalars and "
                    "embeddings.npz; default: a new folder under ./runs.")
flags.DEFINE_bool("overwrite", False, "Replace the outputs of an earlier run in --output_dir.")
flags.DEFINE_string("run_id", "", "Name of the run in metrics records; default: data set, arrangement, split, seed.")
flags.DEFINE_string("setting", "", "Label of the experiment setting recorded in every metrics record; runs with "
                    "one label are averaged together by the table and plot scripts.")
flags.DEFINE_bool("run_eagerly", False, "Run the training step eagerly, without tf.function (slow; for debugging).")
flags.DEFINE_bool("jit_compile", False, "Compile the training step with XLA.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    try:
        data = cli.data_config_from_flags()
        config = TrainConfig(
            dim=FLAGS.dim, learning_rate=FLAGS.learning_rate, eval_every=FLAGS.eval_every, bias=FLAGS.bias,
            eval_pairs=FLAGS.eval_pairs, eval_entities=FLAGS.eval_entities, precision_k=FLAGS.precision_k,
            min_user_entries=FLAGS.min_user_entries, run_eagerly=FLAGS.run_eagerly,
            jit_compile=FLAGS.jit_compile, run_id=FLAGS.run_id, setting=FLAGS.setting, **cli.arrangement_options_from_flags())
        cli.check_data_paths(data)
    except ValueError as error:
        sys.exit(f"coord_w2v.train: error: {error}")
    output_dir = FLAGS.output_dir or cli.default_output_dir(data, config.arrangement)
    try:
        result = training.train_and_evaluate(data, config, output_dir=output_dir, overwrite=FLAGS.overwrite)
    except (OSError, ValueError) as error:
        # Bad input files and an occupied output folder end the run with one clear line.
        sys.exit(f"coord_w2v.train: error: {error}")
    except KeyboardInterrupt:
        sys.exit(f"coord_w2v.train: interrupted; the evaluations so far are in {output_dir}/metrics.jsonl "
                 "(no embeddings.npz). Pass --overwrite to reuse that folder.")

    final = result.records[-1]
    first = result.records[0]
    k = config.precision_k
    print(f"run {final['run_id']}: {final['positives']} positives in {final['train_seconds']:.1f} s of training "
          f"({final['positives_per_second']:.0f} positives/s)")
    print(f"cosine gap {first['cosine_gap']:.4f} -> {final['cosine_gap']:.4f}; "
          f"precision@{k} {first[f'precision_at_{k}']:.4f} -> {final[f'precision_at_{k}']:.4f}")
    print(f"outputs in {result.output_dir}")
    logging.info("Done.")


if __name__ == "__main__":
    app.run(main)
