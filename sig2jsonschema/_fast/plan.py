"""The fast path: validate and parse a *valid* strict-mode body at close to JSON-parsing speed.

The reference path (`sig2jsonschema._validate.validator`) runs every value through
python-jsonschema and through the MLflow emulator: exact, explanatory, and
one to two orders of magnitude slower than parsing the JSON.  Most bodies a
server sees are valid, and for a valid body the answer is fixed by the strict
contract (``docs/strict-contract.md``): no error, and ``predict`` gets each
value by the canonical decoding table.  `FastPlan` computes exactly that,
column by column with numpy:

1. parse once with ``orjson`` (the cyclic GC paused: the tree has no cycles);
2. check the envelope and pull each column out of the tree in one C pass;
3. check and convert each column with one numpy operation or so;
4. assemble the DataFrame / ndarray ``predict`` gets.

It answers only when certain.  `FastPlan.check` returns

* `FastResult`: the body is valid; here is what ``predict`` receives (the
  same objects `Validator.parse` builds through the reference path);
* `FastFailure`: the body is invalid, and every offending value sits in the
  rows it lists (all other rows, the envelope, the JSON text are fine).  The
  caller runs the reference path on `FastFailure.body` (the body reduced to
  those rows) and maps pointers back with `FastFailure.remap`, so errors
  stay exact and cheap even for one bad cell among 10,000 rows;
* None: anything else (non-RFC JSON, unusual shapes, values whose verdict
  depends on more than themselves, ...): the reference path decides.

It is the strict contract's; ``mlflow`` mode asks it too, and takes its
answer for a body it finds valid (served unchanged by every supported
release), the emulator's for any other (`sig2jsonschema._validate.validator`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import orjson

from .base import BadRows, Bail, Census, Ctx, gc_paused, one_member_object
from .frames import FramePlan, compile_frame_plan
from .limits import plan_depth, value_depth, within
from .results import FastFailure, FastResult
from .tensors import TensorPlan, compile_tensor_plan
from .text_census import Recount, census_ok, escapes_colon, holds_big_float, letters_match

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._payload.limits import Limits
    from sig2jsonschema._signature.types import Signature

    from .first_error import Cell
    from .quick_tensors import Leaves
    from .rows import Answers
    from .typed import TypedBody, TypedPlan

_ENVELOPES = ("dataframe_split", "dataframe_records", "inputs", "instances")


class FastPlan:
    """The fast path compiled for one signature; see the module docstring.

    Build it once per `Validator` with `compile_fast_plan`; it holds no
    per-body state and may be shared between threads (the GC pause aside:
    ``gc.disable()`` is process-wide).

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        signature: Signature,
        *,
        frames: FramePlan | None,
        tensors: TensorPlan | None,
        forms: frozenset[str],
        schema: dict[str, Any] | None,
    ) -> None:
        from .params import ParamsPlan

        self.signature = signature
        self._frames = frames
        self._tensors = tensors
        #: The body forms the strict contract accepts for this signature.
        self.forms = forms
        self._params = ParamsPlan(signature, schema)
        #: The deepest nesting of a body this plan accepts (for the limits).
        self._depth = plan_depth(signature)
        self._quick = None
        self._quick_tensor = None
        self._typed: TypedPlan | None = None
        from .first_error import compile_locator

        #: Names the one offending value of a plain failure (`sig2jsonschema._fast.first_error`).
        self.locator = compile_locator(frames, tensors)
        if frames is not None:
            from .quick import compile_quick_plan

            self._quick = compile_quick_plan(frames, forms, self._depth, self._default_params)
        elif tensors is not None:
            from .quick_tensors import compile_quick_tensor

            self._quick_tensor = compile_quick_tensor(tensors, forms, self._depth)

    def _default_params(self, ctx: Ctx) -> dict[str, Any] | None:
        """The params ``predict`` gets for a body without any."""
        if self.signature.params is None:
            return None
        return self._params.check({}, ctx)

    def quick_valid(self, body: bytes | str, limits: Limits | None) -> bool:
        """Whether a raw body is certainly valid by the quick path (`sig2jsonschema._fast.quick`).

        False says nothing: ask `check`.  With ``limits``, True also vouches
        that the body is within them.
        """
        quick = self._quick
        if quick is not None:
            return quick.valid(body, limits)
        tensor = self._quick_tensor
        return tensor is not None and tensor.form(body, limits) is not None

    def quick_valid_for(self, limits: Limits) -> Callable[[bytes | str], bool]:
        """`quick_valid` with ``limits`` bound, for a caller whose limits never change
        (a `Validator`): the quick path's own function where it has one, one call
        fewer and the limits' size bound folded in."""
        quick = self._quick
        if quick is not None:
            return quick.valid_for(limits)
        return functools.partial(self.quick_valid, limits=limits)

    def is_valid_for(self, limits: Limits, answers: Answers) -> Callable[..., bool] | None:
        """A `Validator`'s whole ``is_valid`` for small frame bodies, or None
        (`sig2jsonschema._fast.rows.compile_body_check`, ``answers``)."""
        quick = self._quick
        return quick.is_valid_for(limits, answers) if quick is not None else None

    def try_parse(self, body: Any) -> FastResult | None:
        """What ``predict`` receives, if ``body`` is certainly valid (else None)."""
        result = self.check(body)
        return result if isinstance(result, FastResult) else None

    def check(
        self, body: Any, *, build: bool = True, limits: Limits | None = None, cells: bool = False
    ) -> FastResult | FastFailure | Cell | None:
        """Judge ``body`` (raw JSON bytes/str, or a parsed value) if certain.

        Args:
            body: the request body as a server receives it, or parsed JSON.
            build: build what ``predict`` receives (False: validation only;
                `FastResult.inputs` is then None).
            limits: also vouch that a *raw* body is within these resource
                limits (size, depth, number literal length; see
                `sig2jsonschema._fast.limits`), so the caller may skip the
                full limits scan when the answer is not None.  Parsed bodies
                are not vouched for: check them with ``check_value_limits``.
            cells: for a small raw body the quick path does not vouch for,
                first look for one plain offending value (a `Cell`,
                `sig2jsonschema._fast.first_error`; needs ``limits``).
        """
        kind = type(body)
        tried = False
        if cells and kind is bytes and not build and limits is not None:
            found = self._tree_first(body, limits)
            if found is not None:
                return found
            # the text search below would repeat what `_tree_first` did
            tried = self._quick is not None and self._quick.valid_tree is not None
        if (kind is bytes or kind is str) and self._quick is not None:
            quick = self._quick.check(body, build=build, limits=limits)
            if quick is not None:
                return quick
            if cells and kind is bytes and limits is not None and not tried:
                cell = self._cell(body, limits)
                if cell is not None:
                    return cell
        elif kind is bytes and not build and self._quick_tensor is not None:
            read = self._quick_tensor.read(body, limits)
            if isinstance(read, str):
                params = self._default_params(Ctx(trusted=True, census=None, build=False))
                return FastResult(None, params, read)
            if cells and limits is not None:
                cell = self._tensor_cell(body, limits, read)
                if cell is not None:
                    return cell
        raw = isinstance(body, (bytes, bytearray, memoryview, str))
        if raw and limits is not None:
            text = body if isinstance(body, (bytes, str)) else bytes(body)
            if not within(text, limits, self._depth):
                return None
        with gc_paused():
            try:
                try:
                    result = self._check(body, build, lean=True)
                except Recount:
                    result = self._check(body, build, lean=False)
            except Bail:
                return None
            except Exception:  # noqa: BLE001 - never fail where the reference path would answer
                return None
        if (
            isinstance(result, FastFailure)
            and limits is not None
            and value_depth(result.body) > limits.max_depth
        ):
            return None  # the offending rows nest deeper than the limit allows
        return result

    # -- internals -------------------------------------------------------------

    def _tree_first(self, body: bytes, limits: Limits) -> FastResult | Cell | None:
        """A small raw frame body, parsed once, when a cell's error may be known.

        The census (`sig2jsonschema._fast.census`, the quick path's generated
        all-columns check recording its misses) judges the tree: valid (the
        quick path's own answer), or the one plain offending value, or certainly
        none; where it is unsure the locator searches the same tree
        (`FirstErrorLocator.locate_raw`).  None: the usual order decides (the
        quick path, the column path).
        """
        quick, locator = self._quick, self.locator
        if (
            quick is None
            or quick.valid_tree is None
            or locator is None
            or len(body) > locator.raw_at_most
            or not quick.within(body, limits)
        ):
            return None
        value = one_member_object(body)
        if value is None:
            return None
        census = quick.census
        # The census judges a valid body as the tree check does, at its cost, and
        # names an invalid one's cell from the same pass (`sig2jsonschema._fast.census`).
        if census is not None:
            judged = census.judge(body, limits, value)
        else:
            judged = quick.valid_tree(body, limits, value)
        if judged is True:
            params = self._default_params(Ctx(trusted=True, census=None, build=False))
            return FastResult(None, params, next(iter(value)))
        if census is not None:
            found = census.cell(value, judged)
            if found is not None:  # unsure: the search below
                return found if found is not False else None
        return self._search(body, limits, value)

    def _tensor_cell(self, body: bytes, limits: Limits, found: Leaves | None) -> Cell | None:
        """The one leaf out of range of a tensor body, from the quick path's parse
        (`QuickTensor.read`) when it got that far, else from a small text."""
        locator = self.locator
        if found is None or locator is None:
            return self._cell(body, limits)
        cell: Cell | None = locator.locate_leaves(found)
        return cell

    def _cell(self, body: bytes, limits: Limits) -> Cell | None:
        """The one plain offending value of a small raw body, if certain."""
        locator = self.locator
        if (
            locator is None
            or len(body) > locator.raw_at_most
            or not within(body, limits, self._depth)
        ):
            return None
        return self._search(body, limits)

    def _search(self, body: bytes, limits: Limits, parsed: Any = None) -> Cell | None:
        """The locator's search of a raw body already scanned for the limits
        (``parsed``: the body already parsed, `FirstErrorLocator.locate_raw`)."""
        assert self.locator is not None

        def valid(text: bytes) -> bool:
            return self.quick_valid(text, limits)

        tree = self._quick.valid_tree if self._quick is not None else None
        cell: Cell | None
        if tree is None:  # a tensor's locator, or a frame's the row checks do not cover
            cell = self.locator.locate_raw(body, valid)
        else:
            cell = self.locator.locate_raw(
                body, valid, lambda text, value: tree(text, limits, value), parsed=parsed
            )
        return cell

    def _check(self, body: Any, build: bool, *, lean: bool) -> FastResult | FastFailure | None:
        raw: bytes | str | None = None
        if isinstance(body, (bytes, bytearray, memoryview, str)):
            raw = body if isinstance(body, (bytes, str)) else bytes(body)
            if isinstance(raw, bytes) and self._frames is not None and self._frames.lean_ok:
                chunked = self._chunked(raw, build, lean=lean)
                if isinstance(chunked, (FastResult, FastFailure)):
                    return chunked
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise Bail from None
            if escapes_colon(raw):
                raise Bail
            lean = (
                lean
                and self._frames is not None
                and self._frames.lean_ok
                and (b"\\" not in raw if isinstance(raw, bytes) else "\\" not in raw)
            )
            ctx = Ctx(trusted=True, census=Census(), build=build, lean=lean)
        else:
            value = body
            ctx = Ctx(trusted=False, census=None, build=build)
        if type(value) is not dict:
            raise Bail
        keys = [k for k in value if k in _ENVELOPES]
        if len(keys) != 1 or len(value) - ("params" in value) != 1:
            raise Bail  # no envelope, several, unknown keys or the LLM form
        key = keys[0]
        if ctx.census is not None:
            ctx.census.add_keys(value)
        try:
            inputs, form = self._inputs(value, key, ctx, raw)
        except BadRows as exc:
            failure = self._failure(value, key, exc.rows, ctx)
            self._count_params(value, ctx)
            census_ok(raw, ctx)
            return failure
        if form not in self.forms:
            raise Bail
        params = self._params.check(value, ctx)
        census_ok(raw, ctx)
        return FastResult(inputs if build else None, params, form)

    def _chunked(self, raw: bytes, build: bool, *, lean: bool) -> Any:
        """Plain-layout frame bodies, parsed slice by slice (`sig2jsonschema._fast.chunks`).

        Returns `_NOT_CHUNKED` when the body does not have the plain layout
        (or a slice does not parse on its own).
        """
        from .chunks import CHUNK, NoChunks, records_slices, split_slices

        frames = self._frames
        assert frames is not None
        ctx = Ctx(trusted=True, census=Census(), build=build, lean=lean)
        # Bodies of one slice are small: the quick path's, or (not vouched for
        # by it) likely invalid, where msgspec would only add a refused decode.
        typed = self._typed_body(raw, ctx) if len(raw) > CHUNK else None
        form = "dataframe_records"
        slices = records_slices(raw, ctx, typed)
        if slices is None:
            form = "dataframe_split"
            slices = split_slices(raw, ctx, typed)
        if slices is None:
            return _NOT_CHUNKED
        if form not in self.forms:
            raise Bail
        names: list[Any] = []

        def checked() -> Any:
            for piece in slices:
                if not names:
                    names.extend(piece[0])
                    if form == "dataframe_split":
                        frames.check_split_columns(names)
                    else:
                        frames.check_record_keys(names)
                yield piece

        try:
            inputs = frames.assemble_slices(checked(), ctx)
        except NoChunks:
            return _NOT_CHUNKED
        except BadRows as exc:
            values = exc.values or {}
            cut = [values[i] for i in exc.rows]
            if form == "dataframe_split":
                rows: Any = [[row[c] for c in names] for row in cut]
                body: dict[str, Any] = {form: {"columns": names, "data": rows}}
            else:
                rows = [{k: row[k] for k in names} for row in cut]
                body = {form: rows}
            if holds_big_float(rows):
                raise Bail from None
            _settle(raw, ctx, typed)
            prefix = "/dataframe_split/data" if form == "dataframe_split" else "/dataframe_records"
            return FastFailure(body, tuple(exc.rows), prefix)
        params = self._params.check({}, ctx)
        _settle(raw, ctx, typed)
        return FastResult(inputs if build else None, params, form)

    def _typed_body(self, raw: bytes, ctx: Ctx) -> TypedBody:
        """msgspec's reading of a big plain-column body (`sig2jsonschema._fast.typed`)."""
        typed = self._typed
        if typed is None:
            from .typed import TypedPlan

            assert self._frames is not None
            # Made on first use (racing threads make equal plans): msgspec is
            # imported by big bodies only.
            typed = self._typed = TypedPlan(self._frames)
        return typed.body(raw, ctx)

    def _inputs(
        self, value: dict[str, Any], key: str, ctx: Ctx, raw: bytes | str | None
    ) -> tuple[Any, str]:
        """(what ``predict`` gets, the form)."""
        envelope = value[key]
        if self._frames is not None:
            frames = self._frames
            if key == "dataframe_split":
                return frames.split(envelope, ctx), key
            if key == "dataframe_records":
                return frames.records(envelope, ctx), key
            if type(envelope) is list:
                records = frames.tf_records(envelope, ctx, instances=key == "instances")
                return records, f"{key}/records"
            if type(envelope) is dict:
                return frames.tf_columnar(envelope, ctx), f"{key}/columnar"
            raise Bail
        if self._tensors is not None and key in {"inputs", "instances"}:
            exact = not letters_match(raw, value, key, ctx)
            return self._tensors.tf(envelope, key, ctx, exact=exact)
        raise Bail

    def _failure(self, value: dict[str, Any], key: str, rows: list[int], ctx: Ctx) -> FastFailure:
        """The body cut down to the offending rows (see `FastFailure`)."""
        envelope = value[key]
        form = self._form_of(key, envelope)
        if form not in self.forms:
            raise Bail
        if key == "dataframe_split":
            reduced: Any = {
                "columns": envelope["columns"],
                "data": [envelope["data"][i] for i in rows],
            }
            prefix = "/dataframe_split/data"
        elif type(envelope) is list:
            if self._tensors is not None and self._tensors.tensors[0].shape[0] != -1:
                raise Bail  # a fixed batch size: fewer rows would be an error of their own
            reduced = [envelope[i] for i in rows]
            prefix = "/" + key
        else:
            raise Bail  # columnar values: a row is spread over every column
        if ctx.trusted and holds_big_float(reduced):
            # orjson reads integer tokens beyond 64 bits as floats, Python's json
            # as ints: the reduced body must hold what the text said.
            raise Bail
        body = {k: (reduced if k == key else v) for k, v in value.items()}
        return FastFailure(body, tuple(rows), prefix)

    def _form_of(self, key: str, envelope: Any) -> str:
        if key in {"dataframe_split", "dataframe_records"}:
            return key
        if self._tensors is not None:
            return f"{key}/tensors" if self._tensors.named else f"{key}/tensor"
        if key == "instances" and type(envelope) is list:
            return "instances/records"
        return f"{key}/records" if type(envelope) is list else f"{key}/columnar"

    def _count_params(self, value: dict[str, Any], ctx: Ctx) -> None:
        if ctx.census is not None and "params" in value:
            ctx.census.walk(value["params"])


#: `FastPlan._chunked`'s "not the plain layout" answer.
_NOT_CHUNKED = object()


def _settle(raw: bytes, ctx: Ctx, typed: TypedBody | None) -> None:
    """`census_ok`, for what the typed slices do not settle themselves."""
    if typed is None or not typed.settle():
        census_ok(raw, ctx)


def compile_fast_plan(
    signature: Signature, *, schema: dict[str, Any] | None = None, object_strings: bool = False
) -> FastPlan | None:
    """The fast path for ``signature`` in strict mode, or None if it has none.

    Args:
        signature: the model signature.
        schema: the strict request schema already exported for it (the
            `Validator` has one); its ``params`` part checks request params.
        object_strings: build ``string`` columns with ``object`` dtype (the
            release's ``string_dtype``, `sig2jsonschema._releases.table`).

    .. versionadded:: 0.1
    """
    if signature.inputs is None or signature.from_type_hint:
        return None
    frames = compile_frame_plan(signature.inputs)
    if frames is not None:
        frames.object_strings = object_strings
    tensors = compile_tensor_plan(signature.inputs) if frames is None else None
    if frames is None and tensors is None:
        return None
    from sig2jsonschema._hazards.verdicts import form_verdicts

    forms = frozenset(f for f, v in form_verdicts(signature).items() if v.works)
    return FastPlan(signature, frames=frames, tensors=tensors, forms=forms, schema=schema)


__all__ = ["FastFailure", "FastPlan", "FastResult", "compile_fast_plan"]
