"""Fast path for column signatures: body forms in, the DataFrame ``predict`` gets out.

MLflow builds a DataFrame from the whole envelope, casts every column with
pandas, then reorders the columns to the signature.  For a body that follows
the strict contract the result is fixed by the canonical decoding table, so
this module goes straight there: it pulls each column out of the parsed tree
in one C-level pass (``zip(*rows)`` for ``dataframe_split``,
``map(itemgetter(name), records)`` for records), hands it to its column
checker (`sig2jsonschema._fast.columns`, `sig2jsonschema._fast.nested`) and
assembles the frame from the finished arrays, in signature order, with a
``RangeIndex``, as MLflow's frame ends up.

Envelope shapes the strict schema refuses (unknown or missing columns, rows
of the wrong length, records with different keys, an ``index``) are never
judged here: they make the fast path `Bail`, and the reference path explains
them.  Bad *values* are reported as `BadRows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.types import Array, ColSpec, DataType, Object
from sig2jsonschema._signature.value_rules import numpy_str_cells

from .base import BadRows, Bail
from .columns import SCALAR_CHECKERS, datetime_shape
from .nested import ComplexColumn
from .texts import object_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sig2jsonschema._signature.types import Schema

    from .base import Ctx
    from .chunks import Slice
    from .columns import ColumnChecker

#: Optional scalar columns whose ``null`` (or missing record key) means NaN/NaT.
_NULLABLE = frozenset({DataType.double, DataType.float, DataType.datetime})


@dataclass(frozen=True)
class ColumnPlan:
    """How one signature column is checked and built."""

    name: str
    required: bool
    #: ``null`` is allowed and means NaN/NaT.
    nullable: bool
    check: ColumnChecker
    #: Whether the ``inputs``/``instances`` path gives the same result (binary
    #: is not base64-decoded there; nested arrays are wrapped differently).
    tf_ok: bool
    #: A datetime column (one text format for the whole column).
    datetime: bool = False
    #: A float32 column (NaN from a missing key fails enforcement through ``inputs``).
    float32: bool = False
    #: The column's scalar type (None for ``Array``/``Object`` columns).
    scalar: DataType | None = None


def _column_plan(spec: ColSpec) -> ColumnPlan | None:
    t = spec.type
    if spec.name is None or not isinstance(spec.name, str):
        return None
    if isinstance(t, DataType):
        return ColumnPlan(
            name=spec.name,
            required=spec.is_required,
            nullable=not spec.is_required and t in _NULLABLE,
            check=SCALAR_CHECKERS[t],
            tf_ok=t is not DataType.binary,
            datetime=t is DataType.datetime,
            float32=t is DataType.float,
            scalar=t,
        )
    if isinstance(t, (Array, Object)):
        column = ComplexColumn(t)
        if not column.supported:
            return None
        return ColumnPlan(
            name=spec.name,
            required=spec.is_required,
            nullable=False,
            check=column,
            tf_ok=column.tf_ok,
        )
    return None


class FramePlan:
    """The compiled fast path of one named column signature."""

    def __init__(self, columns: tuple[ColumnPlan, ...]) -> None:
        self.columns = columns
        self.by_name = {c.name: c for c in columns}
        self.required = frozenset(c.name for c in columns if c.required)
        self.order = {c.name: i for i, c in enumerate(columns)}
        # Columns a record may lack (the cell is then the canonical NaN/NaT, as for
        # null): what x-mlflow-same-keys leaves out, per record form.
        self.may_be_missing = frozenset(c.name for c in columns if c.nullable)
        self.may_be_missing_tf = frozenset(c.name for c in columns if c.nullable and not c.float32)
        #: Whether every column can also come through ``inputs``.
        self.tf_ok = all(c.tf_ok for c in columns)
        #: Whether lean mode can be used (complex columns keep exact checks).
        self.lean_ok = not any(isinstance(c.check, ComplexColumn) for c in columns)
        #: Build ``string`` columns as ``object`` (pandas 2's strings, what MLflow 2.22's
        #: ``predict`` receives) instead of pandas' own text dtype (`compile_fast_plan`).
        self.object_strings = False
        self._text = frozenset(c.name for c in columns if c.scalar is DataType.string)

    def _names_ok(self, names: Any) -> bool:
        """Known columns only, each once, every required one present."""
        seen = set(names)
        return len(seen) == len(names) and seen <= self.by_name.keys() and self.required <= seen

    def assemble(self, present: dict[str, Any], n: int, ctx: Ctx, index: Any = None) -> Any:
        """Check every present column; build the frame in signature order."""
        if not present:
            raise Bail  # a frame of no columns: pandas' corner, the reference's call
        ctx.object_strings = self.object_strings
        arrays: dict[str, Any] = {}
        bad: set[int] = set()
        for column in self.columns:
            values = present.get(column.name)
            if values is None:
                continue
            try:
                arrays[column.name] = column.check(values, column.nullable, ctx)
            except BadRows as exc:
                if ctx.tf and len(values) > 1 and _holds_container(values, exc.rows, column):
                    # numpy stacks an ``inputs``/``instances`` column whole: an array or
                    # object among scalars fails otherwise than alone (MLflow 2.22
                    # answers another error code), so its row cannot be judged apart.
                    raise Bail from None
                bad.update(exc.rows)
                if ctx.census is not None:
                    ctx.census.column(values)
        if bad:
            raise BadRows(sorted(bad))
        if not ctx.build:
            return None
        import pandas as pd

        rows = pd.RangeIndex(n) if index is None else pd.Index(index)
        return self._frame(arrays, rows, numpy_strings=ctx.numpy_strings)

    def _frame(self, arrays: dict[str, Any], index: Any, *, numpy_strings: bool = False) -> Any:
        import numpy as np
        import pandas as pd

        if self.object_strings:
            # Built as object columns here: converting a finished frame costs more
            # than the whole frame at a hundred rows.  (An object ndarray alone would
            # be re-inferred as text by pandas 3; a Series keeps its dtype.)  Strings
            # MLflow read one by one stay numpy scalars there (`Ctx.numpy_strings`).
            for name in self._text & arrays.keys():
                values = np.asarray(arrays[name], dtype=object)
                if numpy_strings:
                    values = numpy_str_cells(values)
                arrays[name] = pd.Series(values, index=index, dtype=object, copy=False)
        return pd.DataFrame(arrays, index=index, copy=False)

    def split(self, value: Any, ctx: Ctx) -> Any:
        """``{"columns": [...], "data": [[...], ...], "index"?: [int, ...]}``."""
        if type(value) is not dict or not {"columns", "data"} <= value.keys() <= _SPLIT_KEYS:
            raise Bail
        columns, data = value["columns"], value["data"]
        if type(columns) is not list or type(data) is not list or not data or not columns:
            raise Bail
        self.check_split_columns(columns)
        if set(map(type, data)) != {list} or set(map(len, data)) != {len(columns)}:
            raise Bail
        if "index" in value and not self.lean_ok:
            # With array/object columns an index is not portable (MLflow 2.22 loses
            # it; docs/mlflow-versions.md): the reference path refuses it.
            raise Bail
        index = _split_index(value.get("index"), len(data))
        if ctx.census is not None:
            ctx.census.add_keys(value)
            ctx.census.add_strings(columns)
        present = dict(zip(columns, zip(*data, strict=True), strict=True))
        return self.assemble(present, len(data), ctx, index)

    def check_split_columns(self, columns: list[Any]) -> None:
        """Known, distinct column names in signature order, every required one.

        Raises:
            Bail: anything else (the strict schema explains it).
        """
        if set(map(type, columns)) != {str} or not self._names_ok(columns):
            raise Bail
        order = [self.order[c] for c in columns]
        if order != sorted(order):
            raise Bail  # the strict contract wants the signature's column order

    def check_record_keys(self, keys: list[Any]) -> None:
        """Known, distinct record keys, every required one (else `Bail`)."""
        if not self._names_ok(keys):
            raise Bail

    def assemble_slices(self, slices: Iterable[Slice], ctx: Ctx) -> Any:
        """Like `assemble`, one slice of rows at a time, while the slice is in cache.

        The columns' arrays are built per slice and joined at the end; a
        slice's Python values are dropped as soon as it is converted.  The
        offending rows' values travel with `BadRows` (nothing else keeps them).
        A slice msgspec decoded (`sig2jsonschema._fast.typed`) brings its own
        checkers, and when not building only the columns they must read.
        """
        ctx.object_strings = self.object_strings
        parts: dict[str, list[Any]] = {}
        shapes: dict[str, str] = {}
        bad: dict[int, dict[str, Any]] = {}
        offset = 0
        for _, present, n, typed in slices:
            for column in self.columns:
                values = present.get(column.name)
                if values is None:
                    continue
                if column.datetime:
                    _same_shape(values, column.name, shapes)
                check = column.check if typed is None else typed.checks[column.name]
                try:
                    out = check(values, column.nullable, ctx)
                except BadRows as exc:
                    if column.datetime and offset:
                        # The column's first text (which MLflow's format comes from)
                        # sits in an earlier slice: the whole body is the reference's.
                        raise Bail from None
                    if typed is not None:
                        for row in exc.rows:
                            bad[offset + row] = typed.row(row)
                        continue
                    if ctx.census is not None:
                        ctx.census.column(values)
                    for row in exc.rows:
                        bad[offset + row] = {k: v[row] for k, v in present.items()}
                    continue
                parts.setdefault(column.name, []).append(out)
            offset += n
        if bad:
            raise BadRows(sorted(bad), bad)
        if not offset or (ctx.build and not parts):
            raise Bail
        if not ctx.build:
            return None
        import pandas as pd

        arrays = {name: _concat(chunks) for name, chunks in parts.items()}
        return self._frame(arrays, pd.RangeIndex(offset))

    def _record_columns(
        self, value: Any, ctx: Ctx, may_be_missing: frozenset[str]
    ) -> dict[str, Any]:
        """Columns of records that all have the same keys (else `Bail`)."""
        if type(value) is not list or not value or set(map(type, value)) != {dict}:
            raise Bail
        keys = list(value[0])
        if set(map(len, value)) != {len(keys)} or not self._names_ok(keys):
            return self._uneven_columns(value, ctx, may_be_missing)
        try:
            # One pass over the records (each dict read while it is in cache),
            # then one transpose: much faster than one pass per column.
            rows = list(map(itemgetter(*keys), value)) if len(keys) > 1 else None
        except KeyError:
            return self._uneven_columns(value, ctx, may_be_missing)  # records with different keys
        if rows is None:
            try:
                present = {keys[0]: list(map(itemgetter(keys[0]), value))}
            except KeyError:
                return self._uneven_columns(value, ctx, may_be_missing)
        else:
            columns: list[Any] = list(zip(*rows, strict=True))
            present = dict(zip(keys, columns, strict=True))
        if ctx.census is not None:
            n = len(value)
            ctx.census.members += n * len(keys)
            ctx.census.colons += n * sum(k.count(":") for k in keys)
            ctx.census.r += n * sum(k.count("r") for k in keys)
            ctx.census.s += n * sum(k.count("s") for k in keys)
        return present

    def _uneven_columns(
        self, value: list[dict[str, Any]], ctx: Ctx, may_be_missing: frozenset[str]
    ) -> dict[str, Any]:
        """Columns of records whose keys differ only by optional NaN-able columns.

        A missing key is read as null (NaN/NaT), which is what MLflow's DataFrame
        holds for it; any other difference is for the reference path (`Bail`).
        """
        counts: dict[str, int] = {}
        for record in value:
            for key in record:
                counts[key] = counts.get(key, 0) + 1
        n = len(value)
        if not self._names_ok(list(counts)) or any(
            count != n and key not in may_be_missing for key, count in counts.items()
        ):
            raise Bail
        present = {
            key: list(map(itemgetter(key), value))
            if count == n
            else [record.get(key) for record in value]
            for key, count in counts.items()
        }
        if ctx.census is not None:
            for key, count in counts.items():
                ctx.census.members += count
                ctx.census.colons += count * key.count(":")
                ctx.census.r += count * key.count("r")
                ctx.census.s += count * key.count("s")
        return present

    def records(self, value: Any, ctx: Ctx) -> Any:
        """``dataframe_records``: a non-empty list of records with the same keys."""
        columns = self._record_columns(value, ctx, self.may_be_missing)
        return self.assemble(columns, len(value), ctx)

    def tf_records(self, value: Any, ctx: Ctx, *, instances: bool) -> Any:
        """``inputs``/``instances`` as records: numpy converts each value, then a frame.

        Under ``instances`` every record must carry the same keys: MLflow stacks each
        column on its own and uneven lengths fail (checked on 3.17.2).
        """
        if not self.tf_ok:
            raise Bail
        ctx.tf = True
        ctx.numpy_strings = not instances and (self.object_strings or object_text())
        may_be_missing = frozenset() if instances else self.may_be_missing_tf
        columns = self._record_columns(value, ctx, may_be_missing)
        return self.assemble(columns, len(value), ctx)

    def tf_columnar(self, value: Any, ctx: Ctx) -> Any:
        """``inputs`` as columns: ``{"col": [v, ...], ...}``, all of one length."""
        if not self.tf_ok or type(value) is not dict or not value:
            raise Bail
        if not self._names_ok(list(value)) or set(map(type, value.values())) != {list}:
            raise Bail
        lengths = set(map(len, value.values()))
        if len(lengths) != 1 or 0 in lengths:
            raise Bail
        if ctx.census is not None:
            ctx.census.add_keys(value)
        ctx.tf = True
        return self.assemble(dict(value), lengths.pop(), ctx)


_SPLIT_KEYS = frozenset({"columns", "data", "index"})


def _holds_container(values: Any, rows: list[int], column: ColumnPlan) -> bool:
    """Whether a scalar column's offending rows hold an array or an object."""
    return column.scalar is not None and any(type(values[r]) in (list, dict) for r in rows)


def _same_shape(values: list[Any], name: str, shapes: dict[str, str]) -> None:
    """Slices of one datetime column share one text format.

    A slice is checked on its own, so a slice whose texts all share a wrong
    format (one row, say) would look like bad rows while the column's
    one-format rule is broken too: its first text must have the first
    slice's shape (digits aside).
    """
    first = next((v for v in values if v is not None), None)
    if type(first) is not str:
        return
    if shapes.setdefault(name, datetime_shape(first)) != datetime_shape(first):
        raise Bail  # formats differ between slices: a column-wide rule


def _concat(chunks: list[Any]) -> Any:
    """One column from its per-slice arrays."""
    if len(chunks) == 1:
        return chunks[0]
    import numpy as np

    if isinstance(chunks[0], np.ndarray):
        return np.concatenate(chunks)
    return type(chunks[0])._concat_same_type(chunks)  # noqa: SLF001 - pandas' documented EA hook


def _split_index(index: Any, n: int) -> Any:
    """A ``dataframe_split`` index: integers, one per row (kept by MLflow's frame)."""
    if index is None:
        return None
    if type(index) is not list or len(index) != n or set(map(type, index)) != {int}:
        raise Bail
    import numpy as np

    try:
        return np.array(index, dtype=np.int64)
    except OverflowError:
        raise Bail from None


def compile_frame_plan(schema: Schema) -> FramePlan | None:
    """The fast path of a named column signature (None: not covered)."""
    if schema.is_tensor or not schema.has_names:
        return None
    plans = []
    for spec in schema.columns:
        plan = _column_plan(spec)
        if plan is None:
            return None
        plans.append(plan)
    if len({p.name for p in plans}) != len(plans):
        return None
    return FramePlan(tuple(plans))


__all__ = ["ColumnPlan", "FramePlan", "compile_frame_plan"]
