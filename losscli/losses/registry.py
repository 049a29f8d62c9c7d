"""The loss registry: every loss registered once, looked up by name or alias.

Registering a name twice is an error, never a silent overwrite.
"""

from __future__ import annotations

import copyreg
import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from losscli.errors import UsageError
from losscli.neutralise import quote
from losscli.spec import LossSpec, Task

# Names people reach for that are the complement of a registered loss (and not one themselves).
COMPLEMENTS = {"top-k-accuracy": "top-k-error"}


def suggestion(name: str, known: list[str]) -> str:
    """How to fix an unknown name: the loss it is the complement of, a close real name
    (commands and aliases, difflib ratio ≥ 0.75: 'compare' is not 'mae'), or the list."""
    key = name.strip().lower().replace("_", "-")
    if key in COMPLEMENTS:
        other = COMPLEMENTS[key]
        return f"{key} is 1 − {other}: run 'losscli {other}' (see 'losscli explain {other}')"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else "run 'losscli list' to see them all"


class Registry:
    """Name/alias → :class:`LossSpec`, in registration order."""

    def __init__(self) -> None:
        self._specs: dict[str, LossSpec] = {}
        self._lookup: dict[str, LossSpec] = {}
        self._variants: dict[str, LossSpec] = {}  # key → a spec run in place of another (LossSpec.variant)

    def register(self, spec: LossSpec) -> LossSpec:
        for name in spec.names:
            if name in self._lookup:
                raise ValueError(f"loss name {name!r} is already registered")
        self._specs[spec.name] = spec
        for name in spec.names:
            self._lookup[name] = spec
        return spec

    def register_variant(self, key: str, spec: LossSpec) -> LossSpec:
        """A spec that is no command of its own: the one a registered spec's ``variant``
        names for some parameters (``roc-auc/multiclass``); it keeps that spec's name."""
        if key in self._variants:
            raise ValueError(f"loss variant {key!r} is already registered")
        self._variants[key] = spec
        return spec

    def variant(self, key: str) -> LossSpec:
        return self._variants[key]

    def variant_key(self, spec: LossSpec) -> str | None:
        return next((key for key, found in self._variants.items() if found is spec), None)

    def get(self, name: str) -> LossSpec:
        key = name.strip().lower().replace("_", "-")
        if key in self._lookup:
            return self._lookup[key]
        raise UsageError(f"unknown loss {quote(name)}", suggestion(name, list(self._lookup)))

    def __iter__(self) -> Iterator[LossSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._lookup

    def by_task(self, task: Task | None) -> list[LossSpec]:
        """The losses of ``task``, their variants' included (roc-auc is binary and multiclass)."""
        return [s for s in self if task is None or task in self.tasks(s)]

    def tasks(self, spec: LossSpec) -> list[Task]:
        """The tasks ``spec`` runs, its own first, then its variants'."""
        found = [spec.task] + [v.task for v in self._variants.values() if v.name == spec.name]
        return list(dict.fromkeys(found))


REGISTRY = Registry()


def _pickled(spec: LossSpec) -> tuple[Any, ...]:
    """A registered spec pickles as its name (its callables include lambdas), so
    accumulators can travel between Dask workers; a variant as its key; other specs by value."""
    if spec.name in REGISTRY and REGISTRY.get(spec.name) is spec:
        return (get_loss, (spec.name,))
    key = REGISTRY.variant_key(spec)
    if key is not None:
        return (get_variant, (key,))
    by_value = spec.__reduce_ex__(4)
    assert isinstance(by_value, tuple)
    return by_value


copyreg.pickle(LossSpec, _pickled)  # pickle and cloudpickle consult copyreg first


def get_loss(name: str) -> LossSpec:
    """The spec registered under ``name`` (or an alias); UsageError if none."""
    load_catalog()
    return REGISTRY.get(name)


def get_variant(key: str) -> LossSpec:
    """The variant registered under ``key`` (Registry.register_variant)."""
    load_catalog()
    return REGISTRY.variant(key)


def resolve(spec: LossSpec, params: Mapping[str, Any]) -> LossSpec:
    """The spec that runs for these bound parameters: ``spec``, or the variant its
    ``variant`` names (roc-auc with ``multi_class`` set reads K score columns)."""
    key = spec.variant(params)
    return get_variant(key) if key else spec


def tasks_of(spec: LossSpec) -> list[Task]:
    """The tasks a loss runs (``binary, multiclass`` for roc-auc with --multi-class)."""
    load_catalog()
    return REGISTRY.tasks(spec)


def all_losses(task: Task | None = None) -> list[LossSpec]:
    """Every registered loss, optionally of one task, in catalog order."""
    load_catalog()
    return REGISTRY.by_task(task)


def load_catalog() -> None:
    import importlib

    for module in CATALOG:  # each registers its losses on import, in this order
        importlib.import_module(f"losscli.losses.{module}")


CATALOG = (
    "regression",
    "binary",
    "multiclass",
    "distribution",
    "ranking",
    "forecasts",
    "calibration",
    "thresholds",
)
