"""The frozen signature model: MLflow's type system as plain values.

The classes mirror MLflow's own names (``DataType.long``, ``Array``, ``Object``,
``Property``, ``Map``, ``AnyType``, ``ColSpec``, ``TensorSpec``, ``ParamSpec``)
so that messages echo the words users wrote in their signatures.  Nothing
here parses or validates: `sig2jsonschema._signature.serialized` builds these values from
MLflow's serialized form and is the only place that may reject one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class DataType(enum.Enum):
    """MLflow's eight scalar column types, with MLflow's enum values."""

    boolean = 1
    integer = 2
    long = 3
    float = 4
    double = 5
    string = 6
    binary = 7
    datetime = 8

    # Members are singletons, equal only to themselves: hashed by identity, in C,
    # the dict and set lookups keyed by a type skip Enum's ``__hash__``, a Python
    # call (it hashes the name) on every body that meets one.
    __hash__ = object.__hash__

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Array:
    """``{"type": "array", "items": ...}``: a list whose elements share one type."""

    items: ColType

    def __str__(self) -> str:
        return f"Array({self.items})"


@dataclass(frozen=True)
class Property:
    """One property of an `Object`; ``required`` defaults to true in MLflow."""

    name: str
    type: ColType
    required: bool = True


@dataclass(frozen=True)
class Object:
    """``{"type": "object", "properties": ...}``; properties sorted by name."""

    properties: tuple[Property, ...]

    def __str__(self) -> str:
        inner = ", ".join(
            f"{p.name}: {p.type}{'' if p.required else ' (optional)'}" for p in self.properties
        )
        return f"Object({inner})"


@dataclass(frozen=True)
class Map:
    """``{"type": "map", "values": ...}``: string keys, values of one type."""

    values: ColType

    def __str__(self) -> str:
        return f"Map(str -> {self.values})"


@dataclass(frozen=True)
class AnyType:
    """``{"type": "any"}``: anything, never checked by MLflow."""

    def __str__(self) -> str:
        return "Any"


@dataclass(frozen=True)
class SparkMLVector:
    """``{"type": "sparkml_vector"}``: enforced by MLflow like ``Array(double)``."""

    def __str__(self) -> str:
        return "SparkMLVector"


ColType = DataType | Array | Object | Map | AnyType | SparkMLVector


@dataclass(frozen=True)
class ColSpec:
    """One column of a column-based schema.

    ``required`` keeps MLflow's raw value: ``None`` is what MLflow stores for a
    complex column written without ``required`` (it behaves as optional and is
    re-serialized as ``null``), so the round trip stays exact.
    """

    type: ColType
    name: str | None = None
    required: bool | None = True

    @property
    def is_required(self) -> bool:
        """Whether MLflow treats the column as required (``None`` is falsy)."""
        return bool(self.required)


@dataclass(frozen=True)
class TensorSpec:
    """One tensor: a normalized numpy dtype name and a shape (-1: any size)."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    @property
    def is_required(self) -> bool:
        """Tensors are always required."""
        return True


@dataclass(frozen=True)
class Schema:
    """An input or output schema: all `ColSpec` or all `TensorSpec`."""

    specs: tuple[ColSpec, ...] | tuple[TensorSpec, ...]

    @property
    def is_tensor(self) -> bool:
        """Whether this is a tensor-based schema."""
        return isinstance(self.specs[0], TensorSpec)

    @property
    def has_names(self) -> bool:
        """Whether the specs are named (MLflow forbids mixing)."""
        return self.specs[0].name is not None

    @property
    def columns(self) -> tuple[ColSpec, ...]:
        """The column specs (empty for a tensor schema)."""
        return tuple(s for s in self.specs if isinstance(s, ColSpec))

    @property
    def tensors(self) -> tuple[TensorSpec, ...]:
        """The tensor specs (empty for a column schema)."""
        return tuple(s for s in self.specs if isinstance(s, TensorSpec))

    def names(self) -> list[str]:
        """Input names, or positional indexes as text for unnamed specs."""
        specs: tuple[ColSpec | TensorSpec, ...] = self.specs
        return [s.name if s.name is not None else str(i) for i, s in enumerate(specs)]


@dataclass(frozen=True)
class ParamSpec:
    """One inference parameter: ``shape`` is ``None`` (scalar/object) or ``(-1,)``.

    ``default`` is already normalized the way MLflow normalizes it (a ``double``
    default of ``1`` is ``1.0``, datetimes re-serialized with ``isoformat``).
    """

    name: str
    type: DataType | Object
    default: Any = field(hash=False)
    shape: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ParamSchema:
    """The ``params`` part of a signature."""

    params: tuple[ParamSpec, ...]

    def get(self, name: str) -> ParamSpec | None:
        """The param called ``name``, if declared."""
        for p in self.params:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True)
class Signature:
    """A whole MLflow model signature.

    ``from_type_hint`` is the MLmodel flag ``is_signature_from_type_hint``:
    such models accept only the ``inputs`` request key.  ``mlflow_version``
    is the release that saved the model (the MLmodel's ``mlflow_version``),
    when the signature was read from one: it picks the default release to
    judge for, and is not part of the signature's identity.
    """

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: ParamSchema | None = None
    from_type_hint: bool = False
    mlflow_version: str | None = field(default=None, compare=False)


def field_name(part: str, spec: ColSpec | TensorSpec | ParamSpec, index: int) -> str:
    """The signature field of a top-level spec: ``inputs['age']`` or ``inputs[2]``."""
    name = spec.name
    if name is None:
        return f"{part}[{index}]"
    return f"{part}[{name!r}]"


def describe_type(t: ColType | str) -> str:
    """A short human description of a column type, in MLflow's words."""
    return str(t)


__all__ = [
    "AnyType",
    "Array",
    "ColSpec",
    "ColType",
    "DataType",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "Signature",
    "SparkMLVector",
    "TensorSpec",
    "describe_type",
    "field_name",
]
