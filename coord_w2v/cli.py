"""absl flag definitions shared by the command-line entry points.

Only the entry points (`train`, `arrange`, `benchmark`) call these functions;
library code takes DataConfig and TrainConfig objects instead of flags.
"""

from __future__ import annotations

import datetime
import os

from absl import flags

from coord_w2v import config as config_lib

FLAGS = flags.FLAGS
_DATA_DEFAULTS = config_lib.DataConfig()
_TRAIN_DEFAULTS = config_lib.TrainConfig()


def define_data_flags() -> None:
    """Define the flags that choose, read and split the association matrix."""
    flags.DEFINE_enum("dataset", _DATA_DEFAULTS.dataset, config_lib.DATASETS,
                      "Data set: 'blocks' generates a stochastic blocks matrix; 'movielens' reads ratings.dat, u.data "
                      "or the tab-separated reassembled ML-1M file; 'amazon' reads SNAP finefoods.txt or Kaggle "
                      "Reviews.csv; 'pairs' reads a delimited focus, context[, weight] file; 'user_lists' reads "
                      "lines of 'user item item ...'.")
    flags.DEFINE_string("data_path", _DATA_DEFAULTS.data_path,
                        "File to read, plain or gzip; several files separated by commas are concatenated. "
                        "Unused for --dataset=blocks.")
    flags.DEFINE_float("min_score", _DATA_DEFAULTS.min_score,
                       "Ratings below this score are dropped (movielens, amazon, and pairs with --score_column). "
                       "The rest become kappa_ij = 1, except in a pairs file with --weight_column, whose weights "
                       "are kept and summed.")
    flags.DEFINE_enum("reweight", _DATA_DEFAULTS.reweight, config_lib.REWEIGHTINGS,
                      "MovieLens reweighting of each entry: 'sum' divides by (r_i + c_j)^0.75, 'product' by "
                      "r_i^0.75 * c_j^0.75, 'none' keeps 1 (r_i, c_j: row and column sums).")
    flags.DEFINE_string("delimiter", _DATA_DEFAULTS.delimiter,
                        "Field delimiter of a pairs file; the empty string means any run of whitespace.")
    flags.DEFINE_integer("focus_column", _DATA_DEFAULTS.focus_column, "0-based column of the focus id in a pairs "
                         "file.", lower_bound=0)
    flags.DEFINE_integer("context_column", _DATA_DEFAULTS.context_column, "0-based column of the context id in a "
                         "pairs file.", lower_bound=0)
    flags.DEFINE_integer("weight_column", _DATA_DEFAULTS.weight_column, "0-based column of kappa's value in a pairs "
                         "file; -1 gives every line weight 1.", lower_bound=-1)
    flags.DEFINE_integer("score_column", _DATA_DEFAULTS.score_column, "0-based column compared with --min_score in a "
                         "pairs file; -1 keeps every line.", lower_bound=-1)
    flags.DEFINE_bool("skip_header", _DATA_DEFAULTS.skip_header, "Skip the first line of a pairs file.")
    flags.DEFINE_integer("blocks_n", _DATA_DEFAULTS.blocks_n, "Blocks data: rows and columns of the n x n matrix.",
                         lower_bound=1)
    flags.DEFINE_integer("blocks_num_blocks", _DATA_DEFAULTS.blocks_num_blocks,
                         "Blocks data: number B of equal blocks; must divide --blocks_n.", lower_bound=1)
    flags.DEFINE_integer("blocks_interactions", _DATA_DEFAULTS.blocks_interactions,
                         "Blocks data: number r of interactions drawn into the matrix.", lower_bound=1)
    flags.DEFINE_float("blocks_in_prob", _DATA_DEFAULTS.blocks_in_prob,
                       "Blocks data: probability p that an interaction falls inside its row's block.",
                       lower_bound=0.0, upper_bound=1.0)
    flags.DEFINE_float("test_fraction", _DATA_DEFAULTS.test_fraction,
                       "Recommendation data: fraction of nonzero entries held out as test positives, strictly "
                       "between 0 and 1.")
    flags.DEFINE_integer("split", _DATA_DEFAULTS.split,
                         "Index of the random train/test split (of the blocks matrix draw for blocks data).",
                         lower_bound=0)


def define_arrangement_flags() -> None:
    """Define the flags that shape the stream of minibatches."""
    flags.DEFINE_enum("arrangement", _TRAIN_DEFAULTS.arrangement, config_lib.ARRANGEMENTS,
                      "Microbatch arrangement: 'ind' draws i.i.d. examples; 'coo' draws coordinated microbatches "
                      "(all entries of a column, resp. row, above a random fraction of its maximum); "
                      "'coo_jaccard' and 'coo_angular' split COO microbatches by Jaccard or angular LSH keys; "
                      "'coo_optlsh' splits them by true block (blocks data); 'mix' runs --mix_from until "
                      "--mix_switch positives, then --mix_to.")
    flags.DEFINE_integer("lsh_maps", _TRAIN_DEFAULTS.lsh_maps,
                         "LSH maps r that refine each COO microbatch; 0 adds maps until every part has at most "
                         "--lsh_max_size positives.", lower_bound=0)
    flags.DEFINE_integer("lsh_max_size", _TRAIN_DEFAULTS.lsh_max_size,
                         "Size cap, in positives, of adaptive LSH refinement.", lower_bound=1)
    flags.DEFINE_integer("lsh_pool_size", _TRAIN_DEFAULTS.lsh_pool_size,
                         "LSH maps precomputed per designation; microbatches draw their maps from this pool.",
                         lower_bound=1)
    flags.DEFINE_enum("jaccard_method", _TRAIN_DEFAULTS.jaccard_method, config_lib.JACCARD_METHODS,
                      "Key of Jaccard LSH maps: 'exponential' takes argmin_j u_j / kappa_ij with u_j ~ Exp(1) "
                      "(collides with the probability Jaccard similarity, equal to weighted Jaccard on 0/1 "
                      "data); 'icws' uses improved consistent weighted sampling (collides with exactly the "
                      "weighted Jaccard similarity).")
    flags.DEFINE_string("coarse_embeddings", _TRAIN_DEFAULTS.coarse_embeddings,
                        "embeddings.npz whose vectors give the angular LSH maps of 'coo_angular'; empty trains a "
                        "coarse model first (--coarse_dim, --coarse_positives).")
    flags.DEFINE_integer("coarse_dim", _TRAIN_DEFAULTS.coarse_dim,
                         "Dimension of the coarse model trained for angular LSH.", lower_bound=1)
    flags.DEFINE_integer("coarse_positives", _TRAIN_DEFAULTS.coarse_positives,
                         "Positives of the coarse model's IND training.", lower_bound=1)
    flags.DEFINE_enum("mix_from", _TRAIN_DEFAULTS.mix_from, config_lib.BASE_ARRANGEMENTS,
                      "Arrangement of 'mix' before the switch.")
    flags.DEFINE_enum("mix_to", _TRAIN_DEFAULTS.mix_to, config_lib.BASE_ARRANGEMENTS,
                      "Arrangement of 'mix' after the switch.")
    flags.DEFINE_integer("mix_switch", _TRAIN_DEFAULTS.mix_switch,
                         "Positives after which 'mix' switches from --mix_from to --mix_to; rounded up to a "
                         "multiple of 2 * --batch_size.", lower_bound=0)
    flags.DEFINE_enum("select", _TRAIN_DEFAULTS.select, config_lib.SELECTIONS,
                      "Example selection: 'ind' or 'coo' selects --select_per_entity examples per row (for focus "
                      "updates) and per column (for context updates), independently or coordinated, and trains "
                      "on only those with IND arrangements; 'none' trains on all.")
    flags.DEFINE_integer("select_per_entity", _TRAIN_DEFAULTS.select_per_entity,
                         "T: examples selected per row and per column with --select.", lower_bound=1)
    flags.DEFINE_integer("neg_ratio", _TRAIN_DEFAULTS.neg_ratio,
                         "lambda: negatives per positive, shared by all positives of a minibatch.", lower_bound=1)
    flags.DEFINE_integer("batch_size", _TRAIN_DEFAULTS.batch_size, "b: positives per minibatch.", lower_bound=1)
    flags.DEFINE_integer("seed", _TRAIN_DEFAULTS.seed, "Seed of the initialisation and of the arrangement's draws.",
                         lower_bound=0)
    flags.DEFINE_bool("two_sided", _TRAIN_DEFAULTS.two_sided,
                      "Two-sided IND baseline: every minibatch updates focus and context vectors at once "
                      "(twice the parameter updates per positive). Needs --arrangement=ind.")
    flags.DEFINE_integer("pairs_per_chunk", _TRAIN_DEFAULTS.pairs_per_chunk,
                         "Pairs of minibatches (one per designation) per generator element handed to TensorFlow.",
                         lower_bound=1)


def define_num_positives_flag(default: int) -> None:
    """Define --num_positives with an entry point's own default."""
    flags.DEFINE_integer("num_positives", default,
                         "Positives to process, over both designations; rounded up to a multiple of "
                         "2 * --batch_size.", lower_bound=1)


def arrangement_options_from_flags() -> dict:
    """Return the TrainConfig fields set by define_arrangement_flags, as keyword arguments."""
    names = ("arrangement", "neg_ratio", "batch_size", "num_positives", "seed", "two_sided", "pairs_per_chunk",
             "lsh_maps", "lsh_max_size", "lsh_pool_size", "jaccard_method", "coarse_embeddings", "coarse_dim", "coarse_positives",
             "mix_from", "mix_to", "mix_switch", "select", "select_per_entity")
    return {name: FLAGS[name].value for name in names}


def data_config_from_flags() -> config_lib.DataConfig:
    """Build the DataConfig from the parsed flags."""
    return config_lib.DataConfig(
        dataset=FLAGS.dataset, data_path=FLAGS.data_path, min_score=FLAGS.min_score, reweight=FLAGS.reweight,
        delimiter=FLAGS.delimiter, focus_column=FLAGS.focus_column, context_column=FLAGS.context_column,
        weight_column=FLAGS.weight_column, score_column=FLAGS.score_column, skip_header=FLAGS.skip_header,
        blocks_n=FLAGS.blocks_n, blocks_num_blocks=FLAGS.blocks_num_blocks,
        blocks_interactions=FLAGS.blocks_interactions, blocks_in_prob=FLAGS.blocks_in_prob,
        test_fraction=FLAGS.test_fraction, split=FLAGS.split)


def check_data_paths(data: config_lib.DataConfig) -> None:
    """Raise ValueError naming --data_path when a file it lists is missing or is a folder."""
    if data.dataset == "blocks":
        return
    paths = [path for path in data.data_path.split(",") if path]
    if not paths:
        raise ValueError(f"--data_path={data.data_path!r} names no file.")
    for path in paths:
        if os.path.isdir(path):
            raise ValueError(f"--data_path: {path!r} is a folder; pass the data file inside it.")
        if not os.path.exists(path):
            raise ValueError(f"--data_path: file {path!r} not found.")


def default_output_dir(data: config_lib.DataConfig, arrangement: str) -> str:
    """Return a fresh folder name under ./runs for a run started now."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join("runs", f"{stamp}_{data.dataset}_{arrangement}")
