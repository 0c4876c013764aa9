"""Training gain on hand-made curves with known crossing points."""

import pytest

from coord_w2v.gain import time_to_reach, training_gains


def test_crossing_is_interpolated():
    # The curve passes 0.5 halfway between amounts 10 (0.4) and 20 (0.6).
    assert time_to_reach([0, 10, 20], [0.0, 0.4, 0.6], 0.5) == pytest.approx(15.0)


def test_first_crossing_counts():
    # 0.5 is reached at amount 10, lost, and reached again at 30.
    assert time_to_reach([0, 10, 20, 30], [0.0, 0.5, 0.3, 0.8], 0.5) == pytest.approx(10.0)


def test_level_reached_at_first_evaluation():
    assert time_to_reach([5, 10], [0.9, 1.0], 0.5) == 5.0


def test_level_never_reached():
    assert time_to_reach([0, 10, 20], [0.0, 0.2, 0.3], 0.5) is None


def test_invalid_curves_raise():
    with pytest.raises(ValueError, match="strictly increasing"):
        time_to_reach([0, 10, 10], [0.0, 0.1, 0.2], 0.1)
    with pytest.raises(ValueError, match="one length"):
        time_to_reach([0, 10], [0.0], 0.1)


def test_gain_against_reference():
    # Method peak 1.0. Level 0.75: the method crosses at 7.5 (between 0 and 10),
    # the reference at 15 (between 10 and 20), so the gain is 50%.
    reference = ([0, 10, 20, 30], [0.0, 0.5, 1.0, 1.0])
    method = ([0, 10, 20, 30], [0.0, 1.0, 1.0, 1.0])
    gains = training_gains(reference, method, fractions=(0.75,))
    assert gains[0].level == pytest.approx(0.75)
    assert gains[0].reference_amount == pytest.approx(15.0)
    assert gains[0].method_amount == pytest.approx(7.5)
    assert gains[0].percent == pytest.approx(50.0)


def test_gain_is_none_when_reference_never_reaches():
    reference = ([0, 10, 20], [0.0, 0.5, 0.6])
    method = ([0, 10, 20], [0.0, 0.9, 1.0])
    gains = training_gains(reference, method, fractions=(0.5, 0.99))
    assert gains[0].percent is not None
    assert gains[1].reference_amount is None
    assert gains[1].percent is None
