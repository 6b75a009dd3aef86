"""The corpus through a real sidecar in front of a real ``mlflow models serve``.

For each signature (by default a representative 8 of the 26, 417 of the 1297 bodies;
``S2J_SERVE_ALL=1`` runs all 26, about 80 s on 2 cores), every labelled corpus body is sent through the sidecar to an echo model:

* every body strict accepts reaches the model unchanged: the echo of what
  ``predict`` received equals `Validator.parse` (unified-LLM bodies come back without
  the ``predictions`` wrapper, as MLflow answers them);
* every body strict refuses gets the sidecar's own error (400/413/415, MLflow's
  shape plus ``errors``), never a 5xx, and the model never runs for it (its
  invocation count does not move, and its server logs no request for it).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._validate.validator import Validator
from tests.conftest import load_cases
from tests.describe import describe, encode, first_difference, same
from tests.serve.conftest import MlflowServer, Sidecar, corpus_signature, save_echo_model

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.mlflow]

#: Body forms and hazards covered: frames with binary, a 1-d tensor, optional columns,
#: unified LLM chat, params of every type, maps and objects, named tensors, arrays.
SUBSET = [
    "fx_binary_column_pyfunc",
    "fx_iris_sklearn_numpy_tensor",
    "fx_optional_columns_sklearn",
    "p_llm_chat",
    "p_scalar_all_types",
    "m_map_object",
    "tn_image_label",
    "x_input_array",
]
CASES = load_cases()
ALL = sorted({c["signature"] for c in CASES})
SIGNATURES = ALL if os.environ.get("S2J_SERVE_ALL") else SUBSET


def _echo(response: Any) -> dict[str, Any]:
    payload = response.json()
    text = payload if isinstance(payload, str) else payload.get("predictions", payload)
    echoed: dict[str, Any] = json.loads(text) if isinstance(text, str) else text
    return echoed


@pytest.mark.parametrize("name", SIGNATURES)
def test_the_sidecar_forwards_exactly_what_strict_accepts(name: str, serve_dir: Path) -> None:
    signature = corpus_signature(name)
    model = serve_dir / f"echo-{name}"
    if not model.exists():
        save_echo_model(model, signature)
    validator = Validator(signature)
    cases = [c for c in CASES if c["signature"] == name]
    mlflow = MlflowServer(model, serve_dir)
    sidecar = Sidecar(model, mlflow.url, serve_dir)
    accepted = refused = 0
    try:
        for case in cases:
            raw = case["body"].encode("utf-8", "surrogatepass")
            before = mlflow.invocations()
            response = sidecar.post(raw)
            if validator.is_valid(raw):
                accepted += 1
                assert response.status_code == 200, (case["id"], response.text)
                unwrapped = "predictions" not in response.json()
                parsed = validator.parse(raw)
                assert unwrapped == parsed.unwrapped, case["id"]
                echo = _echo(response)
                expected = describe(parsed.inputs)
                assert same(expected, echo["received"]), (
                    case["id"],
                    first_difference(expected, echo["received"]),
                )
                assert same(encode(parsed.params), echo["params"]), case["id"]
                assert mlflow.invocations() == before + 1, case["id"]
            else:
                refused += 1
                assert response.status_code in {400, 413, 415}, (case["id"], response.text)
                answer = response.json()
                assert answer["errors"], case["id"]
                assert {"error_code", "message"} <= set(answer), case["id"]
                first = answer["errors"][0]
                assert set(first) == {"pointer", "keyword", "field", "expected"}
                assert mlflow.invocations() == before, f"{case['id']} reached the model"
        forwarded = [r for r in sidecar.records() if r.get("verdict") == "valid"]
        assert len(forwarded) == accepted
        # The model's own server saw exactly the forwarded bodies, no more.
        seen = mlflow.log.read_text().count('"POST /invocations HTTP/1.1"')
        assert seen in {0, accepted}  # 0 when its access log is off
    finally:
        code = sidecar.stop()
        mlflow.stop()
    assert code == 0
    assert accepted + refused == len(cases)
    assert refused > 0
