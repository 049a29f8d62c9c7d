"""Resolve the columns a run uses: by name, by 1-based position (``#3``), by comma
list or glob for multi-column roles (``--pred 'prob_*'``), or by default.

Defaults, case-insensitive: the common names (SPEC §3); for the prediction also one
column per model (``pred_gbm``); for a binary loss the positive class's column of two
probability class columns (``prob_0, prob_1`` → ``prob_1``; ``--positive yes`` →
``prob_yes``); for a multiclass loss a family of class columns (``prob_*``, …, or
columns named ``0..K−1``). Every candidate is collected first: exactly one is taken,
several are an error that lists them, never a guess. Errors list the columns and
suggest the closest.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from losscli.errors import ColumnError
from losscli.neutralise import cut, listing, plausible_header, quote
from losscli.options import spelled
from losscli.spelling import in_python

GENERIC_PRED = (
    "pred",
    "prediction",
    "predictions",
    "y_pred",
    "yhat",
    "y_hat",
    "score",
    "y_score",
    "predicted",
    "output",
)
PROBABILITY_NAMES = ("prob", "proba", "probability", "p", "y_prob", "y_proba")
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "y_true": ("label", "labels", "target", "y", "y_true", "truth", "actual"),
    "y_pred": GENERIC_PRED,
    "y_pred:probability": (*GENERIC_PRED, *PROBABILITY_NAMES),
    "y_pred:logit": (*GENERIC_PRED, "logit", "logits", "decision", "margin"),
    "var": ("var", "variance", "pred_var", "y_var", "sigma2"),
    "std": ("std", "sd", "sigma", "stddev", "pred_std", "y_std"),
    "lower": ("lower", "lo", "low", "lower_bound", "pred_lower", "y_lower"),
    "upper": ("upper", "hi", "high", "upper_bound", "pred_upper", "y_upper"),
    # a Gaussian forecast's mean (crps --std/--var), after the ensemble families
    "y_pred:ensemble": (*GENERIC_PRED, "mean", "mu", "pred_mean", "y_mean"),
}
DEFAULT_NAMES["y_pred:any"] = DEFAULT_NAMES["y_pred"]
# One prediction column per model (pred_gbm, prediction_ridge): a candidate for the
# single prediction column of any loss; two of them are two models, an ambiguity.
MODEL_PREDICTION = r"(?:pred|prediction)_(.+)"
# Families of K class/label columns, tried in order; one family must match.
DEFAULT_FAMILIES: dict[str, tuple[str, ...]] = {
    "y_pred:probability": (r"p(\d+)", r"prob_(.+)", r"proba_(.+)"),
    "y_pred:logit": (r"logit_(.+)", r"logits_(.+)", r"score_(.+)"),
    "y_pred:log-probability": (r"logprob_(.+)", r"log_prob_(.+)", r"logp_(.+)"),
    "y_true": (r"label_(.+)", r"target_(.+)"),
}
DEFAULT_FAMILIES["y_pred:any"] = DEFAULT_FAMILIES["y_pred:probability"] + DEFAULT_FAMILIES["y_pred:logit"]
# Losses whose prediction is one column or several (LossSpec.members): the families of
# several, and whether they are looked for before the one-column names (an ensemble's
# members) or after them (quantile: one column by name, as before it took several).
MEMBER_FAMILIES: dict[str, tuple[str, ...]] = {
    "y_pred:ensemble": (r"member_(.+)", r"member(\d+)", r"members_(.+)", r"ens_(.+)", r"ensemble_(.+)"),
    "y_pred:quantile": (r"q(\d+)", r"q_(.+)", r"q(\d*\.\d+)", r"quantile_(.+)"),
}
FAMILIES_FIRST = frozenset({"y_pred:ensemble"})
# Class columns named by their index alone: exactly the integers 0..K−1 (the names
# --no-header gives, 1..N, never start at 0, so they are never taken for classes).
CLASS_INDEX = re.compile(r"0|[1-9][0-9]*")
INDEX_FAMILY = "0..K−1"
# Class names of a binary file's two class columns (prob_0/prob_1, prob_no/prob_yes,
# prob_neg/prob_pos): the positive class is the one named like a true label.
POSITIVE_CLASS = frozenset({"1", "+1", "true", "t", "yes", "y", "pos", "positive"})
NEGATIVE_CLASS = frozenset({"0", "-1", "false", "f", "no", "n", "neg", "negative"})
MAX_POSITIONS = 8  # positions of a repeated name listed in a message
ROLE_OPTIONS = {
    "y_true": "label",
    "y_pred": "pred",
    "var": "var",
    "std": "std",
    "lower": "lower",
    "upper": "upper",
    "weight": "weight",
    "id": "id",
    "by": "by",
}


def option(role: str, value: str | None = None, placeholder: bool = False) -> str:
    """The option that names ``role``'s column, spelled for the caller (``--pred`` on the
    command line, ``pred=`` in Python: :func:`losscli.options.spelled`)."""
    if role not in ROLE_OPTIONS:
        return role
    return spelled(ROLE_OPTIONS[role], value, placeholder=placeholder)


def _spelled_with(name: str, word: str) -> str:
    """Option ``name`` with an example argument ``word``, already written for a shell
    (bare, or quoted by :func:`_shell_word`): ``--pred prob_1``; in Python a string
    literal, ``pred='prob_1'``."""
    return spelled(name, f"'{word}'" if in_python() and not word.startswith("'") else word, placeholder=True)


@dataclass(frozen=True)
class Request:
    """How to find one role: ``given`` by the user, else defaults of ``flavour``;
    ``multi`` roles take K columns. ``task`` is the loss's: a ``binary`` loss may take
    the positive class's column of two class columns (the class named ``positive``,
    else the one named like a true label); a ``multiclass`` loss also takes class
    columns named ``0..K−1``."""

    given: str | None
    multi: bool = False
    flavour: str = ""
    required: bool = True
    task: str = ""
    positive: str | None = None
    members: bool = False  # one column or several (MEMBER_FAMILIES): by name, or as a family
    one_first: bool = False  # members: look for one column by name first (crps given --std)


@dataclass(frozen=True)
class Resolved:
    """Column positions and header names by role (one or K columns each)."""

    positions: dict[str, list[int]]
    names: dict[str, list[str]]
    header: bool = True  # False: the names are --no-header's positions 1, 2, …

    def name(self, role: str) -> str:
        """The header name of a single-column role (the first of a multi-column one)."""
        return self.names[role][0]

    def classes(self) -> list[str]:
        """The class names of the prediction columns (:func:`class_names`); without a
        header the columns' positions ``#2``, ``#3``, …: names, not class names, so a
        numeric label is then an index by column order, never the column named like it."""
        if not self.header:
            return [f"#{name}" for name in self.names["y_pred"]]
        return class_names(self.names["y_pred"])


def resolve(header: list[str], requests: Mapping[str, Request], where: str) -> Resolved:
    """Map each requested role to its columns: the given ones first, then the defaults
    among the columns no other role was given (``--by pred_fold`` is not a prediction)."""
    positions: dict[str, list[int]] = {}
    for role, req in requests.items():
        if req.given is not None:
            positions[role] = _given(header, req.given, where, role, req.multi)
    taken = {p: role for role, ps in positions.items() if role != "id" for p in ps}
    for role, req in requests.items():
        if req.given is None and req.required:
            positions[role] = _by_default(header, role, req, where, taken)
    positions = {role: positions[role] for role in requests if role in positions}
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
        position = f"'#{exact[0] + 1}'"
        raise ColumnError(
            f"{where}: column name {quote(wanted)} appears {len(exact)} times ({where_all})",
            f"pick one by position, e.g. {_spelled_with(ROLE_OPTIONS.get(role, 'pred'), position)}",
        )
    raise ColumnError(f"{where}: no column {quote(wanted)} (for {option(role)})", _suggest(header, wanted))


def _by_default(
    header: list[str], role: str, req: Request, where: str, taken: Mapping[int, str]
) -> list[int]:
    key = f"{role}:{req.flavour}" if req.flavour else role
    if req.members:
        return _one_or_several(header, role, req, key, where, taken)
    if req.multi:
        patterns, by_index = DEFAULT_FAMILIES.get(key, ()), req.task == "multiclass"
        families = _families(header, patterns, by_index, taken)
        if len(families) == 1:
            return families[0][1]
        forms = [p.replace("(.+)", "*").replace(r"(\d+)", "N") for p in patterns]
        raise _no_one_family(header, role, families, " or ".join([*forms, *[INDEX_FAMILY] * by_index]), where)
    names = DEFAULT_NAMES.get(key, DEFAULT_NAMES.get(role, ()))
    named = [i for i, name in enumerate(header) if name.strip().lower() in names]
    found = [i for i in named if i not in taken]
    models: list[int] = []
    undecided: list[list[int]] = []
    if role == "y_pred":
        models = _model_columns(header, taken)
        if req.task == "binary" and req.flavour != "logit":
            decided, undecided = _positive_columns(header, req, taken)
            found += decided
    candidates = sorted({*found, *models, *(p for pair in undecided for p in pair)})
    if len(candidates) == 1:
        return candidates
    if not candidates:
        raise _none_found(header, role, req, names, named, taken, where)
    if undecided and len(candidates) == 2:
        raise _which_positive(header, undecided[0], req.positive, where)
    shown = listing([header[i] for i in candidates])
    example = (
        _spelled_with(ROLE_OPTIONS[role], _argument(header, candidates[0])) if role in ROLE_OPTIONS else role
    )
    hint = f"choose one, e.g. {example}" + (
        f"; to compare models, run each with {option(role)}" if models else ""
    )
    raise ColumnError(f"{where}: several columns could be the {what(role)}: {shown}", hint)


def _one_or_several(
    header: list[str], role: str, req: Request, key: str, where: str, taken: Mapping[int, str]
) -> list[int]:
    """A prediction of one column or several: one column named like a prediction, or one
    family of columns (``member_*``, ``q05, q50, q95``), in the order the flavour says;
    several candidates of the form tried first are an error, never a guess."""
    patterns = MEMBER_FAMILIES.get(key, ())
    names = DEFAULT_NAMES.get(key, DEFAULT_NAMES[role])
    forms = [_family_form(p) for p in patterns]

    def by_family() -> list[int]:
        families = _families(header, patterns, False, taken)
        if len(families) > 1:
            raise _no_one_family(header, role, families, " or ".join(forms), where)
        return families[0][1] if families else []

    def by_name() -> list[int]:
        named = [i for i, name in enumerate(header) if i not in taken and name.strip().lower() in names]
        if not named and not _model_columns(header, taken):
            return []
        return _by_default(header, role, replace(req, members=False, multi=False), where, taken)

    for look in (by_family, by_name) if key in FAMILIES_FIRST and not req.one_first else (by_name, by_family):
        if found := look():
            return found
    looked = " or ".join(forms) or "none"
    raise ColumnError(
        f"{where}: cannot find the {what(role)} columns: no family like {looked}, "
        f"and no column named {', '.join(names[:4])}, …",
        f"use {option(role, 'COL', placeholder=True)}, a glob ('prefix_*') or a comma list; {_listing(header)}",
    )


def _family_form(pattern: str) -> str:
    """A family's pattern as shown: ``member_*``, ``qN``."""
    return re.sub(r"\([^)]*\)", "*", pattern.replace(r"(\d+)", "N"))


def _none_found(
    header: list[str],
    role: str,
    req: Request,
    names: tuple[str, ...],
    named: list[int],
    taken: Mapping[int, str],
    where: str,
) -> ColumnError:
    """No candidate: say which names were looked for, or which given role took the one found."""
    col = option(role, "COL", placeholder=True)
    if named:
        other = option(taken[named[0]])
        return ColumnError(
            f"{where}: cannot tell which column is the {what(role)}: {quote(header[named[0]])} is the {other} column",
            f"use {col}; {_listing(header)}",
        )
    message = (
        f"{where}: cannot tell which column is the {what(role)}: none is named {', '.join(names[:4])}, …"
    )
    if role == "y_pred" and req.task == "binary":
        # two probability columns were candidates already: only logits or K > 2 columns are left
        least = 2 if req.flavour == "logit" else 3
        classes = [
            f for _, f in _families(header, _class_patterns(req.flavour), True, taken) if len(f) >= least
        ]
        if classes:
            k = len(classes[0])
            shown = listing([header[i] for i in classes[0]], limit=4)
            hint = (
                f"for {k} classes use a multiclass loss such as cross-entropy, or choose one column with {col}"
                if k > 2
                else f"a binary loss takes one score per row (of two logits, z₁ − z₀): give it with {col}"
            )
            return ColumnError(f"{message}; {shown} are {k} class columns", hint)
    return ColumnError(message, f"use {col}; {_listing(header)}")


def _model_columns(header: list[str], taken: Mapping[int, str]) -> list[int]:
    """``pred_*`` / ``prediction_*`` columns, except another role's default names (``pred_var``)."""
    others = {
        name for role, names in DEFAULT_NAMES.items() if not role.startswith("y_pred") for name in names
    }
    return [
        i
        for i, name in enumerate(header)
        if i not in taken
        and re.fullmatch(MODEL_PREDICTION, name.strip(), re.IGNORECASE)
        and name.strip().lower() not in others
    ]


def _positive_columns(
    header: list[str], req: Request, taken: Mapping[int, str]
) -> tuple[list[int], list[list[int]]]:
    """For a binary loss, each family of exactly two probability class columns: the
    positive class's column where the class names tell it, else the pair (undecided)."""
    decided: list[int] = []
    undecided: list[list[int]] = []
    for _, family in _families(header, DEFAULT_FAMILIES["y_pred:probability"], True, taken):
        if len(family) != 2:
            continue
        pick = _positive_class(class_names([header[i] for i in family]), req.positive)
        if pick is None:
            undecided.append(family)
        else:
            decided.append(family[pick])
    return decided, undecided


def _positive_class(classes: list[str], positive: str | None) -> int | None:
    """Which of two class names is the positive class: the one ``positive`` names, else
    the one named like a true label when the other is named like a false one."""
    texts = [_class_text(c) for c in classes]
    if positive is not None:
        hits = [i for i, t in enumerate(texts) if t == _class_text(positive)]
        return hits[0] if len(hits) == 1 else None
    signs = [1 if t in POSITIVE_CLASS else -1 if t in NEGATIVE_CLASS else 0 for t in texts]
    if sorted(signs) == [-1, 1]:
        return signs.index(1)
    return None


def _class_text(text: str) -> str:
    """A class name or label as compared: trimmed, lower case, ``1.0`` as ``1``."""
    text = text.strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return text


def _which_positive(header: list[str], pair: list[int], positive: str | None, where: str) -> ColumnError:
    shown = listing([header[i] for i in pair])
    classes = class_names([header[i] for i in pair])
    if positive is not None:
        return ColumnError(
            f"{where}: {spelled('positive', quote(positive), placeholder=True)} names neither class column ({shown})",
            f"name one of the classes ({', '.join(quote(c) for c in classes)}) "
            f"or choose the column with {option('y_pred', 'COL', placeholder=True)}",
        )
    return ColumnError(
        f"{where}: two class columns ({shown}): which class is the positive one?",
        f"name it, e.g. {_spelled_with('positive', _shell_word(classes[1]))} "
        f"(or {_spelled_with('pred', _argument(header, pair[1]))})",
    )


def _class_patterns(flavour: str) -> tuple[str, ...]:
    """Every prediction family's pattern, those of ``flavour`` first."""
    first = DEFAULT_FAMILIES.get(f"y_pred:{flavour}", ())
    rest = [p for key, ps in DEFAULT_FAMILIES.items() if key.startswith("y_pred") for p in ps]
    return tuple(dict.fromkeys([*first, *rest]))


def _families(
    header: list[str], patterns: tuple[str, ...], by_index: bool, taken: Mapping[int, str]
) -> list[tuple[str, list[int]]]:
    """The families of two or more free columns: per pattern, its matches; with
    ``by_index`` also the columns named exactly ``0..K−1``. Each with its pattern shown."""
    families: list[tuple[str, list[int]]] = []
    free = [(i, name) for i, name in enumerate(header) if i not in taken]
    for pattern in patterns:
        found = [i for i, name in free if re.fullmatch(pattern, name, re.IGNORECASE)]
        if len(found) >= 2:
            families.append((pattern, found))
    if by_index:
        found = [i for i, name in free if CLASS_INDEX.fullmatch(name)]
        if len(found) >= 2 and sorted(int(header[i]) for i in found) == list(range(len(found))):
            families.append((INDEX_FAMILY, found))
    return families


def _no_one_family(
    header: list[str], role: str, families: list[tuple[str, list[int]]], shown: str, where: str
) -> ColumnError:
    if not families:
        return ColumnError(
            f"{where}: cannot find the {what(role)} columns: no family like {shown}",
            f"use {option(role, 'prefix_*')} or a comma list; {_listing(header)}",
        )
    groups = "; ".join(listing([header[i] for i in group], limit=4) for _, group in families)
    return ColumnError(
        f"{where}: several column families could be the {what(role)}: {groups}",
        f"choose one, e.g. {_spelled_with(ROLE_OPTIONS.get(role, role), _family_argument([header[i] for i in families[0][1]]))}",
    )


def _family_argument(names: list[str]) -> str:
    """A family as a command-line argument: ``'prob_*'`` when its names share a prefix
    ending in a separator, else the comma list."""
    prefix = _common_prefix(names)
    if prefix and prefix[-1] in "_-.:" and len(prefix) < min(map(len, names)):
        return quote(prefix + "*")
    return _shell_word(",".join(names))


def _argument(header: list[str], position: int) -> str:
    """A column as a command-line argument: its name, or ``'#N'`` when the name repeats."""
    name = header[position]
    if header.count(name) > 1:
        return f"'#{position + 1}'"
    return _shell_word(name)


def _shell_word(text: str) -> str:
    """``text`` for a hint's command line: bare when the shell keeps it as is, else quoted."""
    return cut(text) if re.fullmatch(r"[A-Za-z0-9_.,:+=@%/-]+", text) else quote(text)


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


def what(role: str) -> str:
    """A role in words: ``prediction``, ``variance``, ``lower bound``."""
    return {
        "y_true": "label",
        "y_pred": "prediction",
        "var": "variance",
        "std": "standard deviation",
        "lower": "lower bound",
        "upper": "upper bound",
    }.get(role, role)


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
