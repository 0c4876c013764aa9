"""Tables 1 and 2 computed from fake metrics trees whose gains are known."""

import json
import math
import pathlib

import numpy as np
import pandas as pd
import pytest

from coord_w2v import results
from experiments import paper_numbers, tables

POSITIVES = np.arange(0, 40_001, 2_000)


def write_run(root, dataset, setting, method, seed, qualities, *, data_name="", mix_switch=None):
    """Write one complete run with d=50, b=64, lambda=10, eta=0.02 (the configuration behind the published tables)."""
    folder = pathlib.Path(root) / setting / f"{method}_{seed}"
    folder.mkdir(parents=True)
    with open(folder / "metrics.jsonl", "w") as stream:
        for index, (positives, quality) in enumerate(zip(POSITIVES, qualities)):
            record = {
                "run_id": f"{method}_{seed}", "setting": setting, "method": method, "dataset": dataset,
                "arrangement": "mix" if mix_switch else method.lower(), "two_sided": False, "seed": seed,
                "split": 0, "data_name": data_name or dataset, "dim": 50, "neg_ratio": 10, "batch_size": 64,
                "learning_rate": 0.02, "mix_from": "coo" if mix_switch else None,
                "mix_to": "ind" if mix_switch else None, "mix_switch": mix_switch, "select": "none",
                "select_per_entity": None, "positives": int(positives), "parameter_updates": int(positives) * 500,
                "cosine_gap": float(quality), "precision_at_10": float(min(quality, 1.0)),
                "elapsed_seconds": float(index), "train_seconds": float(index), "positives_per_second": None,
                "final": index == len(POSITIVES) - 1,
            }
            stream.write(json.dumps(record) + "\n")


def ramp(slope_time, peak=1.0):
    """Quality rising linearly to `peak` at `slope_time` positives, then flat; linear interpolation is exact."""
    return peak * np.minimum(POSITIVES / slope_time, 1.0)


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for seed in range(3):
        # B=10: COO needs exactly half of IND's training at every level, in every seed.
        write_run(root, "blocks", "B=10", "IND", seed, ramp(20_000), data_name="blocks(n=1000,B=10,r=10000,p=0.7)")
        write_run(root, "blocks", "B=10", "COO", seed, ramp(10_000), data_name="blocks(n=1000,B=10,r=10000,p=0.7)")
        # B=100: IND plateaus at 0.9 of COO's peak, so q = 0.95 and 0.99 are never reached.
        write_run(root, "blocks", "B=100", "IND", seed, ramp(20_000 * (1 + 0.1 * seed), peak=0.9),
                  data_name="blocks(n=1000,B=100,r=10000,p=0.7)")
        write_run(root, "blocks", "B=100", "COO", seed, ramp(10_000 * (1 + 0.05 * seed)),
                  data_name="blocks(n=1000,B=100,r=10000,p=0.7)")
        # MovieLens: COO and MIX@8000 over IND, with seed-to-seed noise.
        write_run(root, "movielens", "movielens", "IND", seed, ramp(30_000 * (1 + 0.05 * seed), peak=0.4))
        write_run(root, "movielens", "movielens", "COO", seed, ramp(24_000 * (1 + 0.05 * seed), peak=0.4))
        write_run(root, "movielens", "movielens", "MIX@8000", seed, ramp(21_000 * (1 + 0.05 * seed), peak=0.41),
                  mix_switch=8000)
        # Amazon: a stand-in read as "pairs", recognized by its setting label.
        write_run(root, "pairs", "amazon", "IND", seed, ramp(30_000 * (1 + 0.05 * seed), peak=0.35))
        write_run(root, "pairs", "amazon", "COO", seed, ramp(27_000 * (1 + 0.05 * seed), peak=0.35))
    return results.load_runs(root)


@pytest.fixture(scope="module")
def table1(frame):
    return tables.make_table1(frame, num_resamples=200, seed=0)


@pytest.fixture(scope="module")
def table2(frame):
    return tables.make_table2(frame, num_resamples=200, seed=0)


def test_table1_rows(table1):
    # 2 measures x 2 settings x 3 fractions, all COO over IND.
    assert len(table1) == 12
    assert set(table1["method"]) == {"COO"}
    assert set(table1["B"]) == {10, 100}


def test_table1_exact_gain(table1):
    rows = table1[(table1["B"] == 10) & (table1["quality"] == "cosine_gap")]
    for row in rows.to_dict("records"):
        assert row["gain_percent"] == pytest.approx(50.0)
        assert (row["gain_percent_low"], row["gain_percent_high"]) == pytest.approx((50.0, 50.0))
        # IND reaches q at 20,000 q positives, i.e. 10^7 q parameter updates.
        assert row["t_IND_positives"] == pytest.approx(20_000 * row["fraction"])
        assert row["t_IND_1e9_updates"] == pytest.approx(0.01 * row["fraction"])
        assert row["peak"] == pytest.approx(1.0)
        assert row["pairing"] == "paired"


def test_table1_paper_columns(table1):
    row = table1[(table1["B"] == 10) & (table1["quality"] == "cosine_gap") & (table1["fraction"] == 0.95)].iloc[0]
    assert row["paper_gain_percent"] == pytest.approx(24.80)
    assert row["paper_t_IND_1e9_updates"] == pytest.approx(1.89)
    assert row["paper_peak"] == pytest.approx(1.09)


def test_table1_not_reached(table1):
    rows = table1[(table1["B"] == 100) & (table1["quality"] == "cosine_gap")].set_index("fraction")
    assert math.isfinite(rows.loc[0.75, "gain_percent"])
    for fraction in (0.95, 0.99):
        assert pd.isna(rows.loc[fraction, "gain_percent"])
        assert rows.loc[fraction, "gain_not_reached_share"] == 1.0


def test_table2_rows(table2):
    assert set(table2["method"]) == {"COO", "MIX@8000"}
    # MovieLens: COO and MIX; Amazon: COO; each for 2 measures and 3 fractions.
    assert len(table2) == 3 * 2 * 3
    mix = table2[(table2["method"] == "MIX@8000") & (table2["quality"] == "cosine_gap")]
    assert set(mix["paper_method"]) == {"MIX@0.25M"}
    assert set(mix["peak_method"]) == {"COO"}
    # The peak is COO's (0.4), not MIX's own (0.41).
    assert mix["peak"].to_numpy() == pytest.approx(0.4)
    # MIX is faster than IND in every seed.
    assert (mix["gain_percent"] > 0).all()


def test_table2_stand_in_gets_amazon_numbers(table2):
    row = table2[(table2["setting"] == "amazon") & (table2["quality"] == "cosine_gap")
                 & (table2["fraction"] == 0.75)].iloc[0]
    assert row["data_set"] == "amazon"
    assert row["dataset"] == "pairs"
    assert row["paper_gain_percent"] == pytest.approx(9.48)
    assert row["paper_t_IND_1e9_updates"] == pytest.approx(1.56)
    # IND reaches 0.75 * 0.35 at 0.75 of 30,000 (x1, x1.05, x1.1 over seeds) positives, COO 10% sooner.
    assert row["gain_percent"] == pytest.approx(10.0)


def test_written_files(table1, table2, tmp_path):
    for name, table in (("table1", table1), ("table2", table2)):
        csv_path, markdown_path = tables.write_table(table, tmp_path, name, tables.TITLES[name])
        assert csv_path.stat().st_size > 0
        assert markdown_path.stat().st_size > 0
        parsed = pd.read_csv(csv_path, keep_default_na=False)
        assert len(parsed) == len(table)
        for column in ("gain_percent", "gain_percent_low", "gain_percent_high", "t_IND_1e9_updates",
                       "t_IND_positives"):
            for value in parsed[column]:
                assert value == tables.NOT_REACHED or math.isfinite(float(value)), (column, value)
        markdown = markdown_path.read_text()
        for header in ("paper peak", "paper gain %", "paper t_IND 10^9 updates", "gain % [95% CI]"):
            assert header in markdown
        assert "nan" not in markdown.lower()
    assert tables.NOT_REACHED in (tmp_path / "table1.csv").read_text()
    assert tables.NOT_REACHED in (tmp_path / "table1.md").read_text()


def test_tables_deterministic_per_seed(frame, table2):
    again = tables.make_table2(frame, num_resamples=200, seed=0)
    pd.testing.assert_frame_equal(again, table2)


def test_table_of_frame_without_runs():
    table = tables.make_table1(pd.DataFrame(columns=list(results.FRAME_COLUMNS)))
    assert table.empty
    assert "No setting" in tables.to_markdown(table, "Table 1")


def test_paper_numbers_cover_all_settings():
    assert len(paper_numbers.TABLE1) == 8
    assert paper_numbers.TABLE1[("precision_at_10", 100)].gain_at(0.99) == pytest.approx(20.00)
    assert paper_numbers.TABLE2[("amazon", "cosine_gap", "COO")].gain_at(0.99) == 0.0
