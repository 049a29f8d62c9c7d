"""CI gates over results: ``max``/``min`` limits and baselines with tolerances.

A gate compares one loss's reported value. "Worse" follows the loss's
direction (``higher_is_better``). A NaN or infinite value never passes.
Without ``rtol``/``atol`` a baseline tolerates only float noise.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from losscli.errors import InputError, UsageError, first_line

FLOAT_NOISE = 1e-12
MAX_BASELINE_BYTES = 64 * 2**20  # a baseline is a small JSON file; /dev/zero is not
Kind = Literal["max", "min", "baseline"]


@dataclass(frozen=True)
class Gate:
    """One check to run on the result of ``loss`` (a loss name, or an eval column label)."""

    loss: str
    kind: Kind
    limit: float | None = None
    baseline: float | None = None
    rtol: float | None = None
    atol: float | None = None
    name: str | None = None
    allow_missing: bool = False


@dataclass(frozen=True)
class CheckResult:
    """A gate's outcome, as JSON ``checks`` entries and verdict lines show it."""

    name: str
    loss: str
    kind: Kind
    limit: float | None
    value: float
    baseline: float | None
    passed: bool
    detail: str
    file: str | None = None
    params: dict[str, Any] | None = None

    def to_check_dict(self) -> dict[str, Any]:
        """The ``losscli check --format json`` entry (SPEC §8)."""
        return {
            "name": self.name,
            "file": self.file,
            "loss": self.loss,
            "params": self.params or {},
            "value": _json_float(self.value),
            "kind": self.kind,
            "limit": self.limit,
            "baseline": self.baseline,
            "passed": self.passed,
            "detail": self.detail,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "loss": self.loss,
            "kind": self.kind,
            "limit": self.limit,
            "value": _json_float(self.value),
            "baseline": self.baseline,
            "passed": self.passed,
            "detail": self.detail,
        }

    def verdict_line(self) -> str:
        """``FAIL name detail``: one line whatever the name holds (a newline cannot forge a PASS)."""
        from losscli.neutralise import line

        return line(f"{'PASS' if self.passed else 'FAIL'} {self.name} {self.detail}")


@dataclass(frozen=True)
class CheckReport:
    """What ``losscli check`` reports: the config it ran (as shown: relative to the working
    directory) and every check's outcome, in config order."""

    config: str
    checks: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def _json_float(x: float) -> float | None:
    return x if math.isfinite(x) else None


def run_gate(gate: Gate, value: float, higher_is_better: bool) -> CheckResult:
    """Compare ``value`` with the gate's limit or baseline."""
    name = gate.name or gate.loss
    shown = f"{value:.6g}"
    if not math.isfinite(value):
        return CheckResult(
            name, gate.loss, gate.kind, gate.limit, value, gate.baseline, False, f"{shown} is not a number"
        )
    if gate.kind == "max":
        assert gate.limit is not None
        ok = value <= gate.limit
        return CheckResult(
            name,
            gate.loss,
            "max",
            gate.limit,
            value,
            None,
            ok,
            f"{shown} {'<=' if ok else '>'} max {gate.limit:g}",
        )
    if gate.kind == "min":
        assert gate.limit is not None
        ok = value >= gate.limit
        return CheckResult(
            name,
            gate.loss,
            "min",
            gate.limit,
            value,
            None,
            ok,
            f"{shown} {'>=' if ok else '<'} min {gate.limit:g}",
        )
    return _baseline(gate, name, value, higher_is_better)


def _baseline(gate: Gate, name: str, value: float, higher_is_better: bool) -> CheckResult:
    base = gate.baseline
    if base is None:
        ok = gate.allow_missing
        detail = f"{value:.6g}: no baseline for '{gate.loss}'" + (" (allowed)" if ok else "")
        return CheckResult(name, gate.loss, "baseline", None, value, None, ok, detail)
    worse_by = (base - value) if higher_is_better else (value - base)
    if gate.rtol is None and gate.atol is None:
        tolerance = FLOAT_NOISE * max(abs(base), 1e-300)
    else:
        tolerance = max(gate.atol or 0.0, (gate.rtol or 0.0) * abs(base))
    ok = worse_by <= tolerance
    direction = "below" if higher_is_better else "above"
    if ok:
        detail = f"{value:.6g} vs baseline {base:.6g} (within {tolerance:.3g})"
    else:
        detail = (
            f"{value:.6g} is {abs(worse_by):.3g} {direction} baseline {base:.6g} (tolerance {tolerance:.3g})"
        )
    return CheckResult(name, gate.loss, "baseline", None, value, base, ok, detail)


def parse_tolerance(text: str | float | None, option: str) -> float | None:
    """``0.05`` or ``5%`` → 0.05."""
    if text is None:
        return None
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"{option} takes a number or a percentage like 5%, not '{text}'") from None
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{option} must be a non-negative number, not '{text}'")
    return value


def parse_limits(items: list[str], option: str, losses: list[str]) -> dict[str, float]:
    """``--max 0.5`` (the only loss) or ``--max mse=0.5`` → {loss label: limit}."""
    limits: dict[str, float] = {}
    for item in items:
        key, eq, raw = item.rpartition("=")  # labels may hold '=' (huber_delta=2.0)
        if not eq:
            if len(losses) != 1:
                raise UsageError(f"{option} {item}: say which loss, e.g. {option} {losses[0]}={item}")
            key, raw = losses[0], item
        key = key.strip()
        if key not in losses:
            raise UsageError(
                f"{option} {item}: no loss '{key}' in this run", f"losses here: {', '.join(losses)}"
            )
        try:
            limits[key] = float(raw)
        except ValueError:
            raise UsageError(f"{option} {item}: '{raw}' is not a number") from None
        if not math.isfinite(limits[key]):
            raise UsageError(f"{option} {item}: the limit must be a finite number, not '{raw.strip()}'")
    return limits


class Baseline(dict[str, float]):
    """A baseline's values by loss (or check name), read from ``path``.

    ``unusable``: the keys of a flat metrics file whose value is not a number (a
    string, ``true``, ``null``, a list or an object), each described. Such a file may
    hold other fields (a model name, a date), so they are kept aside; a gate that needs
    one of them is an error (:func:`baseline_value`), never "no baseline" — which
    ``--allow-missing-baseline`` would pass."""

    def __init__(self, path: str, values: dict[str, float], unusable: dict[str, str]) -> None:
        super().__init__(values)
        self.path = path
        self.unusable = unusable


def baseline_value(base: Mapping[str, float], *names: str) -> float | None:
    """The value of the first of ``names`` the baseline has; None if it has none of them.
    A name whose value is not a number is an InputError naming the file and the key."""
    for name in names:
        if name in base:
            return base[name]
        if isinstance(base, Baseline) and name in base.unusable:
            raise InputError(
                f"{base.path}: the baseline for '{name[:80]}' is {base.unusable[name]}, not a number",
                "a baseline holds finite numbers: write it again with --write-baseline",
            )
    return None


def load_baseline(path: str) -> Baseline:
    """Values by loss from a losscli JSON result or a flat metrics file ``{"mse": 0.2}``.

    The read is bounded (:data:`MAX_BASELINE_BYTES`, whatever the file is: a device
    or a pipe is read only that far), and every value must be a finite float. In a
    losscli result every entry of ``results`` must have a numeric ``value`` (losscli
    writes nothing else); in a flat file, keys that are not numbers are kept aside
    (:class:`Baseline`)."""
    data = _parse(path, _read_bounded(path))
    if isinstance(data, Mapping) and "results" in data:
        return Baseline(path, _result_values(path, data["results"]), {})
    if not isinstance(data, Mapping):
        raise InputError(f'{path}: a baseline is a losscli JSON result or an object like {{"mse": 0.2}}')
    values: dict[str, float] = {}
    unusable: dict[str, str] = {}
    for key, value in data.items():
        if _is_number(value):
            values[str(key)] = _finite(path, str(key), value)
        else:
            unusable[str(key)] = _describe(value)
    return Baseline(path, values, unusable)


def _result_values(path: str, results: Any) -> dict[str, float]:
    """``{label or loss: value}`` of a losscli result's ``results`` list."""
    entry_shape = '{"loss": …, "value": <number>}'
    hint = "write it again with --write-baseline"
    if not isinstance(results, list):
        raise InputError(f"{path}: 'results' is {_describe(results)}, not a list of {entry_shape}", hint)
    found: dict[str, float] = {}
    for i, entry in enumerate(results, 1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("label") or entry.get("loss"), str):
            raise InputError(f"{path}: results entry {i} is not an object like {entry_shape}", hint)
        key = str(entry.get("label") or entry.get("loss"))
        value = entry.get("value")
        if not _is_number(value):
            raise InputError(
                f"{path}: the baseline for '{key[:80]}' is {_describe(value)}, not a number",
                "a baseline holds finite numbers: write it again with --write-baseline",
            )
        found[key] = _finite(path, key, value)
    return found


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    """A JSON value as a message shows it: ``the string "0.5"``, ``true``, ``null``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {json.dumps(value[:40])}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _read_bounded(path: str) -> bytes:
    if path == "":
        raise UsageError(
            "--baseline: the path is empty (an unset shell variable?)",
            "give the baseline file's path, or leave out --baseline",
        )
    limit = MAX_BASELINE_BYTES
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raw = b"x" * (limit + 1)
            else:
                raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline file", "create it with --write-baseline") from None
    except OSError as exc:
        reason = "a symlink loop" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        raise InputError(f"{path}: cannot read the baseline: {reason}") from None
    if len(raw) > limit:
        raise InputError(
            f"{path}: the baseline is larger than {limit // 2**20} MiB; a baseline is a small JSON file",
            "check the path: it should be a file written by --write-baseline or a metrics JSON",
        )
    return raw


def _parse(path: str, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a readable JSON baseline: not UTF-8 text") from None
    except RecursionError:
        raise InputError(
            f"{path}: not a readable JSON baseline: arrays or objects nested too deeply"
        ) from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise InputError(f"{path}: not a readable JSON baseline: {first_line(exc)}") from None


def _finite(path: str, key: str, value: int | float) -> float:
    """A baseline value as a float; Infinity, NaN, 1e400 or a 401-digit integer is refused
    (an infinite baseline would pass every value)."""
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        shown = str(value) if isinstance(value, float) else f"an integer of {len(str(abs(value)))} digits"
        raise InputError(
            f"{path}: the baseline for '{key[:80]}' is {shown}, not a finite number",
            "a baseline holds finite values: write it again with --write-baseline",
        )
    return number
