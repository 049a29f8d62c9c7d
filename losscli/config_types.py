"""The schema of every ``losscli check`` config key, taken from the option declarations
(:mod:`losscli.options`: each option's :class:`~losscli.options.ConfigKey`), with the
kind of value each key takes, validated in one place.

TOML has real booleans, numbers and strings, so a value of the wrong type is an
error, never coerced: the string ``"false"`` is not a boolean and ``"2"`` is not a
number. Loss parameters get their kind from the loss's :class:`Param` types, so a
new parameter or a new key is covered by the same check.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from losscli.errors import UsageError
from losscli.options import Kind, Option, Role, declarations
from losscli.spec import Param

Value = str | int | float | bool | Mapping[str, object] | None
SHOWN_CHARS = 40


class ConfigError(UsageError):
    """An invalid configuration file (exit 2)."""


@dataclass(frozen=True)
class Key:
    """One config key: its name, the kind of value it takes and, for ``choice``, the choices."""

    name: str
    kind: Kind
    choices: tuple[str, ...] = ()

    @property
    def expected(self) -> str:
        """What the key takes, as an error message says it."""
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        return EXPECTED[self.kind]


EXPECTED: dict[Kind, str] = {
    "text": "a non-empty string",
    "path": "a path string (relative to the config's folder)",
    "bool": "true or false",
    "limit": "a finite number",
    "number": "a finite number (a TOML float or integer)",
    "int": "an integer",
    "tolerance": 'a non-negative finite number or a percentage like "5%"',
    "column": "a column name string",
    "columns": 'a column name string (or a comma list) or an array of them, like ["fold", "sex"]',
    "choice": "one of the choices",
    "char": 'one character, like "," or "\\t"',
    "codec": 'a known text encoding, like "utf-8" or "latin-1"',
    "label": "a string or an integer (the positive class's label)",
    "table": "a table of loss parameters",
    "seconds": "a positive finite number of seconds",
}


def keys(
    options: Sequence[Option], roles: Collection[Role] = ("check", "column", "read", "gate")
) -> dict[str, Key]:
    """The config keys (aliases too) of the declarations in ``options`` whose role is in ``roles``."""
    out: dict[str, Key] = {}
    for option in options:
        if option.config is not None and option.config.role in roles:
            for name in (option.name, *option.config.aliases):
                out[name] = Key(name, option.config.kind, option.choices)
    return out


def default_keys(options: Sequence[Option]) -> dict[str, Key]:
    """The keys the top level (or ``[tool.losscli]``) may set: every check's shared
    defaults, then the settings of the run."""
    shared = [o for o in options if o.config is not None and o.config.shared]
    run: tuple[Role, ...] = ("run",)
    return {**keys(shared), **keys(options, run)}


def names(options: Sequence[Option], role: Role) -> tuple[str, ...]:
    """The config keys (without aliases) of one role."""
    return tuple(o.name for o in options if o.config is not None and o.config.role == role)


#: every key a ``[[check]]`` table may hold (besides its loss's parameters)
CHECK_SCHEMA: dict[str, Key] = keys(declarations())
#: keys the top level (or ``[tool.losscli]``) may set for every check, and the run's settings
DEFAULT_SCHEMA: dict[str, Key] = default_keys(declarations())
#: top-level keys that are settings of the run, not defaults merged into every check
RUN_KEYS = names(declarations(), "run")
#: a check's columns, and its read options (checks with equal ones share one read)
COLUMN_KEYS = names(declarations(), "column")
READ_KEYS = names(declarations(), "read")
#: other spellings of a key: ``target`` is ``label``
ALIASES = {a: o.name for o in declarations() if o.config is not None for a in o.config.aliases}


def param_key(param: Param) -> Key:
    """The schema entry of a loss parameter, from its declared type."""
    if param.choices:
        return Key(param.name, "choice", param.choices)
    kinds: dict[type, Kind] = {bool: "bool", float: "number", int: "int", str: "text"}
    return Key(param.name, kinds[param.type])


def describe(value: object) -> str:
    """A value as an error message shows it: its TOML type and the value, cut short."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        text = str(value) if len(str(value)) <= SHOWN_CHARS else str(value)[:SHOWN_CHARS] + "…"
        return f"the integer {text}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        cut = value[:SHOWN_CHARS]
        return "the string " + json.dumps(cut) + ("…" if len(value) > SHOWN_CHARS else "")
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return "a date/time"


def _finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and _fits_float(value)


def _fits_float(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond float64
        return False


def _codec(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        info = codecs.lookup(value)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True))


def _tolerance(value: object) -> bool:
    if isinstance(value, str):
        raw = value.strip()
        try:
            number = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
        except ValueError:
            return False
        return math.isfinite(number) and number >= 0
    return _finite_number(value) and float(value) >= 0  # type: ignore[arg-type]


_VALID: dict[Kind, Callable[[object], bool]] = {
    "text": lambda v: isinstance(v, str) and v != "",
    "path": lambda v: isinstance(v, str) and v != "",
    "bool": lambda v: isinstance(v, bool),
    "limit": _finite_number,
    "number": _finite_number,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "tolerance": _tolerance,
    "column": lambda v: isinstance(v, str) and v != "",
    "columns": lambda v: (
        (isinstance(v, str) and v != "")
        or (isinstance(v, list) and v != [] and all(isinstance(c, str) and c != "" for c in v))
    ),
    "char": lambda v: isinstance(v, str) and len(v) == 1 and v not in '\r\n"',
    "codec": _codec,
    "label": lambda v: isinstance(v, str | int) and not isinstance(v, bool) and v != "",
    "table": lambda v: isinstance(v, Mapping),
    "seconds": lambda v: _finite_number(v) and float(v) > 0,  # type: ignore[arg-type]
}


def check_value(where: str, key: Key, value: object) -> None:
    """Raise a :class:`ConfigError` naming ``where``, the key and the expected type when
    ``value`` does not fit ``key``."""
    if key.kind == "path" and value == "":
        raise ConfigError(
            f"{where}: key '{key.name}' is an empty path",
            "give a file path (relative to the config's folder), or remove the key",
        )
    ok = value in key.choices if key.kind == "choice" else _VALID[key.kind](value)
    if not ok:
        raise ConfigError(f"{where}: key '{key.name}' must be {key.expected}, got {describe(value)}")
