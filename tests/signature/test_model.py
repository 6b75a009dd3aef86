"""The signature model: reading every form MLflow writes, and writing it back."""

from __future__ import annotations

import json

import pytest

from sig2jsonschema import (
    Array,
    ColSpec,
    DataType,
    Object,
    SignatureError,
    TensorSpec,
    load_signature,
    signature_to_dict,
    signature_to_mlmodel_yaml,
)
from tests.conftest import corpus_signature_paths, model_dirs

ALL_SOURCES = [*corpus_signature_paths(), *model_dirs()]


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda p: p.stem or p.name)
def test_written_form_is_byte_identical_to_mlflows(source):
    original_path = source if source.suffix == ".json" else source / "signature.json"
    original = json.loads(original_path.read_text())
    assert signature_to_dict(load_signature(source)) == original


def test_model_directory_and_mlmodel_file_read_the_same(tmp_path):
    model = model_dirs()[0]
    assert load_signature(model) == load_signature(model / "MLmodel")


def test_type_hint_flag_is_kept():
    hinted = next(p for p in model_dirs() if p.name == "type_hinted_pyfunc")
    assert load_signature(hinted).from_type_hint is True
    block = signature_to_mlmodel_yaml(load_signature(hinted))
    assert "is_signature_from_type_hint: true" in block


def test_parsed_lists_and_json_strings_are_the_same_signature():
    as_strings = {"inputs": '[{"type": "long", "name": "a", "required": true}]'}
    as_lists = {"inputs": [{"type": "long", "name": "a", "required": True}]}
    assert load_signature(as_strings) == load_signature(as_lists)


def test_object_with_to_dict_is_read_without_mlflow():
    class Fake:
        def to_dict(self):
            return {
                "inputs": '[{"type": "double", "required": true}]',
                "outputs": None,
                "params": None,
            }

    sig = load_signature(Fake())
    assert sig.inputs is not None
    assert sig.inputs.specs == (ColSpec(DataType.double, None, True),)


def test_complex_column_without_required_is_optional_and_writes_null():
    sig = load_signature({"inputs": [{"type": "array", "items": {"type": "long"}, "name": "a"}]})
    spec = sig.inputs.specs[0]
    assert spec == ColSpec(Array(DataType.long), "a", None)
    assert not spec.is_required
    assert json.loads(signature_to_dict(sig)["inputs"])[0]["required"] is None


def test_object_properties_are_sorted_and_default_to_required():
    sig = load_signature(
        {
            "inputs": [
                {
                    "type": "object",
                    "name": "o",
                    "properties": {
                        "b": {"type": "long"},
                        "a": {"type": "string", "required": False},
                    },
                }
            ]
        }
    )
    obj = sig.inputs.specs[0].type
    assert isinstance(obj, Object)
    assert [(p.name, p.required) for p in obj.properties] == [("a", False), ("b", True)]


@pytest.mark.parametrize(
    ("dtype", "normalized"),
    [
        ("float", "float64"),
        ("long", "int64"),
        ("f4", "float32"),
        ("str", "str"),
        ("bytes", "bytes"),
        ("object", "object"),
    ],
)
def test_tensor_dtypes_are_normalized_like_mlflow(dtype, normalized):
    sig = load_signature(
        {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": [-1, 3]}}]}
    )
    assert sig.inputs.specs[0] == TensorSpec(normalized, (-1, 3), None)


@pytest.mark.parametrize(
    ("default", "stored"),
    [(1, 1.0), (0.5, 0.5), (None, None)],
)
def test_double_param_defaults_are_normalized(default, stored):
    sig = load_signature(
        {"params": [{"name": "t", "default": default, "shape": None, "type": "double"}]}
    )
    assert sig.params.params[0].default == stored


def test_datetime_param_default_is_reserialized_in_utc():
    sig = load_signature(
        {
            "params": [
                {
                    "name": "when",
                    "default": "2024-01-02T03:04:05+02:00",
                    "shape": None,
                    "type": "datetime",
                }
            ]
        }
    )
    assert sig.params.params[0].default == "2024-01-02T01:04:05"


@pytest.mark.parametrize(
    ("signature", "where", "fragment"),
    [
        (
            {"inputs": [{"type": "dobule", "name": "a"}]},
            "inputs[0].type",
            "unknown type 'dobule'; expected one of boolean",
        ),
        (
            {"inputs": [{"type": "long", "name": "a", "foo": 1}]},
            "inputs[0]",
            "'foo' was unexpected",
        ),
        ({"inputs": []}, "inputs", "must not be empty"),
        (
            {"inputs": [{"type": "long", "name": "a"}, {"type": "long"}]},
            "inputs[1]",
            "mixes named and unnamed",
        ),
        (
            {"inputs": [{"type": "long", "name": "a"}, {"type": "long", "name": "a"}]},
            "inputs[1].name",
            "duplicate name 'a'",
        ),
        (
            {"inputs": [{"type": "long", "required": False}]},
            "inputs[0].required",
            "unnamed column cannot be optional",
        ),
        (
            {
                "inputs": [
                    {"type": "long", "name": "a"},
                    {
                        "type": "tensor",
                        "name": "t",
                        "tensor-spec": {"dtype": "int64", "shape": [-1]},
                    },
                ]
            },
            "inputs",
            "mixes column specs and tensor specs",
        ),
        (
            {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": "<U10", "shape": [-1]}}]},
            "inputs[0].tensor-spec.dtype",
            "sized dtype",
        ),
        (
            {
                "inputs": [
                    {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}},
                    {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}},
                ]
            },
            "inputs[1]",
            "several unnamed tensors",
        ),
        (
            {"inputs": [{"type": "object", "name": "o", "properties": {}}]},
            "inputs[0].properties",
            "must not be empty",
        ),
        ({"inputs": [{"type": "array", "name": "a"}]}, "inputs[0]", "missing key 'items'"),
        (
            {"params": [{"name": "k", "default": 1.5, "shape": None, "type": "long"}]},
            "params[0].default",
            "expected an integer, got 1.5",
        ),
        (
            {"params": [{"name": "k", "default": 1, "shape": [2], "type": "long"}]},
            "params[0].shape",
            "shape must be null or [-1]",
        ),
        (
            {"params": [{"name": "k", "default": "x", "shape": None, "type": "binary"}]},
            "params[0].type",
            "unknown type 'binary'",
        ),
        (
            {
                "params": [
                    {"name": "k", "default": 1, "type": "long"},
                    {"name": "k", "default": 2, "type": "long"},
                ]
            },
            "params[1].name",
            "duplicate param name",
        ),
        (
            {"params": [{"name": "k", "default": None, "shape": [-1], "type": "long"}]},
            "params[0].default",
            "null default",
        ),
        ({"outputs": None}, "", "at least one of inputs, outputs or params"),
    ],
)
def test_bad_signatures_name_the_place(signature, where, fragment):
    with pytest.raises(SignatureError) as info:
        load_signature(signature)
    assert info.value.where == where
    assert fragment in str(info.value)


def test_missing_path_names_the_file(tmp_path):
    with pytest.raises(SignatureError) as info:
        load_signature(tmp_path / "nope")
    assert info.value.source == str(tmp_path / "nope")
    assert "no such file" in str(info.value)


def test_directory_without_mlmodel_says_so(tmp_path):
    with pytest.raises(SignatureError, match="no MLmodel"):
        load_signature(tmp_path)


def test_deeply_nested_signature_is_refused_without_recursing():
    items: dict = {"type": "long"}
    for _ in range(10_000):
        items = {"type": "array", "items": items}
    with pytest.raises(SignatureError, match="nested deeper than"):
        load_signature({"inputs": [{**items, "name": "a"}]})


def test_mlmodel_without_signature_says_how_to_add_one(tmp_path):
    (tmp_path / "MLmodel").write_text("flavors: {}\n")
    with pytest.raises(SignatureError, match=r"mlflow\.models\.set_signature"):
        load_signature(tmp_path)


def test_yaml_aliases_are_refused(tmp_path):
    (tmp_path / "MLmodel").write_text(
        'a: &x [1]\nb: *x\nsignature: {inputs: \'[{"type": "long"}]\'}\n'
    )
    with pytest.raises(SignatureError, match="aliases"):
        load_signature(tmp_path)


def test_nested_types_are_read_exactly():
    sig = load_signature(
        {
            "inputs": [
                {
                    "type": "map",
                    "values": {"type": "array", "items": {"type": "double"}},
                    "name": "m",
                    "required": True,
                }
            ]
        }
    )
    assert str(sig.inputs.specs[0].type) == "Map(str -> Array(double))"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2024-01-02", "2024-01-02"),
        ("NaT", None),
        ("", None),
        ("2024-01-02T03:04:05.5", "2024-01-02T03:04:05.500000"),
    ],
)
def test_datetime_param_defaults_follow_numpy_item(text, stored):
    sig = load_signature(
        {"params": [{"name": "w", "default": text, "shape": None, "type": "datetime"}]}
    )
    assert sig.params.params[0].default == stored


def test_datetime_param_default_finer_than_microseconds_is_refused():
    with pytest.raises(SignatureError, match=r"params\[0\]\.default"):
        load_signature(
            {
                "params": [
                    {
                        "name": "w",
                        "default": "2024-01-02T03:04:05.123456789",
                        "shape": None,
                        "type": "datetime",
                    }
                ]
            }
        )
