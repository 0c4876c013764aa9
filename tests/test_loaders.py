"""Tests for the MovieLens, Amazon, delimited-pairs and user-lists loaders."""

import gzip
import logging
import pathlib

import numpy as np
import pytest

from coord_w2v.data import loaders


def write_file(directory: pathlib.Path, name: str, text: str, compress: bool = False,
               encoding: str = "utf-8") -> pathlib.Path:
    """Write `text` to directory/name, gzip-compressed if `compress`."""
    data = text.encode(encoding)
    path = directory / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def dense(matrix) -> list:
    return matrix.kappa.toarray().tolist()


# ---------------------------------------------------------------------------
# MovieLens.
# ---------------------------------------------------------------------------

RATINGS_DAT = """\
1::10::5::978300760
1::20::2::978300761
2::10::3::978300762
2::30::4::978300763
3::20::1::978300764
"""


def test_movielens_ratings_dat_binary(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    matrix = loaders.load_movielens(path, min_score=3, reweight="none")
    np.testing.assert_array_equal(matrix.focus_ids, [1, 2, 3])
    np.testing.assert_array_equal(matrix.context_ids, [10, 20, 30])
    assert matrix.focus_ids.dtype == np.int64
    # Ratings >= 3: (1, 10), (2, 10), (2, 30). User 3 and movie 20 keep empty lines.
    assert dense(matrix) == [[1, 0, 0], [1, 0, 1], [0, 0, 0]]
    assert matrix.name == "movielens(ratings.dat,min_score=3,reweight=none)"


def test_movielens_reweight_sum(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    matrix = loaders.load_movielens(path, min_score=3)
    # Binary matrix [[1,0,0],[1,0,1],[0,0,0]]: row sums r = (1, 2, 0), column sums c = (2, 0, 1).
    # (1,10): 1 / (1 + 2)^0.75, (2,10): 1 / (2 + 2)^0.75, (2,30): 1 / (2 + 1)^0.75.
    expected = [[3 ** -0.75, 0, 0], [4 ** -0.75, 0, 3 ** -0.75], [0, 0, 0]]
    np.testing.assert_allclose(matrix.kappa.toarray(), expected)


def test_movielens_reweight_product(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    matrix = loaders.load_movielens(path, min_score=3, reweight="product")
    # Same r = (1, 2, 0), c = (2, 0, 1). (1,10): 1 / (1^0.75 * 2^0.75) = 2^-0.75,
    # (2,10): 1 / (2^0.75 * 2^0.75) = 2^-1.5, (2,30): 1 / (2^0.75 * 1^0.75) = 2^-0.75.
    expected = [[2 ** -0.75, 0, 0], [2 ** -1.5, 0, 2 ** -0.75], [0, 0, 0]]
    np.testing.assert_allclose(matrix.kappa.toarray(), expected)


def test_movielens_u_data_gzip_and_two_files(tmp_path):
    train = write_file(tmp_path, "u1.base", "1\t7\t4\t881250949\n2\t7\t1\t881250949\n", compress=True)
    # The test file repeats (1, 7) and has a blank line and a CRLF line ending.
    test = write_file(tmp_path, "u1.test", "1\t7\t5\t881250950\n\n3\t8\t3\t881250951\r\n")
    matrix = loaders.load_movielens([train, test], min_score=3, reweight="none")
    np.testing.assert_array_equal(matrix.focus_ids, [1, 2, 3])
    np.testing.assert_array_equal(matrix.context_ids, [7, 8])
    # The repeated positive (1, 7) stays 1 in the binary matrix.
    assert dense(matrix) == [[1, 0], [0, 0], [0, 1]]
    assert matrix.name == "movielens(u1.base+u1.test,min_score=3,reweight=none)"


REASSEMBLED = """\
1\t10\t5\t978300760\tP
1\t20\t2\t978300761\tP
3000\t10\t0\t0\t-
3000\t20\t4\t978300762\tR
"""


def test_movielens_reassembled_drops_unknown_with_warning(tmp_path, caplog):
    path = write_file(tmp_path, "ratings_reassembled.tsv", REASSEMBLED)
    with caplog.at_level(logging.WARNING):
        matrix = loaders.load_movielens(path, min_score=3, reweight="none")
    assert dense(matrix) == [[1, 0], [0, 1]]
    assert "Dropped 1 rows" in caplog.text
    assert "not exact" in caplog.text


def test_movielens_reassembled_exact_thresholds(tmp_path, caplog):
    path = write_file(tmp_path, "ratings_reassembled.tsv", REASSEMBLED)
    with caplog.at_level(logging.WARNING):
        above_three = loaders.load_movielens(path, min_score=4, reweight="none")
        at_most_one = loaders.load_movielens(path, min_score=1, reweight="none")
    assert "not exact" not in caplog.text
    assert dense(above_three) == [[1, 0], [0, 1]]
    # Rating 0 means 1, 2 or 3, so every unknown row passes min_score = 1.
    assert dense(at_most_one) == [[1, 1], [1, 1]]


@pytest.mark.parametrize(
    "text, line_number, problem",
    [
        ("1::10::5::1\n1::20::5\n", 2, "expected 4 fields"),
        ("1::10::5::1\n\n1::20::five::1\n", 3, "is not a number"),
        ("1::10::5::1\n1::20::nan::1\n", 2, "is not finite"),
    ],
)
def test_movielens_ratings_dat_malformed(tmp_path, text, line_number, problem):
    path = write_file(tmp_path, "ratings.dat", text)
    with pytest.raises(ValueError, match=problem) as raised:
        loaders.load_movielens(path)
    assert "ratings.dat" in str(raised.value)
    assert f"line {line_number}:" in str(raised.value)


@pytest.mark.parametrize(
    "name, text, line_number, problem",
    [
        ("ratings.dat", "1::10::5::1\n\n1::abc::3::978300762\n", 3, "the MovieID 'abc' is not a non-negative integer"),
        ("ratings.dat", "u1::10::5::1\n", 1, "the UserID 'u1' is not a non-negative integer"),
        ("ratings.dat", "1::10::5::1\n2::-10::5::1\n", 2, "the MovieID '-10' is not a non-negative integer"),
        ("ratings.dat", "1::10::5::1\n2:: 10::5::1\n", 2, "the MovieID ' 10' is not a non-negative integer"),
        ("ratings.dat", "1::10::5::1\n2::99999999999999999999::5::1\n", 2, "is larger than the int64 maximum"),
        ("ratings.dat", "1::10::5::1\n1::20::3.5::1\n", 2, "the rating '3.5' is not an integer from 1 to 5"),
        ("u.data", "1\t7\t4\t1\n1\t8\t99\t1\n", 2, "the rating '99' is not an integer from 1 to 5"),
        ("u.data", "1\t7\t4\t1\n1\t8\t-4\t1\n", 2, "the rating '-4' is not an integer from 1 to 5"),
        ("u.data", "1\t7\t4\t1\n1\t8\t0\t1\n", 2, "the rating '0' is not an integer from 1 to 5"),
        ("u.data", "1\t7\t4\t1\n1\ti8\t4\t1\n", 2, "the item id 'i8' is not a non-negative integer"),
        ("ratings.tsv", REASSEMBLED + "3001\t20\t7\t9\tR\n", 5, "the rating '7' is not an integer from 0 to 5"),
        ("ratings.tsv", REASSEMBLED + "3001\t20\t-1\t9\tR\n", 5, "the rating '-1' is not an integer from 0 to 5"),
        ("ratings.tsv", REASSEMBLED + "3001\tm20\t4\t9\tR\n", 5, "the movie id 'm20' is not a non-negative integer"),
    ],
)
def test_movielens_invalid_values(tmp_path, name, text, line_number, problem):
    path = write_file(tmp_path, name, text)
    with pytest.raises(ValueError, match=problem) as raised:
        loaders.load_movielens(path, min_score=1)
    message = str(raised.value)
    assert f"{path}, line {line_number}:" in message
    bad_line = text.split("\n")[line_number - 1]
    assert repr(bad_line) in message


def test_movielens_tab_file_with_text_ids(tmp_path):
    path = write_file(tmp_path, "ratings.tsv", "u0\ti4\t2\t1\n")
    with pytest.raises(ValueError, match=r"ratings\.tsv, line 1: the user id 'u0' is not a non-negative integer"):
        loaders.load_movielens(path)


def test_movielens_ids_are_int64_in_every_format(tmp_path):
    u_data = write_file(tmp_path, "u.data", "1\t7\t4\t1\n")
    reassembled = write_file(tmp_path, "ratings.tsv", REASSEMBLED)
    for path in (u_data, reassembled):
        matrix = loaders.load_movielens(path, reweight="none")
        assert matrix.focus_ids.dtype == np.int64
        assert matrix.context_ids.dtype == np.int64


def test_movielens_fast_path_and_scan_agree():
    data = REASSEMBLED.encode("latin-1")
    fast = loaders._parse_delimited_fast(data, loaders._MOVIELENS_REASSEMBLED)
    scanned = loaders._parse_delimited_scan("ratings.tsv", data, loaders._MOVIELENS_REASSEMBLED)
    assert fast is not None
    for fast_ids, scanned_ids in zip(fast[:2], scanned[:2]):
        assert fast_ids.dtype == np.int64
        np.testing.assert_array_equal(fast_ids, scanned_ids)
    np.testing.assert_array_equal(fast[2]["rating"], scanned[2]["rating"])


def test_movielens_u_data_malformed(tmp_path):
    path = write_file(tmp_path, "u.data", "1\t7\t4\t881250949\n2\t7\t881250949\n")
    with pytest.raises(ValueError, match=r"u\.data, line 2: expected 4 fields") as raised:
        loaders.load_movielens(path)
    assert "2\\t7\\t881250949" in str(raised.value)


def test_movielens_reassembled_malformed(tmp_path):
    path = write_file(tmp_path, "ratings.tsv.gz", REASSEMBLED + "3001\t20\t4\t9\tR\textra\n", compress=True)
    with pytest.raises(ValueError, match=r"ratings\.tsv\.gz, line 5: expected 5 fields"):
        loaders.load_movielens(path)


def test_movielens_long_line_is_shortened(tmp_path):
    path = write_file(tmp_path, "ratings.dat", "1::10::5::1\n1::20::" + "x" * 200 + "::1\n")
    with pytest.raises(ValueError, match=r"line 2") as raised:
        loaders.load_movielens(path)
    assert "x" * 200 not in str(raised.value)
    assert "..." in str(raised.value)


def test_movielens_unknown_format(tmp_path):
    path = write_file(tmp_path, "ratings.csv", "\n1,10,5\n")
    with pytest.raises(ValueError, match=r"ratings\.csv, line 2: not a recognised MovieLens format"):
        loaders.load_movielens(path)


def test_movielens_invalid_reweight(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    with pytest.raises(ValueError, match="'sum', 'product', 'none'"):
        loaders.load_movielens(path, reweight="log")


def test_movielens_nothing_above_threshold(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    with pytest.raises(ValueError, match="no records with rating >= 6"):
        loaders.load_movielens(path, min_score=6)


def test_movielens_empty_file(tmp_path):
    path = write_file(tmp_path, "ratings.dat", "\n\n")
    with pytest.raises(ValueError, match="no records found"):
        loaders.load_movielens(path)


def test_movielens_summary_logged(tmp_path, caplog):
    path = write_file(tmp_path, "u.data", "1\t7\t4\t1\n1\t8\t1\t1\n\n")
    with caplog.at_level(logging.INFO):
        loaders.load_movielens(path, reweight="none")
    assert "2 rows x" not in caplog.text
    assert "1 rows x 2 columns, 1 nonzeros" in caplog.text
    assert "Read 3 lines holding 2 records" in caplog.text
    assert "1 blank or comment lines" in caplog.text
    assert "Dropped 1 records below the threshold (rating >= 3)." in caplog.text


def test_movielens_summary_counts_unknown_ratings_apart(tmp_path, caplog):
    path = write_file(tmp_path, "ratings_reassembled.tsv", REASSEMBLED)
    with caplog.at_level(logging.INFO):
        loaders.load_movielens(path, min_score=3, reweight="none")
    # Rating 2 is below the threshold. Rating 0 is unknown and is counted apart.
    assert "Dropped 1 records below the threshold (rating >= 3) and 1 records with an unknown score." in caplog.text

    caplog.clear()
    with caplog.at_level(logging.INFO):
        loaders.load_movielens(path, min_score=1, reweight="none")
    assert "Dropped 0 records below the threshold (rating >= 1)." in caplog.text
    assert "unknown score" not in caplog.text


def test_movielens_real_ml100k(real_data_file):
    path = real_data_file("ml-100k/u.data")
    everything = loaders.load_movielens(path, min_score=1, reweight="none")
    assert everything.kappa.shape == (943, 1682)
    assert everything.nnz == 100_000
    positives = loaders.load_movielens(path, min_score=3)
    # Official counts of ratings 3, 4 and 5: 27,145 + 34,174 + 21,201.
    assert positives.kappa.shape == (943, 1682)
    assert positives.nnz == 82_520


# ---------------------------------------------------------------------------
# Amazon.
# ---------------------------------------------------------------------------

FINEFOODS = """\
product/productId: B001E4KFG0
review/userId: A3SGXH7AUHU8GW
review/profileName: delmartian
review/helpfulness: 1/1
review/score: 5.0
review/time: 1303862400
review/summary: Good Quality Dog Food
review/text: I have bought several of the Vitality canned dog food products: caf\u00e9 quality.

product/productId: B00813GRG4
review/userId: A1D87F6ZCVE5NK
review/profileName: dll pa
review/score: 1.0
review/text: Product arrived labeled as Jumbo Salted Peanuts.



product/productId: B001E4KFG0
review/userId: A1D87F6ZCVE5NK
review/score: 3.0

product/productId: B001E4KFG0
review/userId: A3SGXH7AUHU8GW
review/score: 4.0
"""


def test_amazon_finefoods(tmp_path):
    path = write_file(tmp_path, "finefoods.txt.gz", FINEFOODS, compress=True, encoding="latin-1")
    matrix = loaders.load_amazon(path)
    np.testing.assert_array_equal(matrix.focus_ids, ["A1D87F6ZCVE5NK", "A3SGXH7AUHU8GW"])
    np.testing.assert_array_equal(matrix.context_ids, ["B001E4KFG0", "B00813GRG4"])
    # Scores >= 3: (A3SG.., B001..) twice, merged to 1, and (A1D8.., B001..). The score 1.0 is dropped.
    assert dense(matrix) == [[1, 0], [1, 0]]
    assert matrix.name == "amazon(finefoods.txt.gz,min_score=3)"


def test_amazon_finefoods_missing_key(tmp_path):
    text = FINEFOODS.replace("review/userId: A1D87F6ZCVE5NK\nreview/profileName: dll pa\n", "")
    path = write_file(tmp_path, "finefoods.txt", text, encoding="latin-1")
    with pytest.raises(ValueError, match=r"finefoods\.txt, line 10: .* has no review/userId"):
        loaders.load_amazon(path)


def test_amazon_finefoods_bad_score(tmp_path):
    text = FINEFOODS.replace("review/score: 3.0", "review/score: three")
    path = write_file(tmp_path, "finefoods.txt", text, encoding="latin-1")
    with pytest.raises(ValueError, match=r"finefoods\.txt, line 20: the score 'three' is not a number"):
        loaders.load_amazon(path)


def test_amazon_finefoods_records_without_separator(tmp_path):
    text = FINEFOODS.replace("review/score: 3.0\n\n", "review/score: 3.0\n")
    path = write_file(tmp_path, "finefoods.txt", text, encoding="latin-1")
    with pytest.raises(ValueError, match=r"finefoods\.txt, line 21: product/productId appears twice"):
        loaders.load_amazon(path)


REVIEWS_CSV = '''\
Id,ProductId,UserId,ProfileName,HelpfulnessNumerator,HelpfulnessDenominator,Score,Time,Summary,Text
1,B001E4KFG0,A3SGXH7AUHU8GW,delmartian,1,1,5,1303862400,Good Quality Dog Food,"Plain text, with a comma."
2,B00813GRG4,A1D87F6ZCVE5NK,dll pa,0,0,1,1346976000,Not as Advertised,"Two
lines, ""quoted"""
3,B000LQOCH0,ABXLMWJIXXAIN,"Natalia Corres, ""Natalia""",1,1,4,1219017600,"""Delight"" says it all",Text
'''


def test_amazon_reviews_csv(tmp_path):
    path = write_file(tmp_path, "Reviews.csv", REVIEWS_CSV)
    matrix = loaders.load_amazon(path)
    np.testing.assert_array_equal(matrix.focus_ids, ["A1D87F6ZCVE5NK", "A3SGXH7AUHU8GW", "ABXLMWJIXXAIN"])
    np.testing.assert_array_equal(matrix.context_ids, ["B000LQOCH0", "B001E4KFG0", "B00813GRG4"])
    # Scores >= 3: (A3SG.., B001..) and (ABXL.., B000..).
    assert dense(matrix) == [[0, 0, 0], [0, 1, 0], [1, 0, 0]]


def test_reviews_csv_error_names_start_line(tmp_path):
    # The second record spans lines 3-4, so the third record starts on line 5.
    text = REVIEWS_CSV.replace(",1,1,4,1219017600,", ",1,1,four,1219017600,")
    path = write_file(tmp_path, "Reviews.csv", text)
    with pytest.raises(ValueError, match=r"Reviews\.csv, line 5: the Score 'four' is not a number"):
        loaders.load_amazon(path)


def test_amazon_reviews_csv_wrong_field_count(tmp_path):
    text = REVIEWS_CSV + "4,B000UA0QIQ,A395BORC6FGVXV,Karl,3,3\n"
    path = write_file(tmp_path, "Reviews.csv", text)
    with pytest.raises(ValueError, match=r"Reviews\.csv, line 6: .* has 6 fields, the header has 10"):
        loaders.load_amazon(path)


def test_amazon_two_formats_together(tmp_path):
    finefoods = write_file(tmp_path, "finefoods.txt", FINEFOODS, encoding="latin-1")
    reviews = write_file(tmp_path, "Reviews.csv", REVIEWS_CSV)
    matrix = loaders.load_amazon([finefoods, reviews])
    assert matrix.kappa.shape == (3, 3)
    # (A3SG.., B001..) is positive in both files and stays 1.
    assert matrix.total == 3


def test_amazon_unknown_format(tmp_path):
    path = write_file(tmp_path, "reviews.tsv", "user\titem\tscore\n")
    with pytest.raises(ValueError, match=r"reviews\.tsv: not a recognised Amazon reviews file"):
        loaders.load_amazon(path)


def test_amazon_nothing_above_threshold(tmp_path):
    path = write_file(tmp_path, "finefoods.txt", FINEFOODS, encoding="latin-1")
    with pytest.raises(ValueError, match="no records with score >= 5.5"):
        loaders.load_amazon(path, min_score=5.5)


# ---------------------------------------------------------------------------
# Delimited pairs.
# ---------------------------------------------------------------------------


def test_pairs_comments_and_duplicates(tmp_path):
    text = "# user\titem\n1\t10\n\n  # indented comment\n2\t10\n1\t10\n1\t30\n"
    matrix = loaders.load_pairs(write_file(tmp_path, "pairs.tsv", text))
    np.testing.assert_array_equal(matrix.focus_ids, [1, 2])
    np.testing.assert_array_equal(matrix.context_ids, [10, 30])
    # (1, 10) appears twice and sums to 2.
    assert dense(matrix) == [[2, 1], [1, 0]]


def test_pairs_header_weights_and_string_ids(tmp_path):
    text = "user,item,weight\nann,x,0.5\nbob,x,2\nann,y,1.5\nann,x,0.25\n"
    matrix = loaders.load_pairs(write_file(tmp_path, "pairs.csv", text), delimiter=",", weight_column=2,
                                skip_header=True)
    np.testing.assert_array_equal(matrix.focus_ids, ["ann", "bob"])
    np.testing.assert_array_equal(matrix.context_ids, ["x", "y"])
    assert matrix.focus_ids.dtype.kind == "U"
    # (ann, x): 0.5 + 0.25.
    assert dense(matrix) == [[0.75, 1.5], [2.0, 0.0]]


def test_pairs_mixed_ids_stay_strings(tmp_path):
    matrix = loaders.load_pairs(write_file(tmp_path, "pairs.tsv", "1\t2\nu7\t3\n"))
    np.testing.assert_array_equal(matrix.focus_ids, ["1", "u7"])
    assert matrix.context_ids.dtype == np.int64


def test_pairs_whitespace_delimiter_and_columns(tmp_path):
    text = "  5.0  a  b\n1.0 c   b\t\n4 a  d\n"
    matrix = loaders.load_pairs(write_file(tmp_path, "pairs.txt", text), delimiter=None, focus_column=1,
                                context_column=2, score_column=0, min_score=4)
    # Score 1.0 drops (c, b), but c stays as an empty row.
    np.testing.assert_array_equal(matrix.focus_ids, ["a", "c"])
    np.testing.assert_array_equal(matrix.context_ids, ["b", "d"])
    assert dense(matrix) == [[1, 1], [0, 0]]


def test_pairs_score_and_weight_same_column(tmp_path):
    text = "1\t10\t5\n1\t20\t2\n2\t10\t4\n"
    matrix = loaders.load_pairs(write_file(tmp_path, "pairs.tsv", text), weight_column=2, score_column=2,
                                min_score=4)
    assert dense(matrix) == [[5, 0], [4, 0]]


def test_pairs_multi_character_delimiter(tmp_path):
    path = write_file(tmp_path, "ratings.dat", RATINGS_DAT)
    matrix = loaders.load_pairs(path, delimiter="::", score_column=2, min_score=3)
    assert dense(matrix) == [[1, 0, 0], [1, 0, 1], [0, 0, 0]]


def test_pairs_gzip_and_two_files(tmp_path):
    train = write_file(tmp_path, "train.tsv.gz", "0\t5\t4\n1\t6\t2\n", compress=True)
    test = write_file(tmp_path, "test.tsv", "0\t6\t5\n")
    matrix = loaders.load_pairs([train, test], score_column=2, min_score=3)
    np.testing.assert_array_equal(matrix.focus_ids, [0, 1])
    assert dense(matrix) == [[1, 1], [0, 0]]
    assert matrix.name == "pairs(train.tsv.gz+test.tsv)"


def test_pairs_fast_path_and_scan_agree(tmp_path):
    layout = loaders._pairs_layout("\t", 0, 1, 2, None, None, True, "#")
    data = b"user\titem\tweight\r\n# note\r\n1\t10\t0.5\r\n\r\nu2\t10\t2\r\n1\t30\t1e-3\r\n"
    fast = loaders._parse_delimited_fast(data, layout)
    scanned = loaders._parse_delimited_scan("pairs.tsv", data, layout)
    assert fast is not None
    for fast_array, scanned_array in zip(fast[:2], scanned[:2]):
        assert fast_array.tolist() == scanned_array.tolist()
    np.testing.assert_array_equal(fast[2]["weight"], scanned[2]["weight"])


@pytest.mark.parametrize(
    "text, kwargs, line_number, problem",
    [
        ("1\t10\n2\t20\t7\n", {}, 2, "expected 2 fields"),
        ("1\t10\t1\n2\t20\n", {}, 2, "expected 3 fields"),
        ("1\t10\t1\n2\t20\t-1\n", dict(weight_column=2), 2, "the weight '-1' is negative"),
        ("1\t10\t1\n2\t20\tinf\n", dict(weight_column=2), 2, "the weight 'inf' is not finite"),
        ("# c\n1\t10\tlots\n", dict(weight_column=2), 2, "the weight 'lots' is not a number"),
        ("1\t10\t\n", dict(weight_column=2), 1, "the weight '' is not a number"),
        ("1\t10\ta\n", dict(score_column=2, min_score=1), 1, "the score 'a' is not a number"),
        ("1\t10\n", dict(weight_column=2), 1, "column 2 .0-based. is requested"),
        ("1\t10\n\xff\t2\n", {}, 2, "not valid utf-8"),
    ],
)
def test_pairs_malformed(tmp_path, text, kwargs, line_number, problem):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError, match=problem) as raised:
        loaders.load_pairs(path, **kwargs)
    assert str(path) in str(raised.value)
    assert f"line {line_number}:" in str(raised.value)


def test_pairs_header_counts_as_line_one(tmp_path):
    path = write_file(tmp_path, "pairs.tsv", "user\titem\n1\t10\n2\n")
    with pytest.raises(ValueError, match=r"pairs\.tsv, line 3: expected 2 fields"):
        loaders.load_pairs(path, skip_header=True)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(focus_column=1, context_column=1), ValueError, "must differ"),
        (dict(focus_column=-1), ValueError, "focus_column must be a 0-based column index"),
        (dict(context_column=1.0), TypeError, "context_column must be an int"),
        (dict(weight_column=0), ValueError, "weight_column=0 is also an id column"),
        (dict(min_score=3), ValueError, "min_score is set but score_column is not"),
        (dict(score_column=2), ValueError, "score_column is set but min_score is not"),
        (dict(score_column=2, min_score=float("nan")), ValueError, "min_score must be finite"),
        (dict(delimiter=""), ValueError, "delimiter must be a non-empty string"),
        (dict(delimiter=b"\t"), TypeError, "delimiter must be a str or None"),
        (dict(comment="\t"), ValueError, "comment must be a non-blank prefix"),
        (dict(skip_header=1), TypeError, "skip_header must be a bool"),
    ],
)
def test_pairs_invalid_arguments(tmp_path, kwargs, error, pattern):
    path = write_file(tmp_path, "pairs.tsv", "1\t10\t3\n")
    with pytest.raises(error, match=pattern):
        loaders.load_pairs(path, **kwargs)


def test_pairs_invalid_paths(tmp_path):
    with pytest.raises(ValueError, match="empty sequence"):
        loaders.load_pairs([])
    with pytest.raises(TypeError, match="path must be"):
        loaders.load_pairs(7)
    with pytest.raises(TypeError, match="every path must be"):
        loaders.load_pairs([tmp_path / "a.tsv", 7])


def test_pairs_corrupt_gzip(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    with pytest.raises(ValueError, match="not a valid gzip file"):
        loaders.load_pairs(path)


def test_pairs_all_weights_zero(tmp_path):
    path = write_file(tmp_path, "pairs.tsv", "1\t10\t0\n2\t10\t0.0\n")
    with pytest.raises(ValueError, match="every kept record has weight 0"):
        loaders.load_pairs(path, weight_column=2)


def test_pairs_only_comments(tmp_path):
    path = write_file(tmp_path, "pairs.tsv", "# nothing here\n\n")
    with pytest.raises(ValueError, match="no records found"):
        loaders.load_pairs(path)


def test_pairs_real_ml1m_positives(real_data_file):
    path = real_data_file("ml-1m/ratings_reassembled.tsv.gz")
    matrix = loaders.load_pairs(path, score_column=2, min_score=4)
    # Official counts of ratings 4 and 5: 348,971 + 226,310.
    assert matrix.nnz == 575_281
    assert matrix.kappa.shape == (6040, 3706)


def test_pairs_real_amazon_toys(real_data_file):
    train = real_data_file("amazon-toys-deepcf/AToy.train.rating.gz")
    test = real_data_file("amazon-toys-deepcf/AToy.test.rating.gz")
    matrix = loaders.load_pairs([train, test], score_column=2, min_score=3)
    # 84,642 ratings, of which 8,546 + 20,222 + 50,372 are 3 or more.
    assert matrix.kappa.shape == (3137, 33953)
    assert matrix.nnz == 79_140


# ---------------------------------------------------------------------------
# User lists.
# ---------------------------------------------------------------------------


def test_user_lists(tmp_path):
    train = write_file(tmp_path, "train.txt.gz", "0 5 6\n1 6\n\n", compress=True)
    test = write_file(tmp_path, "test.txt", "0 6 7  7\n2\n")
    matrix = loaders.load_user_lists([train, test])
    np.testing.assert_array_equal(matrix.focus_ids, [0, 1, 2])
    np.testing.assert_array_equal(matrix.context_ids, [5, 6, 7])
    # User 0 lists item 6 once in each file and item 7 twice. User 2 has no items.
    assert dense(matrix) == [[1, 2, 2], [0, 1, 0], [0, 0, 0]]


def test_user_lists_invalid_encoding(tmp_path):
    path = tmp_path / "lists.txt"
    path.write_bytes(b"0 5 6\n1 \xff\n")
    with pytest.raises(ValueError, match=r"lists\.txt, line 2: the line is not valid utf-8"):
        loaders.load_user_lists(path)


def test_user_lists_without_items(tmp_path):
    path = write_file(tmp_path, "lists.txt", "0\n1\n")
    with pytest.raises(ValueError, match=r"none of the 2 non-blank lines lists an item"):
        loaders.load_user_lists(path)


def test_user_lists_comma_separated(tmp_path):
    path = write_file(tmp_path, "lists.csv", "\n0,5,6\n1,6\n")
    with pytest.raises(ValueError) as raised:
        loaders.load_user_lists(path)
    message = str(raised.value)
    assert str(path) in message
    assert "none of the 2 non-blank lines lists an item" in message
    assert "user item item ..." in message
    assert "separated by whitespace" in message
    assert "'0,5,6'" in message
    assert "threshold" not in message


def test_user_lists_summary_counts_lines_without_items(tmp_path, caplog):
    path = write_file(tmp_path, "lists.txt", "0 5 6\n1\n2\n\n")
    with caplog.at_level(logging.INFO):
        matrix = loaders.load_user_lists(path)
    assert dense(matrix) == [[1, 1], [0, 0], [0, 0]]
    assert "2 lines contain a user id and no items." in caplog.text
    assert "No score threshold." in caplog.text


def test_user_lists_real_amazon_cds(real_data_file):
    train = real_data_file("amazon-cds-m1/train.txt.gz")
    test = real_data_file("amazon-cds-m1/test.txt.gz")
    matrix = loaders.load_user_lists([train, test])
    assert matrix.kappa.shape == (43169, 35648)
    assert matrix.nnz == 777_426
