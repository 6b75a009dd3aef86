"""Request params on the fast path: the strict schema judges, MLflow's rules convert.

A ``params`` object is small, so the fast path does not re-implement its
rules: it validates it against the ``params`` part of the exported strict
request schema (python-jsonschema, our vocabulary, microseconds), then runs
the emulator's own `enforce_params`, which fills defaults and converts values
exactly as MLflow does.  Any schema error, rejection or conversion warning
ends the fast path (`Bail`): the reference path then reports it.  A body
without ``params`` costs nothing beyond the defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Bail

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

    from .base import Ctx


class ParamsPlan:
    """The params part of a fast plan (the validator is built on first use)."""

    def __init__(self, signature: Signature, schema: dict[str, Any] | None) -> None:
        self._signature = signature
        self._schema = schema
        self._validator: Any = None

    def _params_validator(self) -> Any:
        if self._validator is None:
            schema = self._schema
            if schema is None:
                from sig2jsonschema._export.to_schema import to_jsonschema

                schema = to_jsonschema(self._signature, part="request", mode="strict")
            if "params" not in schema.get("$defs", {}):
                raise Bail
            # Validate the ``params`` definition inside the whole document, so
            # its ``$ref``s resolve as they do in the full schema.
            sub = {k: v for k, v in schema.items() if k in {"$schema", "$id", "$defs"}}
            sub["$ref"] = "#/$defs/params"
            from sig2jsonschema._export.vocabulary import validator_for

            self._validator = validator_for(sub)
        return self._validator

    def check(self, body: dict[str, Any], ctx: Ctx) -> dict[str, Any] | None:
        """The params dict ``predict`` gets for ``body`` (its ``params`` member).

        Raises:
            Bail: the params are not certainly valid and unchanged by MLflow.
        """
        from sig2jsonschema._emulator.outcome import WarningSink
        from sig2jsonschema._emulator.params import enforce_params
        from sig2jsonschema._payload.refusal import Rejection

        present = "params" in body
        params = body.get("params")
        if present:
            if ctx.census is not None:
                ctx.census.walk(params)
            if not self._params_validator().is_valid(params):
                raise Bail
        if present and not ctx.trusted:
            import copy

            params = copy.deepcopy(params)  # MLflow's rules may keep parts of it
        sink = WarningSink()
        try:
            out = enforce_params(
                params, self._signature.params, pointer="/params", sink=sink, from_body=True
            )
        except Rejection:
            raise Bail from None
        if sink.items:
            raise Bail
        return out


__all__ = ["ParamsPlan"]
