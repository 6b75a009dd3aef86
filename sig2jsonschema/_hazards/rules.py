"""The hazard table: one row per thing that goes wrong on a real MLflow 3.x server.

Each `Rule` row says which sites it concerns, a predicate over the site and
the signature, the body forms affected, a severity and two message templates
(what MLflow does, how to avoid it).  `sig2jsonschema._hazards.verdicts` evaluates the
table; nothing else holds this knowledge.  Every code is documented, with an
example checked against MLflow's real server, in docs/hazards.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColSpec,
    ColType,
    DataType,
    Map,
    Object,
    Signature,
    SparkMLVector,
)

from .sites import (
    COLUMNAR_FORMS,
    FORMS,
    FRAME_CELL_HAZARD_KINDS,
    FRAME_FORMS,
    INPUTS_FORMS,
    LIST_FORMS,
    RECORDS_FORMS,
    TF_FORMS,
    Site,
    SiteKind,
    is_one_row_type,
    tensor_dtype_kind,
    tensor_frame_shaped,
    tensors_share_batch,
)

Predicate = Callable[[Site, Signature], bool]
FormsOf = Callable[[Site, Signature], tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """One row of the hazard table."""

    code: str
    #: ``error``, ``warning``, or ``required`` (error when the site must be sent).
    severity: Literal["error", "warning", "required"]
    #: Which sites the predicate is asked about.
    site: SiteKind
    predicate: Predicate
    #: Affected forms (before intersecting with `applicable_forms`).
    forms: tuple[str, ...] | FormsOf
    #: Templates: ``{field}``, ``{type}`` and ``{dtype}`` are filled in.
    message: str
    fix: str


def _is(t: ColType | None, *types: DataType) -> bool:
    return isinstance(t, DataType) and t in types


def _nested_scalar(*types: DataType) -> Predicate:
    return lambda s, _sig: s.via != "param" and _is(s.type, *types)


def _dtype_is(pred: Callable[[str], bool]) -> Predicate:
    return lambda s, _sig: s.tensor is not None and pred(s.tensor.dtype)


def _columns(sig: Signature) -> tuple[ColSpec, ...]:
    return sig.inputs.columns if sig.inputs is not None else ()


def _unnamed_columns(sig: Signature) -> bool:
    return sig.inputs is not None and not sig.inputs.is_tensor and not sig.inputs.has_names


def _all(_site: Site, _sig: Signature) -> tuple[str, ...]:
    return FORMS


def _llm_only(_site: Site, _sig: Signature) -> tuple[str, ...]:
    return ("llm",)


RULES: tuple[Rule, ...] = (
    # ---- nested scalars MLflow cannot accept from JSON (spec 3.5.1, 5.12, 5.13)
    Rule(
        "nested-integer-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.integer),
        _all,
        "{field} is a nested integer: every JSON integer is read as int64 and MLflow refuses "
        "int64 -> int32 inside arrays, objects and maps, so no JSON value is accepted",
        "declare it as long (or make it optional and leave it out)",
    ),
    Rule(
        "nested-float-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.float),
        _all,
        "{field} is a nested float: MLflow accepts only the integers 0 and 1 there, and inside "
        "arrays nothing at all (the array is enforced twice, float64 -> float32 is refused)",
        "declare it as double (or make it optional and leave it out)",
    ),
    Rule(
        "nested-datetime-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.datetime),
        _all,
        "{field} is a nested datetime: with pandas 3 an ISO string is a str value and MLflow "
        "refuses str -> datetime64[ns] inside arrays, objects and maps",
        "declare it as string and parse it in the model (or make it optional and leave it out)",
    ),
    Rule(
        "nested-binary-not-decoded",
        "warning",
        "nested",
        _nested_scalar(DataType.binary),
        _all,
        "{field} is a nested binary: MLflow never base64-decodes nested values, the model "
        "receives the text itself (a str, or its ASCII bytes inside arrays)",
        "declare it as string, or decode base64 in the model",
    ),
    Rule(
        "nested-double-needs-float-tokens",
        "warning",
        "nested",
        lambda s, _sig: _is(s.type, DataType.double) or isinstance(s.type, SparkMLVector),
        _all,
        "{field} holds nested doubles: MLflow refuses an integer token (2) unless it is 0 or 1 "
        "or the same array also holds a float token (2.0); JSON Schema cannot see the difference",
        "always send doubles with a decimal point (2.0), as Python's json.dumps does for floats",
    ),
    Rule(
        "nested-long-needs-integer-tokens",
        "warning",
        "nested",
        _nested_scalar(DataType.long),
        _all,
        "{field} holds nested longs: MLflow refuses a float token such as 1.0 or 1e2 there "
        "(top-level columns truncate instead)",
        "send integers without a decimal point or exponent",
    ),
    # ---- top-level columns
    Rule(
        "binary-not-decoded",
        "required",
        "column",
        lambda s, _sig: _is(s.type, DataType.binary),
        (*TF_FORMS, "llm"),
        "{field} is binary: only dataframe_split and dataframe_records base64-decode it; "
        "inputs/instances pass the ASCII bytes of the text (non-ASCII fails), llm passes a str",
        "send binary columns with dataframe_split or dataframe_records",
    ),
    Rule(
        "optional-scalar-not-nullable",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and _is(
                s.type,
                DataType.long,
                DataType.integer,
                DataType.boolean,
                DataType.string,
                DataType.binary,
            )
        ),
        _all,
        "{field} is an optional {type} column, but optional means 'may be absent', not "
        "nullable: null is rejected (long, integer, binary in frames) or altered (boolean -> "
        "false, string -> 'None' via inputs/instances, binary -> b'None')",
        "leave the column out instead of sending null (the strict schema forbids null)",
    ),
    Rule(
        "optional-integer-may-be-missing",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and _is(s.type, DataType.long, DataType.integer)
        ),
        RECORDS_FORMS,
        "{field} is an optional {type} column: a record that lacks it makes the cell NaN and "
        "MLflow fails casting NaN to an integer (400 IntCastingNaNError)",
        "send the column in every record or in none",
    ),
    Rule(
        "optional-column-uneven-records",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and not _is(s.type, DataType.long, DataType.integer, DataType.double, DataType.datetime)
        ),
        RECORDS_FORMS,
        "{field} is optional: a record lacking it gets NaN, not null (boolean -> true, string "
        "-> NaN, array/object/map -> 400 'Expected data to be ...', instances -> 400 unequal "
        "lengths)",
        "send the same keys in every record (x-mlflow-same-keys)",
    ),
    Rule(
        "map-column-not-one-row",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, Map),
        (*COLUMNAR_FORMS, "llm"),
        "{field} is a map column: a map does not switch an inputs/instances object (or an llm "
        "body) to one row, so MLflow reads the object as columns and fails ('Expected data to "
        "be a dict'; an empty map gives zero rows)",
        "send maps with dataframe_records, dataframe_split or inputs as a list of records",
    ),
    Rule(
        "any-column-columnar",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, AnyType),
        COLUMNAR_FORMS,
        "{field} is an any column: in a columnar inputs/instances object MLflow cannot tell "
        "a column of values from one value that is itself an array or an object (pandas "
        "spreads an object over the row index and a list over several rows)",
        "send any columns with dataframe_split, dataframe_records or inputs records",
    ),
    Rule(
        # An array or object column makes MLflow stack the records into one row whatever the
        # body holds (the signature decides, spec 2.7): leaving an optional one out does not help.
        "complex-column-instances-records",
        "error",
        "column",
        lambda s, _sig: is_one_row_type(s.type) if s.type is not None else False,
        ("instances/records",),
        "{field} is a {type} column: instances records are stacked column by column with "
        "numpy and, with such a column in the signature, read as one row (even when the body "
        "leaves the column out): arrays become two-dimensional ('Data must be 1-dimensional'), "
        "every cell an ndarray, ragged values an error",
        "use dataframe_records or inputs records for array and object columns",
    ),
    Rule(
        "complex-column-instances-records",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, AnyType),
        ("instances/records",),
        "{field} is a {type} column: instances records are stacked column by column with "
        "numpy, which makes arrays two-dimensional ('Data must be 1-dimensional'), objects an "
        "ndarray and ragged values an error",
        "use dataframe_records or inputs records for array, object and any columns",
    ),
    Rule(
        "optional-array-null-inputs",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and isinstance(s.type, (Array, SparkMLVector))
        ),
        INPUTS_FORMS,
        "{field} is an optional array column: null through inputs is wrapped in a 0-d array "
        "and enforcement crashes with 'len() of unsized object' (spec 5.17)",
        "leave the column out, or send null only with dataframe_split/dataframe_records",
    ),
    Rule(
        "nested-array-ragged-inputs",
        "required",
        "column",
        lambda s, _sig: (
            isinstance(s.type, Array) and isinstance(s.type.items, (Array, SparkMLVector))
        ),
        TF_FORMS,
        "{field} holds arrays of arrays: inputs/instances pass the value through numpy, so "
        "ragged inner arrays fail ('inhomogeneous shape') and rectangular ones arrive as a "
        "multi-dimensional ndarray instead of nested lists",
        "send it with dataframe_split/dataframe_records, or keep inner arrays the same length",
    ),
    Rule(
        "any-items-stringified-inputs",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, Array) and isinstance(s.type.items, AnyType),
        TF_FORMS,
        "{field} is Array(any): inputs/instances pass it through numpy, which turns mixed "
        "elements into strings ([1, 'a'] -> ['1', 'a']) and fails on ragged ones",
        "send it with dataframe_split or dataframe_records",
    ),
    Rule(
        "complex-column-list-form",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, (Array, Object, Map, SparkMLVector, AnyType)),
        LIST_FORMS,
        "{field} is a {type} column: a bare list under inputs/instances is either read as one "
        "cell holding the whole list or as records, never as one value per row",
        "send it with dataframe_records or inputs as a list of records",
    ),
    Rule(
        "llm-column-unusable",
        "required",
        "column",
        lambda s, _sig: _is(s.type, DataType.integer, DataType.float, DataType.datetime),
        _llm_only,
        "{field} is a {type} column: the unified-LLM form skips the parse-stage casts, so the "
        "value meets MLflow's strict nested rules, which accept no JSON {type}",
        "use an envelope form (inputs or dataframe_records) for this signature",
    ),
    Rule(
        "llm-number-tokens",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.long, DataType.double),
        _llm_only,
        "{field} is a {type} column: the unified-LLM form applies MLflow's strict nested "
        "rules, so a long refuses 1.0 and a double refuses integer tokens other than 0 and 1",
        "send longs as integer tokens and doubles with a decimal point",
    ),
    Rule(
        "float32-rounding",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.float),
        _all,
        "{field} is a float column: values are rounded to float32 (0.1 arrives as "
        "0.10000000149011612) and numbers beyond +/-3.4e38 become infinity",
        "declare it as double if the model needs the exact value",
    ),
    Rule(
        "datetime-one-format",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.datetime),
        FRAME_FORMS,
        "{field} is a datetime column: dataframe forms infer one format from the first value "
        "and fail on other formats or on offsets (tz-aware values are refused)",
        "send naive ISO 8601 text in one format per column",
    ),
    Rule(
        "sparkml-vector",
        "warning",
        "column",
        lambda s, _sig: isinstance(s.type, SparkMLVector),
        _all,
        "{field} is a SparkML vector: MLflow enforces it as Array(double) (nested double "
        "rules) and the model receives a list or ndarray, never a pyspark Vector",
        "send a JSON array of float tokens",
    ),
    Rule(
        "any-required-not-enforced",
        "warning",
        "column",
        lambda s, _sig: (
            isinstance(s.type, AnyType) and s.column is not None and s.column.is_required
        ),
        _all,
        "{field} is a required any column: MLflow checks only that the key exists; null and "
        "every other value pass unchecked",
        "validate the value in the model, or declare a precise type",
    ),
    Rule(
        "no-input-schema",
        "error",
        "signature",
        lambda _s, sig: sig.inputs is None,
        _all,
        "the signature declares no input schema: MLflow checks nothing and hands predict what "
        "pandas or numpy infer from the JSON (a mixed list becomes strings, short rows are "
        "padded with NaN), so no body can be promised to arrive unchanged",
        "declare an input schema (mlflow.models.infer_signature), or judge bodies with "
        "mode='mlflow' (MLflow's own verdict)",
    ),
    Rule(
        "unnamed-rows-first-type",
        "error",
        "signature",
        lambda _s, sig: _unnamed_columns(sig) and len({c.type for c in _columns(sig)}) > 1,
        LIST_FORMS,
        "unnamed columns of different types: a list of rows under inputs/instances is cast as "
        "a whole with the first column's type (spec 5.29)",
        "send the rows with dataframe_split",
    ),
    Rule(
        "unnamed-records-key-order",
        "error",
        "signature",
        lambda _s, sig: _unnamed_columns(sig) and len(_columns(sig)) > 1,
        ("dataframe_records",),
        "unnamed columns are matched by position, and records carry them as JSON object keys, "
        "whose order JSON does not define",
        "send the rows with dataframe_split",
    ),
    Rule(
        "type-hint-inputs-only",
        "error",
        "signature",
        lambda _s, sig: sig.from_type_hint,
        tuple(f for f in FORMS if not f.startswith("inputs/")),
        "the signature comes from a type hint (is_signature_from_type_hint): the server accepts "
        "only the inputs key and validates the raw value against the hint",
        "send the body under inputs",
    ),
    Rule(
        "named-tensor-batch-unchecked",
        "warning",
        "signature",
        lambda _s, sig: (
            sig.inputs is not None
            and sig.inputs.is_tensor
            and sig.inputs.has_names
            and len(sig.inputs.specs) > 1
            and tensors_share_batch(sig.inputs.tensors)
        ),
        ("inputs/tensors",),
        "named tensors under inputs: MLflow does not check that their first dimensions agree "
        "(instances does)",
        "send tensors with the same batch size (x-mlflow-same-batch)",
    ),
    # ---- tensors
    Rule(
        "named-tensors-no-batch",
        "error",
        "signature",
        lambda _s, sig: (
            sig.inputs is not None
            and sig.inputs.is_tensor
            and sig.inputs.has_names
            and not tensors_share_batch(sig.inputs.tensors)
        ),
        ("instances/tensors",),
        "instances reads named tensors as one batch and MLflow requires every tensor to have "
        "the same length, but a 0-d tensor has none ('len() of unsized object') or the fixed "
        "first dimensions differ",
        "send the tensors under inputs",
    ),
    Rule(
        "tensor-frame-cells",
        "error",
        "tensor",
        lambda s, sig: (
            s.tensor is not None
            and tensor_dtype_kind(s.tensor.dtype) in FRAME_CELL_HAZARD_KINDS
            and sig.inputs is not None
            and all(tensor_frame_shaped(t) for t in sig.inputs.tensors)
        ),
        FRAME_FORMS,
        "{field} is a tensor of dtype {dtype}: dataframe_split/dataframe_records carry each "
        "row as a list cell, and MLflow fails on list cells of bytes ('encoding without a "
        "string argument') and stringifies the non-string values in list cells of object "
        "tensors (1.5 arrives as '1.5')",
        "send the tensor under inputs as a nested list",
    ),
    Rule(
        "tensor-float-precision",
        "warning",
        "tensor",
        _dtype_is(lambda d: d in {"float16", "float32"}),
        _all,
        "{field} is a {dtype} tensor: values are rounded to {dtype} and out-of-range numbers "
        "become infinity",
        "send numbers within the dtype's range; use float64 if exact values matter",
    ),
    Rule(
        "tensor-uint64",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "uint64"),
        _all,
        "{field} is a uint64 tensor: values above 2**63-1 fit no signed JSON integer most "
        "clients produce, and MLflow cannot cast uint64 columns to any other type",
        "use int64 unless values need the top bit",
    ),
    Rule(
        "tensor-complex",
        "warning",
        "tensor",
        _dtype_is(lambda d: d.startswith("complex")),
        _all,
        "{field} is a {dtype} tensor: JSON has no complex numbers, so only real values "
        "(imaginary part 0) can be sent",
        "split real and imaginary parts into two float tensors",
    ),
    Rule(
        "tensor-object",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "object"),
        _all,
        "{field} is an object tensor: values pass unchecked, nested lists become extra "
        "dimensions and list cells in dataframe forms are stringified",
        "declare a concrete dtype",
    ),
    Rule(
        "tensor-bytes-ascii",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "bytes"),
        _all,
        "{field} is a bytes tensor: the model receives the ASCII bytes of the text (never "
        "base64-decoded) and non-ASCII text fails",
        "send ASCII text, or declare a str tensor",
    ),
    # ---- params
    Rule(
        "param-integer-unbounded",
        "warning",
        "param",
        lambda s, _sig: _is(s.type, DataType.integer),
        _all,
        "{field} is an integer param: MLflow applies no int32 range check, so larger values "
        "reach the model",
        "the strict schema bounds it to int32; check the range in the model too",
    ),
    Rule(
        "param-explicit-null",
        "warning",
        "param",
        lambda s, _sig: (
            s.param is not None
            and s.param.shape is None
            and isinstance(s.param.type, DataType)
            and s.param.default is not None
        ),
        _all,
        "{field}: an explicit null is passed to the model as None, not replaced by the default",
        "leave the param out to get its default (the strict schema forbids null)",
    ),
)


__all__ = ["RULES", "Rule"]
