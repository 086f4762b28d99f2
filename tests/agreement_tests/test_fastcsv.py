"""The numpy-only wide CSV reader agrees with pandas, and declines what it cannot read."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from grading.agreement._fastcsv import read_wide_numeric


def test_a_wide_file_reads_the_same_as_with_pandas():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 12, size=(500, 5)).astype(float)
    values[rng.random(values.shape) < 0.1] = np.nan
    values[::7, 2] = 2.5  # some non-integer and multi-digit fields
    frame = pd.DataFrame(values, columns=list("abcde"))
    frame.insert(0, "subject", [f"s{i}" for i in range(500)])
    data = frame.to_csv(index=False).encode()
    names, parsed = read_wide_numeric(data, skip={"subject"})
    oracle = pd.read_csv(io.BytesIO(data)).drop(columns="subject").to_numpy(float)
    assert names == list("abcde")
    np.testing.assert_array_equal(parsed, oracle)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"a,b\n1,2\n,\n", [[1, 2], [np.nan, np.nan]]),
        (b"a,b\r\n1,-2\r\n3,\r\n", [[1, -2], [3, np.nan]]),
        (b"a,b\n1, 2\n10,nan", [[1, 2], [10, np.nan]]),
    ],
)
def test_blanks_signs_spaces_and_line_endings(text, expected):
    _, parsed = read_wide_numeric(text, skip=set())
    np.testing.assert_array_equal(parsed, np.array(expected, dtype=float))


@pytest.mark.parametrize("text", [b"a,b\n1,2,3\n", b'a,b\n"1",2\n', b"a,b\n1,x\n", b"a,b\n"])
def test_irregular_files_are_left_to_pandas(text):
    assert read_wide_numeric(text, skip=set()) is None
