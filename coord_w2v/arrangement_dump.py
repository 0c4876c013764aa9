"""Write the start of an arrangement to an .npz file for inspection."""

from __future__ import annotations

import os
import pathlib
from typing import Optional

import numpy as np
from absl import logging

from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.data.matrix import AssociationMatrix
from coord_w2v.config import TrainConfig
from coord_w2v.training import CoarseEmbedding, make_assembler, round_training_amounts


def dump_arrangement(matrix: AssociationMatrix, config: TrainConfig, output: str | os.PathLike,
                     coarse: Optional[CoarseEmbedding] = None) -> dict[str, np.ndarray]:
    """Draw the first `config.num_positives` positives of the arrangement and save them.

    Minibatches are numbered in training order: pair k of the stream is
    minibatch 2k (focus designation) followed by minibatch 2k+1 (context
    designation). The file holds, per positive in training order:
      focus, context: int64[n] entity indices into `matrix`;
      minibatch: int64[n] minibatch number;
      microbatch: int64[n] microbatch number within its designation's stream,
        so (designation, microbatch) names one microbatch;
      designation: int8[n], 0 for focus, 1 for context;
    per minibatch:
      negatives: int64[num_minibatches, lambda], the shared negative contexts
        of a focus minibatch or the negative foci of a context minibatch;
      bias_negatives: int64[num_minibatches, lambda], the random foci of the
        bias-only negatives of a focus minibatch (-1 for context minibatches);
    and the training matrix it arranged as kappa_focus, kappa_context (int64)
    and kappa_weight (float64), one entry per nonzero.

    Args:
      matrix: the training matrix.
      config: arrangement, batch size, negatives, seed and num_positives.
      coarse: vectors of the angular LSH maps, required by "coo_angular".
      output: the .npz file to write; written through a temporary file.

    Returns:
      The arrays written.
    """
    config = round_training_amounts(config)
    num_positives = config.num_positives
    assembler = make_assembler(matrix, config, coarse)
    parts = {name: [] for name in ("focus", "context", "microbatch", "neg_context", "neg_focus")}
    num_pairs = 0
    for chunk in assembler.chunks(num_positives):
        count = chunk.num_pairs
        parts["focus"].append(chunk.focus[:count])
        parts["context"].append(chunk.context[:count])
        parts["microbatch"].append(chunk.microbatch[:count])
        parts["neg_context"].append(chunk.neg_context[:count])
        parts["neg_focus"].append(chunk.neg_focus[:count])
        num_pairs += count
    focus, context, microbatch, neg_context, neg_focus = (
        np.concatenate(parts[name]).astype(np.int64) for name in
        ("focus", "context", "microbatch", "neg_context", "neg_focus"))  # [pairs, 2, b] or [pairs, 2, lambda]

    batch = config.batch_size
    num_minibatches = 2 * num_pairs
    slot = np.tile(np.array([Designation.FOCUS, Designation.CONTEXT], np.int8), num_pairs)  # [num_minibatches]
    negatives = np.where(slot[:, None] == Designation.FOCUS, neg_context.reshape(num_minibatches, -1),
                         neg_focus.reshape(num_minibatches, -1))
    bias_negatives = np.where(slot[:, None] == Designation.FOCUS, neg_focus.reshape(num_minibatches, -1), -1)
    rows, cols, values = matrix.coo_arrays()
    arrays = {
        "focus": focus.reshape(-1),
        "context": context.reshape(-1),
        "minibatch": np.repeat(np.arange(num_minibatches, dtype=np.int64), batch),
        "microbatch": microbatch.reshape(-1),
        "designation": np.repeat(slot, batch),
        "negatives": negatives,
        "bias_negatives": bias_negatives,
        "kappa_focus": rows,
        "kappa_context": cols,
        "kappa_weight": values,
    }
    output = pathlib.Path(output)
    if output.parent:
        output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".tmp.npz")
    np.savez_compressed(temporary, **arrays)
    os.replace(temporary, output)
    logging.info("Wrote %d positives in %d minibatches of arrangement %s to %s.", len(arrays["focus"]),
                 num_minibatches, config.arrangement, output)
    return arrays
