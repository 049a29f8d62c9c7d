"""losscli: how wrong are these predictions? Loss evaluation from files, in NumPy.

Public API::

    import losscli
    losscli.evaluate("preds.parquet", "mse")      # -> EvalResult
    losscli.losses.mse(y_true, y_pred)            # -> float, like scikit-learn
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["LossCliError", "LossSpec", "__version__", "evaluate", "losses"]

if TYPE_CHECKING:
    from losscli import losses
    from losscli.engine.local import evaluate
    from losscli.errors import LossCliError
    from losscli.losses._spec import LossSpec


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from losscli.engine.local import evaluate

        return evaluate
    if name == "losses":
        import losscli.losses

        return losscli.losses
    if name == "LossCliError":
        from losscli.errors import LossCliError

        return LossCliError
    if name == "LossSpec":
        from losscli.losses._spec import LossSpec

        return LossSpec
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")
