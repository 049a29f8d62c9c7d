"""Resolve the columns a run uses: by name, by 1-based position (``#3``), by comma
list or glob for multi-column roles (``--pred 'prob_*'``), or by the common
default names. Errors list the columns and suggest the closest; ambiguity is an
error that lists the candidates, never a guess.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

from losscli.errors import ColumnError
from losscli.neutralise import listing, plausible_header, quote
from losscli.options import spelled

GENERIC_PRED = (
    "pred",
    "prediction",
    "predictions",
    "y_pred",
    "yhat",
    "y_hat",
    "score",
    "predicted",
    "output",
)
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "y_true": ("label", "labels", "target", "y", "y_true", "truth", "actual"),
    "y_pred": GENERIC_PRED,
    "y_pred:probability": (*GENERIC_PRED, "prob", "proba", "probability", "p"),
    "y_pred:logit": (*GENERIC_PRED, "logit", "logits", "decision", "margin"),
    "var": ("var", "variance", "pred_var", "y_var", "sigma2"),
}
DEFAULT_NAMES["y_pred:any"] = DEFAULT_NAMES["y_pred"]
# Families of K class/label columns, tried in order; one family must match.
DEFAULT_FAMILIES: dict[str, tuple[str, ...]] = {
    "y_pred:probability": (r"p(\d+)", r"prob_(.+)", r"proba_(.+)"),
    "y_pred:logit": (r"logit_(.+)", r"logits_(.+)", r"score_(.+)"),
    "y_pred:log-probability": (r"logprob_(.+)", r"log_prob_(.+)", r"logp_(.+)"),
    "y_true": (r"label_(.+)", r"target_(.+)"),
}
DEFAULT_FAMILIES["y_pred:any"] = DEFAULT_FAMILIES["y_pred:probability"] + DEFAULT_FAMILIES["y_pred:logit"]
MAX_POSITIONS = 8  # positions of a repeated name listed in a message
ROLE_OPTIONS = {"y_true": "label", "y_pred": "pred", "var": "var", "weight": "weight", "id": "id", "by": "by"}


def option(role: str, value: str | None = None, placeholder: bool = False) -> str:
    """The option that names ``role``'s column, spelled for the caller (``--pred`` on the
    command line, ``pred=`` in Python: :func:`losscli.options.spelled`)."""
    if role not in ROLE_OPTIONS:
        return role
    return spelled(ROLE_OPTIONS[role], value, placeholder=placeholder)


@dataclass(frozen=True)
class Request:
    """How to find one role: ``given`` by the user, else defaults of ``flavour``;
    ``multi`` roles take K columns."""

    given: str | None
    multi: bool = False
    flavour: str = ""
    required: bool = True


@dataclass(frozen=True)
class Resolved:
    """Column positions and header names by role (one or K columns each)."""

    positions: dict[str, list[int]]
    names: dict[str, list[str]]

    def name(self, role: str) -> str:
        """The header name of a single-column role (the first of a multi-column one)."""
        return self.names[role][0]


def resolve(header: list[str], requests: Mapping[str, Request], where: str) -> Resolved:
    """Map each requested role to its columns."""
    positions: dict[str, list[int]] = {}
    for role, req in requests.items():
        if req.given is not None:
            found = _given(header, req.given, where, role, req.multi)
        elif req.required:
            found = _by_default(header, role, req, where)
        else:
            continue
        positions[role] = found
    _no_column_twice(positions, header)
    return Resolved(positions, {role: [header[p] for p in ps] for role, ps in positions.items()})


def _given(header: list[str], wanted: str, where: str, role: str, multi: bool) -> list[int]:
    if not multi:
        return [find_column(header, wanted, where, role)]
    if any(ch in wanted for ch in "*?["):
        found = [i for i, name in enumerate(header) if fnmatch.fnmatchcase(name, wanted)]
        if not found:
            raise ColumnError(
                f"{where}: no column matches {quote(wanted)} (for {option(role)})",
                _listing(header),
            )
        return found
    return [find_column(header, part.strip(), where, role) for part in wanted.split(",") if part.strip()]


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
        where_all = ", ".join(f"#{i + 1}" for i in exact[:MAX_POSITIONS]) + (
            ", …" if len(exact) > MAX_POSITIONS else ""
        )
        raise ColumnError(
            f"{where}: column name {quote(wanted)} appears {len(exact)} times ({where_all})",
            f"pick one by position, e.g. {option(role if role in ROLE_OPTIONS else 'y_pred', f'#{exact[0] + 1}')}",
        )
    raise ColumnError(f"{where}: no column {quote(wanted)} (for {option(role)})", _suggest(header, wanted))


def _by_default(header: list[str], role: str, req: Request, where: str) -> list[int]:
    key = f"{role}:{req.flavour}" if req.flavour else role
    if req.multi:
        return _family(header, role, DEFAULT_FAMILIES.get(key, ()), where)
    names = DEFAULT_NAMES.get(key, DEFAULT_NAMES.get(role, ()))
    found = [i for i, name in enumerate(header) if name.strip().lower() in names]
    if len(found) == 1:
        return found
    if not found:
        raise ColumnError(
            f"{where}: cannot tell which column is the {_what(role)}: none is named {', '.join(names[:4])}, …",
            f"use {option(role, 'COL', placeholder=True)}; {_listing(header)}",
        )
    candidates = listing([header[i] for i in found])
    raise ColumnError(
        f"{where}: several columns could be the {_what(role)}: {candidates}",
        f"choose one with {option(role, 'COL', placeholder=True)}",
    )


def _family(header: list[str], role: str, patterns: tuple[str, ...], where: str) -> list[int]:
    matches: list[list[int]] = []
    for pattern in patterns:
        found = [i for i, name in enumerate(header) if re.fullmatch(pattern, name, re.IGNORECASE)]
        if len(found) >= 2:
            matches.append(found)
    if len(matches) == 1:
        return matches[0]
    shown = " or ".join(p.replace("(.+)", "*").replace(r"(\d+)", "N") for p in patterns)
    if not matches:
        raise ColumnError(
            f"{where}: cannot find the {_what(role)} columns: no family like {shown}",
            f"use {option(role, 'prefix_*')} or a comma list; {_listing(header)}",
        )
    groups = "; ".join(listing([header[i] for i in group], limit=4) for group in matches)
    raise ColumnError(
        f"{where}: several column families could be the {_what(role)}: {groups}",
        f"choose with {option(role)}",
    )


def class_names(columns: list[str]) -> list[str]:
    """Class names from K column names: what follows their common prefix
    (``prob_cat`` → ``cat``, ``p0`` → ``0``), cut back to a separator if needed."""
    prefix = _common_prefix(columns)
    if any(len(c) == len(prefix) for c in columns):
        cut = max(prefix.rfind(sep) for sep in "_-. :")
        prefix = prefix[: cut + 1] if cut >= 0 else ""
    return [c[len(prefix) :] for c in columns]


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _no_column_twice(positions: dict[str, list[int]], header: list[str]) -> None:
    seen: dict[int, str] = {}
    for role, ps in positions.items():
        if role == "id":
            continue
        for p in ps:
            if p in seen:
                raise ColumnError(
                    f"column {quote(header[p])} is used as both {option(seen[p])} and {option(role)}",
                    "give each role its own columns",
                )
            seen[p] = role


def _what(role: str) -> str:
    return {"y_true": "label", "y_pred": "prediction", "var": "variance"}.get(role, role)


def _listing(header: list[str]) -> str:
    """The columns for a hint: a few names, each cut short (SPEC §6: never more of the
    file than a parsed header's names), or why they are not shown."""
    if not plausible_header(header):
        return f"is it the right file? Its column names are {listing(header)}"
    return f"columns are: {listing(header)} (or #1..#{len(header)})"


def _suggest(header: list[str], wanted: str) -> str:
    listing = _listing(header)
    if not plausible_header(header):
        return listing
    close = difflib.get_close_matches(wanted, header, n=1, cutoff=0.5)
    if not close:
        lowered = {name.lower(): name for name in header}
        close = [
            lowered[m] for m in difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=0.5)
        ]
    return f"did you mean {quote(close[0])}? {listing}" if close else listing
