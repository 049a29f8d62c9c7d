"""``losscli check`` configuration: ``losscli.toml`` (``[[check]]``) or ``pyproject.toml``
(``[[tool.losscli.check]]``), parsed with ``tomllib`` only.

Discovery: an explicit path, else ``LOSSCLI_CONFIG``, else the first
``losscli.toml`` / ``pyproject.toml`` with a ``[tool.losscli]`` table walking up
from the working directory. Relative ``file``/``baseline`` paths are relative to
the config file's folder. Every mistake names the file, the check, the key and
what was expected.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losscli.errors import UsageError

COLUMN_KEYS = ("pred", "label", "target", "weight", "var", "id")
READ_KEYS = ("delimiter", "input_format", "no_header", "encoding", "nan", "positive", "compat")
GATE_KEYS = ("max", "min", "baseline", "rtol", "atol", "allow_missing_baseline")
CHECK_KEYS = ("name", "file", "loss", "params", *COLUMN_KEYS, *READ_KEYS, *GATE_KEYS)
DEFAULT_KEYS = ("rtol", "atol", "allow_missing_baseline", "nan", "compat", "check")


class ConfigError(UsageError):
    """An invalid configuration file (exit 2)."""


@dataclass(frozen=True)
class CheckConfig:
    """One ``[[check]]``: what to read, which loss, which gates."""

    name: str
    file: str
    loss: str
    params: dict[str, Any]
    columns: dict[str, str | None]
    read: dict[str, Any]
    max: float | None = None
    min: float | None = None
    baseline: str | None = None
    rtol: float | None = None
    atol: float | None = None
    allow_missing_baseline: bool = False


@dataclass(frozen=True)
class Config:
    path: str
    checks: list[CheckConfig] = field(default_factory=list)


def discover(explicit: str | None = None, start: str | None = None) -> str:
    """The config file to use (see the module docstring)."""
    chosen = explicit or os.environ.get("LOSSCLI_CONFIG")
    if chosen:
        if not os.path.isfile(chosen):
            raise ConfigError(f"{chosen}: no such config file")
        return chosen
    folder = Path(start or os.getcwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / "losscli.toml").is_file():
            return str(candidate / "losscli.toml")
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "losscli" in _read(str(pyproject)).get("tool", {}):
            return str(pyproject)
    raise ConfigError(
        "no losscli.toml, or pyproject.toml with [tool.losscli], here or in any parent folder",
        "give the config: losscli check PATH (or --config PATH, or LOSSCLI_CONFIG)",
    )


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def load(path: str) -> Config:
    """Parse and validate the checks in ``path``."""
    data = _read(path)
    table = data.get("tool", {}).get("losscli") if path.endswith("pyproject.toml") else data
    where = "[tool.losscli]" if path.endswith("pyproject.toml") else "the top level"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: no [tool.losscli] table")
    defaults = {k: v for k, v in table.items() if k != "check"}
    for key in defaults:
        if key not in DEFAULT_KEYS:
            raise ConfigError(f"{path}: unknown key '{key}' in {where}", _expected(key, DEFAULT_KEYS))
    entries = table.get("check", [])
    if not isinstance(entries, list) or not entries or not all(isinstance(e, Mapping) for e in entries):
        key = "[[tool.losscli.check]]" if path.endswith("pyproject.toml") else "[[check]]"
        raise ConfigError(f"{path}: no checks: add {key} tables with file, loss and max/min/baseline")
    folder = os.path.dirname(os.path.abspath(path))
    checks = [_check(path, folder, i + 1, {**defaults, **entry}) for i, entry in enumerate(entries)]
    names = [c.name for c in checks]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{path}: two checks are named '{name}'", "give each check its own name")
    return Config(path, checks)


def _check(path: str, folder: str, number: int, entry: Mapping[str, Any]) -> CheckConfig:
    from losscli.engine.jobs import parse_value
    from losscli.losses import get_loss

    label = f"{path}: check #{number}" + (
        f" ('{entry['name']}')" if isinstance(entry.get("name"), str) else ""
    )
    for key in ("file", "loss"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ConfigError(f"{label}: '{key}' is required and must be a string")
    try:
        spec = get_loss(entry["loss"])
    except UsageError as exc:
        raise ConfigError(f"{label}: key 'loss': {exc.message}", exc.hint) from None
    known = {p.name: p for p in spec.params if not p.hidden}
    params = dict(entry.get("params", {}))
    for key, value in entry.items():
        if key in CHECK_KEYS or key in ("check",):
            continue
        if key.replace("-", "_") in known:
            params[key.replace("-", "_")] = value
            continue
        raise ConfigError(f"{label}: unknown key '{key}'", _expected(key, (*CHECK_KEYS, *known)))
    for key, value in list(params.items()):
        if key not in known:
            raise ConfigError(
                f"{label}: '{spec.name}' has no parameter '{key}'",
                f"its parameters: {', '.join(known) or 'none'}",
            )
        if isinstance(value, str) and known[key].type is not str:
            try:
                params[key] = parse_value(known[key], value)
            except UsageError as exc:
                raise ConfigError(f"{label}: key '{key}': {exc.message}") from None
    try:
        spec.bind(params)
    except UsageError as exc:
        raise ConfigError(f"{label}: {exc.message}") from None
    gates = {k: _number(label, k, entry.get(k)) for k in ("max", "min")}
    if gates["max"] is None and gates["min"] is None and entry.get("baseline") is None:
        raise ConfigError(f"{label}: nothing to check", "add max, min or baseline")
    baseline = entry.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise ConfigError(f"{label}: 'baseline' must be a path string")
    columns = {k: _string(label, k, entry.get(k)) for k in COLUMN_KEYS if k != "target"}
    if entry.get("target") is not None:
        columns["label"] = _string(label, "target", entry["target"])
    read = {k: entry[k] for k in READ_KEYS if k in entry}
    return CheckConfig(
        name=str(entry.get("name") or f"{os.path.basename(entry['file'])}/{spec.name}"),
        file=os.path.join(folder, entry["file"]),
        loss=spec.name,
        params=params,
        columns=columns,
        read=read,
        max=gates["max"],
        min=gates["min"],
        baseline=os.path.join(folder, baseline) if baseline else None,
        rtol=_tolerance(label, "rtol", entry.get("rtol")),
        atol=_tolerance(label, "atol", entry.get("atol")),
        allow_missing_baseline=bool(entry.get("allow_missing_baseline", False)),
    )


def _tolerance(label: str, key: str, value: Any) -> float | None:
    from losscli.checks import parse_tolerance

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{label}: '{key}' must be a number or a percentage like \"5%\", got {value!r}")
    try:
        return parse_tolerance(value, key)
    except UsageError as exc:
        raise ConfigError(f"{label}: key '{key}': {exc.message}") from None


def _number(label: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{label}: '{key}' must be a number, got {value!r}")
    return float(value)


def _string(label: str, key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{label}: '{key}' must be a column name string, got {value!r}")


def _expected(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    head = f"did you mean '{close[0]}'? " if close else ""
    return f"{head}expected one of: {', '.join(allowed)}"
