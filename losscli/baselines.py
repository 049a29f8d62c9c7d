"""Baseline files: the values a ``--baseline`` gate compares a loss with.

A baseline is JSON, or YAML when its name ends in ``.yaml``/``.yml``: a losscli JSON
result (``{"results": [{"label" or "loss", "value"}]}``), a flat metrics file
``{"mse": 0.2}``, or a nested one as DVC writes them, ``{"test": {"mse": 0.2}}``.
A YAML file that holds JSON is read as JSON. Every number in it has a dotted key
(``test.mse``); a losscli result nested at ``test`` gives ``test.<label>``. A loss is
looked up by its name (or eval label) under the *baseline key* (``--baseline-key test``,
config ``baseline_key``; dots go deeper: ``eval.test``); a key that names one number
(``test.mse``) is the baseline of the one loss being checked. A key, or a loss under
it, that is not there is reported with a few of the keys that are.

Guards, JSON and YAML alike: the read is bounded (whatever the file is: a device or a
pipe is read only that far); every number must be finite (``Infinity``, ``.inf``,
``.nan``, ``1e400``, a 401-digit integer are refused: an infinite baseline would pass
every value); nesting is limited (:data:`MAX_DEPTH`); the top level is a mapping.
YAML is read with ``yaml.safe_load`` only (no Python objects), after a pass over the
parser's events that refuses anchors and aliases (a "billion laughs" file expands an
alias into exponentially many values: no metrics file needs one), nesting beyond
:data:`MAX_DEPTH` and more than :data:`MAX_YAML_VALUES` values, before anything is
built. PyYAML is imported only when a YAML baseline is read.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from losscli.errors import InputError, UsageError, first_line
from losscli.neutralise import MAX_SHOWN, cut, quote
from losscli.results import UnitTable

MAX_BASELINE_BYTES = 64 * 2**20  # a baseline is a small JSON file; /dev/zero is not
MAX_YAML_BYTES = 2**20  # PyYAML's safe loader is pure Python: ~8 s and 350 MB per MiB of values
MAX_YAML_VALUES = 50_000  # scalars in a YAML baseline (a metrics file holds a few dozen)
MAX_DEPTH = 64  # mappings/lists inside each other
YAML_SUFFIXES = (".yaml", ".yml")
# A number to YAML 1.2 and JSON that YAML 1.1 (PyYAML) reads as text: 1e-5, 1.0e5
_NUMBER_TEXT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class Baseline:
    """The numbers of a baseline file by dotted key, in file order; what the other keys
    hold (``others``: "a string", "a list"); and the baseline key losses are looked up under."""

    path: str
    numbers: Mapping[str, float]
    others: Mapping[str, str] = field(default_factory=dict)
    key: str | None = None
    yaml: bool = False
    tables: Mapping[str, UnitTable] = field(default_factory=dict)  # bootstrap sums by loss label
    mappings: frozenset[str] = frozenset()  # keys that hold mappings (a gate's key must hold a number)

    @property
    def one_number(self) -> bool:
        """The baseline key names one number (``test.mse``), not a mapping of losses."""
        return self.key is not None and self.key in self.numbers

    def lookup(self, *names: str) -> float | None:
        """The baseline of the first of ``names`` (a check's name, a loss label, a loss
        name) under the key; the key's number itself when it names one; None when absent.
        A value that is there but not a number is an error (exit 2), never "missing"."""
        if self.key is not None and self.key in self.numbers:
            return self.numbers[self.key]
        for name in names:
            dotted = name if self.key is None else f"{self.key}.{name}"
            if dotted in self.numbers:
                return self.numbers[dotted]
            if dotted in self.others:
                raise self._not_a_number(dotted)
            if dotted in self.mappings and self.key is None:
                raise InputError(
                    f"{self.path}: the baseline for {quote(dotted)} is not a number: it is a mapping",
                    f"give the key of the mapping that holds the losses ({self.found(dotted)})",
                )
        return None

    def missing(self, name: str, option: str = "--baseline-key {}") -> str:
        """Why ``name`` has no baseline, with a few of the keys found:
        ``baseline metrics.json has no 'mse' under 'test'; found: test.mae, train.mse``.
        ``option``: how to set the baseline key (``{}``: the key), for the suggestion."""
        under = f" under {quote(self.key)}" if self.key is not None else ""
        text = f"baseline {self.path} has no {quote(name)}{under}; {self.found(self.key)}"
        places = [k.removesuffix("." + name) for k in self.numbers if k.endswith("." + name)]
        if places and self.key is None:
            text += "; try " + " or ".join(option.format(cut(place)) for place in places[:3])
        return text

    def found(self, key: str | None = None) -> str:
        """``found: a, b, … (N more)``: the numbers' keys, those under ``key`` first, each cut."""
        if not self.numbers:
            return "found no numbers"
        prefix = f"{key}." if key is not None else ""
        ordered = sorted(self.numbers, key=lambda k: not k.startswith(prefix))  # stable: file order
        shown = ", ".join(cut(k) for k in ordered[:MAX_SHOWN])
        more = f", … ({len(ordered) - MAX_SHOWN} more)" if len(ordered) > MAX_SHOWN else ""
        return f"found: {shown}{more}"

    def _not_a_number(self, dotted: str) -> InputError:
        what = self.others[dotted]
        hint = "a baseline value is a number: write it again with --write-baseline, or fix the file"
        if what == "a string that looks like a number":
            hint = "write the number without quotes" + (
                " (YAML 1.1, as PyYAML reads it, takes 1e-5 and 1.0e5 as text: write 1.0e-5, 1.0e+5)"
                if self.yaml
                else ""
            )
        return InputError(
            f"{self.path}: the baseline for {quote(dotted)} is not a number: it is {what}", hint
        )


def load_baseline(path: str, key: str | None = None) -> Baseline:
    """The baseline at ``path`` (JSON, or YAML by extension), looked up under ``key``.
    Every way the file can be unusable is an :class:`InputError` naming it (exit 2)."""
    is_yaml = path.lower().endswith(YAML_SUFFIXES)
    raw = _read_bounded(path, MAX_YAML_BYTES if is_yaml else MAX_BASELINE_BYTES, is_yaml)
    data = _parse_yaml(path, raw) if is_yaml else _parse_json(path, raw)
    if not isinstance(data, Mapping):
        raise InputError(
            f"{path}: a baseline is a losscli JSON result or a mapping like "
            f'{{"mse": 0.2}} or {{"test": {{"mse": 0.2}}}}, not {_what(data)}'
        )
    numbers: dict[str, float] = {}
    others: dict[str, str] = {}
    mappings: set[str] = set()
    _flatten(path, data, "", 1, numbers, others, mappings)
    baseline = Baseline(path, numbers, others, key, is_yaml, _tables(path, data), frozenset(mappings))
    if key is not None:
        if key == "":
            raise UsageError("the baseline key is empty", "give a key like test, or leave it out")
        if key in others:
            raise InputError(
                f"{path}: the baseline key {quote(key)} holds {others[key]}, not numbers by loss",
                baseline.found(),
            )
        if key not in numbers and key not in mappings:
            raise InputError(f"baseline {path} has no key {quote(key)}; {baseline.found()}")
    return baseline


def _flatten(
    path: str,
    data: Mapping[Any, Any],
    prefix: str,
    depth: int,
    numbers: dict[str, float],
    others: dict[str, str],
    mappings: set[str],
) -> None:
    """Every value of ``data`` by dotted key: numbers (finite, as floats) into ``numbers``,
    what the rest hold into ``others``, the mappings' keys into ``mappings``."""
    if depth > MAX_DEPTH:
        raise InputError(f"{path}: not a readable baseline: mappings nested deeper than {MAX_DEPTH} levels")
    if "results" in data:  # a losscli JSON result (at any key): its values by label
        data = _result_values(path, data["results"])
    for name, value in data.items():
        dotted = f"{prefix}{name}"
        if dotted in numbers or dotted in others or dotted in mappings:
            raise InputError(
                f"{path}: the key {quote(dotted)} is there twice (once with dots in its name)",
                "rename one of them",
            )
        if isinstance(value, Mapping):
            mappings.add(dotted)
            _flatten(path, value, dotted + ".", depth + 1, numbers, others, mappings)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers[dotted] = _finite(path, dotted, value)
        else:
            others[dotted] = _what(value)


MAX_UNITS = 1024  # = accumulate.units.BUCKETS (numpy-free here): a bootstrap table has at most this many rows
MAX_WIDTH = 6


def _tables(path: str, data: Mapping[Any, Any]) -> dict[str, UnitTable]:
    """The ``bootstrap`` unit sums a losscli result stores per loss (--write-baseline),
    checked: a unit name, at most 1,000 rows of 1–6 finite numbers each, integer keys."""
    results = data.get("results")
    if not isinstance(results, list):
        return {}
    tables: dict[str, UnitTable] = {}
    for entry in results:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("bootstrap"), Mapping):
            continue
        name = str(entry.get("label") or entry.get("loss"))
        boot = entry["bootstrap"]
        sums, keys, unit = boot.get("sums"), boot.get("keys"), boot.get("unit")
        bad = InputError(
            f"{path}: the bootstrap statistics of {quote(name)} are malformed",
            "write the baseline again with --write-baseline",
        )
        if not isinstance(unit, str) or not isinstance(sums, list) or not 0 < len(sums) <= MAX_UNITS:
            raise bad
        width = len(sums[0]) if isinstance(sums[0], list) else 0
        if not 0 < width <= MAX_WIDTH or any(
            not isinstance(row, list)
            or len(row) != width
            or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in row
            )
            for row in sums
        ):
            raise bad
        if keys is not None and (
            not isinstance(keys, list)
            or len(keys) != len(sums)
            or not all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < 2**64 for k in keys)
        ):
            raise bad
        tables[name] = UnitTable(
            unit,
            None if keys is None else tuple(keys),
            tuple(tuple(float(x) for x in row) for row in sums),
            bool(boot.get("per_count", False)),
            _fingerprint(boot.get("fingerprint")),
        )
    return tables


def _fingerprint(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64 else None


def _result_values(path: str, results: object) -> dict[str, object]:
    """``{label or loss: value}`` of a losscli result's ``results``: every entry an object
    with a name (losscli writes nothing else); a value that is missing or not a number is
    kept as it is, and refused when a gate needs it (never "no baseline")."""
    shape = '{"loss": …, "value": <number>}'
    hint = "write it again with --write-baseline"
    if not isinstance(results, list):
        raise InputError(f"{path}: 'results' is {_what(results)}, not a list of {shape}", hint)
    found: dict[str, object] = {}
    for i, entry in enumerate(results, 1):
        name = entry.get("label") or entry.get("loss") if isinstance(entry, Mapping) else None
        if not isinstance(name, str):
            raise InputError(f"{path}: results entry {i} is not an object like {shape}", hint)
        found[name] = entry.get("value")
    return found


def _what(value: object) -> str:
    """What a non-number holds, as a message says it (never the value: it is file content)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string that looks like a number" if _NUMBER_TEXT.fullmatch(value.strip()) else "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"  # YAML: a date, a timestamp, binary data, a set


def _read_bounded(path: str, limit: int, is_yaml: bool) -> bytes:
    if path == "":
        raise UsageError(
            "--baseline: the path is empty (an unset shell variable?)",
            "give the baseline file's path, or leave out --baseline",
        )
    raw = read_git(path, limit) if path.startswith(GIT_PREFIX) else _read_file(path, limit)
    if len(raw) > limit:
        kind = "YAML metrics file" if is_yaml else "JSON file"
        raise InputError(
            f"{path}: the baseline is larger than {limit // 2**20} MiB; a baseline is a small {kind}",
            "check the path: it should be a file written by --write-baseline or a metrics file",
        )
    return raw


def _read_file(path: str, limit: int) -> bytes:
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
    return raw


GIT_PREFIX = "git:"
GIT_TIMEOUT = 30.0  # seconds for one git command


def read_git(spec: str, limit: int) -> bytes:
    """``git:REV:PATH``: the file at PATH in revision REV of the repository around the
    working directory (PATH from the repository's top, or ``./PATH`` from here, as
    ``git show`` takes it), at most ``limit + 1`` bytes. Each way it can fail is exit 2
    naming it: git missing, not a repository, an unknown revision, a path absent there."""
    rev, sep, path = spec.removeprefix(GIT_PREFIX).partition(":")
    if not sep or not rev or not path:
        raise UsageError(
            f"--baseline {quote(spec)}: a git baseline is git:REV:PATH",
            "e.g. git:origin/main:baselines/val.json",
        )
    if rev.startswith("-"):
        raise UsageError(f"--baseline {quote(spec)}: a revision does not start with '-'")
    _git(
        ["rev-parse", "--git-dir"],
        spec,
        "the working directory is not in a git repository",
        hint="run losscli inside the repository",
    )
    _git(
        ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], spec, f"git knows no revision {quote(rev)}"
    )
    _git(["cat-file", "-e", f"{rev}:{path}"], spec, f"{quote(path)} is not in revision {quote(rev)}")
    return _git(
        ["cat-file", "blob", f"{rev}:{path}"], spec, f"{quote(path)} at {quote(rev)} is not a file", limit
    )


def _git(
    args: list[str],
    spec: str,
    failure: str,
    limit: int = 1 << 16,
    hint: str = "check it with git show REV:PATH",
) -> bytes:
    import subprocess

    try:
        done = subprocess.Popen(
            ["git", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError:
        raise InputError(f"--baseline {quote(spec)}: git is not installed (or not on PATH)") from None
    assert done.stdout is not None
    with done:
        out = done.stdout.read(limit + 1)  # bounded: a huge blob is cut and refused by size
        if len(out) > limit:
            done.kill()
        try:
            code = done.wait(GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            done.kill()
            raise InputError(f"--baseline {quote(spec)}: git did not answer in {GIT_TIMEOUT:g} s") from None
    if code != 0 and len(out) <= limit:
        raise InputError(
            f"--baseline {quote(spec)}: {failure}", "check the revision and path with git show REV:PATH"
        )
    return out


def _text(path: str, raw: bytes, kind: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a readable {kind} baseline: not UTF-8 text") from None


def _parse_json(path: str, raw: bytes) -> Any:
    text = _text(path, raw, "JSON")
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(
            f"{path}: not a readable JSON baseline: arrays or objects nested too deeply"
        ) from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise InputError(f"{path}: not a readable JSON baseline: {first_line(exc)}") from None


def _parse_yaml(path: str, raw: bytes) -> Any:
    """``yaml.safe_load``, after :func:`_refuse_yaml_bombs` has seen every parser event.
    A YAML file that holds JSON (``--write-baseline b.yaml`` writes JSON) is read as JSON:
    YAML 1.2 reads it the same, where PyYAML's YAML 1.1 would read ``1e-05`` as text."""
    import yaml

    text = _text(path, raw, "YAML")
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # YAML flow style, or not readable: YAML says why
    try:
        _refuse_yaml_bombs(path, text)
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = cut(exc.problem or exc.context or "malformed", 80)
        raise InputError(f"{path}: not a readable YAML baseline: {problem}{where}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not a readable YAML baseline: {cut(first_line(exc), 80)}") from None
    except (ValueError, OverflowError) as exc:  # an integer of > 4300 digits, a date like 2020-13-45
        raise InputError(f"{path}: not a readable YAML baseline: {cut(first_line(exc), 80)}") from None
    except RecursionError:
        raise InputError(f"{path}: not a readable YAML baseline: nested too deeply") from None


def _refuse_yaml_bombs(path: str, text: str) -> None:
    """One pass over the parser's events (libyaml's when PyYAML has it): no anchor or
    alias, at most :data:`MAX_DEPTH` levels and :data:`MAX_YAML_VALUES` scalars. Nothing
    is built, so memory stays that of the text."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = values = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise InputError(
                f"{path}: not a readable YAML baseline: it uses YAML anchors or aliases (&name, *name)",
                "a metrics file needs none: write each value out",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(
                    f"{path}: not a readable YAML baseline: mappings or lists nested deeper than {MAX_DEPTH}"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            values += 1
            if values > MAX_YAML_VALUES:
                raise InputError(
                    f"{path}: not a readable YAML baseline: more than {MAX_YAML_VALUES:,} values",
                    "a baseline is a small metrics file: check the path",
                )


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
            f"{path}: the baseline for {quote(key, 80)} is {shown}, not a finite number",
            "a baseline holds finite values: write it again with --write-baseline",
        )
    return number
