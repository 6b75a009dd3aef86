"""Body builders: lay generated values out in one named body form.

`_values` says what one value may be; this module says where it
goes for each form of the strict contract (``docs/strict-contract.md``).
Which forms *work* for a signature is not decided here: `_hazards` owns that
table and `sig2jsonschema.strategies` asks it before calling `form_body`.

Data are drawn column by column (one ``st.lists`` of primitives per column,
then zipped into rows), which is what keeps generation fast: thousands of
bodies a minute on wide tables, no deep ``st.recursive`` on the hot path.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from sig2jsonschema._hazards.verdicts import LLM_KEYS, RULES, hazards
from sig2jsonschema._signature.types import ColSpec, DataType, Signature, TensorSpec, field_name

from . import _values as values

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy


#: Above this many optional columns the strict ``dataframe_split`` schema stops
#: listing every column subset and wants all columns (``sig2jsonschema._export.column_forms``'
#: ``MAX_SPLIT_SUBSETS``; a test keeps the two equal).
MAX_SPLIT_SUBSETS = 64

#: Forms whose batch is a row count (``inputs/row`` and ``llm`` are one row).
ONE_ROW_FORMS = frozenset({"inputs/row", "instances/row", "llm"})


def unnamed_label(index: int) -> str:
    """The key an unnamed column gets in records (MLflow matches by position)."""
    return str(index)


def _deferred_error(message: str) -> SearchStrategy[Any]:
    """A strategy that raises ``InvalidArgument`` when drawn from (Hypothesis' convention)."""

    def fail() -> SearchStrategy[Any]:
        raise InvalidArgument(message)

    return st.deferred(fail)


# --------------------------------------------------------------------------
# Column signatures
# --------------------------------------------------------------------------
def _column_label(spec: ColSpec, index: int) -> str:
    return spec.name if spec.name is not None else unnamed_label(index)


def _cells(
    spec: ColSpec, rows: int, *, direct: bool, hinted: bool = False
) -> SearchStrategy[list[Any]] | None:
    """The cells of one column for a batch of ``rows`` (None: nothing can be sent).

    ``direct``: no parse-stage cast (the ``llm`` form, type-hint models), so
    the nested rules apply; ``hinted``: a type-hint model checks the Python
    type of each scalar against its hint instead (`values.hinted_scalar`).
    """
    if hinted and isinstance(spec.type, DataType):
        scalar = values.hinted_scalar(spec.type)
        return None if scalar is None else st.lists(scalar, min_size=rows, max_size=rows)
    if direct:
        element = values.nested_value(spec.type)
        if element is None:
            return None
        return st.lists(element, min_size=rows, max_size=rows)
    nullable = (
        not spec.is_required
        and isinstance(spec.type, DataType)
        and spec.type in values.NULLABLE_OPTIONAL
    )
    return values.column_values(spec.type, rows, nullable=nullable)


def _must_send(sig: Signature, form: str, spec: ColSpec) -> bool:
    """Whether a column is always present in ``form``.

    Required columns are; so is a column named like an LLM key in the ``llm``
    form (without one the body is not an LLM body at all); and in
    ``dataframe_split`` every column is, once the strict schema stops
    listing column subsets.
    """
    if spec.is_required:
        return True
    if form == "llm":
        return spec.name in LLM_KEYS
    if form == "dataframe_split" and sig.inputs is not None:
        optional = sum(not c.is_required for c in sig.inputs.columns)
        return bool(2**optional > MAX_SPLIT_SUBSETS)
    return False


def left_out_columns(sig: Signature, form: str) -> frozenset[str]:
    """Fields of optional columns that ``form`` cannot carry, so bodies leave them out.

    `_hazards` marks a rule ``required`` when it blocks a form for a field
    that must be sent, and resolves it to a warning when the field is
    optional: the form works as long as the field stays absent.
    """
    blocking = {rule.code for rule in RULES if rule.severity == "required"}
    return frozenset(
        h.field
        for h in hazards(sig)
        if h.severity == "warning" and h.code in blocking and form in h.forms
    )


@dataclass(frozen=True)
class _Column:
    """What the table draw needs about one column, built once per (signature, form)."""

    label: str
    must_send: bool
    #: Cell strategies by row count (``None``: no value can be sent).
    cells: dict[int, SearchStrategy[list[Any]]] | None


@functools.lru_cache(maxsize=256)
def _column_plan(sig: Signature, form: str) -> tuple[_Column, ...]:
    """Every sendable column of ``sig`` in ``form``, with its strategies prebuilt.

    Building strategies is the expensive part of a draw (Hypothesis validates
    each new one), so they are made once per signature and form, for every
    row count, and reused by every draw.
    """
    assert sig.inputs is not None
    sizes = (1,) if form in ONE_ROW_FORMS else tuple(range(1, values.MAX_ROWS + 1))
    left_out = left_out_columns(sig, form)
    plan: list[_Column] = []
    for index, spec in enumerate(sig.inputs.columns):
        label = _column_label(spec, index)
        if not spec.is_required and field_name("inputs", spec, index) in left_out:
            continue
        by_rows: dict[int, SearchStrategy[list[Any]]] = {}
        for rows in sizes:
            cells = _cells(
                spec, rows, direct=form == "llm" or sig.from_type_hint, hinted=sig.from_type_hint
            )
            if cells is None:
                break
            by_rows[rows] = cells
        if not by_rows:
            if spec.is_required:
                msg = f"no JSON value can be sent for required input {label!r} ({spec.type})"
                raise InvalidArgument(msg)
            continue
        plan.append(_Column(label, _must_send(sig, form, spec), by_rows))
    if form == "llm" and not any(c.label in LLM_KEYS for c in plan):
        return ()  # without its messages/prompt/input key a body is no LLM body
    return tuple(plan)


_ROW_COUNTS = st.integers(1, values.MAX_ROWS)


@st.composite
def column_table(draw: DrawFn, sig: Signature, form: str) -> tuple[list[str], list[list[Any]], int]:
    """Draw ``(labels, columns, rows)``: the present columns' labels and cells.

    Optional columns are absent or present in every row (never uneven
    records: ``x-mlflow-same-keys``).  In the ``llm`` form values follow the
    nested rules, since MLflow hands that body to enforcement uncast.
    """
    plan = _column_plan(sig, form)
    rows = 1 if form in ONE_ROW_FORMS else draw(_ROW_COUNTS, label="rows")
    chosen = [c for c in plan if c.must_send or draw(st.booleans(), label=f"send {c.label}")]
    if not chosen and plan:
        # a body needs at least one column (an empty split or list is no table)
        chosen = [plan[0]]
    labels = [c.label for c in chosen]
    columns = [draw(c.cells[rows], label=c.label) for c in chosen if c.cells is not None]
    return labels, columns, rows


def _rows(columns: list[list[Any]], rows: int) -> list[list[Any]]:
    return [[column[i] for column in columns] for i in range(rows)]


def _records(labels: list[str], columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
    return [dict(zip(labels, row, strict=True)) for row in _rows(columns, rows)]


def layout_columns(sig: Signature, form: str, table: tuple[list[str], list[list[Any]], int]) -> Any:
    """Put a drawn table into ``form``; returns the body without params."""
    assert sig.inputs is not None
    labels, columns, rows = table
    if form == "dataframe_split":
        split: dict[str, Any] = {"data": _rows(columns, rows)}
        if sig.inputs.has_names:
            split = {"columns": labels, **split}
        return {"dataframe_split": split}
    if form == "dataframe_records":
        return {"dataframe_records": _records(labels, columns, rows)}
    if form == "llm":
        return {label: column[0] for label, column in zip(labels, columns, strict=True)}
    key, _, shape = form.partition("/")
    if shape == "columnar":
        return {key: dict(zip(labels, columns, strict=True))}
    if shape == "row":
        return {key: {label: column[0] for label, column in zip(labels, columns, strict=True)}}
    if shape == "records":
        return {key: _records(labels, columns, rows)}
    if shape == "list":
        if len(columns) == 1:
            return {key: columns[0]}
        return {key: _rows(columns, rows)}
    msg = f"form {form!r} does not apply to a column signature"
    raise InvalidArgument(msg)


COLUMN_FORMS = frozenset(
    {
        "dataframe_split",
        "dataframe_records",
        "inputs/columnar",
        "inputs/row",
        "inputs/records",
        "inputs/list",
        "instances/columnar",
        "instances/records",
        "instances/list",
        "llm",
    }
)


def can_send(sig: Signature, form: str) -> bool:
    """Whether ``form`` can carry at least one column of ``sig`` (tensors: always).

    A form may work only while optional columns stay out of it; when those
    are all the columns there are, it has nothing to carry.
    """
    if sig.inputs is None or sig.inputs.is_tensor or form not in COLUMN_FORMS:
        return True
    try:
        return bool(_column_plan(sig, form))
    except InvalidArgument:
        return True  # the draw reports why


def column_body(sig: Signature, form: str) -> SearchStrategy[Any]:
    """Bodies of a column signature in ``form`` (no params)."""
    if form not in COLUMN_FORMS:
        return _deferred_error(f"form {form!r} does not apply to a column signature")
    return column_table(sig, form).map(lambda table: layout_columns(sig, form, table))


# --------------------------------------------------------------------------
# Tensor signatures
# --------------------------------------------------------------------------
@st.composite
def tensor_batch(draw: DrawFn, sig: Signature) -> dict[str | None, Any]:
    """Draw every tensor of the signature: ``{name: nested list}``.

    ``-1`` first dimensions share one batch size, at least 1 (MLflow reads an
    empty unnamed batch as a list, and the strict schema wants a sample);
    ``-1`` inner dimensions are drawn per tensor, 0 included (``[[]]`` is a
    served ``(1, 0)`` array).
    """
    assert sig.inputs is not None
    # A fixed first dimension is the batch every -1 first dimension must match
    # (the strict schema wants equal lengths when the shapes allow one).
    fixed = [t.shape[0] for t in sig.inputs.tensors if t.shape and t.shape[0] >= 1]
    batch = fixed[0] if fixed else draw(st.integers(1, values.MAX_ROWS), label="batch")
    out: dict[str | None, Any] = {}
    for spec in sig.inputs.tensors:
        shape: list[int] = []
        for axis, dim in enumerate(spec.shape):
            if dim >= 0:
                shape.append(dim)
            elif axis == 0:
                shape.append(batch)
            else:
                # a 0-length axis hides every axis after it from JSON: only the last may be 0
                low = 0 if axis == len(spec.shape) - 1 else 1
                shape.append(draw(st.integers(low, values.MAX_INNER), label=f"{spec.name} dim"))
        strategy = values.tensor_values(spec.dtype, tuple(shape))
        if strategy is None:
            msg = f"tensor dtype {spec.dtype} has no JSON representation"
            raise InvalidArgument(msg)
        out[spec.name] = draw(strategy, label=spec.name or "tensor")
    return out


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return [value]
    return [leaf for item in value for leaf in _flatten(item)]


def _frame_cell(spec: TensorSpec, sample: Any, boxed: bool) -> Any:
    """One sample of a tensor as a dataframe cell: a leaf (1-D) or a flat list."""
    if len(spec.shape) == 1:
        return [sample] if boxed else sample
    return _flatten(sample)


def _batch_size(batch: dict[str | None, Any]) -> int:
    return min(len(v) for v in batch.values())


def layout_tensors(
    sig: Signature, form: str, batch: dict[str | None, Any], variant: bool = False
) -> Any:
    """Put drawn tensors into ``form``; returns the body without params.

    ``variant`` picks between the two layouts some forms allow: a 1-D
    sample as a bare leaf or a one-element list, a ``(-1, n)`` sample as a
    flat-list cell or as ``n`` columns of a wide row.
    """
    assert sig.inputs is not None
    tensors = sig.inputs.tensors
    key, _, shape = form.partition("/")
    if shape == "tensor":
        return {key: batch[None]}
    if shape == "tensors":
        return {key: dict(batch)}
    if shape == "records":  # instances as row records of named tensors
        rows = _batch_size(batch)
        return {key: [{t.name: batch[t.name][i] for t in tensors} for i in range(rows)]}
    rows = _batch_size(batch)
    if form == "dataframe_split":
        if not sig.inputs.has_names:
            spec = tensors[0]
            samples = batch[None]
            if len(spec.shape) == 2 and variant:
                return {"dataframe_split": {"data": samples}}
            return {"dataframe_split": {"data": [[_frame_cell(spec, s, variant)] for s in samples]}}
        names = [str(t.name) for t in tensors]
        data = [[_frame_cell(t, batch[t.name][i], variant) for t in tensors] for i in range(rows)]
        return {"dataframe_split": {"columns": names, "data": data}}
    if form == "dataframe_records":
        if not sig.inputs.has_names:
            spec = tensors[0]
            label = unnamed_label(0)
            return {
                "dataframe_records": [{label: _frame_cell(spec, s, variant)} for s in batch[None]]
            }
        return {
            "dataframe_records": [
                {str(t.name): _frame_cell(t, batch[t.name][i], variant) for t in tensors}
                for i in range(rows)
            ]
        }
    msg = f"form {form!r} does not apply to a tensor signature"
    raise InvalidArgument(msg)


TENSOR_FORMS = frozenset(
    {
        "dataframe_split",
        "dataframe_records",
        "inputs/tensor",
        "inputs/tensors",
        "instances/tensor",
        "instances/tensors",
        "instances/records",
    }
)


def tensor_body(sig: Signature, form: str) -> SearchStrategy[Any]:
    """Bodies of a tensor signature in ``form`` (no params)."""
    if form not in TENSOR_FORMS:
        return _deferred_error(f"form {form!r} does not apply to a tensor signature")
    return st.builds(
        lambda batch, variant: layout_tensors(sig, form, batch, variant),
        tensor_batch(sig),
        st.booleans(),
    )


# --------------------------------------------------------------------------
# Params
# --------------------------------------------------------------------------
def params_dict(sig: Signature) -> SearchStrategy[dict[str, Any]]:
    """Param dicts: each declared param present or not (absent ones take defaults)."""
    optional: dict[str, SearchStrategy[Any]] = {}
    if sig.params is not None:
        for spec in sig.params.params:
            strategy = values.param_value(spec)
            if strategy is not None:
                optional[spec.name] = strategy
    return st.fixed_dictionaries({}, optional=optional)


def with_params(sig: Signature, form: str, body: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """Add a ``params`` object to some bodies (top-level keys in the ``llm`` form)."""
    if sig.params is None or not sig.params.params:
        return body
    maybe = st.one_of(st.none(), params_dict(sig))

    def attach(pair: tuple[Any, dict[str, Any] | None]) -> Any:
        data, params = pair
        if params is None:
            return data
        if form == "llm":
            return {**data, **{k: v for k, v in params.items() if k not in data}}
        return {**data, "params": params}

    return st.tuples(body, maybe).map(attach)


def form_body(sig: Signature, form: str, *, params: bool = True) -> SearchStrategy[Any]:
    """Complete bodies for one form (which must work for ``sig``: see `_hazards`)."""
    if sig.inputs is None:
        body: SearchStrategy[Any] = _deferred_error("the signature has no inputs to send")
    elif sig.inputs.is_tensor:
        body = tensor_body(sig, form)
    else:
        body = column_body(sig, form)
    return with_params(sig, form, body) if params else body


__all__ = [
    "COLUMN_FORMS",
    "LLM_KEYS",
    "MAX_SPLIT_SUBSETS",
    "TENSOR_FORMS",
    "can_send",
    "column_body",
    "column_table",
    "form_body",
    "layout_columns",
    "layout_tensors",
    "params_dict",
    "tensor_batch",
    "tensor_body",
    "unnamed_label",
    "with_params",
]
