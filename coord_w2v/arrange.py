"""Write the start of an arrangement of the training matrix to an .npz file.

  python -m coord_w2v.arrange --arrangement=coo --num_positives=12800 --output=coo.npz

The file lists every positive in training order with its minibatch,
microbatch and designation, the shared negatives of every minibatch, and the
training matrix it arranged (see coord_w2v.arrangement_dump for the arrays).
"""

import os
import sys

from absl import app, flags

from coord_w2v import cli
from coord_w2v.arrangement_dump import dump_arrangement
from coord_w2v.config import TrainConfig
from coord_w2v.datasets import load_training_matrix, prepare_data
from coord_w2v.training import prepare_coarse

FLAGS = flags.FLAGS

cli.define_data_flags()
cli.define_arrangement_flags()
# List the shared flags in --help, not only in --helpfull.
flags.adopt_module_key_flags(cli)
cli.define_num_positives_flag(12_800)
flags.DEFINE_string("output", None, "The .npz file to write.")
flags.DEFINE_bool("overwrite", False, "Replace an existing --output file.")
flags.mark_flag_as_required("output")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    try:
        data = cli.data_config_from_flags()
        config = TrainConfig(**cli.arrangement_options_from_flags())
        cli.check_data_paths(data)
        if config.two_sided:
            raise ValueError("--two_sided trains on the IND arrangement with both kinds of negatives in every "
                             "minibatch; dump --arrangement=ind without --two_sided instead.")
        if os.path.exists(FLAGS.output) and not FLAGS.overwrite:
            raise ValueError(f"--output {FLAGS.output!r} exists; pass --overwrite to replace it.")
    except ValueError as error:
        sys.exit(f"coord_w2v.arrange: error: {error}")
    try:
        matrix = load_training_matrix(data)
        coarse = None
        if "coo_angular" in config.arrangements_used:
            coarse = prepare_coarse(data, config, prepare_data(data, config))
        arrays = dump_arrangement(matrix, config, FLAGS.output, coarse)
    except (OSError, ValueError) as error:
        sys.exit(f"coord_w2v.arrange: error: {error}")
    print(f"wrote {len(arrays['focus'])} positives in {len(arrays['negatives'])} minibatches to {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
