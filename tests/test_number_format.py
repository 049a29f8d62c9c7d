"""Issue 13 §1: one significant-digit rule per table column (losscli.render.model.numbers).

The rule: six significant digits for every number of a column, trailing zeros kept
(``29.7940``, ``1234.00``); whole-number columns as integers; fixed notation when every
nonzero number of the column lies in [1e-4, 1e6), else the whole column scientific;
a fraction never reads 0 or 1; every text of a column padded so the decimal points
line up; nothing cut. Expected digits come from the numbers themselves (decimal
arithmetic, NumPy), not from losscli's output.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from losscli.render.model import cells, ci_cells, number, numbers
from losscli.results import ConfidenceInterval

pytestmark = pytest.mark.smoke


def significant(text: str) -> int:
    """Significant digits written in ``text`` (``0.0644959`` → 6, ``1.20000e-05`` → 6)."""
    mantissa = text.strip().lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def point(text: str) -> int:
    """Where a text's decimal point is (or where it would be, after a whole number)."""
    for mark in (".", "e"):
        if mark in text:
            return text.index(mark)
    return len(text.rstrip())


def test_the_issue_column_reads_one_way(sample_csv):
    """The per-sample table mixed 2257.46, 29.794 and 1234: now six digits each."""
    frame = pd.read_csv(sample_csv)
    d2 = ((frame["pred"] - frame["label"]) ** 2).to_numpy()[:10]
    texts = numbers(list(d2))
    assert len({len(t) for t in texts}) == 1  # one width
    assert len({point(t) for t in texts}) == 1  # decimal points in one line
    for text, value in zip(texts, d2, strict=True):
        assert significant(text) == 6, text
        assert float(text) == pytest.approx(value, rel=5e-6)  # within half a unit of the 6th digit
    by_value = {round(v, 2): t.strip() for v, t in zip(d2, texts, strict=True)}
    assert by_value[round(d2[1], 2)] == "29.7940"  # 29.794: the trailing zero is kept
    assert by_value[round(d2[2], 2)] == "1234.00"  # 1233.998…: not "1234"


def test_whole_numbers_stay_whole():
    assert numbers([151, 75.0, 141]) == ["151", " 75", "141"]
    assert numbers([0.0, 1.0, 1.0]) == ["0", "1", "1"]  # a 0/1 loss column
    assert number(442) == "442"


def test_a_fraction_never_reads_as_certainty():
    assert number(0.9999995) == "0.9999995"
    assert float(number(1 - 1e-12)) < 1 and float(number(1e-300)) > 0
    assert number(1e-7 / 3) == "3.33333e-08"
    assert number(-0.99999999) == "-0.99999999"
    for x in (0.9999995, 1 - 2**-52, 5e-324, 0.5, 1e-9):
        assert float(number(x)) not in (0.0, 1.0), x
    assert numbers([0.5, 0.9999995]) == ["0.500000 ", "0.9999995"]


def test_a_column_is_fixed_or_scientific_as_a_whole():
    sums = numbers([1316580.1761890922, 19583.54991205056])
    assert [t.strip() for t in sums] == ["1.31658e+06", "1.95835e+04"]
    small = numbers([0.0231634, 1.2e-05, 2.31])
    assert all("e" in t for t in small) and all(significant(t) == 6 for t in small)
    assert [t.strip() for t in numbers([0.0644959, 24970.0571])] == ["0.0644959", "24970.1"]
    assert number(999999.7) == "1000000"  # rounds up past six digits: more digits, never an exponent


def test_zero_blank_and_nan():
    assert number(0.0) == "0"
    texts = numbers([2.5, None, math.nan, 0.0])
    assert texts[1] == "" and texts[2].strip() == "nan" and texts[3].strip() == "0"
    assert texts[0].strip() == "2.50000"


def test_negative_numbers_align():
    texts = numbers([-0.25, 12.5, -1234.5])
    assert [t.strip() for t in texts] == ["-0.250000", "12.5000", "-1234.50"]
    assert len({point(t) for t in texts}) == 1


def test_cells_formats_each_column_by_itself():
    rows = cells([["mse", 2978.6881814232856, "442"], ["r2", 0.49768195619188893, "442"], ["x", None, "1"]])
    assert [r[0] for r in rows] == ["mse", "r2", "x"]  # text as it is
    assert [r[1].strip() for r in rows] == ["2978.69", "0.497682", ""]
    assert [r[2] for r in rows] == ["442", "442", "1"]  # a formatted count is text
    assert len({point(r[1]) for r in rows[:2]}) == 1


@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300).filter(
            lambda x: x == 0 or abs(x) > 1e-300
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_column_one_width_six_digits_and_nothing_lost(values):
    texts = numbers(values)
    assert len({len(t) for t in texts}) == 1
    assert not any("…" in t for t in texts)
    if all(float(v).is_integer() and abs(v) < 1e15 for v in values):
        assert [int(t) for t in texts] == [int(v) for v in values]
        return
    assert len({point(t) for t in texts}) == 1
    for text, value in zip(texts, values, strict=True):
        if value == 0:
            assert text.strip() == "0"
            continue
        assert significant(text) >= 6, (text, value)
        exact = Decimal(value)
        assert abs(Decimal(text.strip()) - exact) <= abs(exact) * Decimal("5e-6"), (text, value)
        if 0 < abs(value) < 1:
            assert float(text) not in (0.0, 1.0, -1.0)


def test_numpy_scalars_are_numbers():
    assert number(np.float64(0.125)) == "0.125000"
    assert numbers([np.float64(3.0), np.float64(4.0)]) == ["3", "4"]


def _interval(low: float, high: float) -> ConfidenceInterval:
    return ConfidenceInterval(0.95, low, high, 2000, 0, 442, "row", False)


def test_an_interval_column_writes_its_bounds_by_one_rule():
    """`--ci`'s `low … high` cells: every bound of the column with six significant digits
    and one notation for the whole column; a row without an interval is blank."""
    texts = ci_cells([_interval(2645.857, 3361.5249), None, _interval(0.43021949, 0.5578153)])
    assert texts[1] == ""
    bounds = [t.split(" … ") for t in (texts[0], texts[2])]
    assert bounds == [["2645.86", "3361.52"], ["0.430219", "0.557815"]]  # six significant digits
    wide = ci_cells([_interval(1.5e-6, 2.0e-6), _interval(1.25e7, 2.5e7)])
    assert [t.split(" … ") for t in wide] == [["1.50000e-06", "2.00000e-06"], ["1.25000e+07", "2.50000e+07"]]
    for low, high in (pair for t in wide for pair in [t.split(" … ")]):
        assert significant(low) == significant(high) == 6
