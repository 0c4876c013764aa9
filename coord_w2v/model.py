"""SGNS embedding variables and the one-sided and two-sided minibatch updates.

Notation: f_i are focus vectors, c_j context vectors, b_j the context bias, and
the score of a pair is z = f_i . c_j + b_j. The losses are
L+(f, c) = -log sigmoid(z) for a positive and L-(f, c) = -log sigmoid(-z) for a
negative, so that

  d L+ / d f = -sigmoid(-z) c      d L- / d f = sigmoid(z) c
  d L+ / d b = -sigmoid(-z)        d L- / d b = sigmoid(z)

and symmetrically for c. Every update below is plain SGD with the full
learning rate per example; the updates of one minibatch are computed from the
parameters as they were at its start, summed (`scatter_add` adds repeated
indices), and applied together at its end.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class MinibatchUpdates:
    """Summed parameter changes of one minibatch, as (indices, rows) pairs.

    Attributes:
      focus: (int32[n], float32[n, d]) rows added to the focus table, or None.
      context: (int32[n], float32[n, d]) rows added to the context table, or None.
      bias: (int32[n], float32[n]) values added to the bias vector, or None.
    """

    focus: tuple | None = None
    context: tuple | None = None
    bias: tuple | None = None


class SGNSModel(tf.Module):
    """Focus and context embedding tables plus a context bias.

    Initialisation follows word2vec: focus vectors uniform in [-0.5/d, 0.5/d],
    context vectors and biases zero. It is drawn with numpy from `seed`, so one
    seed gives the same start on every device.

    Attributes:
      focus: float32[num_focus, d] variable.
      context: float32[num_context, d] variable.
      bias: float32[num_context] variable; stays zero when `use_bias` is False.
    """

    def __init__(self, num_focus: int, num_context: int, dim: int, learning_rate: float,
                 use_bias: bool = True, seed: int = 0):
        super().__init__(name="sgns")
        rng = np.random.default_rng(seed)
        half_width = 0.5 / dim
        self.focus = tf.Variable(
            rng.uniform(-half_width, half_width, size=(num_focus, dim)).astype(np.float32), name="focus")
        self.context = tf.Variable(np.zeros((num_context, dim), np.float32), name="context")
        self.bias = tf.Variable(np.zeros((num_context,), np.float32), name="bias")
        self.learning_rate = float(learning_rate)
        self.use_bias = bool(use_bias)

    def focus_minibatch_updates(self, focus: tf.Tensor, context: tf.Tensor, neg_context: tf.Tensor,
                                bias_neg_focus: tf.Tensor) -> MinibatchUpdates:
        """Compute the updates of a focus-designated minibatch.

        Each positive (i, j) moves f_i by -eta * grad_f [L+(f_i, c_j) +
        sum_{j' in neg_context} L-(f_i, c_j')]. With the bias on, b_j also takes
        the positive's step and `lambda` bias-only negative steps against the
        shared random foci `bias_neg_focus`.

        Args:
          focus: int32[b] focus index of each positive.
          context: int32[b] context index of each positive.
          neg_context: int32[lambda] shared negative contexts.
          bias_neg_focus: int32[lambda] shared random foci for the bias negatives.

        Returns:
          The minibatch's focus (and bias) updates.
        """
        eta = self.learning_rate
        f = tf.gather(self.focus, focus)  # [b, d]
        c = tf.gather(self.context, context)  # [b, d]
        b = tf.gather(self.bias, context)  # [b]
        neg_c = tf.gather(self.context, neg_context)  # [lambda, d]
        neg_b = tf.gather(self.bias, neg_context)  # [lambda]

        positive_weight = tf.sigmoid(-(tf.reduce_sum(f * c, axis=1) + b))  # [b]
        negative_weight = tf.sigmoid(tf.matmul(f, neg_c, transpose_b=True) + neg_b)  # [b, lambda]
        delta_f = eta * (positive_weight[:, None] * c - tf.matmul(negative_weight, neg_c))  # [b, d]
        if not self.use_bias:
            return MinibatchUpdates(focus=(focus, delta_f))

        bias_neg_f = tf.gather(self.focus, bias_neg_focus)  # [lambda, d]
        bias_negative_weight = tf.sigmoid(tf.matmul(c, bias_neg_f, transpose_b=True) + b[:, None])  # [b, lambda]
        delta_b = eta * (positive_weight - tf.reduce_sum(bias_negative_weight, axis=1))  # [b]
        return MinibatchUpdates(focus=(focus, delta_f), bias=(context, delta_b))

    def context_minibatch_updates(self, focus: tf.Tensor, context: tf.Tensor,
                                  neg_focus: tf.Tensor) -> MinibatchUpdates:
        """Compute the updates of a context-designated minibatch.

        Each positive (i, j) moves c_j (and b_j) by -eta * grad [L+(f_i, c_j) +
        sum_{i' in neg_focus} L-(f_i', c_j)].

        Args:
          focus: int32[b] focus index of each positive.
          context: int32[b] context index of each positive.
          neg_focus: int32[lambda] shared negative foci.

        Returns:
          The minibatch's context (and bias) updates.
        """
        eta = self.learning_rate
        f = tf.gather(self.focus, focus)  # [b, d]
        c = tf.gather(self.context, context)  # [b, d]
        b = tf.gather(self.bias, context)  # [b]
        neg_f = tf.gather(self.focus, neg_focus)  # [lambda, d]

        positive_weight = tf.sigmoid(-(tf.reduce_sum(f * c, axis=1) + b))  # [b]
        negative_weight = tf.sigmoid(tf.matmul(c, neg_f, transpose_b=True) + b[:, None])  # [b, lambda]
        delta_c = eta * (positive_weight[:, None] * f - tf.matmul(negative_weight, neg_f))  # [b, d]
        if not self.use_bias:
            return MinibatchUpdates(context=(context, delta_c))
        delta_b = eta * (positive_weight - tf.reduce_sum(negative_weight, axis=1))  # [b]
        return MinibatchUpdates(context=(context, delta_c), bias=(context, delta_b))

    def two_sided_minibatch_updates(self, focus: tf.Tensor, context: tf.Tensor, neg_context: tf.Tensor,
                                    neg_focus: tf.Tensor) -> MinibatchUpdates:
        """Compute the updates of a two-sided minibatch: a focus and a context update on the same positives.

        Both halves read the parameters as they were at the start of the
        minibatch. The bias takes only the context half's step (positive plus
        negatives against `neg_focus`), so it is not updated twice.

        Args:
          focus: int32[b] focus index of each positive.
          context: int32[b] context index of each positive.
          neg_context: int32[lambda] shared negative contexts for the focus half.
          neg_focus: int32[lambda] shared negative foci for the context half.

        Returns:
          The minibatch's focus, context (and bias) updates.
        """
        focus_half = self.focus_minibatch_updates(focus, context, neg_context, neg_focus)
        context_half = self.context_minibatch_updates(focus, context, neg_focus)
        return MinibatchUpdates(focus=focus_half.focus, context=context_half.context, bias=context_half.bias)

    def apply(self, updates: MinibatchUpdates) -> None:
        """Add a minibatch's summed updates to the variables."""
        if updates.focus is not None:
            self.focus.scatter_add(tf.IndexedSlices(updates.focus[1], updates.focus[0]))
        if updates.context is not None:
            self.context.scatter_add(tf.IndexedSlices(updates.context[1], updates.context[0]))
        if updates.bias is not None:
            self.bias.scatter_add(tf.IndexedSlices(updates.bias[1], updates.bias[0]))


def make_train_step(model: SGNSModel, batch_size: int, num_negatives: int, two_sided: bool,
                    run_eagerly: bool = False, jit_compile: bool = False):
    """Build the function that trains on a range of minibatch pairs of one chunk.

    The returned function has a fixed input signature, so it traces once:
      focus, context: int32[S, 2, b]; neg_context, neg_focus: int32[S, 2, lambda];
      start, stop: int32 scalars, the range of pairs to run.
    Pair k runs slot 0 (a focus-designated minibatch) and then slot 1 (a
    context-designated one), each applied before the next starts. With
    `two_sided` both slots are two-sided minibatches.

    Args:
      model: the variables to train.
      batch_size: b, positives per minibatch.
      num_negatives: lambda, shared negatives per minibatch.
      two_sided: train the two-sided baseline.
      run_eagerly: return the plain Python function (for debugging).
      jit_compile: compile with XLA.

    Returns:
      A callable (focus, context, neg_context, neg_focus, start, stop) -> None.
    """

    def run_pairs(focus, context, neg_context, neg_focus, start, stop):
        for k in tf.range(start, stop):
            if two_sided:
                model.apply(model.two_sided_minibatch_updates(focus[k, 0], context[k, 0], neg_context[k, 0],
                                                              neg_focus[k, 0]))
                model.apply(model.two_sided_minibatch_updates(focus[k, 1], context[k, 1], neg_context[k, 1],
                                                              neg_focus[k, 1]))
            else:
                model.apply(model.focus_minibatch_updates(focus[k, 0], context[k, 0], neg_context[k, 0],
                                                          neg_focus[k, 0]))
                model.apply(model.context_minibatch_updates(focus[k, 1], context[k, 1], neg_focus[k, 1]))

    if run_eagerly:
        return run_pairs
    positives = tf.TensorSpec([None, 2, batch_size], tf.int32)
    negatives = tf.TensorSpec([None, 2, num_negatives], tf.int32)
    scalar = tf.TensorSpec([], tf.int32)
    return tf.function(run_pairs, input_signature=[positives, positives, negatives, negatives, scalar, scalar],
                       jit_compile=jit_compile)
