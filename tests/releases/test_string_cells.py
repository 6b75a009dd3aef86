"""What a string cell is, by body form and release: ``str`` or ``numpy.str_``.

MLflow converts an ``inputs`` record's values, and a column sent as one value,
one by one with numpy; a column sent as a list is stacked into one array.
MLflow 2.22 runs on pandas 2, whose ``object`` column keeps the numpy scalars;
3.17 and 3.18 run on pandas 3, whose ``str`` column holds ``str``.  Checked by
calling ``_parse_json_data`` + ``_enforce_schema`` in the oracle virtualenvs
(2.22.5 with pandas 2.3.3, 3.18.0 with pandas 3.1.1) and printing each cell's
type.  mlflow mode reproduces it on this pandas (3), on both of its paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sig2jsonschema._releases.table import SUPPORTED
from sig2jsonschema._validate.validator import Validator
from tests.conftest import reference_only

SIGNATURE = {
    "inputs": '[{"type": "string", "name": "text", "required": false},'
    ' {"type": "long", "name": "n", "required": false}]',
    "outputs": None,
    "params": None,
}
NUMPY, STR, NAN = np.str_, str, float
#: body -> the types of the ``text`` column's cells on MLflow 2.22.5.
ON_2_22: dict[bytes, list[type[Any]]] = {
    b'{"inputs": [{"text": "a", "n": 1}, {"text": "b", "n": 2}]}': [NUMPY, NUMPY],
    b'{"inputs": [{"text": "a", "n": 1}, {"n": 2}]}': [NUMPY, NAN],
    b'{"inputs": [{"text": "a", "n": 1}, {"text": null, "n": 2}]}': [NUMPY, NUMPY],
    b'{"inputs": {"text": "a", "n": 1}}': [NUMPY],
    b'{"inputs": {"text": ["a", "b"], "n": [1, 2]}}': [STR, STR],
    b'{"instances": [{"text": "a", "n": 1}, {"text": "b", "n": 2}]}': [STR, STR],
    b'{"instances": {"text": "a", "n": 1}}': [NUMPY],
    b'{"dataframe_records": [{"text": "a", "n": 1}]}': [STR],
    b'{"dataframe_split": {"columns": ["text", "n"], "data": [["a", 1]]}}': [STR],
}


#: Where 3.18 differs otherwise: it keeps an ``inputs`` record's null (NaN), where 3.17
#: and 2.22 make it the string ``"None"`` (`Release.tf_keeps_none`).
ON_3_18 = {b'{"inputs": [{"text": "a", "n": 1}, {"text": null, "n": 2}]}': [STR, NAN]}


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "reference path"])
@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize("body", list(ON_2_22))
def test_string_cells_are_what_the_release_hands_predict(
    body: bytes, line: str, fast: bool
) -> None:
    validator = Validator(SIGNATURE, "mlflow", mlflow_version=line)
    if not fast:
        reference_only(validator)
    cells = list(validator.parse(body).inputs["text"])
    want = ON_2_22[body] if line == "2.22" else [NAN if t is NAN else STR for t in ON_2_22[body]]
    if line == "3.18":
        want = ON_3_18.get(body, want)
    assert [type(cell) for cell in cells] == want
