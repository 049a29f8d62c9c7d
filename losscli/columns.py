"""Resolve the columns a run uses: by name, by 1-based position (``#3``), or by
the common default names. Errors list the columns and suggest the closest;
ambiguity is an error that lists the candidates, never a guess.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from losscli.errors import ColumnError

DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "y_true": ("label", "labels", "target", "y", "y_true", "truth", "actual"),
    "y_pred": (
        "pred",
        "prediction",
        "predictions",
        "y_pred",
        "yhat",
        "y_hat",
        "score",
        "predicted",
        "output",
    ),
    "var": ("var", "variance", "pred_var", "y_var", "sigma2"),
}
OPTION = {"y_true": "--label", "y_pred": "--pred", "var": "--var", "weight": "--weight", "id": "--id"}


@dataclass(frozen=True)
class Resolved:
    """Column positions by role, and the header names they carry."""

    positions: dict[str, int]
    names: dict[str, str]


def resolve(
    header: list[str], requests: dict[str, str | None], where: str, required: tuple[str, ...]
) -> Resolved:
    """Map each role to a column: ``requests[role]`` if given, else its default names."""
    positions: dict[str, int] = {}
    for role, wanted in requests.items():
        if wanted is not None:
            positions[role] = find_column(header, wanted, where, role)
        elif role in required:
            positions[role] = _by_default(header, role, where)
    _no_column_twice(positions, header)
    return Resolved(positions, {role: header[p] for role, p in positions.items()})


def find_column(header: list[str], wanted: str, where: str, role: str) -> int:
    """Position of ``wanted``: ``#N`` (1-based), an exact name, or a unique case-insensitive one."""
    if wanted.startswith("#") and wanted[1:].isdigit():
        n = int(wanted[1:])
        if not 1 <= n <= len(header):
            raise ColumnError(
                f"{where}: no column {wanted}: it has {len(header)} columns (#1..#{len(header)})"
            )
        return n - 1
    exact = [i for i, name in enumerate(header) if name == wanted]
    if not exact:
        exact = [i for i, name in enumerate(header) if name.lower() == wanted.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        where_all = ", ".join(f"#{i + 1}" for i in exact)
        raise ColumnError(
            f"{where}: column name '{wanted}' appears {len(exact)} times ({where_all})",
            f"pick one by position, e.g. {OPTION.get(role, '--pred')} '#{exact[0] + 1}'",
        )
    raise ColumnError(
        f"{where}: no column '{wanted}' (for {OPTION.get(role, role)})", _suggest(header, wanted)
    )


def _by_default(header: list[str], role: str, where: str) -> int:
    names = DEFAULT_NAMES.get(role, ())
    found = [i for i, name in enumerate(header) if name.strip().lower() in names]
    if len(found) == 1:
        return found[0]
    option = OPTION.get(role, role)
    if not found:
        raise ColumnError(
            f"{where}: cannot tell which column is the {_what(role)}: none is named {', '.join(names[:4])}, …",
            f"use {option} COL; columns are: {_listing(header)}",
        )
    candidates = ", ".join(f"'{header[i]}'" for i in found)
    raise ColumnError(
        f"{where}: several columns could be the {_what(role)}: {candidates}",
        f"choose one with {option} COL",
    )


def _no_column_twice(positions: dict[str, int], header: list[str]) -> None:
    seen: dict[int, str] = {}
    for role, p in positions.items():
        if role in ("id",):
            continue
        if p in seen:
            raise ColumnError(
                f"column '{header[p]}' is used as both {OPTION.get(seen[p], seen[p])} and {OPTION.get(role, role)}",
                "give each role its own column",
            )
        seen[p] = role


def _what(role: str) -> str:
    return {"y_true": "label", "y_pred": "prediction", "var": "variance"}.get(role, role)


def _listing(header: list[str], limit: int = 20) -> str:
    shown = ", ".join(f"'{name}'" for name in header[:limit])
    more = f", … ({len(header)} in all)" if len(header) > limit else ""
    return f"{shown}{more} (or #1..#{len(header)})"


def _suggest(header: list[str], wanted: str) -> str:
    close = difflib.get_close_matches(wanted, header, n=1, cutoff=0.5)
    if not close:
        lowered = {name.lower(): name for name in header}
        close = [
            lowered[m] for m in difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=0.5)
        ]
    listing = f"columns are: {_listing(header)}"
    return f"did you mean '{close[0]}'? {listing}" if close else listing
