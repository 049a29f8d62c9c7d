"""Property tests (issue 7), with hypothesis, derandomized so CI runs the same examples.

(a) Whatever bytes a file holds and whatever options are given, losscli ends in
    exit 0, 1 or 2 — never exit 3 or a traceback — and keeps SPEC §6's shape.
(b) Every loss in the registry, on random valid data read from a CSV file: the
    value does not depend on the chunk size (``block_bytes``) nor on the row
    order (to 1e-12 relative), and is finite.
(c) The regression losses without a domain, on arbitrary finite floats: the same.

Valid inputs per loss come from the registry-wide contract tests
(``make_inputs``/``weights_for`` in tests/test_losses_contract.py and
tests/test_losses_classification_contract.py), loaded here as they load each other.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import losscli
import losscli.losses as L
from losscli.io.source import InputOptions

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def examples(n: int) -> settings:
    """SETTINGS with ``n`` examples (modest: the whole file runs in well under a minute)."""
    return settings(SETTINGS, max_examples=n)


def _contract(name: str):
    path = Path(__file__).with_name(f"{name}.py")
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(f"_{name}", path))
    module.__spec__.loader.exec_module(module)
    return module


REGRESSION = _contract("test_losses_contract")
CLASSIFICATION = _contract("test_losses_classification_contract")
CASES: dict[str, list[tuple[dict, object]]] = {}
for _module in (REGRESSION, CLASSIFICATION):
    for _name, _params in _module.CASES:
        CASES.setdefault(_name, []).append((_params, _module))


# ------------------------------------------- (a) nothing ends in exit 3 ----

NAMES = ["pred", "label", "y", "target", "prob", "p0", "p1", "prob_a", "prob_b", "logit_0", "logit_1"]
NAMES += ["w", "weight", "id", "[bold]x[/bold]", "a b", "", "pr,ed", "é", "score", "#1", "q_a", "p_a"]
CELLS = ["0", "1", "-1", "0.5", "2", "1e400", "-0", "NaN", "inf", "-inf", "", '""', '"1,234"', "abc", "true"]
CELLS += ["1e-320", "1e308", "-1e308", "  4 ", '"', 'x"y', "0x10", "+1", "é", "[red]", "\x00", "cat"]
NO_CR = st.characters(blacklist_characters="\r\n")
LOSSES = ["mse", "mae", "r2", "huber", "bce", "cross-entropy", "hinge", "kl-div", "hamming", "poisson"]
LOSSES += ["msle", "top-k-error", "multiclass-hinge", "zero-one", "focal", "max-error", "gaussian-nll", "nll"]
FORMATS = ["json", "csv", "tsv", "jsonl", "value", "markdown", "table"]
WHOLE = ("json", "value", "markdown", "table")  # written only at the end: nothing on stdout on errors


def header_without_lone_cr(data: bytes) -> bytes:
    """A CR inside the header line (not the CR of a CRLF) is a known bug, exit 3: see
    test_hardening.py::test_cr_only_line_ends_work_or_fail_cleanly. It is kept out of the
    header here so that these properties look for other failures; data rows may hold CRs."""
    head, sep, rest = data.partition(b"\n")
    crlf = head.endswith(b"\r")
    head = head.rstrip(b"\r").replace(b"\r", b" ")
    return head + (b"\r" if crlf else b"") + sep + rest


@st.composite
def delimited_bytes(draw) -> bytes:
    if draw(st.integers(0, 3)) == 0:
        return header_without_lone_cr(draw(st.binary(max_size=400)))
    delim = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    width = draw(st.integers(1, 5))
    header = [draw(st.sampled_from(NAMES) | st.text(NO_CR, max_size=4)) for _ in range(width)]
    rows = [
        [
            draw(st.sampled_from(CELLS) | st.text(NO_CR, max_size=3))
            for _ in range(draw(st.integers(1, width + 1)))
        ]
        for _ in range(draw(st.integers(0, 5)))
    ]
    text = nl.join(delim.join(row) for row in [header, *rows]) + draw(st.sampled_from(["", nl]))
    data = text.encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@st.composite
def options(draw) -> list[str]:
    args: list[str] = []
    choices = {
        "--pred": [
            "pred",
            "p0",
            "#1",
            "#2",
            "#9",
            "prob_*",
            "p0,p1",
            "logit_*",
            "nope",
            "[bold]x[/bold]",
            "pr,ed",
        ],
        "--label": ["label", "y", "#1", "#2", "p_*", "nope", "a b"],
        "--weight": ["w", "weight", "#1", "nope"],
        "--delimiter": [",", ";", "\t", "|", " "],
        "--nan": ["drop", "error"],
        "--worst": ["0", "2"],
        "--rows": ["0", "1", "all"],
        "--by": ["id", "label", "nope"],
        "--max": ["0.5", "1e9", "-1"],
        "--min": ["0.1"],
        "--positive": ["cat", "1"],
    }
    for option, values in choices.items():
        if draw(st.integers(0, 2)) == 0:
            args += [option, draw(st.sampled_from(values))]
    for flag in ("--no-header", "--from-logits"):
        if draw(st.integers(0, 3)) == 0:
            args.append(flag)
    return [*args, "--format", draw(st.sampled_from(FORMATS))]


def check_outcome(result, args: list[str]) -> None:
    out, err, code = result.stdout, result.stderr, result.exit_code
    assert code in (0, 1, 2), f"exit {code}: {err}"
    assert "Traceback" not in err
    if code == 1:  # only a check can fail a run that worked
        assert "--max" in args or "--min" in args, err
    if code == 2:
        assert err.startswith("losscli: error: ") or "Usage:" in err, err
        if err.startswith("losscli: error: "):
            lines = [
                line
                for line in err.split("\n")[:-1]
                if not line.startswith(("PASS", "FAIL", "losscli: warning"))
            ]
            assert 1 <= len(lines) <= 2, err
        fmt = args[args.index("--format") + 1]
        if fmt in WHOLE:
            assert out == "", out
    if code in (0, 1) and args[args.index("--format") + 1] == "json":
        doc = json.loads(out)  # json.loads accepts NaN/Infinity: checked below
        for res in doc["results"]:
            assert math.isfinite(res["value"]), res


@examples(80)
@given(
    data=delimited_bytes(),
    loss=st.sampled_from(LOSSES),
    args=options(),
    ext=st.sampled_from([".csv", ".tsv", ".txt", "", ".jsonl", ".parquet", ".csv.gz"]),
)
def test_random_files_and_options_never_end_in_exit_3(cli, write_file, data, loss, args, ext):
    path = write_file("in" + ext, data)
    check_outcome(cli(loss, path, *args), args)


LABELS = ["0", "1", "2", "-1", "+1", "true", "false", "cat", "dog", "", "nan", "0.5", "3", "-100"]
SCORES = ["0", "1", "0.5", "0.2", "0.8", "-3", "4", "1.5", "", "nan", "inf", "1e-320", "0.333333", "abc"]
CLASS_LOSSES = [s.name for s in L.all_losses() if s.task != "regression"]


@st.composite
def class_table(draw) -> str:
    k = draw(st.integers(1, 4))
    prefix = draw(st.sampled_from(["prob_", "logit_", "p", "p_", "q_", "y_", "s_", "proba_"]))
    suffixes = draw(
        st.sampled_from([[str(i) for i in range(k)], list("abcd")[:k], ["cat", "dog", "eel", "fox"][:k]])
    )
    columns = ["label", *(prefix + s for s in suffixes)]
    if draw(st.booleans()):
        columns += ["p_" + s for s in suffixes]
    if draw(st.booleans()):
        columns.append("w")
    rows = [
        [draw(st.sampled_from(LABELS if c == "label" else SCORES)) for c in columns]
        for _ in range(draw(st.integers(0, 6)))
    ]
    return "\n".join(",".join(r) for r in [columns, *rows]) + "\n"


@st.composite
def class_options(draw) -> list[str]:
    args = draw(options())
    extra = {
        "--label-smoothing": ["0.1", "1.5"],
        "--class-weight": ["1,2", "1,2,3", "1,x"],
        "--ignore-label": ["-100", "0", "cat"],
        "--k": ["1", "2", "0", "9"],
        "--threshold": ["0.5", "-1"],
        "--compat": ["torch", "keras", "sklearn", "bogus"],
        "--pred": ["prob_*", "q_*", "s_*", "p_*", "logit_*", "p*"],
        "--label": ["label", "p_*", "y_*"],
    }
    for option, values in extra.items():
        if draw(st.integers(0, 3)) == 0:
            args = [option, draw(st.sampled_from(values)), *args]
    return args


@examples(80)
@given(text=class_table(), loss=st.sampled_from(CLASS_LOSSES), args=class_options())
def test_classification_shaped_files_never_end_in_exit_3(cli, write_file, text, loss, args):
    path = write_file("classes.csv", text)
    check_outcome(cli(loss, path, *args), args)


# ------------------------------- (b) every loss: chunks, order, finiteness ----


def write_inputs(
    path: Path, arrays: list[np.ndarray], w: np.ndarray | None, order: np.ndarray, name: str = ""
) -> dict:
    """One CSV column per input column (``lab_0``… for 2-D roles); the evaluate() keywords.
    The arrays are the loss's input roles in order (``name``'s; else label, prediction,
    variance)."""
    columns: list[tuple[str, np.ndarray]] = []

    def add(prefix: str, values: np.ndarray) -> str:
        values = np.asarray(values)
        if values.ndim == 1:
            columns.append((prefix, values))
            return prefix
        columns.extend((f"{prefix}_{j}", values[:, j]) for j in range(values.shape[1]))
        return prefix + "_*"

    roles = (L.get_loss(name).inputs if name else ("y_true", "y_pred", "var"))[: len(arrays)]
    keyword = {"y_true": "label", "y_pred": "pred"}
    prefix = {"y_true": "lab", "y_pred": "prd"}
    keywords = {
        keyword.get(role, role): add(prefix.get(role, role), values)
        for role, values in zip(roles, arrays, strict=True)
    }
    if w is not None:
        keywords["weight"] = add("wt", w)
    cells = [[str(v) for v in values[order].tolist()] for _, values in columns]  # repr: exact round trip
    lines = [",".join(name for name, _ in columns), *(",".join(row) for row in zip(*cells, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return keywords


def result_of(path: Path, block: int, name: str, params: dict, keywords: dict):
    return losscli.evaluate(
        InputOptions(str(path), block_bytes=block), (name, params), rows=0, **keywords
    ).results[0]


def assert_finite(result) -> None:
    for key in ("value", "mean", "sum", "weight_sum"):
        assert math.isfinite(getattr(result, key)), key
    assert all(math.isfinite(q) for q in result.quantiles.values())


def test_every_registered_loss_is_covered_below():
    assert set(CASES) == {spec.name for spec in L.all_losses()}


@pytest.mark.parametrize("name", sorted(CASES))
@examples(6)
@given(
    variant=st.integers(0, 10),
    seed=st.integers(0, 2**16),
    n=st.integers(8, 60),
    weighted=st.booleans(),
    blocks=st.lists(st.integers(16, 600), min_size=2, max_size=3),
    shuffle=st.randoms(use_true_random=False),
)
def test_every_loss_is_chunk_and_order_invariant_and_finite(
    tmp_path, name, variant, seed, n, weighted, blocks, shuffle
):
    params, module = CASES[name][variant % len(CASES[name])]
    arrays = [np.asarray(a) for a in module.make_inputs(name, params, seed, n=n)]
    w = module.weights_for(n, seed) if weighted else None
    if w is not None and not w.sum():
        w[-1] = 1.0
    path = tmp_path / "rows.csv"
    keywords = write_inputs(path, arrays, w, np.arange(n), name)
    one = result_of(path, 1 << 26, name, params, keywords)
    assert_finite(one)
    for block in blocks:
        chunked = result_of(path, block, name, params, keywords)
        assert chunked.count == one.count
        assert chunked.value == pytest.approx(one.value, rel=1e-12, abs=0), block
        assert chunked.sum == pytest.approx(one.sum, rel=1e-12, abs=0), block
    order = np.arange(n)
    shuffle.shuffle(order)
    shuffled_path = tmp_path / "shuffled.csv"
    write_inputs(shuffled_path, arrays, w, order, name)
    shuffled = result_of(shuffled_path, min(blocks), name, params, keywords)
    assert shuffled.count == one.count
    assert shuffled.value == pytest.approx(one.value, rel=1e-12, abs=0)
    assert_finite(shuffled)


# ----------------------------- (c) regression losses on arbitrary floats ----

FREE = [
    s.name
    for s in L.all_losses("regression")
    if not s.domain(s.bind({})) and not s.extra_inputs and s.name not in ("r2", "poisson-nll")
]  # r2: test_numerics.py; poisson-nll takes log-rates, and e^z overflows (a clean exit 2) past z ≈ 709
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def test_free_regression_losses_are_the_expected_ones():
    assert {"mse", "mae", "huber", "log-cosh", "quantile", "max-error"} <= set(FREE)


@pytest.mark.parametrize("name", FREE)
@examples(15)
@given(
    pairs=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)), elements=FLOATS),
    block=st.integers(16, 300),
    shuffle=st.randoms(use_true_random=False),
)
def test_regression_losses_on_arbitrary_floats(tmp_path, name, pairs, block, shuffle):
    y, p = pairs[:, 0], pairs[:, 1]
    path = tmp_path / "floats.csv"
    keywords = write_inputs(path, [y, p], None, np.arange(len(y)))
    one = result_of(path, 1 << 26, name, {}, keywords)
    assert_finite(one)
    assert one.count == len(y)
    chunked = result_of(path, block, name, {}, keywords)
    assert chunked.value == pytest.approx(one.value, rel=1e-12, abs=0)
    order = np.arange(len(y))
    shuffle.shuffle(order)
    write_inputs(path, [y, p], None, order)
    assert result_of(path, block, name, {}, keywords).value == pytest.approx(one.value, rel=1e-12, abs=0)
