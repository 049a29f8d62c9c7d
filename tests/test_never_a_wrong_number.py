"""Issue 13 §2: inputs that gave a wrong number with exit 0 are exit 2 with the fix, and
the fixed command gives scikit-learn's number. Also two §4 items: JUnit without None, and
suggestions for unknown commands from the real names only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import hamming_loss, log_loss, zero_one_loss

import losscli
from losscli.errors import DataError


@pytest.fixture
def svm_scores(tmp_path):
    """Decision scores of a margin classifier (unbounded), like the issue's −31.9…13.9."""
    rng = np.random.default_rng(13)
    y = rng.integers(0, 2, 500)
    decision = (2 * y - 1) * rng.gamma(2.0, 3.0, 500) + rng.normal(0, 4, 500)
    path = tmp_path / "svm.csv"
    pd.DataFrame({"label": y, "decision": decision}).to_csv(path, index=False)
    return str(path), y, decision


def test_zero_one_on_scores_without_a_threshold_is_refused_with_the_fix(cli, svm_scores):
    path, y, decision = svm_scores
    done = cli("zero-one", path, "--pred", "decision")
    assert done.exit_code == 2
    assert (
        "probability in [0, 1]" in done.stderr
        and "--from-logits" in done.stderr
        and "--threshold" in done.stderr
    )
    want = zero_one_loss(y, (decision >= 0).astype(int))
    for fix in (["--from-logits"], ["--threshold", "0"]):
        done = cli("zero-one", path, "--pred", "decision", *fix, "-f", "value")
        assert done.exit_code == 0, done.stderr
        assert float(done.stdout) == pytest.approx(want, rel=1e-12)


def test_zero_one_on_probabilities_keeps_the_default_threshold(cli, tmp_path):
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 2, 300), rng.uniform(0, 1, 300)
    path = tmp_path / "p.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    done = cli("zero-one", str(path), "-f", "value")
    assert float(done.stdout) == pytest.approx(zero_one_loss(y, (p >= 0.5).astype(int)), rel=1e-12)


def test_hamming_on_logits_without_a_threshold_is_refused_and_with_one_is_sklearns(cli, tmp_path):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, (200, 3))
    s = rng.normal(0, 3, (200, 3))
    frame = pd.DataFrame({f"y_{k}": y[:, k] for k in range(3)} | {f"s_{k}": s[:, k] for k in range(3)})
    path = tmp_path / "tags.csv"
    frame.to_csv(path, index=False)
    done = cli("hamming", str(path), "--label", "y_*", "--pred", "s_*")
    assert done.exit_code == 2 and "--threshold" in done.stderr, done.stderr
    done = cli("hamming", str(path), "--label", "y_*", "--pred", "s_*", "--threshold", "0", "-f", "value")
    assert float(done.stdout) == pytest.approx(hamming_loss(y, (s >= 0).astype(int)), rel=1e-12)


def test_the_python_api_refuses_scores_for_a_default_threshold_too():
    y, scores = np.array([1, 0, 1]), np.array([-3.0, 2.0, 0.7])
    with pytest.raises(DataError, match="probability in"):
        losscli.losses.zero_one(y, scores)
    assert losscli.losses.zero_one(y, scores, threshold=0.0) == pytest.approx(2 / 3)


@pytest.fixture
def label_files(tmp_path):
    """Predictions with a sample_id, labels for the same ids: in order, and shuffled."""
    rng = np.random.default_rng(7)
    ids = np.arange(1, 401)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.7 * y + rng.uniform(0, 0.3, 400) * (1 - y) + rng.uniform(0, 0.3, 400), 0.01, 0.99)
    pd.DataFrame({"sample_id": ids, "pred": p}).to_csv(tmp_path / "preds.csv", index=False)
    pd.DataFrame({"sample_id": ids, "label": y}).to_csv(tmp_path / "labels.csv", index=False)
    order = rng.permutation(400)
    shuffled = pd.DataFrame({"sample_id": ids[order], "label": y[order]})
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    shuffled.to_parquet(tmp_path / "shuffled.parquet", index=False)
    pd.DataFrame({"sample_id": ids.astype(float), "label": y}).to_parquet(tmp_path / "labels.parquet")
    return tmp_path, y, p


def test_a_shuffled_label_file_sharing_an_id_column_is_refused_naming_the_row(cli, label_files):
    folder, y, p = label_files
    for shuffled in ("shuffled.csv", "shuffled.parquet"):
        done = cli("bce", str(folder / "preds.csv"), "--labels", str(folder / shuffled))
        assert done.exit_code == 2, done.stdout
        assert "'sample_id'" in done.stderr and "row 1 " in done.stderr and "--on sample_id" in done.stderr
        done = cli("bce", str(folder / "preds.csv"), "--labels", str(folder / shuffled), "--on", "sample_id",
                   "-f", "value")  # fmt: skip
        assert float(done.stdout) == pytest.approx(log_loss(y, p), rel=1e-12)


def test_label_files_in_the_same_order_need_no_on(cli, label_files):
    """Equal keys in the same order, even typed differently (7.0 in Parquet, 7 in CSV)."""
    folder, y, p = label_files
    for labels in ("labels.csv", "labels.parquet"):
        done = cli("bce", str(folder / "preds.csv"), "--labels", str(folder / labels), "-f", "value")
        assert done.exit_code == 0, done.stderr
        assert float(done.stdout) == pytest.approx(log_loss(y, p), rel=1e-12)


def test_the_rows_are_compared_in_every_chunk(tmp_path):
    """A mismatch far into the file (after many chunks) is found at its row."""
    from losscli.io.source import InputOptions

    n = 5000
    pd.DataFrame({"id": np.arange(n), "pred": np.zeros(n)}).to_csv(tmp_path / "p.csv", index=False)
    ids = np.arange(n)
    ids[[4321, 4322]] = ids[[4322, 4321]]
    pd.DataFrame({"id": ids, "label": np.zeros(n)}).to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(DataError, match=r"row 4322 has 'id' = '4321' but .* row 4322 has 'id' = '4322'"):
        losscli.evaluate(
            InputOptions(str(tmp_path / "p.csv"), chunk_rows=512, block_bytes=4096),
            "mse",
            labels=InputOptions(str(tmp_path / "l.csv"), chunk_rows=700, block_bytes=4096),
        )


def test_junit_never_writes_none(cli, tmp_path, sample_csv):
    """A max gate has no baseline, a baseline gate no limit: neither is written as None."""
    junit = tmp_path / "j.xml"
    done = cli("mse", sample_csv, "--max", "1", "--junit", str(junit))
    assert done.exit_code == 1
    text = junit.read_text()
    assert "None" not in text and 'name="limit" value="1' in text and 'name="baseline"' not in text


def test_unknown_commands_get_real_suggestions_only(cli):
    """'summarize' is not 'mae' (nor were 'compare' and 'report', before they existed); 'top-k-accuracy' is
    the complement of top-k-error (accuracy is a loss of its own since issue 15); a typo
    of a real name still gets it."""
    for args, want, unwanted in (
        (["summarize", "a.csv"], "losscli list", "mae"),
        (["comparre", "a.csv"], "did you mean 'compare'?", None),
        (["top-k-accuracy", "a.csv"], "1 − top-k-error", None),
        (["msee", "a.csv"], "did you mean 'mse'?", None),
        (["explain", "top-k-accuracy"], "losscli top-k-error", None),
    ):
        done = cli(*args)
        assert done.exit_code == 2
        assert want in done.stderr, done.stderr
        assert unwanted is None or f"'{unwanted}'" not in done.stderr
