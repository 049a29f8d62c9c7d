"""``losscli check`` configuration: ``losscli.toml`` (``[[check]]``) or ``pyproject.toml``
(``[[tool.losscli.check]]``), parsed with ``tomllib`` only.

Discovery: an explicit path, else ``LOSSCLI_CONFIG``, else the first
``losscli.toml`` / ``pyproject.toml`` with a ``[tool.losscli]`` table walking up
from the working directory. Relative paths (``file``, ``labels``, ``baseline``: every
key of kind ``path``) are relative to the config file's folder. Every value is checked against the declared schema
(:mod:`losscli.config_types`); every mistake names the file, the check, the key
and what was expected. What a config may point at is :func:`check_paths`.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losscli.config_types import (
    ALIASES,
    CHECK_SCHEMA,
    COLUMN_KEYS,
    DEFAULT_SCHEMA,
    READ_KEYS,
    RUN_KEYS,
    ConfigError,
    Key,
    check_value,
    param_key,
)
from losscli.errors import UsageError
from losscli.options import env_name

__all__ = ["CheckConfig", "Config", "ConfigError", "check_paths", "discover", "load", "working_directory"]

MAX_CONFIG_BYTES = 16 * 2**20
SYSTEM_TREES = ("/proc", "/sys", "/dev")
OUTSIDE_HINT = (
    "a config may point only at files under its own folder; "
    f"pass --allow-outside (or {env_name('allow_outside')}=1) if you trust this config"
)


@dataclass(frozen=True)
class CheckConfig:
    """One ``[[check]]``: what to read, which loss, which gates. ``read`` holds the read
    options (``labels`` and ``on`` too): checks of one file with equal ``read`` share one
    read. ``paths``: every path key given (``file``, ``labels``, ``baseline``), resolved."""

    name: str
    file: str
    loss: str
    params: dict[str, Any]
    columns: dict[str, str | None]
    read: dict[str, Any]
    max: float | None = None
    min: float | None = None
    baseline: str | None = None
    baseline_key: str | None = None
    rtol: float | None = None
    atol: float | None = None
    allow_missing_baseline: bool = False
    significance: float | None = None  # a baseline gate fails only on a significant worsening
    vs_dummy: bool = False  # report the skill against a dummy (implied by dummy and min_skill)
    dummy: str | None = None  # the regression dummy: "mean" or "median"
    min_skill: float | None = None  # gate: fail when the skill is below it
    where: str = ""  # "losscli.toml: check #2 ('val/mse')", for messages
    paths: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: str
    checks: list[CheckConfig] = field(default_factory=list)


def working_directory() -> str:
    """``os.getcwd()``, or exit 2 when the working directory was deleted."""
    try:
        return os.getcwd()
    except OSError:
        raise ConfigError(
            "the working directory no longer exists (was it deleted?)",
            "cd into an existing folder, or give the config with an absolute path",
        ) from None


def discover(explicit: str | None = None, start: str | None = None) -> str:
    """The config file to use (see the module docstring)."""
    here = working_directory()
    chosen = explicit if explicit is not None else (os.environ.get(env_name("config_option")) or None)
    if chosen is not None:
        if chosen == "":  # an unset shell variable: `losscli check "$CONFIG"`
            raise ConfigError("the config path is empty", "give a path: losscli check PATH, or leave it out")
        try:
            info = os.stat(chosen)
        except OSError as exc:  # missing, a symlink loop, permission denied: in losscli's words
            if exc.errno == errno.ENOENT:
                raise ConfigError(f"{chosen}: no such config file") from None
            from losscli.io.paths import os_error

            worded = os_error(chosen, exc)
            raise ConfigError(worded.message, worded.hint) from None
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{chosen}: is not a regular file")
        return chosen
    folder = Path(start or here).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / "losscli.toml").is_file():
            return str(candidate / "losscli.toml")
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            tool = _read(str(pyproject)).get("tool")
            if isinstance(tool, Mapping) and "losscli" in tool:
                return str(pyproject)
    raise ConfigError(
        "no losscli.toml, or pyproject.toml with [tool.losscli], here or in any parent folder",
        f"give the config: losscli check PATH (or --config PATH, or {env_name('config_option')})",
    )


def _read(path: str) -> dict[str, Any]:
    """The parsed TOML file; every way it can fail is a :class:`ConfigError`."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 2**20} MiB; not a config file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start + 1} is {raw[exc.start]:#04x})",
            "TOML files are UTF-8: re-save it as UTF-8",
        ) from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


def load(path: str) -> Config:
    """Parse and validate the checks in ``path``."""
    data = _read(path)
    pyproject = path.endswith("pyproject.toml")
    tool = data.get("tool") if pyproject else None
    table = (tool.get("losscli") if isinstance(tool, Mapping) else None) if pyproject else data
    where = "[tool.losscli]" if pyproject else "the top level"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: no [tool.losscli] table")
    defaults = {k: v for k, v in table.items() if k != "check"}
    for key, value in defaults.items():
        if key not in DEFAULT_SCHEMA:
            raise ConfigError(
                f"{path}: unknown key '{key}' in {where}", _expected(key, (*DEFAULT_SCHEMA, "check"))
            )
        check_value(f"{path}: {where}", DEFAULT_SCHEMA[key], value)
    entries = table.get("check", [])
    if not isinstance(entries, list) or not entries or not all(isinstance(e, Mapping) for e in entries):
        key = "[[tool.losscli.check]]" if pyproject else "[[check]]"
        raise ConfigError(f"{path}: no checks: add {key} tables with file, loss and max/min/baseline")
    folder = os.path.dirname(os.path.abspath(path))
    shared = {k: v for k, v in defaults.items() if k not in RUN_KEYS}
    checks = [_check(path, folder, i + 1, {**shared, **entry}, entry) for i, entry in enumerate(entries)]
    names = [c.name for c in checks]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{path}: two checks are named '{name}'", "give each check its own name")
    return Config(path, checks)


def _check(
    path: str, folder: str, number: int, entry: Mapping[str, Any], own: Mapping[str, Any]
) -> CheckConfig:
    """The check ``entry`` (``own``: its table, without the top level's defaults)."""
    from losscli.losses import get_loss

    named = entry.get("name")
    label = f"{path}: check #{number}" + (f" ('{named}')" if isinstance(named, str) and named else "")
    for key in ("file", "loss"):
        if key not in entry:
            raise ConfigError(f"{label}: '{key}' is required and must be a string")
        check_value(label, CHECK_SCHEMA[key], entry[key])
    try:
        spec = get_loss(entry["loss"])
    except UsageError as exc:
        raise ConfigError(f"{label}: key 'loss': {exc.message}", exc.hint) from None
    known = {p.name: param_key(p) for p in spec.params if not p.hidden}
    params: dict[str, Any] = {}
    for key, value in entry.items():
        if key in CHECK_SCHEMA:
            check_value(label, CHECK_SCHEMA[key], value)
        elif key.replace("-", "_") in known:
            params[key.replace("-", "_")] = value
        else:
            raise ConfigError(f"{label}: unknown key '{key}'", _expected(key, (*CHECK_SCHEMA, *known)))
    params = {**entry.get("params", {}), **params}
    for key, value in params.items():
        if key not in known:
            raise ConfigError(
                f"{label}: '{spec.name}' has no parameter '{key}'",
                f"its parameters: {', '.join(known) or 'none'}",
            )
        check_value(label, known[key], value)
    try:
        compat = entry.get("compat")
        bound = spec.bind(spec.with_compat(compat if isinstance(compat, str) else None, params))
    except UsageError as exc:
        raise ConfigError(f"{label}: {exc.message}") from None
    if all(entry.get(k) is None for k in ("max", "min", "min_skill", "baseline")):
        raise ConfigError(f"{label}: nothing to check", "add max, min or baseline (or min_skill)")
    if "baseline_key" in own and "baseline" not in entry:
        raise ConfigError(
            f"{label}: key 'baseline_key' picks values in a baseline, and there is none", "add baseline"
        )
    if "on" in entry and "labels" not in entry:
        raise ConfigError(f"{label}: key 'on' joins a labels file: add labels", "or remove on")
    paths = {  # a git:REV:PATH baseline is read from the repository, not the folder
        k: v if k == "baseline" and str(v).startswith("git:") else os.path.join(folder, v)
        for k, v in entry.items()
        if CHECK_SCHEMA.get(k, _OTHER).kind == "path"
    }
    columns = {k: _column(entry.get(k)) for k in COLUMN_KEYS}
    for alias, key in ALIASES.items():  # target = "y" is label = "y"
        if entry.get(alias) is not None:
            columns[key] = entry[alias]
    read = {k: paths.get(k, entry[k]) for k in READ_KEYS if k in entry}
    if "positive" in read:
        read["positive"] = str(read["positive"])  # positive = 1 is the label text "1"
    return CheckConfig(
        name=str(named or f"{os.path.basename(entry['file'])}/{spec.named(bound)}"),
        file=paths["file"],
        loss=spec.name,
        params=params,
        columns=columns,
        read=read,
        max=_float(entry.get("max")),
        min=_float(entry.get("min")),
        baseline=paths.get("baseline"),
        baseline_key=entry.get("baseline_key"),
        rtol=_tolerance(entry.get("rtol")),
        atol=_tolerance(entry.get("atol")),
        allow_missing_baseline=entry.get("allow_missing_baseline", False),
        significance=_float(entry.get("significance")),
        vs_dummy=bool(entry.get("vs_dummy", False)),
        dummy=entry.get("dummy"),
        min_skill=_float(entry.get("min_skill")),
        where=label,
        paths=paths,
    )


_OTHER = Key("", "table")  # a loss parameter's key: never a path


def _column(value: str | list[str] | None) -> str | None:
    """A column key's value; ``by = ["fold", "sex"]`` is the command line's ``--by fold,sex``."""
    return ",".join(value) if isinstance(value, list) else value


def _float(value: int | float | None) -> float | None:
    return None if value is None else float(value)


def _tolerance(value: str | int | float | None) -> float | None:
    from losscli.checks import parse_tolerance

    return parse_tolerance(value, "") if value is not None else None  # the schema checked it


def check_paths(cfg: Config, allow_outside: bool) -> None:
    """What a config may point at: each check's paths (``file``, ``labels``, ``baseline``) must resolve
    (symlinks followed, glob matches and directory entries too) inside the config
    file's folder, and be a regular file or a folder, never a device or a file of
    /proc, /sys or /dev. ``allow_outside`` (``--allow-outside``) lifts both rules."""
    if allow_outside:
        return
    root = os.path.realpath(os.path.dirname(os.path.abspath(cfg.path)))
    for check in cfg.checks:
        for key, path in check.paths.items():
            if not (key == "baseline" and path.startswith("git:")):  # not a file of the tree
                _inside(check.where, key, path, root)


def _inside(where: str, key: str, path: str, root: str) -> None:
    import glob

    candidates = [path]
    if glob.has_magic(path):
        candidates += glob.glob(path)
    elif os.path.isdir(path):
        for folder, dirs, files in os.walk(path):
            candidates += [os.path.join(folder, name) for name in (*dirs, *files)]
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if os.path.commonpath([root, real]) != root:
            raise ConfigError(
                f"{where}: key '{key}' points outside the config's folder ({real})", OUTSIDE_HINT
            )
        problem = _not_regular(real)
        if problem:
            raise ConfigError(f"{where}: key '{key}' points at {problem} ({real})", OUTSIDE_HINT)


def _not_regular(real: str) -> str | None:
    if any(real == top or real.startswith(top + os.sep) for top in SYSTEM_TREES):
        return "a system file"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None  # missing: reading it says so
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a device, FIFO or socket, not a regular file"


def _expected(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    head = f"did you mean '{close[0]}'? " if close else ""
    return f"{head}expected one of: {', '.join(allowed)}"
