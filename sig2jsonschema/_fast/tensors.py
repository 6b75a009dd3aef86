"""Fast path for tensor signatures: nested lists in, the ``ndarray`` ``predict`` gets out.

MLflow builds ``numpy.array(value, dtype=spec.dtype)``, which converts
leniently (``1.5`` -> ``1`` and ``true`` -> ``1`` in an integer tensor).  The
strict contract wants the exact JSON type, so this module lets numpy *infer*
the dtype first (one C pass over the nested lists): integer tokens only give
an integer array, any float token gives float64, any ``null`` or string gives
something else.  One thing inference hides: a ``true`` among integers reads
as ``1``.  For a body parsed from text, the letters ``r`` and ``s`` settle it
without touching the leaves: numbers never contain them, ``true`` has one
``r`` and ``false`` one ``s``, so the raw text may hold exactly as many as the
keys and the few non-tensor values hold.  Parsed bodies (and texts with
escapes, which could spell a letter without writing it) take an exact,
slower per-leaf type check instead.

Covered dtypes: signed/unsigned integers, float16/32/64 and bool; shapes with
``-1`` wildcards.  Strings, bytes, objects, datetimes and ragged lists are the
reference path's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .base import JSON_TYPES, BadRows, Bail

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Schema, TensorSpec

    from .base import Ctx

#: Integers a double holds exactly (int tokens in float tensors beyond are ambiguous).
_EXACT_INT = 2.0**53


class _Tensor:
    """One compiled tensor spec."""

    def __init__(self, spec: TensorSpec) -> None:
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        self.shape = spec.shape
        kind = self.dtype.kind
        self.kind = kind
        if kind in "iu":
            info = np.iinfo(self.dtype)
            self.bounds: tuple[float, float] = (int(info.min), int(info.max))
            self.leaf_types: frozenset[type] = frozenset({int})
        elif kind == "f":
            top = float(np.finfo(self.dtype).max)
            self.bounds = (-top, top)
            self.leaf_types = frozenset({int, float})
        else:
            self.bounds = (0, 1)
            self.leaf_types = frozenset({bool})

    @property
    def supported(self) -> bool:
        return self.kind in "iufb" and len(self.shape) >= 1

    def _shape_ok(self, arr: np.ndarray[Any, Any]) -> bool:
        if arr.ndim != len(self.shape) or arr.shape[0] == 0:
            return False
        return all(e in (-1, a) for e, a in zip(self.shape, arr.shape, strict=True))

    def check(self, value: Any, ctx: Ctx, *, exact: bool) -> np.ndarray[Any, Any]:
        """The tensor ``predict`` gets; ``exact``: check every leaf's type too.

        Raises:
            BadRows: samples (first-axis indexes) holding refused leaves.
            Bail: ragged or mis-shaped lists, or anything unusual.
        """
        if type(value) is not list or not value:
            raise Bail
        try:
            arr = np.array(value)
        except (ValueError, TypeError, OverflowError):
            raise Bail from None
        if not self._shape_ok(arr):
            raise Bail
        inferred = arr.dtype.kind
        if self.kind in "iu":
            ok = inferred in "iu"
        elif self.kind == "f":
            ok = inferred in "iuf"
        else:
            ok = inferred == "b"
        if not ok:
            raise self._bad_samples(value)
        if exact or not ctx.trusted:
            self._exact_types(value, arr)
        if self.kind != "b":
            flat = arr.reshape(len(arr), -1)
            lo, hi = self.bounds
            if self.kind == "f":
                if inferred in "iu" or not ctx.trusted:
                    if (np.abs(flat) > _EXACT_INT).any():
                        raise Bail
                elif (np.abs(flat) >= 2.0**63).any():
                    raise Bail  # orjson reads integer tokens beyond 64 bits as floats
            out = (flat < lo) | (flat > hi)
            if out.any():
                raise BadRows([int(i) for i in np.flatnonzero(out.any(axis=1))])
        if not ctx.build:
            return arr
        return arr.astype(self.dtype, copy=False)

    def _exact_types(self, value: Any, arr: np.ndarray[Any, Any]) -> None:
        leaves = np.array(value, dtype=object)
        if leaves.shape != arr.shape:
            raise Bail
        types = set(map(type, leaves.ravel().tolist()))
        if not types <= self.leaf_types:
            if not types <= JSON_TYPES:
                raise Bail
            raise self._bad_samples(value)
        if float in types and not np.isfinite(arr).all():
            raise self._bad_samples(value)

    def _bad_samples(self, value: list[Any]) -> Exception:
        """Samples holding a leaf not of the spec's JSON type, or out of its range
        (slow; failures only).

        The range counts too: a sample whose leaves are all of the right type
        may still hold one the reference refuses, beside another sample's leaf
        of a wrong type.
        """
        bad = []
        lo, hi = self.bounds
        for i, sample in enumerate(value):
            leaves = np.array(sample, dtype=object).ravel().tolist()
            kinds = set(map(type, leaves))
            if not kinds <= JSON_TYPES:
                return Bail()
            if not kinds <= self.leaf_types or any(
                type(v) is float and not np.isfinite(v) for v in leaves
            ):
                bad.append(i)
            elif self.kind == "f" and any(abs(v) >= _EXACT_INT for v in leaves):
                return Bail()  # rounding and orjson's wide integers: the column check's
            elif self.kind != "b" and any(not lo <= v <= hi for v in leaves):
                bad.append(i)
        if not bad:
            return Bail()
        return BadRows(bad)


class TensorPlan:
    """The compiled fast path of one tensor signature (one unnamed or named tensors)."""

    def __init__(self, tensors: tuple[_Tensor, ...], *, named: bool) -> None:
        self.tensors = tensors
        self.named = named
        self.names = frozenset(t.spec.name for t in tensors if t.spec.name is not None)

    def tf(self, value: Any, envelope: str, ctx: Ctx, *, exact: bool) -> tuple[Any, str]:
        """``inputs``/``instances``: (what ``predict`` gets, the form)."""
        if not self.named:
            return self.tensors[0].check(value, ctx, exact=exact), f"{envelope}/tensor"
        records = envelope == "instances" and type(value) is list
        if records:
            value = self._columns_of_records(value, ctx)
        elif type(value) is not dict or value.keys() != self.names:
            raise Bail
        elif ctx.census is not None:
            ctx.census.add_keys(value)
        out = {}
        bad: set[int] = set()
        for tensor in self.tensors:
            name = tensor.spec.name
            assert name is not None
            try:
                out[name] = tensor.check(value[name], ctx, exact=exact)
            except BadRows as exc:
                bad.update(exc.rows)
        if bad:
            if records:
                raise BadRows(sorted(bad))
            raise Bail  # named tensors as columns share no row the reference could cut to
        if len({len(a) for a in out.values()}) != 1:
            raise Bail  # the strict contract wants one batch size
        return out, f"{envelope}/tensors"

    def _columns_of_records(self, value: list[Any], ctx: Ctx) -> dict[str, list[Any]]:
        """``instances`` as records of named tensors: one list per name."""
        if (
            not value
            or set(map(type, value)) != {dict}
            or set(map(len, value)) != {len(self.names)}
        ):
            raise Bail
        try:
            columns = {name: [record[name] for record in value] for name in self.names}
        except KeyError:
            raise Bail from None
        if ctx.census is not None:
            ctx.census.members += len(value) * len(self.names)
            ctx.census.colons += len(value) * sum(n.count(":") for n in self.names)
        return columns


def compile_tensor_plan(schema: Schema) -> TensorPlan | None:
    """The fast path of a tensor signature (None: not covered)."""
    if not schema.is_tensor:
        return None
    tensors = tuple(_Tensor(spec) for spec in schema.tensors)
    if not all(t.supported for t in tensors):
        return None
    return TensorPlan(tensors, named=schema.has_names)


__all__ = ["TensorPlan", "compile_tensor_plan"]
