"""Issue 13 §3: ``--baseline`` reads nested metrics files as DVC writes them
(``{"test": {"mse": 0.2}}``, addressed by ``--baseline-key test`` or as ``test.mse``) and
YAML metrics files (``metrics.yaml``/``.yml``), keeping every guard a JSON baseline has:
bounded read, finite values, depth limits, no anchors/aliases (billion laughs), a
mapping at the top, ``yaml.safe_load`` only. A missing key lists the keys found.

Expected values are scikit-learn's on the sample file; the baselines are written by the
tests from those values.
"""

from __future__ import annotations

import itertools
import json
import re
import resource
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "diabetes_regression.csv"


@pytest.fixture(autouse=True)
def no_losscli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOSSCLI_CONFIG", "LOSSCLI_RTOL", "LOSSCLI_ATOL", "LOSSCLI_ALLOW_MISSING_BASELINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ref(sample_df) -> dict[str, float]:
    y, p = sample_df["label"].to_numpy(float), sample_df["pred"].to_numpy(float)
    return {
        "mse": float(mean_squared_error(y, p)),
        "mae": float(mean_absolute_error(y, p)),
        "r2": float(r2_score(y, p)),
    }


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "val.csv").write_bytes(SAMPLE.read_bytes())
    return tmp_path


def dvc(ref: dict[str, float], scale: float = 1.0) -> dict[str, dict[str, float]]:
    """A DVC-style nested metrics file: test and train sections."""
    return {
        "test": {"mse": ref["mse"] * scale, "mae": ref["mae"] * scale},
        "train": {"mse": ref["mse"] / 3, "mae": ref["mae"] / 2},
    }


def to_yaml(data: dict[str, object], indent: int = 0) -> str:
    """Block-style YAML written by hand (floats in repr, which PyYAML reads as floats)."""
    out = ""
    for key, value in data.items():
        if isinstance(value, dict):
            out += " " * indent + f"{key}:\n" + to_yaml(value, indent + 2)
        else:
            out += " " * indent + f"{key}: {value!r}\n"
    return out


def write(path: Path, data: dict[str, object]) -> Path:
    text = to_yaml(data) if path.suffix in (".yaml", ".yml") else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def baselines_in(stdout: str) -> dict[str, float]:
    return {c["loss"]: c["baseline"] for c in json.loads(stdout)["checks"]}


# ------------------------------------------------ nested JSON and YAML, both ways ----


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["metrics.json", "metrics.yaml", "metrics.yml"])
def test_a_nested_baseline_under_a_key_gates_every_loss(cli, proj, ref, name):
    base = write(proj / name, dvc(ref, scale=1.001))
    args = ("eval", proj / "val.csv", "-l", "mse", "-l", "mae", "--baseline", base, "--baseline-key", "test")
    result = cli(*args, "--rtol", "1%", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert baselines_in(result.stdout) == pytest.approx(
        {"mse": ref["mse"] * 1.001, "mae": ref["mae"] * 1.001}
    )
    assert [line.split()[:2] for line in result.stderr.splitlines()] == [["PASS", "mse"], ["PASS", "mae"]]


@pytest.mark.parametrize("name", ["metrics.json", "metrics.yaml"])
def test_a_key_naming_one_value_is_that_losss_baseline(cli, proj, ref, name):
    base = write(proj / name, dvc(ref))
    result = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test.mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert baselines_in(result.stdout) == {"mse": pytest.approx(ref["mse"])}
    train = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "train.mse", "-f", "json")
    assert train.exit_code == 1 and "FAIL mse" in train.stderr  # test mse is 3x train's


def test_a_key_naming_one_value_with_several_losses_is_exit_2(cli, proj, ref, expect_error):
    base = write(proj / "metrics.json", dvc(ref))
    expect_error(
        cli(
            "eval",
            proj / "val.csv",
            "-l",
            "mse",
            "-l",
            "mae",
            "--baseline",
            base,
            "--baseline-key",
            "test.mse",
        ),
        "--baseline-key 'test.mse' names one value, and this run has 2 losses",
    )


def test_dots_go_deeper_and_a_losscli_result_nests_too(cli, proj, ref):
    deep = {"eval": {"test": {"mse": ref["mse"]}}}
    base = write(proj / "deep.json", deep)
    result = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "eval.test", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert baselines_in(result.stdout) == {"mse": pytest.approx(ref["mse"])}
    nested_result = {"test": {"results": [{"loss": "mse", "value": ref["mse"]}], "passed": True}}
    base = write(proj / "result.json", nested_result)
    result = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert baselines_in(result.stdout) == {"mse": pytest.approx(ref["mse"])}


@pytest.mark.smoke
def test_a_check_config_takes_baseline_key_per_check_and_as_a_default(cli, proj, ref):
    write(proj / "metrics.yaml", dvc(ref))
    config = proj / "losscli.toml"
    config.write_text(
        'baseline_key = "test"\n'
        '[[check]]\nname = "by-default"\nfile = "val.csv"\nloss = "mse"\nbaseline = "metrics.yaml"\n'
        '[[check]]\nname = "own-key"\nfile = "val.csv"\nloss = "mae"\nbaseline = "metrics.yaml"\n'
        'baseline_key = "test.mae"\n'
        '[[check]]\nname = "train"\nfile = "val.csv"\nloss = "mse"\nbaseline = "metrics.yaml"\n'
        'baseline_key = "train"\n',
        encoding="utf-8",
    )
    result = cli("check", config, "-f", "json")
    assert result.exit_code == 1, result.stderr  # the train baseline is 3x better
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["by-default"]["baseline"] == pytest.approx(ref["mse"]) and checks["by-default"]["passed"]
    assert checks["own-key"]["baseline"] == pytest.approx(ref["mae"]) and checks["own-key"]["passed"]
    assert checks["train"]["baseline"] == pytest.approx(ref["mse"] / 3) and not checks["train"]["passed"]
    assert "FAIL train" in result.stderr


def test_a_check_named_like_a_dotted_key_finds_it_without_a_baseline_key(cli, proj, ref):
    write(proj / "metrics.json", dvc(ref))
    config = proj / "losscli.toml"
    config.write_text(
        '[[check]]\nname = "test.mse"\nfile = "val.csv"\nloss = "mse"\nbaseline = "metrics.json"\n',
        encoding="utf-8",
    )
    result = cli("check", config, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["checks"][0]["baseline"] == pytest.approx(ref["mse"])


# ------------------------------------------------------------ gates that fail ----


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["metrics.json", "metrics.yaml"])
def test_a_gate_failing_on_a_nested_baseline_exits_1_with_a_fail_line(cli, proj, ref, name):
    base = write(proj / name, dvc(ref, scale=0.5))  # the baseline was twice as good
    result = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test", "--rtol", "5%")
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("FAIL")]
    assert line.startswith("FAIL mse ") and f"baseline {ref['mse'] * 0.5:.6g}" in line
    config = proj / "losscli.toml"
    config.write_text(
        f'[[check]]\nname = "m"\nfile = "val.csv"\nloss = "mse"\nbaseline = "{name}"\nbaseline_key = "test"\n',
        encoding="utf-8",
    )
    checked = cli("check", config)
    assert checked.exit_code == 1 and checked.stderr.startswith("FAIL m ")


def test_higher_is_better_follows_the_loss_under_a_key(cli, proj, ref):
    base = write(proj / "metrics.yaml", {"test": {"r2": ref["r2"] + 0.01}})
    result = cli("r2", proj / "val.csv", "--baseline", base, "--baseline-key", "test")
    assert result.exit_code == 1 and "FAIL r2 " in result.stderr and "worse than baseline" in result.stderr


# ------------------------------------------------- a missing key lists the found ----


@pytest.mark.smoke
def test_a_loss_missing_under_the_key_fails_listing_the_keys_found(cli, proj, ref):
    base = write(proj / "metrics.json", {"test": {"mae": 1.0}, "train": {"mse": 2.0}})
    result = cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test")
    assert result.exit_code == 1
    assert f"baseline {base} has no 'mse' under 'test'; found: test.mae, train.mse" in result.stderr
    allowed = cli(
        "mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test", "--allow-missing-baseline"
    )
    assert allowed.exit_code == 0 and "(allowed)" in allowed.stderr


def test_a_nested_file_without_a_key_suggests_one(cli, proj, ref):
    base = write(proj / "metrics.json", dvc(ref))
    result = cli("mse", proj / "val.csv", "--baseline", base)
    assert result.exit_code == 1
    found = "found: test.mse, test.mae, train.mse, train.mae"
    assert f"has no 'mse'; {found}; try --baseline-key test or --baseline-key train" in result.stderr
    config = proj / "losscli.toml"
    config.write_text('[[check]]\nname = "c"\nfile = "val.csv"\nloss = "mse"\nbaseline = "metrics.json"\n')
    checked = cli("check", config)
    assert checked.exit_code == 1
    assert checked.stderr.startswith("FAIL c ")
    assert f'{found}; try baseline_key = "test" or baseline_key = "train"' in checked.stderr


def test_a_key_not_in_the_file_is_exit_2_listing_the_keys_found(cli, proj, ref, expect_error):
    base = write(proj / "metrics.yaml", dvc(ref))
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "tset"),
        "has no key 'tset'; found: test.mse, test.mae, train.mse, train.mae",
    )


def test_the_keys_listed_are_few_neutralised_and_cut(cli, proj, expect_error):
    hostile = "\x1b[31mred\u202e" + "k" * 500
    data: dict[str, object] = {f"m{i}": float(i) for i in range(30)}
    data[hostile] = 1.0
    base = write(proj / "metrics.json", data)
    err = expect_error(
        cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "nope"), "(23 more)"
    )
    assert "\x1b" not in err and "\u202e" not in err and "k" * 60 not in err
    assert len(err) < 600


def test_a_key_holding_no_numbers_is_exit_2(cli, proj, expect_error):
    base = write(proj / "metrics.json", {"test": [1, 2], "train": {"mse": 1.0}})
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", base, "--baseline-key", "test"),
        "the baseline key 'test' holds a list, not numbers by loss",
    )


# ------------------------------------------------------------- wrong types ----


@pytest.mark.parametrize(
    ("name", "text", "what"),
    [
        ("m.json", '{"test": {"mse": "0.2"}}', "a string that looks like a number"),
        ("m.json", '{"test": {"mse": true}}', "a boolean"),
        ("m.json", '{"test": {"mse": null}}', "null"),
        ("m.yaml", "test:\n  mse: 1e-5\n", "a string that looks like a number"),  # YAML 1.1
        ("m.yaml", "test:\n  mse: yes\n", "a boolean"),
        ("m.yaml", "test:\n  mse: 2024-01-31\n", "a date"),
    ],
)
def test_a_baseline_value_of_the_wrong_type_is_exit_2(cli, proj, expect_error, name, text, what):
    (proj / name).write_text(text, encoding="utf-8")
    err = expect_error(
        cli("mse", proj / "val.csv", "--baseline", proj / name, "--baseline-key", "test"),
        f"{name}: the baseline for 'test.mse' is not a number: it is {what}",
    )
    if text.endswith("1e-5\n"):
        assert "write 1.0e-5" in err
    assert "0.2" not in err.splitlines()[0]  # the value is file content: never echoed


def test_a_wrong_type_baseline_key_in_a_config_is_exit_2(cli, proj, expect_error):
    config = proj / "losscli.toml"
    config.write_text(
        '[[check]]\nname = "c"\nfile = "val.csv"\nloss = "mse"\nbaseline = "m.json"\nbaseline_key = 1\n',
        encoding="utf-8",
    )
    expect_error(
        cli("check", config),
        "losscli.toml: check #1 ('c'): key 'baseline_key' must be a non-empty string, got the integer 1",
    )
    config.write_text('[[check]]\nname = "c"\nfile = "val.csv"\nloss = "mse"\nmax = 1\nbaseline_key = "t"\n')
    expect_error(cli("check", config), "key 'baseline_key' picks values in a baseline, and there is none")


def test_baseline_key_without_baseline_is_exit_2(cli, proj, expect_error):
    expect_error(cli("mse", proj / "val.csv", "--baseline-key", "test"), "give --baseline too")


# --------------------------------------------------------- YAML stays safe ----


def laughs(levels: int = 9) -> str:
    """The billion-laughs file: 9 levels of 9 aliases each expand to 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for prev, name in itertools.pairwise(names[: levels + 1]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.smoke
def test_a_billion_laughs_yaml_is_refused_within_bounded_memory(losscli_exe, process_env, proj):
    (proj / "laughs.yaml").write_text(laughs(), encoding="utf-8")
    limit = 1 << 30  # 1 GiB of address space: the expansion would need far more

    def cap() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [losscli_exe, "mse", str(proj / "val.csv"), "--baseline", str(proj / "laughs.yaml")],
        capture_output=True,
        env=process_env,
        timeout=60,
        preexec_fn=cap,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "laughs.yaml: not a readable YAML baseline: it uses YAML anchors or aliases" in err
    assert "Traceback" not in err and "MemoryError" not in err


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("mse: &x 1.0\n", "anchors or aliases"),  # an anchor alone: no metrics file needs one
        ("base: &b {mse: 1.0}\ntest:\n  <<: *b\n", "anchors or aliases"),  # a merge key
        (
            "".join(" " * (2 * i) + f"k{i}:\n" for i in range(100)) + " " * 200 + "mse: 1.0\n",
            "deeper than 64",
        ),
        ("[" * 100_000 + "]" * 100_000 + "\n", "not a readable YAML baseline"),
        ("a: [" + ",".join(["1"] * 50_001) + "]\n", "more than 50,000 values"),
        ("mse: " + "9" * 5000 + "\n", "not a readable YAML baseline"),
        ("mse: [1, 2\n", "not a readable YAML baseline"),
        ("- 1\n- 2\n", "not a list"),
        ("just text\n", "not a string"),
        ("", "not null"),
        ("mse: 1.0\n---\nmse: 2.0\n", "not a readable YAML baseline"),
        ("? [a, b]\n: 1.0\n", "not a readable YAML baseline"),
    ],
)
def test_hostile_or_malformed_yaml_is_exit_2(cli, proj, expect_error, text, needle):
    (proj / "m.yaml").write_text(text, encoding="utf-8")
    err = expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "m.yaml"), "m.yaml", needle)
    assert len(err) < 400


def test_python_tags_are_never_constructed(cli, proj, expect_error):
    marker = proj / "PWNED"
    text = f'mse: !!python/object/apply:os.system ["touch {marker}"]\n'
    (proj / "m.yaml").write_text(text, encoding="utf-8")
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "m.yaml"), "not a readable YAML baseline")
    assert not marker.exists()


@pytest.mark.parametrize("spelling", [".inf", "-.inf", ".nan", ".NaN", ".Inf", "1.0e+400", "1" + "0" * 400])
def test_a_non_finite_yaml_value_is_refused(cli, proj, expect_error, spelling):
    (proj / "m.yml").write_text(f"test:\n  mse: {spelling}\n", encoding="utf-8")
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", proj / "m.yml", "--baseline-key", "test"),
        "m.yml: the baseline for 'test.mse' is",
        "not a finite number",
    )


def test_a_yaml_baseline_is_bounded_to_1_mib(cli, proj, expect_error):
    with open(proj / "big.yaml", "wb") as fh:
        fh.truncate(2**20 + 1)  # sparse: nothing written
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", proj / "big.yaml"),
        "big.yaml: the baseline is larger than 1 MiB",
    )


def test_yaml_is_not_imported_to_read_a_json_baseline(proj, ref):
    code = (
        "import sys, json\nfrom losscli.baselines import load_baseline\n"
        f"b = load_baseline({str(proj / 'b.json')!r})\nprint(json.dumps(['yaml' in sys.modules, b.lookup('mse')]))"
    )
    write(proj / "b.json", {"mse": ref["mse"]})
    done = subprocess.run(
        [__import__("sys").executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [False, ref["mse"]]


# -------------------------------------------------- --write-baseline: still JSON ----


def test_write_baseline_writes_json_even_to_a_yaml_name_and_reads_it_back(cli, proj):
    small = proj / "small.csv"
    rng = np.random.default_rng(3)
    y = rng.normal(size=50)
    p = y + rng.normal(scale=1e-3, size=50)  # mse ~1e-6: JSON writes it as 1e-06
    small.write_text(
        "pred,label\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(p.tolist(), y.tolist(), strict=True))
    )
    out = proj / "base.yaml"
    assert cli("mse", small, "--write-baseline", out, "-f", "value").exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))  # JSON, as today
    [entry] = data["results"]
    assert entry["value"] == pytest.approx(mean_squared_error(y, p), rel=1e-12)
    assert re.search(r"\d+e-0?\d", out.read_text())  # a value YAML 1.1 would read as text
    again = cli("mse", small, "--baseline", out, "-f", "value")
    assert again.exit_code == 0, again.stderr
    assert "PASS mse" in again.stderr
