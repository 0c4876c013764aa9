"""The training loop: arrangement chunks through tf.data into the SGNS update steps, with periodic evaluation."""

from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Any, Iterator, Optional

import numpy as np
import tensorflow as tf
from absl import logging

from coord_w2v import metrics_io
from coord_w2v.arrangements.ind import IndMicrobatches
from coord_w2v.arrangements.minibatches import MinibatchAssembler
from coord_w2v.arrangements.registry import make_sources
from coord_w2v.arrangements.selection import select_examples
from coord_w2v.config import DataConfig, TrainConfig, configs_to_json
from coord_w2v.data.matrix import AssociationMatrix
from coord_w2v.datasets import PreparedData, prepare_data
from coord_w2v.model import SGNSModel, make_train_step

# Seeds of the initialisation, the arrangement draws, the LSH map pools and the
# example selection: np.random.SeedSequence([seed, STREAM]).
_INIT_STREAM = 0
_ARRANGEMENT_STREAM = 1
_LSH_STREAM = 2
_SELECTION_STREAM = 3


@dataclasses.dataclass(frozen=True)
class CoarseEmbedding:
    """The coarse embedding whose vectors give angular LSH maps.

    Attributes:
      focus: float32[num_focus, d'] focus vectors.
      context: float32[num_context, d'] context vectors.
      positives: positives spent training it here; 0 when it was loaded.
    """

    focus: np.ndarray
    context: np.ndarray
    positives: int


@dataclasses.dataclass
class TrainResult:
    """Outputs of a training run.

    Attributes:
      model: the trained variables.
      records: the metrics records, one per evaluation, in order.
      output_dir: where the outputs were written, or None.
    """

    model: SGNSModel
    records: list[dict[str, Any]]
    output_dir: Optional[pathlib.Path]


def round_up_to_multiple(value: int, multiple: int, name: str) -> int:
    """Round `value` up to a multiple of `multiple`, logging when it changes."""
    rounded = -(-value // multiple) * multiple
    if rounded != value:
        logging.info("%s=%d is not a multiple of 2 * batch_size = %d; using %d.", name, value, multiple, rounded)
    return rounded


def round_training_amounts(config: TrainConfig) -> TrainConfig:
    """Round num_positives, eval_every and mix_switch up to whole pairs of minibatches."""
    pair_positives = config.positives_per_pair
    config = dataclasses.replace(
        config,
        num_positives=round_up_to_multiple(config.num_positives, pair_positives, "num_positives"),
        eval_every=round_up_to_multiple(config.eval_every, pair_positives, "eval_every"))
    if config.arrangement == "mix":
        config = dataclasses.replace(
            config, mix_switch=round_up_to_multiple(config.mix_switch, pair_positives, "mix_switch"))
    return config


def load_coarse_embeddings(path: str, matrix: AssociationMatrix) -> CoarseEmbedding:
    """Read the focus and context vectors of an embeddings.npz for angular LSH maps.

    Raises:
      ValueError: the file lacks the arrays or their shapes do not match `matrix`.
    """
    with np.load(path) as arrays:
        missing = [name for name in ("focus", "context") if name not in arrays.files]
        if missing:
            raise ValueError(f"coarse embeddings {path} lack the arrays {missing}; pass an embeddings.npz "
                             "written by coord_w2v.train.")
        focus, context = arrays["focus"], arrays["context"]
    if focus.ndim != 2 or focus.shape[0] != matrix.num_focus or context.ndim != 2 \
            or context.shape[0] != matrix.num_context:
        raise ValueError(f"coarse embeddings {path} have focus {focus.shape} and context {context.shape}, but the "
                         f"training matrix has {matrix.num_focus} focus and {matrix.num_context} context entities; "
                         "train them on the same data set and split.")
    return CoarseEmbedding(focus.astype(np.float32), context.astype(np.float32), 0)


def prepare_coarse(data: DataConfig, config: TrainConfig, prepared: PreparedData) -> Optional[CoarseEmbedding]:
    """Load or train the coarse embedding when the arrangement uses angular LSH; None otherwise."""
    if "coo_angular" not in config.arrangements_used:
        return None
    if config.coarse_embeddings:
        return load_coarse_embeddings(config.coarse_embeddings, prepared.train)
    coarse_config = dataclasses.replace(
        config, arrangement="ind", two_sided=False, select="none", dim=config.coarse_dim,
        num_positives=config.coarse_positives, eval_every=config.coarse_positives,
        run_id=config.default_run_id(data) + "_coarse")
    logging.info("Training a coarse d=%d embedding on %d positives for angular LSH maps.", config.coarse_dim,
                 config.coarse_positives)
    result = train_and_evaluate(data, coarse_config, prepared=prepared)
    return CoarseEmbedding(result.model.focus.numpy(), result.model.context.numpy(),
                           result.records[-1]["positives"])


def make_assembler(matrix: AssociationMatrix, config: TrainConfig,
                   coarse: Optional[CoarseEmbedding] = None) -> MinibatchAssembler:
    """Build the minibatch assembler of the configured arrangement on `matrix`.

    Args:
      matrix: the training matrix; negatives follow its row and column sums.
      config: arrangement, selection, LSH and MIX settings, batch size, seed.
      coarse: vectors of the angular LSH maps, required by "coo_angular".

    Returns:
      The assembler.
    """
    lsh_rng = np.random.default_rng([config.seed, _LSH_STREAM])

    def sources_of(arrangement: str):
        return make_sources(matrix, arrangement, rng=lsh_rng, lsh_maps=config.lsh_maps,
                            lsh_max_size=config.lsh_max_size, lsh_pool_size=config.lsh_pool_size,
                            jaccard_method=config.jaccard_method,
                            coarse_focus=None if coarse is None else coarse.focus,
                            coarse_context=None if coarse is None else coarse.context)

    later_sources = None
    switch_positives = None
    if config.select != "none":
        focus_selection, context_selection = select_examples(
            matrix, config.select_per_entity, config.select, np.random.default_rng([config.seed, _SELECTION_STREAM]))
        sources = (IndMicrobatches(focus_selection), IndMicrobatches(context_selection))
    elif config.arrangement == "mix":
        sources = sources_of(config.mix_from)
        later_sources = sources_of(config.mix_to)
        switch_positives = config.mix_switch
    else:
        sources = sources_of(config.arrangement)
    seed = int(np.random.SeedSequence([config.seed, _ARRANGEMENT_STREAM]).generate_state(1)[0])
    return MinibatchAssembler(matrix, sources, batch_size=config.batch_size, num_negatives=config.neg_ratio,
                              pairs_per_chunk=config.pairs_per_chunk, seed=seed, later_sources=later_sources,
                              switch_positives=switch_positives)


def make_dataset(assembler: MinibatchAssembler, num_positives: int, config: TrainConfig) -> tf.data.Dataset:
    """Wrap the assembler's chunks in a tf.data pipeline.

    Each element is (focus int32[S, 2, b], context int32[S, 2, b],
    neg_context int32[S, 2, lambda], neg_focus int32[S, 2, lambda],
    num_pairs int32[]); slot 0 of a pair is its focus-designated minibatch and
    slot 1 its context-designated one. The generator is a callable that starts
    a fresh, identical stream each time the dataset is iterated.
    """

    def generate() -> Iterator[tuple]:
        for chunk in assembler.chunks(num_positives):
            yield chunk.focus, chunk.context, chunk.neg_context, chunk.neg_focus, np.int32(chunk.num_pairs)

    positives = tf.TensorSpec([None, 2, config.batch_size], tf.int32)
    negatives = tf.TensorSpec([None, 2, config.neg_ratio], tf.int32)
    signature = (positives, positives, negatives, negatives, tf.TensorSpec([], tf.int32))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


def train_and_evaluate(data: DataConfig, config: TrainConfig, output_dir: Optional[str] = None,
                       overwrite: bool = False, prepared: Optional[PreparedData] = None) -> TrainResult:
    """Train SGNS embeddings on the configured data and arrangement, evaluating as it goes.

    Quality is measured before training, every `eval_every` positives and at
    the end. With `output_dir` set, it writes config.json, metrics.jsonl (one
    record per evaluation), TensorBoard scalars and embeddings.npz there.

    Args:
      data: what to train on.
      config: how to train.
      output_dir: folder for the outputs; None writes nothing.
      overwrite: replace an earlier run's outputs in `output_dir`.
      prepared: the loaded data, to share one load between runs; loaded from
        `data` when None.

    Returns:
      The trained model and its metrics records.
    """
    config = round_training_amounts(config)
    pair_positives = config.positives_per_pair
    num_positives = config.num_positives
    eval_every = config.eval_every
    run_id = config.default_run_id(data)

    path = None
    if output_dir is not None:
        path = metrics_io.prepare_output_dir(output_dir, overwrite)
        (path / metrics_io.CONFIG_FILE).write_text(configs_to_json(data, config) + "\n")

    started = time.perf_counter()
    if prepared is None:
        prepared = prepare_data(data, config)
    matrix = prepared.train
    logging.info("Training on %s: %d focus x %d context entities, %d nonzeros, K=%.6g.", matrix.name,
                 matrix.num_focus, matrix.num_context, matrix.nnz, matrix.total)

    init_seed = int(np.random.SeedSequence([config.seed, _INIT_STREAM]).generate_state(1)[0])
    model = SGNSModel(matrix.num_focus, matrix.num_context, config.dim, config.learning_rate,
                      use_bias=config.bias, seed=init_seed)
    step = make_train_step(model, config.batch_size, config.neg_ratio, config.two_sided,
                           run_eagerly=config.run_eagerly, jit_compile=config.jit_compile)
    coarse = prepare_coarse(data, config, prepared)
    assembler = make_assembler(matrix, config, coarse)
    dataset = make_dataset(assembler, num_positives, config)

    summary_writer = None
    if path is not None:
        summary_writer = tf.summary.create_file_writer(str(path / metrics_io.TENSORBOARD_DIR))

    base_record = {
        "run_id": run_id,
        "setting": config.setting,
        "method": config.method,
        "dataset": data.dataset,
        "arrangement": config.arrangement,
        "two_sided": config.two_sided,
        "seed": config.seed,
        "split": data.split,
        "data_name": matrix.name,
        "dim": config.dim,
        "neg_ratio": config.neg_ratio,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "mix_from": config.mix_from if config.arrangement == "mix" else None,
        "mix_to": config.mix_to if config.arrangement == "mix" else None,
        "mix_switch": config.mix_switch if config.arrangement == "mix" else None,
        "select": config.select,
        "select_per_entity": config.select_per_entity if config.select != "none" else None,
        "coarse_positives": coarse.positives if coarse is not None else None,
    }
    records: list[dict[str, Any]] = []
    positives = 0
    train_seconds = 0.0

    def evaluate() -> None:
        measures = prepared.evaluator.evaluate(model.focus.numpy(), model.context.numpy())
        record = dict(base_record)
        record.update(
            positives=positives,
            parameter_updates=positives * config.updates_per_positive,
            elapsed_seconds=time.perf_counter() - started,
            train_seconds=train_seconds,
            positives_per_second=positives / train_seconds if train_seconds > 0 else None,
            final=positives >= num_positives,
            **measures,
        )
        records.append(record)
        logging.info("%s positives=%d parameter_updates=%.4g cosine_gap=%.4f precision_at_%d=%.4f "
                     "positives/s=%.0f", run_id, positives, record["parameter_updates"], measures["cosine_gap"],
                     prepared.evaluator.k, measures[f"precision_at_{prepared.evaluator.k}"],
                     record["positives_per_second"] or 0.0)
        if path is not None:
            metrics_io.append_record(path / metrics_io.METRICS_FILE, record)
        if summary_writer is not None:
            with summary_writer.as_default(step=positives):
                for name, value in measures.items():
                    tf.summary.scalar(f"test/{name}", value)
                tf.summary.scalar("train/positives_per_second", record["positives_per_second"] or 0.0)
            summary_writer.flush()

    evaluate()
    next_eval = eval_every
    tick = time.perf_counter()
    for focus, context, neg_context, neg_focus, num_pairs in dataset:
        cursor = 0
        num_pairs = int(num_pairs)
        while cursor < num_pairs:
            stop = min(num_pairs, cursor + (next_eval - positives) // pair_positives)
            step(focus, context, neg_context, neg_focus, tf.constant(cursor, tf.int32), tf.constant(stop, tf.int32))
            positives += (stop - cursor) * pair_positives
            cursor = stop
            if positives >= next_eval or positives >= num_positives:
                # Reading the variables waits for the step, so the timing is exact.
                model.focus.numpy()
                train_seconds += time.perf_counter() - tick
                evaluate()
                next_eval += eval_every
                tick = time.perf_counter()

    if positives != num_positives:
        raise RuntimeError(f"the arrangement stream ended after {positives} of {num_positives} positives.")
    if summary_writer is not None:
        summary_writer.close()
    if path is not None:
        metrics_io.write_embeddings(path / metrics_io.EMBEDDINGS_FILE, model.focus.numpy(), model.context.numpy(),
                                    model.bias.numpy(), matrix.focus_ids, matrix.context_ids)
    return TrainResult(model, records, path)
