"""The SGNS update steps against tf.GradientTape on the SGNS loss."""

import numpy as np
import pytest
import tensorflow as tf

from coord_w2v.model import SGNSModel, make_train_step

NUM_FOCUS = 5
NUM_CONTEXT = 4
DIM = 3
BATCH = 4
NEGATIVES = 2
ETA = 0.05


def positive_loss(f, c, b):
    """-log sigmoid(f . c + b), summed over rows."""
    return -tf.reduce_sum(tf.math.log_sigmoid(tf.reduce_sum(f * c, axis=-1) + b))


def negative_loss(f, c, b):
    """-log sigmoid(-(f . c + b)), summed over rows."""
    return -tf.reduce_sum(tf.math.log_sigmoid(-(tf.reduce_sum(f * c, axis=-1) + b)))


def make_model(use_bias, seed=3):
    model = SGNSModel(NUM_FOCUS, NUM_CONTEXT, DIM, ETA, use_bias=use_bias, seed=seed)
    rng = np.random.default_rng(seed)
    # Non-trivial starting values, so that every gradient term is nonzero.
    model.focus.assign(rng.normal(size=(NUM_FOCUS, DIM)).astype(np.float32))
    model.context.assign(rng.normal(size=(NUM_CONTEXT, DIM)).astype(np.float32))
    if use_bias:
        model.bias.assign(rng.normal(size=NUM_CONTEXT).astype(np.float32))
    return model


def expected_focus_step(focus, context, bias, pos_f, pos_c, neg_c, bias_neg_f, use_bias):
    """Tape gradients of a focus-designated minibatch; return the new (focus, context, bias)."""
    f_var, c_var, b_var = (tf.Variable(x) for x in (focus, context, bias))
    with tf.GradientTape(persistent=True) as tape:
        f = tf.gather(f_var, pos_f)
        c = tf.gather(c_var, pos_c)
        b = tf.gather(b_var, pos_c)
        # Each positive (i, j) against every shared negative context j'.
        f_rep = tf.repeat(f, NEGATIVES, axis=0)
        neg = tf.tile(neg_c, [BATCH])
        focus_loss = positive_loss(f, c, b) + negative_loss(f_rep, tf.gather(c_var, neg), tf.gather(b_var, neg))
        # Bias-only negatives: each positive's context j against every shared random focus i'.
        c_rep = tf.repeat(c, NEGATIVES, axis=0)
        b_rep = tf.repeat(b, NEGATIVES, axis=0)
        bias_f = tf.gather(f_var, tf.tile(bias_neg_f, [BATCH]))
        bias_loss = positive_loss(f, c, b) + negative_loss(bias_f, c_rep, b_rep)
    new_focus = focus - ETA * tf.convert_to_tensor(tape.gradient(focus_loss, f_var)).numpy()
    new_bias = bias
    if use_bias:
        new_bias = bias - ETA * tf.convert_to_tensor(tape.gradient(bias_loss, b_var)).numpy()
    return new_focus, context, new_bias


def expected_context_step(focus, context, bias, pos_f, pos_c, neg_f, use_bias):
    """Tape gradients of a context-designated minibatch; return the new (focus, context, bias)."""
    f_var, c_var, b_var = (tf.Variable(x) for x in (focus, context, bias))
    with tf.GradientTape() as tape:
        f = tf.gather(f_var, pos_f)
        c = tf.gather(c_var, pos_c)
        b = tf.gather(b_var, pos_c)
        c_rep = tf.repeat(c, NEGATIVES, axis=0)
        b_rep = tf.repeat(b, NEGATIVES, axis=0)
        loss = positive_loss(f, c, b) + negative_loss(tf.gather(f_var, tf.tile(neg_f, [BATCH])), c_rep, b_rep)
    grad_c, grad_b = tape.gradient(loss, [c_var, b_var])
    new_context = context - ETA * tf.convert_to_tensor(grad_c).numpy()
    new_bias = bias - ETA * tf.convert_to_tensor(grad_b).numpy() if use_bias else bias
    return focus, new_context, new_bias


def one_pair():
    # Repeated indices (focus 1, context 2) check that per-example updates are summed.
    focus = np.array([[[1, 1, 0, 4], [2, 1, 3, 1]]], np.int32)  # [S=1, 2, b]
    context = np.array([[[2, 2, 0, 3], [2, 0, 2, 1]]], np.int32)
    neg_context = np.array([[[3, 1], [0, 2]]], np.int32)  # [S=1, 2, lambda]
    neg_focus = np.array([[[0, 4], [3, 1]]], np.int32)
    return focus, context, neg_context, neg_focus


def variables(model):
    return model.focus.numpy(), model.context.numpy(), model.bias.numpy()


@pytest.mark.parametrize("use_bias", [True, False])
def test_one_sided_pair_matches_tape(use_bias):
    model = make_model(use_bias)
    state = variables(model)
    focus, context, neg_context, neg_focus = one_pair()
    # Slot 0 is a focus minibatch; slot 1 a context minibatch that sees slot 0's result.
    state = expected_focus_step(*state, focus[0, 0], context[0, 0], neg_context[0, 0], neg_focus[0, 0], use_bias)
    state = expected_context_step(*state, focus[0, 1], context[0, 1], neg_focus[0, 1], use_bias)

    step = make_train_step(model, BATCH, NEGATIVES, two_sided=False)
    step(focus, context, neg_context, neg_focus, tf.constant(0), tf.constant(1))

    for actual, expected in zip(variables(model), state):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def expected_two_sided_step(focus, context, bias, pos_f, pos_c, neg_c, neg_f, use_bias):
    """A focus half and a context half, both from the same starting parameters; the bias moves once."""
    new_focus, _, _ = expected_focus_step(focus, context, bias, pos_f, pos_c, neg_c, neg_f, use_bias=False)
    _, new_context, new_bias = expected_context_step(focus, context, bias, pos_f, pos_c, neg_f, use_bias)
    return new_focus, new_context, new_bias


@pytest.mark.parametrize("use_bias", [True, False])
def test_two_sided_pair_matches_tape(use_bias):
    model = make_model(use_bias)
    state = variables(model)
    focus, context, neg_context, neg_focus = one_pair()
    for slot in (0, 1):
        state = expected_two_sided_step(*state, focus[0, slot], context[0, slot], neg_context[0, slot],
                                        neg_focus[0, slot], use_bias)

    step = make_train_step(model, BATCH, NEGATIVES, two_sided=True)
    step(focus, context, neg_context, neg_focus, tf.constant(0), tf.constant(1))

    for actual, expected in zip(variables(model), state):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_empty_range_changes_nothing():
    model = make_model(use_bias=True)
    before = variables(model)
    step = make_train_step(model, BATCH, NEGATIVES, two_sided=False)
    step(*one_pair(), tf.constant(1), tf.constant(1))
    for actual, expected in zip(variables(model), before):
        np.testing.assert_array_equal(actual, expected)


def test_focus_step_leaves_context_vectors():
    model = make_model(use_bias=True)
    context_before = model.context.numpy()
    focus, context, neg_context, neg_focus = one_pair()
    model.apply(model.focus_minibatch_updates(focus[0, 0], context[0, 0], neg_context[0, 0], neg_focus[0, 0]))
    np.testing.assert_array_equal(model.context.numpy(), context_before)


def test_context_step_leaves_focus_vectors():
    model = make_model(use_bias=True)
    focus_before = model.focus.numpy()
    focus, context, neg_context, neg_focus = one_pair()
    model.apply(model.context_minibatch_updates(focus[0, 1], context[0, 1], neg_focus[0, 1]))
    np.testing.assert_array_equal(model.focus.numpy(), focus_before)


def test_bias_off_keeps_bias_zero():
    model = SGNSModel(NUM_FOCUS, NUM_CONTEXT, DIM, ETA, use_bias=False, seed=0)
    model.context.assign(np.ones((NUM_CONTEXT, DIM), np.float32))
    step = make_train_step(model, BATCH, NEGATIVES, two_sided=False)
    step(*one_pair(), tf.constant(0), tf.constant(1))
    np.testing.assert_array_equal(model.bias.numpy(), np.zeros(NUM_CONTEXT, np.float32))


def test_train_step_traces_once():
    model = make_model(use_bias=True)
    step = make_train_step(model, BATCH, NEGATIVES, two_sided=False)
    focus, context, neg_context, neg_focus = one_pair()
    step(focus, context, neg_context, neg_focus, tf.constant(0), tf.constant(1))
    # A chunk with three pairs and a partial range reuse the same trace.
    triple = [np.concatenate([x] * 3) for x in (focus, context, neg_context, neg_focus)]
    step(*triple, tf.constant(1), tf.constant(3))
    assert step.experimental_get_tracing_count() == 1


def test_initialisation_follows_word2vec():
    model = SGNSModel(50, 40, 8, ETA, seed=1)
    focus = model.focus.numpy()
    assert np.abs(focus).max() <= 0.5 / 8
    assert focus.std() > 0
    np.testing.assert_array_equal(model.context.numpy(), np.zeros((40, 8), np.float32))
    np.testing.assert_array_equal(model.bias.numpy(), np.zeros(40, np.float32))
