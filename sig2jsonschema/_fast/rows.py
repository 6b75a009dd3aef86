"""Row-at-a-time checks for the quick path's smallest bodies: one generated function per layout.

The quick path (`sig2jsonschema._fast.quick`) judges type groups of values with a
few C-level passes each.  Each pass costs a fraction of a microsecond however
few values it reads, so a body of one to a few rows is cheaper to judge row by
row, with straight-line code for the signature's columns: test each row's
container (a list of the layout's length; a record holding the layout's keys,
and no other, which the caller's census of ``:`` proves), unpack it, test
each value's exact type and range, collect the strings.  That code is
generated once per layout (the present columns, in the body's order) and
compiled with ``exec``; it names values by position only (``c0``, ``c1``,
...) and holds only numbers and this module's own constants: record keys and
nested property names are read by ``itemgetter`` objects handed to it, so no
text of the signature or of a body ever reaches the generated source.

The tests are the type groups' own, made per value and, where a group's test
reads the whole column, made stricter: numbers in ``double``/``float``
columns must lie within 2**53 (the column path bails on larger ones in a
column that also holds integer tokens); a body this refuses simply takes the
type-group path.  Strings are type-checked by the final ``"".join`` (only
``str`` joins); the caller finds NUL characters and counts colons in the
joined text only when the raw text needs it (see `sig2jsonschema._fast.quick`).
Nested ``Array``/``Object`` columns of ``string``/``long``/``boolean`` (what
`sig2jsonschema._fast.nested.compile_quick` covers) are unrolled into nested
loops; their objects' members are counted for the census.
"""

from __future__ import annotations

import datetime as _dt
import re
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sig2jsonschema._export.values import BASE64_PATTERN
from sig2jsonschema._signature.types import Array, DataType, Object

from .dt_shapes import DT_SHAPES, FIRST_YEAR, FROMISO_OK, LAST_YEAR, SHAPE
from .nested import ComplexColumn

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._signature.types import ColType

    from .frames import ColumnPlan

    #: rows (lists, or records) -> (their strings joined, the members of their
    #: nested objects with the colons in those objects' keys); raises on
    #: anything unsure.
    RowCheck = Callable[[list[Any]], tuple[str, int]]
    #: raw body, limits -> whether it is certainly valid (and within the limits).
    BodyCheck = Callable[[bytes | str, Any], bool]


class Answers(NamedTuple):
    """Where a generated ``is_valid`` hands on a body it is not sure of (`compile_body_check`)."""

    #: body, ``content_type=`` -> the owner's whole answer: a body the function does not read.
    anew: Callable[..., bool]
    #: (body, content type) -> the owner's answer past the quick path, which was not sure.
    full: Callable[[Any, str], bool]
    #: content type -> whether the body is read as JSON.
    is_json: Callable[[str], bool]
    #: The default content type (compared by identity before ``is_json`` is asked).
    json_type: str


#: Columns beyond which a layout is not generated (wide signatures: type groups).
MAX_COLUMNS = 64
#: Nesting levels of an ``Array``/``Object`` column unrolled here (deeper: type groups).
MAX_NESTING = 6
_EXACT = 2**53
_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)
#: A datetime text's years, compared as text: from the first year to the one after the last.
_YEARS_FROM, _YEARS_TO = FIRST_YEAR, str(int(LAST_YEAR) + 1)
#: Bytes per structural colon beyond which colons are counted by ``replace``.
_SPARSE = 40


class RowUnsure(Exception):
    """Not certainly valid: the type-group path decides."""


class Miss(Protocol):
    """How a generated check records a failing leaf instead of raising (`_fast.census`)."""

    def __call__(
        self, column: int, t: DataType, path: tuple[str | None, ...], loops: tuple[str, ...], v: str
    ) -> str:
        """The statement recording ``v``, a leaf of type ``t`` at ``path`` (None: an
        array index) in column ``column``; ``loops`` are the (array, item)
        expressions of the arrays holding it.  It may read ``form`` (the body's
        member) and ``row`` (the row), and assigns ``bads``."""
        ...


def _number_lines(v: str, nullable: bool, *, float32: bool, wrong: str = "raise U") -> list[str]:
    """``wrong``: the statement for a value of another JSON type (out of range: unsure)."""
    if float32:
        # float32 may round an integer beyond 2**24 or flush a tiny number to 0.
        other = f"{v} is not None" if nullable else "True"
        test = f"not {-(2**24)} <= {v} <= {2**24} or (0 < abs({v}) < {2.0**-126!r})"
        return [
            f"t = type({v})",
            "if t is float or t is int:",
            f"    if {test}: raise U",
            f"elif {other}: {wrong}",
        ]
    # float bounds for floats (a float-int comparison beyond 2**48 is slow); a null
    # first, where one may stand: one identity test against two type calls
    head = [f"if {v} is None: pass", f"elif type({v}) is float:"] if nullable else []
    return [
        *(head or [f"if type({v}) is float:"]),
        f"    if not {-float(_EXACT)!r} <= {v} <= {float(_EXACT)!r}: raise U",
        f"elif type({v}) is int:",
        f"    if not {-_EXACT} <= {v} <= {_EXACT}: raise U",
        f"else: {wrong}",
    ]


def _value_lines(
    i: int, column: ColumnPlan, getters: list[Any], miss: Miss | None = None
) -> list[str] | None:
    """Source lines testing ``c{i}``, the value of ``column`` in one row.

    ``miss``: a failing number or string is recorded (`Miss`) instead of
    raising; the join then no longer type-checks strings, so they are tested
    one by one.
    """
    v = f"c{i}"
    t = column.scalar
    if t is None:
        if not isinstance(column.check, ComplexColumn):
            return None
        return _nested_lines(column.check.type, v, 0, getters, counted=False, miss=miss, column=i)
    recorded = {DataType.double, DataType.float, DataType.long, DataType.integer, DataType.string}
    wrong = "raise U" if miss is None or t not in recorded else miss(i, t, (), (), v)
    if t in {DataType.double, DataType.float}:
        return _number_lines(v, column.nullable, float32=t is DataType.float, wrong=wrong)
    if t in {DataType.long, DataType.integer}:
        lo, hi = _INT64 if t is DataType.long else _INT32
        return [f"if type({v}) is not int or not {lo} <= {v} <= {hi}: {wrong}"]
    if t is DataType.boolean:
        return [f"if type({v}) is not bool: raise U"]
    if t is DataType.string:
        if miss is not None:
            return [f"if type({v}) is str: strs({v})", f"else: {wrong}"]
        return [f"strs({v})"]  # the join's type check
    if t is DataType.binary:
        return [f"if B64({v}) is None: raise U", f"strs({v})"]
    # datetime, one strict format per column: the first text's digit shape,
    # which every other must match; calendar and clock ranges by fromisoformat.
    years = f"{_YEARS_FROM!r} <= {v} < {_YEARS_TO!r}"
    return [
        f"if type({v}) is str:",
        f"    if s{i} is None: s{i} = SHAPES.get(len({v}))",
        f"    if {v}.encode().translate(SHAPE) != s{i} or not {years}: raise U",
        f"    FROMISO({v})",
        f"    strs({v})",
        f"elif {v} is not None: raise U" if column.nullable else "else: raise U",
    ]


def _nested_lines(
    t: ColType,
    v: str,
    depth: int,
    getters: list[Any],
    *,
    counted: bool,
    miss: Miss | None = None,
    column: int = 0,
    path: tuple[str | None, ...] = (),
    loops: tuple[str, ...] = (),
) -> list[str] | None:
    """Lines testing a nested value ``v`` as `nested.compile_quick` does.

    ``counted``: the members of an object ``v`` are already counted (by the
    array holding it).  ``miss``: as in `_value_lines`, for string and long
    leaves; ``column``, ``path`` and ``loops`` say where ``v`` sits (`Miss`).
    """
    if depth > MAX_NESTING:
        return None
    if isinstance(t, DataType):
        if miss is None or t is DataType.boolean:
            wrong = "raise U"  # a boolean leaf's mistakes have no kind: unsure
        else:
            wrong = miss(column, t, path, loops, v)
        if t is DataType.string:
            if miss is not None:
                return [f"if type({v}) is str: strs({v})", f"else: {wrong}"]
            return [f"strs({v})"]
        if t is DataType.long:
            lo, hi = _INT64
            return [f"if type({v}) is not int or not {lo} <= {v} <= {hi}: {wrong}"]
        if t is DataType.boolean:
            return [f"if type({v}) is not bool: raise U"]
        return None
    if isinstance(t, Array):
        head = [f"if type({v}) is not list or not {v}: raise U"]
        if t.items is DataType.string and miss is None:
            return [*head, f"found += {v}"]
        item = f"a{depth}"
        inner = _nested_lines(
            t.items,
            item,
            depth + 1,
            getters,
            counted=True,
            miss=miss,
            column=column,
            path=(*path, None),
            loops=(*loops, f"{v}, {item}"),
        )
        if inner is None:
            return None
        if isinstance(t.items, Object):
            head.append(f"members += {_object_members(t.items)} * len({v})")
        return [*head, f"for {item} in {v}:", *(f"    {line}" for line in inner)]
    if isinstance(t, Object) and t.properties and all(p.required for p in t.properties):
        names = [p.name for p in t.properties]
        props = [f"o{depth}_{k}" for k in range(len(names))]
        getter = f"G{len(getters)}"
        getters.append(itemgetter(*names))
        # not a dict: the getter's TypeError (JSON has no other container with str
        # keys); a missing key: its KeyError; another key: the census (one ':' more)
        lines: list[str] = []
        if not counted:
            lines.append(f"members += {_object_members(t)}")
        # one name: itemgetter gives the value itself
        if all(p.type is DataType.string for p in t.properties) and miss is None:
            # strings only: into ``found`` at once (the join checks their type)
            if len(props) == 1:
                return [*lines, f"strs({getter}({v}))"]
            return [*lines, f"found += {getter}({v})"]
        lines.append(f"{', '.join(props)} = {getter}({v})")
        for prop, p in zip(props, t.properties, strict=True):
            inner = _nested_lines(
                p.type,
                prop,
                depth + 1,
                getters,
                counted=False,
                miss=miss,
                column=column,
                path=(*path, p.name),
                loops=loops,
            )
            if inner is None:
                return None
            lines.extend(inner)
        return lines
    return None


def _object_members(t: Object) -> int:
    """The ``:`` one object accounts for: its members and the colons in its keys."""
    return len(t.properties) + sum(p.name.count(":") for p in t.properties)


def _loop(
    columns: list[ColumnPlan],
    keys: tuple[str, ...] | None,
    getters: list[Any],
    miss: Miss | None = None,
) -> tuple[list[str], list[str], list[str]] | None:
    """(set-up, the loop over ``rows``, wrap-up) lines judging every row; None: not covered.

    They leave the strings in ``found`` (``strs`` appends one, ``found +=`` adds
    a list or a tuple of them: cheaper than calling a bound ``extend``) and
    count nested objects' members in ``members``.  ``miss``: see `_value_lines`
    (the row is ``row``).
    """
    if not columns or len(columns) > MAX_COLUMNS:
        return None
    k = len(columns)
    names = ", ".join(f"c{i}" for i in range(k)) + ("," if k == 1 else "")
    if keys is None:
        # a row of another length: ValueError
        unpack = ["if type(row) is not list: raise U", f"{names} = row"]
    else:
        getter = f"G{len(getters)}"
        getters.append(itemgetter(*keys))
        # not a dict: the getter's TypeError; a missing key: its KeyError; another
        # key: the census, which every caller takes (one ':' more than it counts)
        unpack = [f"{names} = {getter}(row)" if k > 1 else f"c0 = {getter}(row)"]
    body: list[str] = []
    starts: list[str] = []
    ends: list[str] = []
    for i, column in enumerate(columns):
        lines = _value_lines(i, column, getters, miss)
        if lines is None:
            return None
        body.extend(lines)
        if column.scalar is DataType.datetime:
            if not FROMISO_OK:
                return None
            starts.append(f"s{i} = None")
            ends.append(f"if s{i} is None: raise U")  # an all-null datetime column
    loop = ["for row in rows:", *(f"    {line}" for line in [*unpack, *body])]
    return starts, loop, ends


#: The generated functions' helpers, passed as defaults: local, not global, lookups.
_HELPERS = (
    *("type", "float", "int", "str", "bool", "list", "dict", "len", "bytes"),
    *("U", "SHAPE", "SHAPES", "FROMISO", "B64"),
)
_NAME = re.compile(r"[A-Za-z_]\w*")


def _source(params: str, lines: list[str], helpers: tuple[str, ...]) -> str:
    """A function ``check(params)`` of ``lines``, its helpers those the lines name.

    Each default is copied into the frame on every call: a dozen unused ones
    cost ~10 ns of a one-row body's ~2 µs.
    """
    used = set(_NAME.findall("\n".join(lines)))
    defaults = "".join(f", {name}={name}" for name in helpers if name in used)
    return "\n".join([f"def check({params}{defaults}):", *_indent(lines, 1)])


def _found(loop: list[str]) -> list[str]:
    """The set-up lines of what a loop's lines use (`_loop`)."""
    text = "\n".join(loop)
    lines = ["found = []"]
    if "strs(" in text:
        lines.append("strs = found.append")
    return [*lines, "members = 0"] if "members" in text else lines


def _compiled(source: str, getters: list[Any], **more: Any) -> Any:
    namespace: dict[str, Any] = {
        "U": RowUnsure,
        "B64": re.compile(BASE64_PATTERN).search,
        "SHAPE": SHAPE,
        "SHAPES": DT_SHAPES,
        "FROMISO": _dt.datetime.fromisoformat,
        **{f"G{g}": getter for g, getter in enumerate(getters)},
        **more,
    }
    exec(compile(source, "<sig2jsonschema row check>", "exec"), namespace)  # noqa: S102 - generated from positions only
    return namespace["check"]


def _indent(lines: list[str], depth: int) -> list[str]:
    return [" " * (4 * depth) + line for line in lines]


def compile_rows(columns: list[ColumnPlan], keys: tuple[str, ...] | None = None) -> RowCheck | None:
    """The row checker of a layout (columns in the body's order), or None.

    ``keys``: the rows are records with exactly these keys (the columns'
    names); else they are lists of the columns' values.
    """
    getters: list[Any] = []
    found = _loop(columns, keys, getters)
    if found is None:
        return None
    starts, loop, ends = found
    lines = [
        *_found(loop),
        *starts,
        *loop,
        *ends,
        "return ''.join(found), " + ("members" if "members" in "\n".join(loop) else "0"),
    ]
    getter_names = tuple(f"G{g}" for g in range(len(getters)))
    check: RowCheck = _compiled(_source("rows", lines, _HELPERS + getter_names), getters)
    return check


def compile_body_check(
    columns: list[ColumnPlan],
    *,
    split: int | None,
    records: int | None,
    names: list[str],
    loads: Callable[[bytes], Any],
    plan: Any,
    unsure: Callable[[bytes | str, Any], bool],
    colons: Callable[[bytes], int],
    tree: bool = False,
    miss: Miss | None = None,
    bound: tuple[Any, int] | None = None,
    answers: Answers | None = None,
) -> BodyCheck | None:
    """One function judging a whole raw body of every column, in signature order.

    The commonest bodies hold every column in the signature's order
    (``dataframe_split``) or as every record's keys (``dataframe_records``):
    this function reads such a body from ``loads`` to the census in one
    frame, with the row loops of `compile_rows` inlined.  ``split`` and
    ``records`` are the members of the envelope (split: with the colons in
    the column names) and of one record (with the colons in its keys), None
    where that form is not accepted.  Every other body, and any doubt, goes
    to ``unsure(raw, limits)``; ``plan._small`` is the (limits, size) up to
    which a bytes body needs no limits scan.

    ``tree``: the function takes a third argument, the body already parsed
    (``check(raw, limits, value)``): ``raw``, already scanned for the limits
    by the caller, is then only read for the census, and any doubt answers
    False instead of asking ``unsure`` (the first-error locator's check of a
    body put right, `sig2jsonschema._fast.first_error`).

    ``miss`` (with ``tree``): a failing number or string leaf is recorded
    (`Miss`, into the list ``bads`` by `add_miss`) and the check goes on; the
    function returns ``bads`` (True: none, valid) when everything else passes,
    census included (None: unsure).  See `sig2jsonschema._fast.census`.

    ``bound`` (without ``tree``): (limits, the body size up to which they
    need no scan), fixed: the function is called ``check(raw)`` with those
    limits, and the size is a constant instead of ``plan._small``'s pair,
    read and compared on every body (a `Validator`'s own limits never change).

    ``answers`` (with ``bound``): the function is its owner's whole
    ``is_valid(raw, content_type=...)``, one Python frame per body instead
    of a method calling this function; where it is not sure, it hands the
    body on to ``answers`` (see `Answers`) instead of answering False.
    """
    getters: list[Any] = []
    keys = tuple(names)
    parts = [
        (split, _loop(columns, None, getters, miss)),
        (records, _loop(columns, keys, getters, miss)),
    ]
    if any(fixed is not None and found is None for fixed, found in parts):
        return None
    if answers is not None:
        # A doubt asks the quick path's layouts, then the owner's full check; a body
        # this function never reads (another type, too big, not JSON) the owner anew.
        doubt = "return UNSURE(raw, limits) or FULL(raw, content_type)"
        refuse = "return FULL(raw, content_type)"
        head = [
            "if (",
            "    content_type is not JSON and not IS_JSON(content_type)",
            "    or type(raw) is not bytes",
            "    or len(raw) > SIZE",
            "):",
            "    return ANEW(raw, content_type=content_type)",
        ]
    else:
        doubt = (
            "return None"
            if miss is not None
            else "return False"
            if tree
            else "return UNSURE(raw, limits)"
        )
        refuse = "return False" if miss is None else "return None"
        head = (
            ["if type(raw) is not bytes:", f"    {doubt}"]
            if tree  # the caller has scanned the text for the limits
            else [
                "small = PLAN._small",
                "if type(raw) is not bytes or small[0] is not limits or len(raw) > small[1]:",
                f"    {doubt}",
            ]
            if bound is None
            else ["if type(raw) is not bytes or len(raw) > SIZE:", f"    {doubt}"]
        )
    lines = head
    if miss is not None:
        lines.append("bads = None")  # a list only once a leaf misses: valid bodies pay nothing
    lines += [
        "try:",
        *([] if tree else ["    value = loads(raw)"]),
        "    (form,) = value",
        "    rows = value[form]",
    ]
    branch = "if"
    for (fixed, found), form in zip(parts, ("dataframe_split", "dataframe_records"), strict=True):
        if fixed is None or found is None:
            continue
        starts, loop, ends = found
        lines.append(f"    {branch} form == {form!r}:")
        branch = "elif"
        if form == "dataframe_split":
            head = [
                "if type(rows) is not dict or len(rows) != 2 or rows['columns'] != NAMES: raise U",
                "rows = rows['data']",
                "if type(rows) is not list or not rows: raise U",
                f"fixed = {fixed}",
            ]
        else:
            head = [
                "if type(rows) is not list or not rows: raise U",
                f"fixed = 1 + {fixed} * len(rows)",
            ]
        if "members" in "\n".join(loop):
            ends = [*ends, "fixed += members"]
        lines.extend(_indent([*head, *_found(loop), *starts, *loop, *ends], 2))
    lines += [
        "    else:",
        "        raise U",
        "    text = ''.join(found)",
        "except Exception:",
        f"    {doubt}",
        # the census, as in `sig2jsonschema._fast.quick`
        # 92: a backslash (an int is searched without a buffer: several times faster)
        "if 92 in raw and (b'\\\\u003a' in raw or b'\\\\u003A' in raw or '\\x00' in text):",
        f"    {refuse}",
        # bytes.count reads a byte at a time; replace jumps from colon to colon with
        # memchr, several times faster where colons are sparse (long strings)
        "size = len(raw)",
        "if size >= 8192:",
        "    colons = COLONS(raw)",
        f"elif size > {_SPARSE} * fixed:",
        "    colons = size - len(raw.replace(b':', b''))",
        "else:",
        "    colons = raw.count(b':')",
    ]
    if miss is not None:
        lines += [
            "if colons == fixed or colons == fixed + text.count(':'):",
            "    return True if bads is None else bads",
            doubt,
        ]
    elif answers is not None:
        lines.append(
            "return colons == fixed or colons == fixed + text.count(':') or FULL(raw, content_type)"
        )
    else:
        lines.append("return colons == fixed or colons == fixed + text.count(':')")
    if answers is not None:
        # Not keyword-only: a call looks up each keyword-only default in a dict
        # (~90 ns for these), and copies positional ones from a tuple.
        params = "raw, content_type=JSON, limits=LIMITS"
    else:
        params = f"raw, {'limits=LIMITS' if bound else 'limits'}{', value' if tree else ''}"
    helpers = (
        *_HELPERS,
        *(f"G{g}" for g in range(len(getters))),
        *("MISS", "loads", "PLAN", "UNSURE", "COLONS", "NAMES", "SIZE"),
        *("ANEW", "FULL", "IS_JSON", "JSON"),
    )
    more: dict[str, Any] = {}
    if answers is not None:
        more = {
            "ANEW": answers.anew,
            "FULL": answers.full,
            "IS_JSON": answers.is_json,
            "JSON": answers.json_type,
        }
    check: BodyCheck = _compiled(
        _source(params, lines, helpers),
        getters,
        loads=loads,
        PLAN=plan,
        UNSURE=unsure,
        COLONS=colons,
        NAMES=list(names),
        MISS=add_miss,
        LIMITS=bound[0] if bound else None,
        SIZE=bound[1] if bound else 0,
        **more,
    )
    return check


def add_miss(bads: list[Any] | None, miss: Any) -> list[Any]:
    """``bads`` with ``miss`` added (a list made on the first miss)."""
    if bads is None:
        return [miss]
    bads.append(miss)
    return bads


__all__ = [
    "MAX_COLUMNS",
    "Answers",
    "Miss",
    "RowUnsure",
    "add_miss",
    "compile_body_check",
    "compile_rows",
]
