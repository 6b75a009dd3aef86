"""From a ``jsonschema.ValidationError`` to a `PayloadError` a person understands.

Three jobs:

* **where**: the RFC 6901 pointer into the body (``error.absolute_path``) and
  the signature field, read from the nearest ``x-mlflow-field`` annotation
  along the error's ``absolute_schema_path`` (jsonschema leaves ``$ref`` out
  of that path; `SchemaIndex` follows references where a step is missing);
* **what**: "expected X, got Y" in words, per keyword, built only from the
  schema (``expected``) and the instance (``got``), never from jsonschema's
  message text nor our keywords' messages (both quote the payload), so that a
  redacted error, which drops ``got``, holds no payload value at all;
* **which first**: jsonschema's own `best_match` relevance, plus a deep match
  (as check-jsonschema's ``find_best_deep_match``) that descends into
  ``anyOf``/``oneOf`` context and prefers the branch of the body form the
  client sent.  Both are heuristics: jsonschema says its ranking "may change
  from version to version", and so may ours.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from jsonschema.exceptions import ValidationError, best_match, by_relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import _to_schema_values as _values
from ._params import describe_json
from ._types import ColSpec, Signature, TensorSpec, field_name
from .exceptions import PayloadError, to_pointer

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The annotation naming the signature field a subschema describes.
FIELD_ANNOTATION = "x-mlflow-field"
#: The annotation naming the body form a subschema describes (``inputs/records``...).
FORM_ANNOTATION = "x-mlflow-form"
#: An annotation a subschema may carry with "expected" words of its own.
EXPECTED_ANNOTATION = "x-mlflow-expected"
#: Envelope keys (a body holds exactly one of them).
DATA_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")

_NO_ROOT: Any = object()
_FLOAT32_MAX = _values.FLOAT32_MAX

#: Ranges recognised in ``minimum``/``maximum`` when no annotation names the type.
_RANGES: dict[tuple[float, float], str] = {
    _values.INT32: "integer (int32) range",
    _values.INT64: "long (int64) range",
    (-_FLOAT32_MAX, _FLOAT32_MAX): "float32 range",
    (0, 255): "uint8 range",
    (-128, 127): "int8 range",
    (0, 65535): "uint16 range",
    (-32768, 32767): "int16 range",
    (0, 2**32 - 1): "uint32 range",
    (0, 2**64 - 1): "uint64 range",
}
#: Ranges by MLflow column type (``x-mlflow-type``).
_TYPE_RANGES = {
    "integer": "integer (int32) range",
    "long": "long (int64) range",
    "float": "float32 range",
}

_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}

_FORMAT_WORDS = {
    "date-time": "an RFC 3339 date-time",
    "date": "a date (YYYY-MM-DD)",
    "time": "a time",
}

#: Meanings of the patterns the exporter emits (looked up by the pattern text).
#: A pattern not listed is described by its subschema's ``description``.
PATTERN_WORDS: dict[str, str] = {
    _values.DATETIME_PATTERN: "an ISO 8601 date or datetime without offset "
    "(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff])",
    _values.BASE64_PATTERN: "standard base64 text with padding",
    _values.INT_TEXT_PATTERN: "an integer, or text holding one",
    _values.FLOAT_TEXT_PATTERN: "a number, or text holding one",
    _values.ASCII_PATTERN: "ASCII text",
}

#: "expected" words of our vocabulary keywords (payload-free), by keyword.
VOCABULARY_WORDS: dict[str, str] = {
    "x-mlflow-token": "an integer token (no decimal point or exponent)",
    "x-mlflow-datetime": "a real calendar date or datetime without offset (ISO 8601)",
    "x-mlflow-same-keys": "records with the keys of record 0 (MLflow fills a missing key with NaN)",
    "x-mlflow-equal-lengths": "columns of equal length",
    "x-mlflow-uniform-datetime": "the datetime format of the column's first value (pandas "
    "infers one format per column)",
    "x-mlflow-shape": "rectangular nested lists (numpy refuses ragged arrays)",
}


def annotate(error: PayloadError, **data: Any) -> PayloadError:
    """Attach data `PayloadError` has no field for yet (``line``, ``column``,
    ``field_detail``, ``error_class``); works the same once it has them."""
    for name, value in data.items():
        object.__setattr__(error, name, value)
    return error


def field_details(signature: Signature) -> dict[str, str]:
    """``{"inputs['age']": "long, required", ...}`` for every top-level spec."""
    out: dict[str, str] = {}
    for part, schema in (("inputs", signature.inputs), ("outputs", signature.outputs)):
        if schema is None:
            continue
        specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
        for i, spec in enumerate(specs):
            name = field_name(part, spec, i)
            if isinstance(spec, TensorSpec):
                dims = ", ".join(str(d) for d in spec.shape)
                comma = "," if len(spec.shape) == 1 else ""
                out[name] = f"{spec.dtype} tensor of shape ({dims}{comma})"
            else:
                required = "required" if spec.is_required else "optional"
                out[name] = f"{spec.type}, {required}"
    if signature.params is not None:
        for j, param in enumerate(signature.params.params):
            shape = " list" if param.shape else ""
            out[field_name("params", param, j)] = f"{param.type}{shape}, default {param.default!r}"
    return out


def _has_step(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)


class SchemaIndex:
    """Reads annotations along schema paths of one compiled schema.

    Built once per `Validator`; lookups are cached by schema path, so mapping
    many errors of the same rule costs one walk.  Safe to share between
    threads (the cache only ever gains equal values).
    """

    def __init__(self, schema: Mapping[str, Any], registry: Registry[Any] | None = None) -> None:
        self.root = schema
        base = str(schema.get("$id", "urn:sig2jsonschema:schema"))
        resource = Resource.from_contents(dict(schema), default_specification=DRAFT202012)
        self.registry = (registry or Registry()).with_resource(base, resource)
        self.base = base
        self._cache: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}

    def nodes(self, schema_path: Iterable[str | int]) -> list[dict[str, Any]]:
        """Every subschema (object) visited along ``schema_path``, root first."""
        path = tuple(schema_path)
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        visited = [node for node, _ in self._walk(path)]
        self._cache[path] = visited
        return visited

    def _walk(self, path: tuple[str | int, ...]) -> list[tuple[dict[str, Any], int]]:
        """(subschema, number of path steps taken to reach it) along ``path``."""
        resolver = self.registry.resolver(base_uri=self.base)
        node: Any = self.root
        visited: list[tuple[dict[str, Any], int]] = [(node, 0)] if isinstance(node, dict) else []
        for taken, step in enumerate(path):
            # jsonschema leaves ``$ref`` out of schema paths: a step missing from a
            # node holding a reference continues in the referenced schema.
            while isinstance(node, dict) and step not in node and "$ref" in node:
                resolved = resolver.lookup(node["$ref"])
                node, resolver = resolved.contents, resolved.resolver
                if isinstance(node, dict):
                    visited.append((node, taken))
            if not _has_step(node, step):
                break
            node = node[step]
            if isinstance(node, dict):
                visited.append((node, taken + 1))
        return visited

    def below(
        self, schema_path: Iterable[str | int], name: str
    ) -> tuple[dict[str, Any], list[str | int]] | None:
        """The deepest node annotated with ``name``, and the schema-path steps below it."""
        path = tuple(schema_path)
        for node, taken in reversed(self._walk(path)):
            if name in node:
                return node, list(path[taken:])
        return None

    def annotation(self, schema_path: Iterable[str | int], name: str) -> Any:
        """The nearest (deepest) value of annotation ``name`` along the path."""
        for node in reversed(self.nodes(schema_path)):
            if name in node:
                return node[name]
        return None


# -- words ------------------------------------------------------------------------------


def _range_words(schema: Mapping[str, Any]) -> str | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None or high is None:
        return None
    dtype = schema.get("x-mlflow-dtype")
    if isinstance(dtype, str):
        return f"{dtype} range"
    mlflow_type = schema.get("x-mlflow-type")
    if isinstance(mlflow_type, str) and mlflow_type in _TYPE_RANGES:
        return _TYPE_RANGES[mlflow_type]
    return _RANGES.get((low, high))


def _type_words(value: Any, schema: Mapping[str, Any]) -> str:
    names = [value] if isinstance(value, str) else list(value)
    text = " or ".join(_TYPE_WORDS.get(n, str(n)) for n in names)
    within = _range_words(schema)
    if within and names[0] in {"integer", "number"}:
        text += f" within {within}"
    mlflow_type = schema.get("x-mlflow-type") or schema.get("x-mlflow-dtype")
    if mlflow_type and len(names) > 2:
        text += f" (MLflow casts it to {mlflow_type})"
    return text


def _items(count: int) -> str:
    return f"{count} item" + ("" if count == 1 else "s")


def _literal(value: Any) -> str:
    """A constant from the schema, as JSON-like text."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def short_got(value: Any) -> str:
    """``3.5 (number)``; containers summarized by kind and size."""
    if isinstance(value, dict):
        return f"an object with {len(value)} member{'' if len(value) == 1 else 's'}"
    if isinstance(value, list):
        return f"an array of {_items(len(value))}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} (number)"
    return describe_json(value)


def _envelope_keys(root: Mapping[str, Any]) -> list[str]:
    """The data keys a request schema's envelope declares (in the LLM ``else`` too)."""
    for node in (root, root.get("else")):
        if isinstance(node, dict) and isinstance(node.get("properties"), dict):
            props = node["properties"]
            keys = [k for k in DATA_KEYS if k in props and props[k] is not False]
            if keys:
                return keys
    return []


def _resolve(root: Any, path: list[str | int], default: Any) -> Any:
    node = root
    for step in path:
        if _has_step(node, step):
            node = node[step]
        else:
            return default
    return node


class ErrorMapper:
    """Turns validation errors of one schema into `PayloadError`\\ s.

    Args:
        index: the schema's `SchemaIndex`.
        signature: the signature the schema was exported from.
        redact: withhold payload values (``got``) from messages.
        subject: ``inputs`` (request schemas) or ``outputs`` (response schemas).
    """

    def __init__(
        self,
        index: SchemaIndex,
        signature: Signature,
        *,
        redact: bool = False,
        subject: str = "inputs",
    ) -> None:
        self.index = index
        self.signature = signature
        self.redact = redact
        #: ``inputs['age']`` -> ``long, required``.
        self.details = field_details(signature)
        #: The envelope keys the schema allows (strict: the keys of working forms).
        self.envelope_keys = _envelope_keys(index.root)
        #: Column (or tensor) name -> its field, for rules that name a column by value.
        self.column_fields: dict[str, str] = {}
        self.tensors = False
        #: Field -> tensor spec, for words about tensor dimensions.
        self.tensor_specs: dict[str, TensorSpec] = {}
        schema = signature.outputs if subject == "outputs" else signature.inputs
        if schema is not None and schema.is_tensor:
            for i, tensor in enumerate(schema.tensors):
                self.tensor_specs[field_name(subject, tensor, i)] = tensor
        if schema is not None and schema.has_names:
            self.tensors = schema.is_tensor
            specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
            for i, spec in enumerate(specs):
                self.column_fields[str(spec.name)] = field_name(subject, spec, i)

    def make(
        self,
        *,
        pointer: str,
        keyword: str,
        expected: str,
        got: str = "",
        field: str = "",
        hint: str = "",
        cause: Any = None,
        status: int = 400,
        error_code: str = "BAD_REQUEST",
    ) -> PayloadError:
        """A `PayloadError` carrying this mapper's redaction and the field's details."""
        error = PayloadError(
            pointer=pointer,
            keyword=keyword,
            expected=expected,
            got=got,
            field=field,
            hint=hint,
            redacted=self.redact,
            error_code=error_code,
            status=status,
            cause=cause,
        )
        detail = self.details.get(field)
        if detail:
            annotate(error, field_detail=detail)
        return error

    def field_of(self, error: ValidationError) -> str:
        """The signature field along the error's schema path ("" when none)."""
        value = self.index.annotation(error.absolute_schema_path, FIELD_ANNOTATION)
        return str(value) if value else ""

    def _member(self, enclosing: str, member: str) -> tuple[str, str]:
        """(noun phrase, field) of a member a rule names (``required``, ``contains``).

        Outside any field the member is a top-level input (a column or a
        tensor); inside one it is a property of that field's object.
        """
        if enclosing:
            return f"property {member!r} of {enclosing}", enclosing
        field = self.column_fields.get(member, "")
        if field:
            return f"{'tensor' if self.tensors else 'column'} {member!r}", field
        return f"member {member!r}", ""

    # -- mapping ----------------------------------------------------------------------

    def map(self, error: ValidationError, root: Any = _NO_ROOT) -> list[PayloadError]:
        """One or more `PayloadError`\\ s for one (leaf) validation error.

        ``root``, the whole instance, lets errors of ``false`` subschemas (which
        jsonschema reports without the member's name) and of our keywords
        (which report places below their own instance) be described exactly.
        """
        path = list(error.absolute_path)
        validator: Any = error.validator
        if validator is None:  # a ``false`` subschema
            return [self._map_false(error, path, root)]
        keyword = str(error.validator)
        field = self.field_of(error)
        instance: Any = error.instance
        if keyword.startswith("x-") and root is not _NO_ROOT:
            instance = _resolve(root, path, instance)
        if keyword == "required":
            return self._map_required(error, path, field)
        if keyword in {"additionalProperties", "unevaluatedProperties"} and isinstance(
            instance, dict
        ):
            return self._map_extra(error, path, field)
        expected = self.expected(error)
        if keyword == "contains":
            expected, field = self._contains(error, field, expected)
        return [
            self.make(
                pointer=to_pointer(path),
                keyword=keyword,
                expected=expected,
                got=short_got(instance),
                field=field,
                cause=error,
            )
        ]

    def _map_false(self, error: ValidationError, path: list[str | int], root: Any) -> PayloadError:
        member = self._false_member(error, root) if root is not _NO_ROOT else None
        if member is not None:
            path = [*path, member]
        if member in DATA_KEYS and len(path) == 1:
            expected = "a single envelope key (this body has more than one of " + ", ".join(
                DATA_KEYS
            )
            expected += ")"
        elif member is not None:
            expected = f"no member {member!r} here"
        else:
            expected = "nothing at this place (the schema allows no value)"
        return self.make(
            pointer=to_pointer(path),
            keyword="false",
            expected=expected,
            got=short_got(error.instance),
            field=self.field_of(error),
            cause=error,
        )

    def _false_member(self, error: ValidationError, root: Any) -> str | None:
        """The member a ``false`` subschema under ``properties`` refused."""
        schema_path = list(error.absolute_schema_path)
        if not schema_path or schema_path[-1] != "properties":
            return None
        props = self.index.nodes(schema_path)[-1]
        parent = _resolve(root, list(error.absolute_path), None)
        if not isinstance(parent, dict):
            return None
        for key, sub in props.items():
            if sub is False and key in parent and parent[key] is error.instance:
                return str(key)
        return None

    def _map_required(
        self, error: ValidationError, path: list[str | int], field: str
    ) -> list[PayloadError]:
        instance: Any = error.instance
        wanted: Any = error.validator_value
        present = set(instance) if isinstance(instance, dict) else set()
        missing = [str(k) for k in wanted if k not in present] or [str(k) for k in wanted[:1]]
        if not path and all(m in DATA_KEYS for m in missing):
            sent = [k for k in DATA_KEYS if k in present]
            got = f"the key {sent[0]!r}, which no working body form uses" if sent else "none"
            keys = self.envelope_keys or list(DATA_KEYS)
            return [
                self.make(
                    pointer="",
                    keyword="required",
                    expected="exactly one of the keys " + ", ".join(keys),
                    got=got,
                    cause=error,
                )
            ]
        out = []
        for name in missing:
            noun, member_field = self._member(field, name)
            out.append(
                self.make(
                    pointer=to_pointer(path),
                    keyword="required",
                    expected=f"{noun} (required)",
                    got="an object without it",
                    field=member_field,
                    cause=error,
                )
            )
        return out

    def _map_extra(
        self, error: ValidationError, path: list[str | int], field: str
    ) -> list[PayloadError]:
        """One error per unknown member, at the member's own pointer."""
        instance: Any = error.instance
        schema: Any = error.schema if isinstance(error.schema, dict) else {}
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extras = [
            k for k in instance if k not in props and not any(re.search(p, k) for p in patterns)
        ]
        allowed = [k for k, v in props.items() if v is not False][:12]
        expected = (
            "only the members " + ", ".join(repr(a) for a in allowed)
            if allowed
            else "no other members"
        )
        if error.validator_value is not False:
            expected = "members the schema allows"
        if not extras:  # unevaluatedProperties: which ones depends on applicators
            return [
                self.make(
                    pointer=to_pointer(path),
                    keyword=str(error.validator),
                    expected=expected,
                    got=short_got(instance),
                    field=field,
                    cause=error,
                )
            ]
        return [
            self.make(
                pointer=to_pointer([*path, name]),
                keyword=str(error.validator),
                expected=expected,
                got=f"unknown member {name!r}",
                field=field,
                cause=error,
            )
            for name in extras
        ]

    def _contains(self, error: ValidationError, field: str, expected: str) -> tuple[str, str]:
        """A ``contains`` that asks for a column by name: say which, and its field."""
        schema: Any = error.schema if isinstance(error.schema, dict) else {}
        sub = schema.get("contains")
        if not isinstance(sub, dict):
            return expected, field
        if isinstance(sub.get("const"), str):
            noun, field = self._member(field, sub["const"])
            return f"{noun} (required) in columns", field
        required = sub.get("required")
        if isinstance(required, list) and required:
            noun, field = self._member(field, str(required[0]))
            return f"{noun} (required) in the records", field
        return expected, field

    # -- expected words ---------------------------------------------------------------

    def expected(self, error: ValidationError) -> str:
        """The "expected X" words of one error (schema-derived, payload-free)."""
        keyword = str(error.validator)
        value: Any = error.validator_value
        schema: Any = error.schema if isinstance(error.schema, dict) else {}
        own = schema.get(EXPECTED_ANNOTATION)
        if own:
            return str(own)
        if keyword == "type":
            return _type_words(value, schema)
        if keyword in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
            within = _range_words(schema)
            if within:
                kind = "an integer" if schema.get("type") == "integer" else "a number"
                return f"{kind} within {within}"
            sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(keyword, "<")
            return f"a number {sign} {_literal(value)}"
        if keyword == "multipleOf":
            return f"a multiple of {_literal(value)}"
        if keyword == "pattern":
            return PATTERN_WORDS.get(
                str(value), str(schema.get("description", f"text matching the pattern {value}"))
            )
        if keyword == "format":
            return _FORMAT_WORDS.get(str(value), f"a {value} string")
        if keyword in {"minLength", "maxLength"}:
            bound = "at least" if keyword == "minLength" else "at most"
            return f"a string of {bound} {value} characters"
        if keyword in {"minItems", "maxItems"}:
            dimension = self._tensor_dimension(error)
            if dimension is not None:
                return dimension
            if schema.get("minItems") == schema.get("maxItems"):
                return f"an array of exactly {_items(int(value))}"
            bound = "at least" if keyword == "minItems" else "at most"
            return f"an array of {bound} {_items(int(value))}"
        if keyword == "items" and value is False:
            return f"an array of at most {_items(len(schema.get('prefixItems', [])))}"
        if keyword in {"minProperties", "maxProperties"}:
            bound = "at least" if keyword == "minProperties" else "at most"
            return f"an object with {bound} {value} member{'' if value == 1 else 's'}"
        if keyword == "uniqueItems":
            return "an array of unique items"
        if keyword == "enum":
            return _enum_words(value)
        if keyword == "const":
            return f"exactly {_literal(value)}"
        if keyword in {"anyOf", "oneOf"}:
            return self._alternatives(error)
        if keyword == "not":
            if value == {} and "description" in schema:
                return f"nothing here: {schema['description']}"
            return str(schema.get("description", "a value the schema excludes"))
        if keyword.startswith("x-"):
            return _vocabulary_words(error)
        return str(schema.get("description", f"a value satisfying {keyword}"))

    def _tensor_dimension(self, error: ValidationError) -> str | None:
        """``minItems``/``maxItems`` inside a tensor: which dimension of which shape."""
        field = self.field_of(error)
        spec = self.tensor_specs.get(field)
        if spec is None:
            return None
        found = self.index.below(error.absolute_schema_path, FIELD_ANNOTATION)
        if found is None:
            return None
        node, below = found
        # The annotated schema holds the whole tensor (one array level per
        # dimension) or one row of it (instances records: the batch dimension
        # is the records); a flattened cell (dataframe forms) has neither.
        levels = 0
        while isinstance(node, dict) and isinstance(node.get("items"), dict):
            node, levels = node["items"], levels + 1
        offset = {len(spec.shape): 0, len(spec.shape) - 1: 1}.get(levels)
        if offset is None:
            return None
        dimension = offset + sum(1 for step in below[:-1] if step == "items")
        if dimension >= len(spec.shape):
            return None
        size = spec.shape[dimension]
        shape = ", ".join(str(d) for d in spec.shape) + ("," if len(spec.shape) == 1 else "")
        if size < 0:
            return None
        return f"{_items(size)} along dimension {dimension} of the tensor shape ({shape})"

    @staticmethod
    def _alternatives(error: ValidationError) -> str:
        value: Any = error.validator_value
        forms = [
            str(b.get(FORM_ANNOTATION) or b.get("title"))
            for b in (value if isinstance(value, list) else [])
            if isinstance(b, dict) and (b.get(FORM_ANNOTATION) or b.get("title"))
        ]
        how = "exactly one" if error.validator == "oneOf" else "one"
        if forms:
            return f"{how} of the forms " + ", ".join(forms)
        return f"{how} of {len(value)} alternatives"


def _enum_words(value: Any) -> str:
    if value and all(isinstance(v, list) for v in value):
        longest = max(value, key=len)
        text = "the column names in signature order: " + ", ".join(_literal(v) for v in longest)
        return text + (" (optional columns may be left out)" if len(value) > 1 else "")
    return "one of " + ", ".join(_literal(v) for v in value)


def _vocabulary_words(error: ValidationError) -> str:
    """Words for one of our ``x-mlflow-*`` keywords (never its message: it quotes the body)."""
    keyword = str(error.validator)
    value: Any = error.validator_value
    if keyword == "x-mlflow-nested-double":
        if value == "scalar":
            return (
                "a double with a decimal point, or the integer 0 or 1 (MLflow refuses other "
                "integer tokens for a nested double)"
            )
        items = error.instance if isinstance(error.instance, list) else []
        if items and all(isinstance(v, bool) for v in items if v is not None):
            return "numbers, not booleans"
        return (
            "an array of doubles with at least one float token (2.0), or only 0 and 1 "
            "(MLflow reads an all-integer array as int64 and refuses it)"
        )
    if keyword == "x-mlflow-split":
        own_path = list(error.relative_path)
        if own_path and own_path[0] == "index":
            return "one index label per data row"
        return "a row with one cell per column"
    return VOCABULARY_WORDS.get(keyword, f"a value satisfying {keyword}")


# -- ranking ----------------------------------------------------------------------------

#: jsonschema's relevance key: shallow errors first, weak ``anyOf``/``oneOf`` last.
RELEVANCE = by_relevance()


def deep_relevance(error: ValidationError) -> tuple[bool, int, int]:
    """check-jsonschema's deep-match key: not anyOf/oneOf, then the deepest instance path."""
    return (
        error.validator not in {"anyOf", "oneOf"},
        len(error.absolute_path),
        -len(error.absolute_schema_path),
    )


def _branch_form(parent: ValidationError, child: ValidationError) -> str | None:
    branches: Any = parent.validator_value
    steps = list(child.relative_schema_path)
    position = steps[0] if steps and isinstance(steps[0], int) else None
    if not isinstance(branches, list) or position is None or position >= len(branches):
        return None
    branch = branches[position]
    name = branch.get(FORM_ANNOTATION) if isinstance(branch, dict) else None
    return str(name) if name else None


def _form_matches(branch_form: str, form: str) -> bool:
    """Whether a branch describes the sent form (``inputs`` matches ``inputs/records``)."""
    return branch_form == form or form.startswith(branch_form + "/")


def find_best_deep_match(error: ValidationError, form: str | None = None) -> ValidationError:
    """Descend into ``anyOf``/``oneOf`` context to the most specific error.

    A heuristic, as check-jsonschema's: at each level the errors of the branch
    annotated with the form the body was sent in win, then the deepest one.
    """
    while error.context:
        candidates = list(error.context)
        if form:
            preferred = [
                c for c in candidates if _form_matches(_branch_form(error, c) or "\0", form)
            ]
            candidates = preferred or candidates
        error = max(candidates, key=deep_relevance)
    return error


def order(errors: list[ValidationError], form: str | None = None) -> list[ValidationError]:
    """Errors to report, best first.

    The first is jsonschema's `best_match` (a heuristic that may change
    between versions), the rest follow by the same relevance; each error with
    ``anyOf``/``oneOf`` context is replaced by its deep match into the form
    that was sent.
    """
    if not errors:
        return []
    ranked = sorted(errors, key=RELEVANCE, reverse=True)
    best = best_match(errors, key=RELEVANCE)
    top = best
    while top is not None and top.parent is not None:
        top = top.parent
    if top is not None and top in ranked:
        ranked.remove(top)
        ranked.insert(0, top)
    return [find_best_deep_match(e, form) if e.context else e for e in ranked]


__all__ = [
    "DATA_KEYS",
    "EXPECTED_ANNOTATION",
    "FIELD_ANNOTATION",
    "FORM_ANNOTATION",
    "PATTERN_WORDS",
    "RELEVANCE",
    "VOCABULARY_WORDS",
    "ErrorMapper",
    "SchemaIndex",
    "annotate",
    "deep_relevance",
    "field_details",
    "find_best_deep_match",
    "order",
    "short_got",
]
