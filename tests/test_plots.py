"""Figure scripts on a fake metrics tree, and the Monte Carlo behind Figure 2."""

import importlib
import json
import logging
import pathlib

import numpy as np
import pytest

from coord_w2v import results
from coord_w2v.figure2 import expected_cosine_increase

POSITIVES = np.arange(0, 20_001, 2_000)
FIGURES = ("fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10")


class RunWriter:
    """Writes complete fake runs below a root folder, one folder per run."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.count = 0

    def write(self, dataset, setting, method, *, number_of_blocks=None, seeds=(0, 1), slope_time=10_000.0, dim=50,
              learning_rate=0.02, batch_size=64, two_sided=False, select="none", per_entity=None, mix_switch=None):
        if dataset == "blocks":
            data_name = f"blocks(n=100,B={number_of_blocks},r=1000,p=0.7)"
        else:
            data_name = f"{dataset}(ratings.gz) train"
        for seed in seeds:
            self.count += 1
            folder = self.root / setting / f"run{self.count}"
            folder.mkdir(parents=True)
            updates_per_positive = 10 * dim * (2 if two_sided else 1)
            # A saturating curve, 5% slower or faster per seed so that the band has a width.
            qualities = 1.0 - np.exp(-POSITIVES / (slope_time * (1 + 0.05 * seed)))
            with open(folder / "metrics.jsonl", "w") as stream:
                for index, (positives, quality) in enumerate(zip(POSITIVES, qualities)):
                    stream.write(json.dumps({
                        "run_id": f"run{self.count}", "setting": setting, "method": method, "dataset": dataset,
                        "arrangement": "mix" if mix_switch else "ind", "two_sided": two_sided, "seed": seed,
                        "split": 0, "data_name": data_name, "dim": dim, "neg_ratio": 10, "batch_size": batch_size,
                        "learning_rate": learning_rate, "mix_from": "coo" if mix_switch else None,
                        "mix_to": "ind" if mix_switch else None, "mix_switch": mix_switch, "select": select,
                        "select_per_entity": per_entity, "positives": int(positives),
                        "parameter_updates": int(positives) * updates_per_positive,
                        "cosine_gap": float(quality), "precision_at_10": float(0.9 * quality),
                        "elapsed_seconds": float(index), "train_seconds": float(index),
                        "positives_per_second": None, "final": index == len(POSITIVES) - 1,
                    }) + "\n")


def write_all_figure_runs(root):
    """Write the runs of Figures 3-10, labelled as experiments/definitions.py labels its settings.

    Amazon runs use dataset "pairs" with settings that start with "amazon", like a stand-in data set.
    """
    writer = RunWriter(root)
    for number in (10, 20, 50, 100):
        setting = f"blocks_B{number}"
        writer.write("blocks", setting, "IND", number_of_blocks=number)
        writer.write("blocks", setting, "COO", number_of_blocks=number, slope_time=6_000)
        writer.write("blocks", setting, "COO+OPTLSH", number_of_blocks=number, slope_time=5_500)
        writer.write("blocks", setting, "IND two-sided", number_of_blocks=number, two_sided=True)
    for number in (10, 100):
        # The sweep at eta = 0.02 repeats the IND runs of blocks_B<number>, which figures drop.
        for learning_rate in (0.01, 0.02, 0.05):
            writer.write("blocks", f"blocks_B{number}_eta{learning_rate}", "IND", number_of_blocks=number,
                         learning_rate=learning_rate, slope_time=200 / learning_rate)
        writer.write("blocks", f"blocks_B{number}_eta0.01", "COO", number_of_blocks=number, learning_rate=0.01,
                     slope_time=12_000)
        writer.write("blocks", f"blocks_B{number}_eta0.01", "COO+OPTLSH", number_of_blocks=number,
                     learning_rate=0.01, slope_time=11_000)
        for per_entity in (5, 20):
            for select in ("ind", "coo"):
                writer.write("blocks", f"blocks_B{number}_T{per_entity}", f"{select.upper()} selection T={per_entity}",
                             number_of_blocks=number, batch_size=4, select=select, per_entity=per_entity,
                             slope_time=3_000 * per_entity / 5)
    for dim in (5, 25, 50):
        writer.write("blocks", f"blocks_B10_d{dim}", "IND", number_of_blocks=10, dim=dim, slope_time=8_000 + 100 * dim)
    for name, dataset in (("movielens", "movielens"), ("amazon", "pairs")):
        writer.write(dataset, name, "IND")
        writer.write(dataset, name, "COO", slope_time=8_000)
        writer.write(dataset, name, "MIX@4000", slope_time=7_000, mix_switch=4000)
        writer.write(dataset, name, "IND two-sided", two_sided=True)
        for dim in (5, 50, 100):
            writer.write(dataset, f"{name}_d{dim}", "IND", dim=dim, slope_time=9_000 + 50 * dim)


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    write_all_figure_runs(root)
    return results.load_runs(root)


def assert_files(paths, stem):
    assert sorted(path.suffix for path in paths) == [".pdf", ".png"]
    for path in paths:
        assert path.name.startswith(stem)
        assert path.stat().st_size > 1000, path


@pytest.mark.parametrize("name", FIGURES)
def test_figure_writes_png_and_pdf(name, frame, tmp_path, caplog):
    module = importlib.import_module(f"plots.{name}")
    with caplog.at_level(logging.WARNING):
        paths = module.make_figure(frame, tmp_path, "parameter_updates")
    assert_files(paths, f"{name}_parameter_updates")
    missing = [record.getMessage() for record in caplog.records if "no runs for" in record.getMessage()]
    assert not missing


def test_figure_on_positives_axis(frame, tmp_path):
    from plots import fig9

    paths = fig9.make_figure(frame, tmp_path, "positives")
    assert_files(paths, "fig9_positives")


def test_figure6_draws_both_axes_in_one_file(frame, tmp_path):
    from plots import fig6

    paths = fig6.make_figure(frame, tmp_path, "both")
    assert_files(paths, "fig6")
    assert paths[0].stem == "fig6"


def test_partial_runs_log_missing_methods(tmp_path, caplog):
    writer = RunWriter(tmp_path / "runs")
    writer.write("blocks", "B=10", "IND", number_of_blocks=10)
    writer.write("blocks", "B=10", "COO", number_of_blocks=10, slope_time=6_000)
    from plots import fig3

    with caplog.at_level(logging.WARNING):
        paths = fig3.make_figure(results.load_runs(tmp_path / "runs"), tmp_path / "out", "positives")
    assert_files(paths, "fig3")
    messages = [record.getMessage() for record in caplog.records]
    assert any("'B=10, cosine gap': no runs for COO+OPTLSH" in message for message in messages), messages
    assert any("'B=20, cosine gap': no runs for COO, IND, COO+OPTLSH" in message for message in messages)


def test_figure_without_any_runs_raises(tmp_path):
    writer = RunWriter(tmp_path / "runs")
    writer.write("movielens", "movielens", "IND")
    from plots import fig3

    with pytest.raises(ValueError, match="Figure 3: none of its runs were found"):
        fig3.make_figure(results.load_runs(tmp_path / "runs"), tmp_path / "out", "positives")


def test_repeated_runs_are_drawn_once(frame):
    from plots import common

    runs = common.select_runs(frame, data_set="blocks", method="IND", **common.PAPER_CONFIG)
    blocks10 = common.blocks_runs(runs, 10)
    # IND at B=10 ran in blocks_B10, blocks_B10_eta0.02 and blocks_B10_d50, 2 seeds each.
    assert blocks10["run"].nunique() == 2
    assert set(blocks10["setting"]) == {"blocks_B10"}


def test_stand_in_amazon_runs_are_amazon(frame):
    from plots import common

    amazon = common.data_set_runs(frame, "amazon")
    assert set(amazon["dataset"]) == {"pairs"}
    assert amazon["run"].nunique() == 14


def test_figure2_writes_png_and_pdf(tmp_path):
    from plots import fig2

    paths = fig2.make_figure(tmp_path, dims=(2, 10), num_samples=2_000, seed=0)
    assert_files(paths, "fig2")


# Monte Carlo of Figure 2. Tolerances are in standard errors (SE) of the estimate, so the tests neither flake nor
# pass vacuously: 5 SE leaves a chance below 1e-6 of a false failure per check.


def test_cosine_increase_positive_at_small_dimension():
    estimate = expected_cosine_increase([5], [0.02, 0.05], 400_000, np.random.default_rng(0))
    # With 400k samples at d=5 the mean is about 6 SE (eta 0.02) and 12 SE (eta 0.05) above zero.
    assert np.all(estimate.mean > 4 * estimate.standard_error), (estimate.mean, estimate.standard_error)


def test_cosine_increase_approaches_quarter_eta_squared():
    etas = np.array([0.02, 0.05])
    estimate = expected_cosine_increase([200], etas, 40_000, np.random.default_rng(1))
    target = etas ** 2 / 4
    # For large d, sigmoid(-f.c) is near 0 or 1 with probability 1/2 each, and the increase tends to
    # eta^2 * E[s1 s2] = eta^2 / 4. At d=200, expected_cosine_increase with 4M samples (seed 1) was within
    # 0.3% of the target, so the tolerance is 5 SE plus 2% of the target.
    tolerance = 5 * estimate.standard_error[:, 0] + 0.02 * target
    assert np.all(np.abs(estimate.mean[:, 0] - target) < tolerance), (estimate.mean, target, tolerance)


def test_cosine_increase_deterministic_per_seed():
    first = expected_cosine_increase([3, 8], [0.05], 5_000, np.random.default_rng(4))
    second = expected_cosine_increase([3, 8], [0.05], 5_000, np.random.default_rng(4))
    other = expected_cosine_increase([3, 8], [0.05], 5_000, np.random.default_rng(5))
    np.testing.assert_array_equal(first.mean, second.mean)
    np.testing.assert_array_equal(first.standard_error, second.standard_error)
    assert not np.array_equal(first.mean, other.mean)
    assert first.num_samples == 5_000


def test_cosine_increase_chunks_combine_exactly(monkeypatch):
    from coord_w2v import figure2

    # A cap of 4000 values at d=4 gives chunks of 1000 samples: 1000, 1000 and 500 here.
    monkeypatch.setattr(figure2, "_MAX_CHUNK_VALUES", 4_000)
    etas = np.array([0.02, 0.05])
    chunked = expected_cosine_increase([4], etas, 2_500, np.random.default_rng(2))
    rng = np.random.default_rng(2)
    samples = np.concatenate([figure2._sample_increase(4, etas, size, rng) for size in (1000, 1000, 500)], axis=1)
    np.testing.assert_allclose(chunked.mean[:, 0], samples.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(chunked.standard_error[:, 0], samples.std(axis=1, ddof=1) / np.sqrt(2_500),
                               rtol=1e-10)


def test_cosine_increase_rejects_bad_input():
    with pytest.raises(ValueError, match="dims"):
        expected_cosine_increase([0], [0.05], 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="num_samples"):
        expected_cosine_increase([2], [0.05], 1, np.random.default_rng(0))
