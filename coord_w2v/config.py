"""Run configuration: one frozen dataclass that checks its own ranges."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

DATASETS = ("blocks", "movielens", "amazon", "pairs", "user_lists")
# Arrangements of a single phase; "mix" chains two of them.
BASE_ARRANGEMENTS = ("ind", "coo", "coo_jaccard", "coo_angular", "coo_optlsh")
ARRANGEMENTS = BASE_ARRANGEMENTS + ("mix",)
SELECTIONS = ("none", "ind", "coo")
JACCARD_METHODS = ("exponential", "icws")
_METHOD_NAMES = {"ind": "IND", "coo": "COO", "coo_jaccard": "COO+Jaccard", "coo_angular": "COO+angular",
                 "coo_optlsh": "COO+OPTLSH"}
REWEIGHTINGS = ("sum", "product", "none")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """What association matrix to train on and how to split it.

    Attributes:
      dataset: one of DATASETS. "blocks" generates a stochastic blocks matrix;
        the others read `data_path`.
      data_path: file (or comma-separated files, concatenated) to read; unused
        for "blocks".
      min_score: ratings below this are dropped (movielens, amazon, and pairs
        with `score_column`).
      reweight: MovieLens reweighting of each binary entry: "sum" divides by
        (r_i + c_j)**0.75, "product" by r_i**0.75 * c_j**0.75, "none" keeps 1.
      delimiter: field delimiter of a "pairs" file; "" means any whitespace.
      focus_column, context_column: 0-based columns of a "pairs" file.
      weight_column: 0-based column holding kappa's value, or -1 for weight 1.
      score_column: 0-based column compared with `min_score`, or -1 for none.
      skip_header: whether the first line of a "pairs" file is a header.
      blocks_n: rows (= columns) of the blocks matrix.
      blocks_num_blocks: number of equal blocks B; must divide `blocks_n`.
      blocks_interactions: number of interactions r drawn into the matrix.
      blocks_in_prob: probability p that an interaction stays in its row's block.
      test_fraction: fraction of nonzero entries held out as test positives
        (recommendation data only; blocks are evaluated on block membership).
      split: index of the random split (or of the blocks matrix draw); the
        split's random stream depends on this alone, so runs with different
        `seed` share it.
    """

    dataset: str = "blocks"
    data_path: str = ""
    min_score: float = 3.0
    reweight: str = "sum"
    delimiter: str = "\t"
    focus_column: int = 0
    context_column: int = 1
    weight_column: int = -1
    score_column: int = -1
    skip_header: bool = False
    blocks_n: int = 2000
    blocks_num_blocks: int = 10
    blocks_interactions: int = 400_000
    blocks_in_prob: float = 0.7
    test_fraction: float = 0.2
    split: int = 0

    def __post_init__(self):
        _check_choice("dataset", self.dataset, DATASETS)
        _check_choice("reweight", self.reweight, REWEIGHTINGS)
        if self.dataset != "blocks" and not self.data_path:
            raise ValueError(
                f"data_path is required for dataset={self.dataset!r}; pass the file to read "
                "(see the README for where to get each data set)."
            )
        _check_range("blocks_n", self.blocks_n, low=1)
        _check_range("blocks_num_blocks", self.blocks_num_blocks, low=1, high=self.blocks_n)
        if self.blocks_n % self.blocks_num_blocks:
            raise ValueError(
                f"blocks_num_blocks={self.blocks_num_blocks} must divide blocks_n={self.blocks_n} "
                "so that all blocks have equal size."
            )
        _check_range("blocks_interactions", self.blocks_interactions, low=1)
        _check_range("blocks_in_prob", self.blocks_in_prob, low=0.0, high=1.0)
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {self.test_fraction}.")
        _check_range("split", self.split, low=0)
        for name in ("focus_column", "context_column"):
            _check_range(name, getattr(self, name), low=0)
        for name in ("weight_column", "score_column"):
            _check_range(name, getattr(self, name), low=-1)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one SGNS training run.

    Attributes:
      arrangement: microbatch arrangement, one of ARRANGEMENTS.
      dim: embedding dimension d.
      neg_ratio: lambda, negatives per positive; each minibatch shares
        `neg_ratio` negatives among its positives.
      batch_size: b, positives per minibatch.
      learning_rate: fixed SGD step size eta; each example's update uses the
        full eta and the updates of a minibatch are summed.
      num_positives: positives processed in the whole run, over both
        designations.
      eval_every: positives between evaluations.
      seed: seed of the initialisation and of the arrangement's random draws.
      two_sided: train the two-sided IND baseline, where each minibatch updates
        focus and context vectors at once.
      bias: train the context bias b_j.
      eval_pairs: blocks data: number of same-block (and of cross-block) pairs
        sampled for the cosine gap.
      eval_entities: focus entities sampled for precision@k (all eligible ones
        when there are fewer).
      precision_k: k of precision@k.
      min_user_entries: recommendation data: precision@k averages over focus
        entities with at least this many nonzero entries.
      pairs_per_chunk: pairs of minibatches (one per designation) handed to
        TensorFlow per generator element.
      lsh_maps: number r of LSH maps that refine each COO microbatch
        (coo_jaccard, coo_angular); 0 adds maps until every part has at most
        `lsh_max_size` positives.
      lsh_max_size: size cap of adaptive LSH refinement, in positives.
      lsh_pool_size: LSH maps precomputed per designation; each microbatch
        draws its maps from this pool.
      jaccard_method: how Jaccard LSH maps pick a key. "exponential" is the
        argmin of u_j / kappa_ij with u_j ~ Exp(1); its collision probability
        is the probability Jaccard similarity, which equals the weighted
        Jaccard similarity on 0/1 rows only. "icws" (improved consistent
        weighted sampling) collides with exactly the weighted Jaccard
        similarity for any weights.
      coarse_embeddings: embeddings.npz whose focus and context vectors give
        the angular LSH maps; empty trains a coarse model first.
      coarse_dim: dimension of the coarse model trained for angular LSH.
      coarse_positives: positives of that coarse model's training (IND).
      mix_from: arrangement before the switch of "mix".
      mix_to: arrangement after the switch of "mix".
      mix_switch: positives after which "mix" changes arrangement.
      select: example selection before training: "none", or "ind"/"coo" to
        train on `select_per_entity` examples per row (focus updates) and per
        column (context updates), selected independently or coordinated.
      select_per_entity: T, examples selected per row and per column.
      run_eagerly: run the training step without tf.function, for debugging.
      jit_compile: compile the training step with XLA.
      run_id: name of the run in metrics records; derived when empty.
      setting: label of the experiment setting (e.g. "B=10") that groups runs
        whose curves are averaged together; recorded in every metrics record.
    """

    arrangement: str = "ind"
    dim: int = 50
    neg_ratio: int = 10
    batch_size: int = 64
    learning_rate: float = 0.02
    num_positives: int = 2_000_000
    eval_every: int = 200_000
    seed: int = 0
    two_sided: bool = False
    bias: bool = True
    eval_pairs: int = 10_000
    eval_entities: int = 1000
    precision_k: int = 10
    min_user_entries: int = 20
    pairs_per_chunk: int = 256
    lsh_maps: int = 0
    lsh_max_size: int = 64
    lsh_pool_size: int = 16
    jaccard_method: str = "exponential"
    coarse_embeddings: str = ""
    coarse_dim: int = 5
    coarse_positives: int = 1_000_000
    mix_from: str = "coo"
    mix_to: str = "ind"
    mix_switch: int = 0
    select: str = "none"
    select_per_entity: int = 10
    run_eagerly: bool = False
    jit_compile: bool = False
    run_id: str = ""
    setting: str = ""

    def __post_init__(self):
        _check_choice("arrangement", self.arrangement, ARRANGEMENTS)
        if self.two_sided and self.arrangement != "ind":
            raise ValueError(
                f"two_sided=True needs arrangement='ind', got {self.arrangement!r}: "
                "the two-sided baseline updates both sides on i.i.d. minibatches."
            )
        _check_range("dim", self.dim, low=1)
        _check_range("neg_ratio", self.neg_ratio, low=1)
        _check_range("batch_size", self.batch_size, low=1)
        if not self.learning_rate > 0.0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}.")
        _check_range("num_positives", self.num_positives, low=1)
        _check_range("eval_every", self.eval_every, low=1)
        _check_range("seed", self.seed, low=0)
        _check_range("eval_pairs", self.eval_pairs, low=1)
        _check_range("eval_entities", self.eval_entities, low=1)
        _check_range("precision_k", self.precision_k, low=1)
        _check_range("min_user_entries", self.min_user_entries, low=0)
        _check_range("pairs_per_chunk", self.pairs_per_chunk, low=1)
        _check_range("lsh_maps", self.lsh_maps, low=0, high=self.lsh_pool_size)
        _check_range("lsh_max_size", self.lsh_max_size, low=1)
        _check_range("lsh_pool_size", self.lsh_pool_size, low=1)
        _check_choice("jaccard_method", self.jaccard_method, JACCARD_METHODS)
        _check_range("coarse_dim", self.coarse_dim, low=1)
        _check_range("coarse_positives", self.coarse_positives, low=1)
        _check_choice("mix_from", self.mix_from, BASE_ARRANGEMENTS)
        _check_choice("mix_to", self.mix_to, BASE_ARRANGEMENTS)
        _check_range("mix_switch", self.mix_switch, low=0)
        if self.arrangement == "mix" and not 0 < self.mix_switch < self.num_positives:
            raise ValueError(
                f"arrangement='mix' needs 0 < mix_switch < num_positives={self.num_positives}, "
                f"got mix_switch={self.mix_switch}."
            )
        _check_choice("select", self.select, SELECTIONS)
        _check_range("select_per_entity", self.select_per_entity, low=1)
        if self.select != "none" and (self.arrangement != "ind" or self.two_sided):
            raise ValueError(
                f"select={self.select!r} trains the selected examples with one-sided IND arrangements; "
                f"got arrangement={self.arrangement!r}, two_sided={self.two_sided}."
            )

    @property
    def arrangements_used(self) -> tuple[str, ...]:
        """The single-phase arrangements this run draws from."""
        if self.arrangement == "mix":
            return (self.mix_from, self.mix_to)
        return (self.arrangement,)

    @property
    def method(self) -> str:
        """Name of the training method in tables and plot legends, e.g. "COO+Jaccard" or "MIX@250000"."""
        if self.arrangement == "mix":
            return f"MIX@{self.mix_switch}"
        name = _METHOD_NAMES[self.arrangement]
        if self.two_sided:
            name += " two-sided"
        if self.select != "none":
            name = f"{_METHOD_NAMES[self.select]} selection T={self.select_per_entity}"
        return name

    @property
    def positives_per_pair(self) -> int:
        """Positives in one pair of minibatches (one per designation)."""
        return 2 * self.batch_size

    @property
    def updates_per_positive(self) -> int:
        """Parameter updates per positive: lambda * d, doubled for two-sided training."""
        return self.neg_ratio * self.dim * (2 if self.two_sided else 1)

    def default_run_id(self, data: DataConfig) -> str:
        """Return `run_id`, or a name made of the data set, arrangement, split and seed."""
        if self.run_id:
            return self.run_id
        arrangement = self.arrangement + ("_two_sided" if self.two_sided else "")
        if self.arrangement == "mix":
            arrangement = f"mix_{self.mix_from}_{self.mix_switch}_{self.mix_to}"
        if self.select != "none":
            arrangement += f"_select_{self.select}{self.select_per_entity}"
        return f"{data.dataset}_{arrangement}_split{data.split}_seed{self.seed}"


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")


def _check_range(name: str, value: Any, low: Optional[float] = None, high: Optional[float] = None) -> None:
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}.")


def configs_to_json(data: DataConfig, train: TrainConfig) -> str:
    """Serialise both configs as one JSON object with "data" and "train" keys."""
    return json.dumps({"data": dataclasses.asdict(data), "train": dataclasses.asdict(train)}, indent=2, sort_keys=True)
