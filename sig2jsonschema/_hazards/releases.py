"""Body elements that one supported MLflow release mishandles, read from the release table.

The strict contract is one contract for every supported release: a body it
accepts must be served, and reach the model unchanged, by each of them.  Where
a release mishandles an element the others serve (`sig2jsonschema._releases.table`),
the strict schema leaves that element out, and ``check`` warns that it breaks
on the releases named here.  Nothing here spells a version: the answers come
from the `Release` rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sig2jsonschema._releases.table import RELEASES
from sig2jsonschema._signature.types import DataType

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature


def split_index_breaks(signature: Signature) -> tuple[str, ...]:
    """Releases on which a ``dataframe_split`` ``index`` does not reach the model.

    A column signature with an array, object, map or ``any`` column loses the
    index (reset, or rows misaligned and NaN-padded) on a release that builds
    those columns without it (`Release.complex_columns_drop_index`).
    """
    inputs = signature.inputs
    if inputs is None or inputs.is_tensor:
        return ()
    if all(isinstance(c.type, DataType) for c in inputs.columns):
        return ()
    return tuple(r.line for r in RELEASES.values() if r.complex_columns_drop_index)


def tensor_index_without_zero_breaks(signature: Signature) -> tuple[str, ...]:
    """Releases on which a tensor ``dataframe_split`` whose ``index`` lacks 0 is refused.

    They read the first cell by the label 0 rather than by position
    (`Release.tensor_first_value_by_position`) when the cells are lists (one
    column per tensor); rows of leaves are not affected, but the strict
    contract asks for the label 0 in every tensor frame (simpler, and safe).
    """
    inputs = signature.inputs
    if inputs is None or not inputs.is_tensor:
        return ()
    return tuple(r.line for r in RELEASES.values() if not r.tensor_first_value_by_position)


def strict_releases() -> tuple[str, ...]:
    """The releases a strict export is safe for: every supported one."""
    return tuple(RELEASES)


__all__ = ["split_index_breaks", "strict_releases", "tensor_index_without_zero_breaks"]
