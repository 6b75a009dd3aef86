"""From a ``jsonschema.ValidationError`` to a `PayloadError` a person understands.

Three jobs, one module each:

* **where** (`sig2jsonschema._validate.schema_index`): the RFC 6901 pointer into the
  body (``error.absolute_path``) and the signature field, read from the
  nearest ``x-mlflow-field`` annotation along the error's schema path;
* **what** (`sig2jsonschema._validate.words`): "expected X, got Y" in words,
  built only from the schema and the instance, so a redacted error holds no
  payload value;
* **which first** (`sig2jsonschema._validate.ranking`): jsonschema's relevance
  plus a deep match into the form the client sent.

`ErrorMapper` puts the three together, one keyword at a time: ``required``
and unknown members get one error per member at its own pointer, ``false``
subschemas name the member they refused.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.types import ColSpec, Signature, TensorSpec, field_name
from sig2jsonschema.exceptions import PayloadError, to_pointer

from .schema_index import FIELD_ANNOTATION, SchemaIndex, has_step
from .words import expected_words, items_words, short_got

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jsonschema.exceptions import ValidationError

#: Envelope keys (a body holds exactly one of them).
DATA_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")

_NO_ROOT: Any = object()


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
        if has_step(node, step):
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
        """The signature field along the error's schema path ("" when none).

        Wide row objects check the values of their most common column type with
        one shared, unannotated definition (`sig2jsonschema._export.column_forms`):
        there the column is the body's key on the error's path.
        """
        value = self.index.annotation(error.absolute_schema_path, FIELD_ANNOTATION)
        if value:
            return str(value)
        if "additionalProperties" in error.absolute_schema_path:
            for step in error.absolute_path:
                if isinstance(step, str) and step in self.column_fields:
                    return self.column_fields[step]
        return ""

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
        return expected_words(error, self._tensor_dimension)

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
        return f"{items_words(size)} along dimension {dimension} of the tensor shape ({shape})"


__all__ = ["DATA_KEYS", "ErrorMapper", "annotate", "field_details"]
