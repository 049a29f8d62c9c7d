"""How a message names an option: as the command line spells it (``--pred``,
``--nan drop``) or, inside the Python API, as Python code does (``pred=``,
``nan='drop'``).

One context decides: the Python API (:func:`losscli.evaluate`, the functions of
:mod:`losscli.losses`) runs inside :func:`python` (decorated :func:`for_python`);
anything else is the command line.
A declared option is spelled by :func:`losscli.options.spelled` (its declaration
knows the flag and the API keyword); a loss parameter by :func:`param` here (a
parameter is ``--name-with-dashes`` on the command line and ``name=`` in Python).
This module imports nothing of losscli, so any module may use it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

_PYTHON: ContextVar[bool] = ContextVar("losscli_python_spelling", default=False)
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def python(on: bool = True) -> Iterator[None]:
    """Messages raised inside name options as Python code does (``on=False``: as the
    command line does)."""
    token = _PYTHON.set(on)
    try:
        yield
    finally:
        _PYTHON.reset(token)


def for_python(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` (a public Python entry point) runs inside :func:`python`."""

    @functools.wraps(function)
    def inside(*args: P.args, **kwargs: P.kwargs) -> R:
        with python():
            return function(*args, **kwargs)

    return inside


def in_python() -> bool:
    """Whether messages are for Python code (inside :func:`python`)."""
    return _PYTHON.get()


def value_text(value: object, placeholder: bool) -> str:
    """A value in Python code: a literal as its ``repr`` (``'drop'``), a placeholder
    (``KEY``) as written."""
    return str(value) if placeholder else repr(value)


def param(name: str, value: object = None, *, placeholder: bool = False, boolean: bool = False) -> str:
    """A loss parameter: ``--threshold T`` / ``--from-logits`` on the command line,
    ``threshold=T`` / ``from_logits=True`` in Python (the keyword of the
    ``losscli.losses`` functions and of ``params={...}``). ``boolean``: a switch."""
    if in_python():
        shown = (
            "True" if boolean and value is None else "" if value is None else value_text(value, placeholder)
        )
        return f"{name}={shown}"
    flag = "--" + name.replace("_", "-")
    return flag if value is None else f"{flag} {value}"
