"""Labels as the kernels want them: binary 0/1 and class indices, from whatever
the file holds (0/1, true/false, −1/+1, class names, ``--positive LABEL``).

Mappers keep state across chunks (the encoding seen so far), so a file that
mixes ``0`` and ``-1`` is caught even when they sit in different chunks.
Each ``map`` returns the mapped labels and a bad-row mask with its reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses.validation import RowIssue
from losscli.neutralise import cut, quote_cell
from losscli.options import spelled

TRUE_WORDS = {"true", "t", "yes", "y", "1", "+1", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0"}
MINUS_WORDS = {"-1", "-1.0"}


class BinaryLabels:
    """0/1, true/false, −1/+1 or two strings with ``positive`` → float 0/1."""

    def __init__(self, positive: str | None = None) -> None:
        self.positive = None if positive is None else _label_text(positive)
        self.encoding: str | None = None  # "01" or "pm1", once seen
        self.seen_strings: set[str] = set()
        self.positive_seen = False

    def finish(self) -> str | None:
        """After the last chunk: a --positive that matched no label is an error."""
        if self.positive is None or self.positive_seen or not self.seen_strings:
            return None
        seen = ", ".join(quote_cell(s) for s in sorted(self.seen_strings)[:6])
        positive = spelled("positive", quote_cell(self.positive), placeholder=True)
        return f"{positive} matches no label (labels seen: {seen})"

    def merge(self, other: BinaryLabels) -> str | None:
        """Fold in what another partition saw; a problem only the whole input shows
        (0/1 here and -1/+1 there, more than two values with --positive) as a message."""
        if None not in (self.encoding, other.encoding) and self.encoding != other.encoding:
            return "mixes 0/1 and -1/+1 labels (in different parts of the input); use one encoding throughout"
        self.encoding = self.encoding or other.encoding
        self.seen_strings |= other.seen_strings
        self.positive_seen = self.positive_seen or other.positive_seen
        if self.positive is not None and len(self.seen_strings) > 2:
            seen = ", ".join(quote_cell(s) for s in sorted(self.seen_strings)[:6])
            return f"takes more than two values ({seen}); a binary loss needs exactly two"
        return None

    def map(self, labels: Any) -> tuple[NDArray[np.float64], RowIssue | None]:
        if self.positive is not None:
            return self._by_positive(labels)
        if labels.dtype.kind in "iufb":
            return self._numeric(labels.astype(np.float64))
        words = _per_distinct(labels, lambda v: str(v).strip().lower())
        ones = np.isin(words, list(TRUE_WORDS))
        minus = np.isin(words, list(MINUS_WORDS))
        zeros = np.isin(words, list(FALSE_WORDS))
        bad = ~(ones | zeros | minus)
        if bad.any():
            example = labels[int(np.argmax(bad))]
            return np.zeros(labels.shape[0]), RowIssue(
                "y_true",
                bad,
                "be a binary label (0/1, true/false, -1/+1)",
                f"for labels like {quote_cell(str(example))}, name the positive class with {_positive()}",
            )
        numeric = np.where(ones, 1.0, np.where(minus, -1.0, 0.0))
        return self._numeric(numeric)

    def _numeric(self, values: NDArray[np.float64]) -> tuple[NDArray[np.float64], RowIssue | None]:
        bad = ~np.isin(values, (0.0, 1.0, -1.0))
        if bad.any():
            return values, RowIssue(
                "y_true",
                bad,
                "be 0/1 or -1/+1",
                f"for other label values, name the positive class with {_positive()}",
            )
        has_zero, has_minus = bool((values == 0).any()), bool((values == -1).any())
        for enc, present in (("01", has_zero), ("pm1", has_minus)):
            if present and self.encoding not in (None, enc):
                mask = values == (0.0 if enc == "01" else -1.0)
                return values, RowIssue(
                    "y_true", mask, "not mix 0/1 and -1/+1 labels", "use one encoding throughout"
                )
            if present:
                self.encoding = enc
        return np.where(values == 1.0, 1.0, 0.0), None

    def _by_positive(self, labels: Any) -> tuple[NDArray[np.float64], RowIssue | None]:
        text = _per_distinct(labels, _label_text)
        self.seen_strings.update(np.unique(text).tolist())
        self.positive_seen = self.positive_seen or bool((text == self.positive).any())
        if len(self.seen_strings) > 2:
            extra = sorted(self.seen_strings - {self.positive})
            mask = ~np.isin(text, [str(self.positive), extra[0]])
            return np.zeros(labels.shape[0]), RowIssue(
                "y_true",
                mask,
                f"take one of two values ({spelled('positive', quote_cell(self.positive), placeholder=True)}; "
                f"seen {', '.join(map(quote_cell, extra[:4]))})",
                "a binary loss needs exactly two label values",
            )
        return (text == self.positive).astype(np.float64), None


def _per_distinct(labels: Any, convert: Any) -> Any:
    """``convert`` applied once per distinct label, spread back over the rows."""
    uniques, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    return np.array([convert(u) for u in uniques.tolist()], dtype=object)[inverse.reshape(-1)]


def _label_text(v: Any) -> str:
    """A label's canonical text: ``5``, ``5.0`` and ``"5.0"`` are all "5"."""
    if hasattr(v, "item"):
        v = v.item()
    text = str(v).strip()
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number) if number == number else text


class ClassLabels:
    """Class names (the pred columns' suffixes) or integer indices → indices 0..K−1.

    Numeric labels map by index, except when every class name is an integer:
    then label ``3`` means the column whose name ends in ``3``. A label read as text
    is a class name, else an index (the same rule, for labels that arrive as text).
    """

    def __init__(self, names: list[str], ignore: int | None = None) -> None:
        self.names = names
        self.ignore = ignore
        self.lookup = {n: i for i, n in enumerate(names)}
        self.lower = {n.lower(): i for i, n in enumerate(names)}
        self.by_name = all(_is_int(n) for n in names)
        self.low, self.table = _number_table(names, self.by_name)

    def map(self, labels: Any) -> tuple[NDArray[np.int64], NDArray[np.bool_], RowIssue | None]:
        """Indices, the rows to ignore (``ignore_label``), and any problem."""
        if labels.dtype.kind in "iuf" or all(isinstance(v, (int, float, np.number)) for v in labels[:64]):
            return self._map_numbers(labels)
        uniques, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)  # per distinct label
        text = [_label_text(v) for v in uniques.tolist()]
        mapped = np.array([self._by_text(t) for t in text], dtype=np.int64)
        index = mapped[inverse.reshape(-1)]
        if self.ignore is not None:
            ignored = np.array([t == str(self.ignore) for t in text], dtype=bool)[inverse.reshape(-1)]
        else:
            ignored = np.zeros(index.size, dtype=bool)
        bad = (index < 0) & ~ignored
        return np.where(ignored | bad, 0, index), ignored, self._problem(bad)

    def _map_numbers(self, labels: Any) -> tuple[NDArray[np.int64], NDArray[np.bool_], RowIssue | None]:
        """Numeric labels: a whole number picks its class (by index, or by name when every
        name is an integer); anything else (a fraction, NaN, ±inf, no such class) is a bad
        row. Names within 2**16 of each other go through a table, others a sorted search."""
        values = np.asarray(labels, dtype=np.float64)
        ignored = values == self.ignore if self.ignore is not None else np.zeros(values.size, bool)
        with np.errstate(invalid="ignore"):  # NaN, ±inf and huge values: garbage, caught below
            whole = values.astype(np.int64)
        if self.table is not None:
            at = whole - self.low
            inside = (whole == values) & (at >= 0) & (at < self.table.size)
            index = self.table[np.where(inside, at, 0)]
            bad = (~inside | (index < 0)) & ~ignored
        else:
            named = np.array([float(n) for n in self.names])
            order = np.argsort(named, kind="stable")
            at = np.clip(np.searchsorted(named[order], values), 0, len(self.names) - 1)
            hit = (whole == values) & (named[order][at] == values)
            index = np.where(hit, order[at], -1)
            bad = ~hit & ~ignored
        return np.where(ignored | bad, 0, index), ignored, self._problem(bad)

    def _by_text(self, text: str) -> int:
        """A label read as text: a class name, else (names not all integers) an index
        ``0..K−1`` written as text (as a CSV read by Dask gives it), else −1."""
        found = self.lookup.get(text, self.lower.get(text.lower(), -1))
        if found < 0 and not self.by_name and text.isdigit() and int(text) < len(self.names):
            return int(text)
        return found

    def _problem(self, bad: NDArray[np.bool_]) -> RowIssue | None:
        if not bad.any():
            return None
        shown = ", ".join(cut(name) for name in self.names[:8]) + (", …" if len(self.names) > 8 else "")
        return RowIssue(
            "y_true",
            bad,
            f"name one of the {len(self.names)} classes ({shown}) or be an index 0..{len(self.names) - 1}",
            f"check {spelled('pred')} (one column per class) and the label column",
        )


def _number_table(names: list[str], by_name: bool) -> tuple[int, NDArray[np.int64] | None]:
    """(low, table): label value ``v`` is the class ``table[v - low]`` (−1: none) — the
    column whose name is ``v`` when every name is an integer, else index ``v``. None when
    the names span more than 2**16 values (then a sorted search)."""
    if not by_name:
        return 0, np.arange(len(names), dtype=np.int64)
    values = [int(n) for n in names]
    low, high = min(values, default=0), max(values, default=-1)
    if high - low >= 1 << 16:
        return 0, None
    table = np.full(high - low + 1, -1, dtype=np.int64)
    for index, value in reversed(list(enumerate(values))):  # a repeated name: its first column
        table[value - low] = index
    return low, table


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _positive() -> str:
    """``--positive LABEL`` (``positive=LABEL`` in Python)."""
    return spelled("positive", "LABEL", placeholder=True)
