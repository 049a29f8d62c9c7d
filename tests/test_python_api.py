"""Issue 13 §5: the Python API as a Python user expects — a short repr, results by name,
a pandas table, and arrays in a dict as input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

import losscli

pytestmark = pytest.mark.smoke


@pytest.fixture
def arrays():
    rng = np.random.default_rng(5)
    y, p = rng.normal(size=5000), rng.normal(size=5000)
    return y, p, rng.choice(["a", "b"], 5000)


def test_a_dict_of_arrays_is_an_input(arrays):
    y, p, _ = arrays
    result = losscli.evaluate({"pred": p, "label": y}, "mse")
    assert result["mse"].value == pytest.approx(mean_squared_error(y, p), rel=1e-12)
    assert result.source.path == "<arrays>" and result.source.rows == 5000
    with pytest.raises(losscli.LossCliError, match="differ in length"):
        losscli.evaluate({"pred": p, "label": y[:10]}, "mse")


def test_repr_is_a_short_summary_not_the_arrays(arrays):
    y, p, g = arrays
    result = losscli.evaluate({"pred": p, "label": y, "g": g}, ["mse", "mae"], by="g", rows=None)
    text = repr(result)
    assert len(text) < 200 and "mse=" in text and "mae=" in text and "array(" not in text
    assert repr(result["mae"]).startswith("LossResult(mae=") and "2 groups" in repr(result["mae"])


def test_results_by_name_and_a_clear_key_error(arrays):
    y, p, _ = arrays
    result = losscli.evaluate({"pred": p, "label": y}, ["mse", "mae"])
    assert result["mae"].value == pytest.approx(mean_absolute_error(y, p), rel=1e-12)
    with pytest.raises(KeyError, match=r"'r2'.*'mse', 'mae'"):
        result["r2"]


def test_to_pandas_has_a_row_per_loss_and_per_group(arrays):
    y, p, g = arrays
    table = losscli.evaluate({"pred": p, "label": y, "g": g}, ["mse", "mae"], by="g").to_pandas()
    assert isinstance(table, pd.DataFrame) and len(table) == 2 * 3
    whole = table[table["group"].isna()].set_index("loss")["value"]
    assert whole["mse"] == pytest.approx(mean_squared_error(y, p), rel=1e-12)
    a = table[(table["loss"] == "mae") & (table["group"] == "a")]
    assert a["value"].item() == pytest.approx(mean_absolute_error(y[g == "a"], p[g == "a"]), rel=1e-12)
    assert a["count"].item() == int((g == "a").sum())
