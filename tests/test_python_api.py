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


# ---- errors through the API name the keyword (pred=), not the flag (--pred) ----

y3, p3 = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
CSV_CASES = {  # file name → content (the CLI reads the same input from a file)
    "a.csv": "sample_id,pred\n1,0.5\n2,0.5\n3,0.5\n",
    "b.csv": "sample_id,label\n2,1\n1,0\n3,1\n",
    "latin.csv": b"pred,label\n1,2\n2,3\n\xe9,3\n",
    "fields.csv": "pred,label\n1,2\n2,3,4\n",
    "text.csv": "pred,label\n1,2\nabc,3\n",
    "two_preds.csv": "a,b,label\n1,2,3\n",
    "no_label.csv": "pred\n1\n",
    "plain.csv": "pred,label\n1.5,1\n2,2\n2,3\n",
    "nan.csv": "pred,label\n1,1\n,2\n2,3\n",
    "scores.csv": "pred,label\n1.5,0\n2,1\n2,1\n",
    "animals.csv": "pred,label\n0.1,cat\n0.2,dog\n0.3,cat\n",
    "rows.csv": "p0,p1,label\n0.2,0.8,0\n0.5,0.6,1\n",
}
API_CASES = [
    # (what, the API call, the keyword it must name, the CLI arguments, the flag they name)
    ("pred", lambda f: losscli.evaluate(f("two_preds.csv"), "mse"), "pred=COL", ["mse", "two_preds.csv"], "--pred COL"),
    ("pred", lambda f: losscli.evaluate(f("plain.csv"), "mse", pred="nope"), "(for pred=)", ["mse", "plain.csv", "--pred", "nope"], "(for --pred)"),
    ("label", lambda f: losscli.evaluate(f("no_label.csv"), "mse"), "label=COL", ["mse", "no_label.csv"], "--label COL"),
    ("weight", lambda f: losscli.evaluate(f("plain.csv"), "mse", weight="w"), "(for weight=)", ["mse", "plain.csv", "--weight", "w"], "(for --weight)"),
    ("by", lambda f: losscli.evaluate(f("plain.csv"), "mse", by="g"), "(for by=)", ["mse", "plain.csv", "--by", "g"], "(for --by)"),
    ("id", lambda f: losscli.evaluate(f("plain.csv"), "mse", id="i"), "(for id=)", ["mse", "plain.csv", "--id", "i"], "(for --id)"),
    ("on", lambda f: losscli.evaluate(f("plain.csv"), "mse", on="k"), "on=KEY joins a labels=FILE", ["mse", "plain.csv", "--on", "k"], "--on KEY joins a --labels FILE"),
    ("labels", lambda f: losscli.evaluate(f("a.csv"), "bce", labels=f("b.csv")), "use on='sample_id'", ["bce", "a.csv", "--labels", "b.csv"], "use --on sample_id"),
    ("nan", lambda f: losscli.evaluate(f("nan.csv"), "mse"), "use nan='drop'", ["mse", "nan.csv"], "use --nan drop"),
    ("var", lambda f: losscli.evaluate(f("plain.csv"), "mse", var="v"), "var= is only used", ["eval", "plain.csv", "-l", "mse", "--var", "v"], "--var is only used"),
    ("params", lambda f: losscli.evaluate(f("plain.csv"), "huber", params={"delta": -1}), "huber: delta= must be > 0", ["huber", "plain.csv", "--delta", "-1"], "huber: --delta must be > 0"),
    ("params", lambda f: losscli.evaluate(f("plain.csv"), "huber:delta=x"), "delta= takes a float", ["eval", "plain.csv", "-l", "huber:delta=x"], "--delta takes a float"),
    ("threshold", lambda f: losscli.evaluate(f("scores.csv"), "zero-one"), "threshold=T", ["zero-one", "scores.csv"], "--threshold T"),
    ("from_logits", lambda f: losscli.evaluate(f("scores.csv"), "bce"), "use from_logits=True", ["bce", "scores.csv"], "use --from-logits"),
    ("positive", lambda f: losscli.evaluate(f("animals.csv"), "bce"), "positive=LABEL", ["bce", "animals.csv"], "--positive LABEL"),
    ("positive", lambda f: losscli.evaluate(f("animals.csv"), "bce", positive="cow"), "positive='cow' matches no label", ["bce", "animals.csv", "--positive", "cow"], "--positive 'cow' matches no label"),
    ("compat", lambda f: losscli.evaluate(f("plain.csv"), "mse", compat="bad"), "unknown compat='bad'", ["eval", "plain.csv", "-l", "mse", "--compat", "bad"], None),
    ("normalize", lambda f: losscli.evaluate(f("rows.csv"), "cross-entropy"), "normalize=True renormalises each row", ["cross-entropy", "rows.csv"], "--normalize renormalises each row"),
    ("encoding", lambda f: losscli.evaluate(f("latin.csv"), "mse"), "InputOptions(path, encoding='latin-1')", ["mse", "latin.csv"], "use --encoding latin-1"),
    ("delimiter", lambda f: losscli.evaluate(f("fields.csv"), "mse"), "InputOptions(path, delimiter=…)", ["mse", "fields.csv"], "check --delimiter"),
    ("pred, label", lambda f: losscli.evaluate(f("text.csv"), "mse"), "pred=/label=", ["mse", "text.csv"], "--pred/--label"),
]  # fmt: skip


@pytest.fixture
def case_files(tmp_path):
    for name, content in CSV_CASES.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return lambda name: str(tmp_path / name)


@pytest.mark.parametrize(
    ("what", "call", "keyword", "args", "flag"), API_CASES, ids=[c[0] for c in API_CASES]
)
def test_api_errors_name_the_keyword_and_the_cli_the_flag(
    case_files, cli, expect_error, expect_usage_error, what, call, keyword, args, flag
):
    with pytest.raises(losscli.LossCliError) as caught:
        call(case_files)
    text = f"{caught.value.message} {caught.value.hint or ''}"
    assert keyword in text, text
    assert "--" not in text, text  # no command-line flag in what a Python user reads
    result = cli(*[case_files(a) if a in CSV_CASES else a for a in args])
    if flag is None:  # Typer checks --compat's choices itself: its own usage error names the flag
        expect_usage_error(result, "--compat")
        return
    expect_error(result, flag)


def test_the_numpy_functions_name_keywords_too():
    with pytest.raises(losscli.LossCliError, match="huber: delta= must be > 0"):
        losscli.losses.huber(y3, p3, delta=-1)
    with pytest.raises(losscli.LossCliError) as caught:
        losscli.losses.zero_one(np.array([0, 1, 1]), p3)
    assert caught.value.hint == "use from_logits=True for scores or logits (threshold 0), or threshold=T"


def test_the_spelling_is_the_callers_after_an_api_error(case_files, cli, expect_error):
    """The API's context ends with its call: a CLI run afterwards names flags again."""
    with pytest.raises(losscli.LossCliError, match="pred="):
        losscli.evaluate(case_files("two_preds.csv"), "mse")
    expect_error(cli("mse", case_files("two_preds.csv")), "--pred COL")


def test_the_dask_engine_names_keywords(case_files):
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.read_csv(case_files("plain.csv")), npartitions=1)
    with pytest.raises(losscli.LossCliError) as caught:
        losscli.evaluate(frame, "mse", labels=case_files("b.csv"))
    assert str(caught.value) == "labels=/on= are not available with engine='dask'; join the files first"


def test_a_dask_partition_spells_as_its_caller(case_files):
    """A partition runs in a worker (or a scheduler thread) that does not share the caller's
    context: the task carries the spelling, so the hint still says nan='drop'."""
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.read_csv(case_files("nan.csv")), npartitions=2)
    with pytest.raises(losscli.LossCliError) as caught:
        losscli.evaluate(frame, "mse")
    assert caught.value.hint == "use nan='drop' to skip such rows", caught.value
