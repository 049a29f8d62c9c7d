"""One validator (issue 12): the Python API and the CLI refuse the same inputs with the
same requirement, each phrased for its reader (array indices / file rows and columns)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import losscli
from losscli.errors import DataError

pytestmark = pytest.mark.smoke

CASES = [  # (what is wrong, y_true, y_pred, weights, the requirement both must state)
    ("a missing label", [1.0, math.nan, 2.0], [1.0, 1.0, 1.0], None, "be present (not empty or NaN)"),
    ("an infinite prediction", [1.0, 2.0, 3.0], [1.0, math.inf, 1.0], None, "be finite"),
    ("a negative weight", [1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [1.0, -1.0, 1.0], "be >= 0"),
    ("a label outside the domain", [1.0, -2.0, 3.0], [1.0, 1.0, 1.0], None, "be >= 0"),
]


@pytest.mark.parametrize(("what", "y", "p", "w", "requirement"), CASES, ids=[c[0] for c in CASES])
def test_api_and_cli_state_the_same_requirement(cli, write_file, what, y, p, w, requirement):
    loss = "poisson" if "domain" in what else "mse"
    with pytest.raises(
        DataError, match="must " + requirement.replace("(", r"\(").replace(")", r"\)")
    ) as caught:
        getattr(losscli.losses, loss)(
            np.array(y), np.array(p), sample_weight=None if w is None else np.array(w)
        )
    assert "index 1" in caught.value.message
    rows = "\n".join(
        ",".join(["" if math.isnan(a) else repr(a), repr(b)] + ([repr(c)] if w else []))
        for a, b, c in zip(y, p, w or [0.0] * 3, strict=True)
    )
    header = "label,pred,weight" if w else "label,pred"
    path = write_file("bad.csv", f"{header}\n{rows}\n")
    result = cli(loss, path, *(["--weight", "weight"] if w else []))
    assert result.exit_code == 2
    assert requirement in result.stderr and "row 2" in result.stderr, result.stderr
