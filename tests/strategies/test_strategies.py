"""Property tests of `sig2jsonschema.strategies` (no MLflow needed).

The contracts: every generated body is valid under the strict validator and
served by the emulated MLflow server with no lossy conversion; asking for a
form that does not work fails at draw time naming the hazard; every near miss
is rejected by the strict validator with an error whose keyword is its label.
All tests run with Hypothesis' default health checks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from sig2jsonschema import load_signature
from sig2jsonschema._emulator.server import emulate
from sig2jsonschema._hazards.verdicts import FORMS, form_verdicts
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._signature.types import DataType, Signature
from sig2jsonschema.strategies import (
    NearMiss,
    inputs,
    invalid_requests,
    params,
    requests,
    signatures,
    working_forms_for,
)
from sig2jsonschema.strategies._draw import draw_examples
from sig2jsonschema.strategies._python import COLUMN_DTYPES
from tests.conftest import corpus_signature_paths, model_dirs

if TYPE_CHECKING:
    from pathlib import Path

import sig2jsonschema._validate.validator as validate


def _sources() -> list[Path]:
    return [*corpus_signature_paths(), *model_dirs()]


def _servable(path: Path) -> bool:
    sig = load_signature(path)
    return any(v.works for v in form_verdicts(sig).values())


SERVABLE = [p for p in _sources() if _servable(p)]
UNSERVABLE = [p for p in _sources() if not _servable(p)]
_VALIDATORS: dict[Path, Any] = {}
#: The emulator names named-tensor row records instances/tensors; _hazards says instances/records.
_FORM_ALIASES = {("instances/tensors", "instances/records")}


def _validator(path: Path) -> Any:
    if path not in _VALIDATORS:
        _VALIDATORS[path] = validate.Validator(load_signature(path))
    return _VALIDATORS[path]


def _assert_served_unchanged(sig: Signature, body: Any) -> None:
    text = json.dumps(body, allow_nan=False)
    outcome = emulate(sig, text)
    assert outcome.status == 200, (text[:300], outcome.message)
    assert not outcome.warnings, (text[:300], outcome.warnings[0])


@pytest.mark.parametrize("path", SERVABLE, ids=lambda p: p.stem if p.suffix else p.name)
@settings(max_examples=15)
@given(data=st.data())
def test_generated_bodies_are_strictly_valid_and_served_unchanged(path: Path, data: Any) -> None:
    sig = load_signature(path)
    body = data.draw(requests(sig), label="body")
    errors = list(_validator(path).iter_errors(body))
    assert not errors, (json.dumps(body)[:300], errors[0].message)
    _assert_served_unchanged(sig, body)


@pytest.mark.parametrize("path", SERVABLE, ids=lambda p: p.stem if p.suffix else p.name)
@settings(max_examples=8)
@given(data=st.data())
def test_every_working_form_is_generated_on_request(path: Path, data: Any) -> None:
    sig = load_signature(path)
    form = data.draw(st.sampled_from(working_forms_for(sig)), label="form")
    body = data.draw(requests(sig, form), label="body")
    parsed = _validator(path).parse(body).form
    if sig.from_type_hint:
        assert parsed == "inputs/raw"  # the emulator's name for the untouched type-hint path
    else:
        assert parsed == form or (parsed, form) in _FORM_ALIASES
    _assert_served_unchanged(sig, body)


@pytest.mark.parametrize("path", SERVABLE, ids=lambda p: p.stem if p.suffix else p.name)
@settings(max_examples=12)
@given(data=st.data())
def test_every_near_miss_is_rejected_with_its_label(path: Path, data: Any) -> None:
    miss = data.draw(invalid_requests(load_signature(path)), label="near miss")
    assert isinstance(miss, NearMiss)
    keywords = [e.keyword for e in _validator(path).iter_errors(miss.body)]
    assert miss.rule in keywords, (miss.rule, miss.why, json.dumps(miss.body)[:300], keywords)


def test_a_form_that_does_not_work_fails_at_draw_time_naming_the_hazard() -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "binary_column_pyfunc"))
    strategy = requests(sig, "inputs/records")  # building it does not raise
    with pytest.raises(InvalidArgument, match="binary-not-decoded"):
        draw_examples(strategy, 1)


def test_a_form_that_does_not_fit_the_shape_fails_at_draw_time() -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "mnist_uint8_tensor"))
    with pytest.raises(InvalidArgument, match="does not work"):
        draw_examples(requests(sig, "inputs/records"), 1)


def test_an_unknown_envelope_fails_at_draw_time() -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "mnist_uint8_tensor"))
    with pytest.raises(InvalidArgument, match="unknown envelope"):
        draw_examples(requests(sig, "payload"), 1)


@pytest.mark.parametrize("path", UNSERVABLE, ids=lambda p: p.stem)
def test_no_working_form_fails_at_draw_time_naming_the_hazard(path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"no body form works.*unusable"):
        draw_examples(requests(load_signature(path)), 1)


@settings(max_examples=30)
@given(data=st.data())
def test_a_top_level_key_picks_among_its_working_sub_forms(data: Any) -> None:
    path = next(p for p in _sources() if p.name == "params_pyfunc")
    sig = load_signature(path)
    body = data.draw(requests(sig, "inputs"))
    assert set(body) <= {"inputs", "params"}
    assert _validator(path).parse(body).form.startswith("inputs/")


def test_envelope_candidates_put_the_recommended_form_first() -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "mnist_uint8_tensor"))
    assert working_forms_for(sig)[0] == "inputs/tensor"
    assert set(working_forms_for(sig, "instances")) == {"instances/tensor"}
    assert all(f in FORMS for f in working_forms_for(sig))


@given(data=st.data())
def test_params_are_valid_and_sometimes_partial(data: Any) -> None:
    path = next(p for p in _sources() if p.name == "params_pyfunc")
    sig = load_signature(path)
    drawn = data.draw(params(sig))
    assert set(drawn) <= {p.name for p in sig.params.params}  # type: ignore[union-attr]
    body = {"inputs": ["x"], "params": drawn}
    assert not list(_validator(path).iter_errors(body))
    outcome = emulate(sig, json.dumps(body))
    assert outcome.status == 200
    assert set(outcome.params or {}) == {p.name for p in sig.params.params}  # type: ignore[union-attr]


def test_params_cover_partial_and_full_dicts() -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "params_pyfunc"))
    sizes: set[int] = set()

    @settings(max_examples=100, database=None)
    @given(params(sig))
    def collect(drawn: dict[str, Any]) -> None:
        sizes.add(len(drawn))

    collect()
    assert 0 in sizes
    assert max(sizes) >= 4


@pytest.mark.parametrize("path", SERVABLE, ids=lambda p: p.stem if p.suffix else p.name)
@settings(max_examples=6)
@given(data=st.data())
def test_inputs_carry_mlflow_dtypes(path: Path, data: Any) -> None:
    sig = load_signature(path)
    value = data.draw(inputs(sig))
    assert sig.inputs is not None
    if sig.inputs.is_tensor:
        arrays = value if sig.inputs.has_names else {None: value}
        for spec in sig.inputs.tensors:
            array = arrays[spec.name]
            assert isinstance(array, np.ndarray)
            assert array.dtype.kind == np.dtype(spec.dtype).kind
            assert all(d in (-1, n) for d, n in zip(spec.shape, array.shape, strict=True))
        return
    assert isinstance(value, pd.DataFrame)
    for i, spec in enumerate(sig.inputs.columns):
        label = spec.name if spec.name is not None else i
        if label not in value.columns:
            assert not spec.is_required
            continue
        if isinstance(spec.type, DataType):
            assert str(value[label].dtype) == COLUMN_DTYPES[spec.type]
        else:
            assert value[label].dtype == object


def test_signatures_is_re_exported() -> None:
    assert all(isinstance(s, Signature) for s in draw_examples(signatures(), 5))


@settings(max_examples=30)
@given(sig=signatures(), data=st.data())
def test_arbitrary_signatures_give_valid_bodies_or_a_named_hazard(
    sig: Signature, data: Any
) -> None:
    if sig.inputs is None:
        return
    if not any(v.works for v in form_verdicts(sig).values()):
        with pytest.raises(InvalidArgument):
            data.draw(requests(sig))
        return
    try:
        body = data.draw(requests(sig), label="body")
    except InvalidArgument as exc:
        # forms that work only while optional columns stay out, and no other column;
        # type-hint models, whose datetime/binary hints JSON cannot satisfy
        assert "can be sent" in str(exc)  # noqa: PT017 - a draw inside @given, not a call
        return
    errors = list(validate.Validator(sig).iter_errors(body))
    assert not errors, (json.dumps(body)[:300], errors[0].message)


def test_split_subset_limit_matches_the_strict_export() -> None:
    from sig2jsonschema._export.column_forms import MAX_SPLIT_SUBSETS as EXPORTED
    from sig2jsonschema.strategies._bodies import MAX_SPLIT_SUBSETS

    assert MAX_SPLIT_SUBSETS == EXPORTED


@settings(max_examples=20)
@given(data=st.data())
def test_many_optional_columns_all_travel_in_dataframe_split(data: Any) -> None:
    cols = [{"type": "double", "name": f"c{i}", "required": False} for i in range(8)]
    sig = parse_signature({"inputs": json.dumps(cols)})
    body = data.draw(requests(sig, "dataframe_split"))
    assert body["dataframe_split"]["columns"] == [f"c{i}" for i in range(8)]
    assert not list(validate.Validator(sig).iter_errors(body))


@settings(max_examples=50)
@given(data=st.data())
def test_uint8_images_respect_shape_and_bounds(data: Any) -> None:
    sig = load_signature(next(p for p in _sources() if p.name == "mnist_uint8_tensor"))
    body = data.draw(requests(sig, "inputs/tensor"))
    array = np.array(body["inputs"])
    assert array.ndim == 3
    assert array.shape[1:] == (28, 28)
    assert 1 <= array.shape[0] <= 5
    assert array.min() >= 0
    assert array.max() <= 255
