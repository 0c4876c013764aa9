"""Loading metrics trees, averaging curves, and bootstrap intervals of the training gain."""

import json
import logging
import pathlib

import numpy as np
import pytest

from coord_w2v import results
from coord_w2v.gain import bootstrap_gains, time_to_reach, times_to_reach

AMOUNTS = np.arange(0.0, 2001.0, 100.0)  # positives at the evaluations


def make_records(run_id, setting, method, qualities, *, seed=0, split=0, positives=AMOUNTS, final=True):
    """Return blocks records (d=50, lambda=10) with the same quality for both measures."""
    records = []
    for index, (amount, quality) in enumerate(zip(positives, qualities)):
        records.append({
            "run_id": run_id, "setting": setting, "method": method, "dataset": "blocks",
            "arrangement": method.lower(), "two_sided": False, "seed": seed, "split": split,
            "data_name": "blocks(n=100,B=10,r=1000,p=0.7)", "dim": 50, "neg_ratio": 10, "batch_size": 64,
            "learning_rate": 0.02, "mix_from": None, "mix_to": None, "mix_switch": None, "select": "none",
            "select_per_entity": None, "positives": int(amount), "parameter_updates": int(amount) * 500,
            "cosine_gap": float(quality), "precision_at_10": float(quality), "elapsed_seconds": float(index),
            "train_seconds": float(index), "positives_per_second": None, "final": final and index == len(positives) - 1,
        })
    return records


def write_run(root, relative, records):
    folder = pathlib.Path(root) / relative
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "metrics.jsonl", "w") as stream:
        for record in records:
            stream.write(json.dumps(record) + "\n")
    return folder / "metrics.jsonl"


def ramp(slope_time, peak=1.0):
    """Quality rising linearly to `peak` at `slope_time` positives, then flat."""
    return peak * np.minimum(AMOUNTS / slope_time, 1.0)


# load_runs


def test_load_runs_reads_nested_tree(tmp_path):
    write_run(tmp_path, "B=10/ind_seed0", make_records("ind0", "B=10", "IND", ramp(1000)))
    write_run(tmp_path, "B=10/deeper/coo_seed0", make_records("coo0", "B=10", "COO", ramp(500)))
    frame = results.load_runs(tmp_path)
    assert len(frame) == 2 * len(AMOUNTS)
    assert sorted(frame["run"].unique()) == ["B=10/deeper/coo_seed0", "B=10/ind_seed0"]
    assert list(frame.columns[:len(results.FRAME_COLUMNS)]) == list(results.FRAME_COLUMNS)
    assert frame["line"].min() == 1


def test_load_runs_malformed_line_names_file_and_line(tmp_path):
    path = write_run(tmp_path, "run", make_records("ind0", "B=10", "IND", ramp(1000)))
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:20]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"{path}:3: invalid JSON"):
        results.load_runs(tmp_path)


def test_load_runs_missing_field_names_file_and_line(tmp_path):
    records = make_records("ind0", "B=10", "IND", ramp(1000))
    del records[4]["parameter_updates"]
    path = write_run(tmp_path, "run", records)
    with pytest.raises(ValueError, match=rf"{path}:5: .*parameter_updates"):
        results.load_runs(tmp_path)


def test_load_runs_restarted_run_rejected(tmp_path):
    records = make_records("ind0", "B=10", "IND", ramp(1000))
    path = write_run(tmp_path, "run", records + records)
    with pytest.raises(ValueError, match=rf"{path}:{len(records) + 1}: positives"):
        results.load_runs(tmp_path)


def test_load_runs_excludes_incomplete_run(tmp_path, caplog):
    write_run(tmp_path, "done", make_records("ind0", "B=10", "IND", ramp(1000)))
    write_run(tmp_path, "interrupted", make_records("ind1", "B=10", "IND", ramp(1000), seed=1)[:5])
    with caplog.at_level(logging.WARNING):
        frame = results.load_runs(tmp_path)
    assert list(frame["run"].unique()) == ["done"]
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("incomplete run interrupted" in message for message in warnings), warnings


def test_load_runs_empty_tree_gives_empty_frame(tmp_path):
    frame = results.load_runs(tmp_path)
    assert frame.empty
    assert "setting" in frame.columns


def test_load_runs_missing_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        results.load_runs(tmp_path / "absent")


def test_load_runs_derives_labels_of_old_records(tmp_path):
    records = make_records("ind0", "", "IND", ramp(1000))
    for record in records:
        del record["setting"], record["method"]
        record["arrangement"] = "ind"
        record["two_sided"] = True
    write_run(tmp_path, "run", records)
    frame = results.load_runs(tmp_path)
    assert set(frame["method"]) == {"IND two-sided"}
    assert set(frame["setting"]) == {"blocks(n=100,B=10,r=1000,p=0.7)"}


def test_data_set_name_recognizes_stand_ins():
    assert results.data_set_name("movielens", "anything") == "movielens"
    assert results.data_set_name("pairs", "amazon_d50") == "amazon"
    assert results.data_set_name("pairs", "Amazon") == "amazon"
    assert results.data_set_name("pairs", "books") == "pairs"
    assert results.data_set_name("blocks", "amazon") == "blocks"


def test_num_blocks_from_data_name_or_label():
    assert results.num_blocks("blocks(n=10000,B=20,r=10000000,p=0.7)", "other") == 20
    assert results.num_blocks("", "B=50") == 50
    assert results.num_blocks(None, "blocks_B100_eta0.01") == 100
    assert results.num_blocks("blocks(n=10)", "setting") is None


def test_load_runs_adds_derived_columns(tmp_path):
    write_run(tmp_path, "a", make_records("a", "B=10", "IND", ramp(1000)))
    frame = results.load_runs(tmp_path)
    assert set(frame["data_set"]) == {"blocks"}
    assert set(frame["num_blocks"]) == {10}


def test_drop_duplicate_runs_keeps_first(tmp_path):
    # The same IND run (split 0, seed 0) under two settings, plus seed 1 under the second.
    write_run(tmp_path, "blocks_B10/ind", make_records("a", "blocks_B10", "IND", ramp(1000)))
    write_run(tmp_path, "blocks_B10_eta0.02/ind0", make_records("b", "blocks_B10_eta0.02", "IND", ramp(1000)))
    write_run(tmp_path, "blocks_B10_eta0.02/ind1", make_records("c", "blocks_B10_eta0.02", "IND", ramp(900), seed=1))
    kept = results.drop_duplicate_runs(results.load_runs(tmp_path))
    assert sorted(kept["run"].unique()) == ["blocks_B10/ind", "blocks_B10_eta0.02/ind1"]


def test_drop_duplicate_runs_keeps_other_configurations(tmp_path):
    write_run(tmp_path, "a", make_records("a", "s1", "IND", ramp(1000)))
    records = make_records("b", "s2", "IND", ramp(1000))
    for record in records:
        record["learning_rate"] = 0.05
    write_run(tmp_path, "b", records)
    assert results.drop_duplicate_runs(results.load_runs(tmp_path))["run"].nunique() == 2


# mean_curves


def test_mean_curves_average_runs(tmp_path):
    for seed, slope_time in enumerate((800, 1000, 1200)):
        write_run(tmp_path, f"ind{seed}", make_records(f"ind{seed}", "B=10", "IND", ramp(slope_time), seed=seed))
    write_run(tmp_path, "coo0", make_records("coo0", "B=10", "COO", ramp(500)))
    groups = results.mean_curves(results.load_runs(tmp_path), "cosine_gap", x="parameter_updates")
    assert list(groups) == [("B=10", "COO"), ("B=10", "IND")]
    ind = groups[("B=10", "IND")]
    expected = np.mean([ramp(800), ramp(1000), ramp(1200)], axis=0)
    np.testing.assert_allclose(ind.mean, expected)
    np.testing.assert_allclose(ind.amounts, AMOUNTS * 500)
    assert ind.num_runs == 3
    assert ind.split_seeds == ((0, 0), (0, 1), (0, 2))
    expected_error = np.std([ramp(800), ramp(1000), ramp(1200)], axis=0, ddof=1) / np.sqrt(3)
    np.testing.assert_allclose(ind.standard_error, expected_error)
    assert np.all(np.isnan(groups[("B=10", "COO")].standard_error))


def test_mean_curves_interpolate_other_evaluation_points(tmp_path):
    # Run 0 is evaluated every 100 positives up to 2000, run 1 every 250 up to 1500.
    write_run(tmp_path, "a", make_records("a", "B=10", "IND", ramp(1000)))
    sparse = np.arange(0.0, 1501.0, 250.0)
    write_run(tmp_path, "b", make_records("b", "B=10", "IND", np.minimum(sparse / 1000, 1.0), seed=1,
                                          positives=sparse))
    group = results.mean_curves(results.load_runs(tmp_path), "cosine_gap")[("B=10", "IND")]
    expected_amounts = np.unique(np.concatenate([AMOUNTS[AMOUNTS <= 1500], sparse]))
    np.testing.assert_allclose(group.amounts, expected_amounts)
    # Both runs follow the same ramp, which linear interpolation reproduces exactly.
    np.testing.assert_allclose(group.mean, np.minimum(expected_amounts / 1000, 1.0))


def test_mean_curves_reject_mixed_configuration(tmp_path):
    write_run(tmp_path, "a", make_records("a", "B=10", "IND", ramp(1000)))
    records = make_records("b", "B=10", "IND", ramp(1000), seed=1)
    for record in records:
        record["learning_rate"] = 0.05
    write_run(tmp_path, "b", records)
    frame = results.load_runs(tmp_path)
    with pytest.raises(ValueError, match="differ in learning_rate"):
        results.mean_curves(frame, "cosine_gap")
    groups = results.mean_curves(frame, "cosine_gap", by=("setting", "method", "learning_rate"))
    assert len(groups) == 2


def test_mean_curves_reject_unknown_axis(tmp_path):
    write_run(tmp_path, "a", make_records("a", "B=10", "IND", ramp(1000)))
    with pytest.raises(ValueError, match="x must be one of"):
        results.mean_curves(results.load_runs(tmp_path), "cosine_gap", x="epochs")


# bootstrap_gains


def noisy_runs(num_runs, slope_time, rng):
    """Ramps whose time to the peak varies by 10% between runs."""
    return [(AMOUNTS, ramp(slope_time * (1 + 0.1 * rng.standard_normal()))) for _ in range(num_runs)]


def test_times_to_reach_match_time_to_reach():
    rng = np.random.default_rng(3)
    curves = np.cumsum(rng.random((50, AMOUNTS.size)), axis=1)
    levels = rng.random(50) * 25
    vectorised = times_to_reach(AMOUNTS, curves, levels)
    for row, level, value in zip(curves, levels, vectorised):
        expected = time_to_reach(AMOUNTS, row, level)
        if expected is None:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(expected)


def test_bootstrap_interval_contains_point_estimate():
    rng = np.random.default_rng(0)
    reference, method = noisy_runs(8, 1000, rng), noisy_runs(8, 500, rng)
    for gain in bootstrap_gains(reference, method, (0.75, 0.95, 0.99), 1000, np.random.default_rng(1)):
        low, high = gain.percent_interval
        assert low <= gain.percent <= high
        low, high = gain.reference_amount_interval
        assert low <= gain.point.reference_amount <= high
        assert gain.percent_undefined_share == 0.0
        assert not gain.paired


def test_bootstrap_interval_shrinks_with_more_runs():
    rng = np.random.default_rng(0)
    widths = {}
    for num_runs in (4, 64):
        reference, method = noisy_runs(num_runs, 1000, rng), noisy_runs(num_runs, 500, rng)
        (gain,) = bootstrap_gains(reference, method, (0.75,), 1000, np.random.default_rng(1))
        widths[num_runs] = gain.percent_interval[1] - gain.percent_interval[0]
    # The width scales about as 1/sqrt(runs), a factor 4 here; 2 leaves room for sampling noise.
    assert widths[64] < widths[4] / 2, widths


def test_bootstrap_identical_runs_give_zero_width():
    reference = [(AMOUNTS, ramp(1000))] * 5
    method = [(AMOUNTS, ramp(500))] * 5
    for gain in bootstrap_gains(reference, method, (0.75, 0.95), 200, np.random.default_rng(0)):
        # IND reaches q at 1000 q, COO at 500 q: a gain of exactly 50%.
        assert gain.percent == pytest.approx(50.0)
        assert gain.percent_interval == pytest.approx((50.0, 50.0))
        assert gain.reference_amount_interval == pytest.approx((1000 * gain.fraction,) * 2)


def test_bootstrap_level_never_reached():
    # IND plateaus at 0.9, below 0.95 of COO's peak 1.0.
    reference = [(AMOUNTS, ramp(1000, peak=0.9))] * 3
    method = [(AMOUNTS, ramp(500))] * 3
    low_q, high_q = bootstrap_gains(reference, method, (0.75, 0.95), 100, np.random.default_rng(0))
    assert low_q.percent is not None
    assert high_q.percent is None
    assert high_q.point.reference_amount is None
    assert high_q.percent_interval is None
    assert high_q.reference_amount_interval is None
    assert high_q.percent_undefined_share == 1.0
    assert high_q.reference_unreached_share == 1.0
    assert high_q.method_unreached_share == 0.0


def test_bootstrap_counts_partly_unreached_resamples():
    # One of four IND runs never reaches 0.95; resamples without it do.
    reference = [(AMOUNTS, ramp(1000))] * 3 + [(AMOUNTS, ramp(1000, peak=0.5))]
    method = [(AMOUNTS, ramp(500))] * 4
    (gain,) = bootstrap_gains(reference, method, (0.95,), 2000, np.random.default_rng(0))
    # The mean curve peaks at 0.875 < 0.95, so the point estimate is not reached.
    assert gain.percent is None
    # A resample's mean reaches 0.95 only if it never draws the plateaued run, with probability
    # (3/4)^4 = 0.316. The tolerance 0.04 is 4 standard errors of a share over 2000 resamples.
    assert gain.reference_unreached_share == pytest.approx(1 - 0.75 ** 4, abs=0.04)
    assert gain.percent_interval is not None


def test_bootstrap_peak_from_same_resample():
    # The method's runs plateau at 0.8, 0.9 and 1.0. At q=1 the level is the peak of the resampled
    # mean curve, which that same curve always reaches.
    reference = [(AMOUNTS, ramp(1000))] * 3
    method = [(AMOUNTS, ramp(500, peak=peak)) for peak in (0.8, 0.9, 1.0)]
    (gain,) = bootstrap_gains(reference, method, (1.0,), 500, np.random.default_rng(0))
    assert gain.method_unreached_share == 0.0
    assert gain.percent_undefined_share == 0.0


def test_bootstrap_is_deterministic_per_rng_seed():
    rng = np.random.default_rng(0)
    reference, method = noisy_runs(6, 1000, rng), noisy_runs(6, 500, rng)
    first = bootstrap_gains(reference, method, (0.75,), 300, np.random.default_rng(7))
    second = bootstrap_gains(reference, method, (0.75,), 300, np.random.default_rng(7))
    other = bootstrap_gains(reference, method, (0.75,), 300, np.random.default_rng(8))
    assert first == second
    assert first[0].percent_interval != other[0].percent_interval


def test_bootstrap_pairs_runs_with_same_keys():
    # Run k of both sides shares a slowdown factor, which pairing cancels out of the gain. The method's
    # runs come in reverse order, so pairing must follow the keys.
    factors = np.random.default_rng(0).uniform(0.5, 1.5, size=6)
    reference = [(AMOUNTS, ramp(1000 * factor)) for factor in factors]
    method = [(AMOUNTS, ramp(500 * factor)) for factor in factors][::-1]
    keys = [(0, seed) for seed in range(6)]
    (paired,) = bootstrap_gains(reference, method, (0.5,), 500, np.random.default_rng(1), reference_keys=keys,
                                method_keys=keys[::-1])
    (independent,) = bootstrap_gains(reference, method, (0.5,), 500, np.random.default_rng(1))
    assert paired.paired
    assert not independent.paired
    paired_width = paired.percent_interval[1] - paired.percent_interval[0]
    independent_width = independent.percent_interval[1] - independent.percent_interval[0]
    assert paired_width < independent_width / 2


def test_bootstrap_rejects_runs_with_other_amounts():
    reference = [(AMOUNTS, ramp(1000)), (AMOUNTS[:-1], ramp(1000)[:-1])]
    with pytest.raises(ValueError, match=r"reference_runs\[1\] has other amounts"):
        bootstrap_gains(reference, [(AMOUNTS, ramp(500))], (0.75,), 10, np.random.default_rng(0))


def test_bootstrap_rejects_legacy_random_state():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        bootstrap_gains([(AMOUNTS, ramp(1000))], [(AMOUNTS, ramp(500))], (0.75,), 10, np.random.RandomState(0))
