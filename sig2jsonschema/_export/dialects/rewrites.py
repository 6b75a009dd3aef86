"""The keyword rewrites of the dialect down-conversion, one method per missing feature.

Why a separate module: `sig2jsonschema._export.dialects.walker` walks the tree, follows references
and tracks polarity; the rewrites here each take one converted schema object and spell one
2020-12 feature the way the target can (or record the loss).  ``negated`` tells a rewrite
that its schema sits in a negated position, where an approximation must narrow instead of
widen (see `sig2jsonschema._export.dialects.walker`).
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from .targets import FORMATS_2020, LEGACY_ASSERTIONS, OAS30_KEYWORDS

if TYPE_CHECKING:
    from .targets import Target
    from .tree import Effect

#: Appended to a loss found in a negated position (where approximations narrow).
NEGATED_NOTE = " (in a negated position, so it is read narrowly instead)"


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1 (unlike Python's ``==``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def add_all(out: dict[str, Any], schema: Any) -> None:
    out.setdefault("allOf", []).append(schema)


def add_any(out: dict[str, Any], alternatives: list[Any]) -> None:
    if "anyOf" in out:
        add_all(out, {"anyOf": alternatives})
    else:
        out["anyOf"] = alternatives


def both(first: Any, second: Any) -> dict[str, Any]:
    """``allOf: [first, second]``, merged into ``second``'s own ``allOf`` when it is one."""
    if isinstance(second, dict) and set(second) == {"allOf"}:
        return {"allOf": [first, *second["allOf"]]}
    return {"allOf": [first, second]}


def matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


class KeywordRewrites:
    """Rewrites of single keywords; mixed into the converter (`walker.Converter`)."""

    target: Target

    def lose(
        self,
        pointer: str,
        keyword: str,
        consequence: str,
        *,
        negated: bool = False,
        effect: Effect = "accepts-more",
    ) -> None:
        """Record one loss (the converter keeps the report)."""
        raise NotImplementedError

    def _items(self, out: dict[str, Any], here: str, negated: bool) -> None:
        if "prefixItems" not in out or self.target.items == "prefix":
            return
        prefix = out.pop("prefixItems")
        rest = out.pop("items", None)
        longest = out.get("maxItems")
        if rest is None and isinstance(longest, int) and longest <= len(prefix):
            rest = False  # exact: maxItems leaves no position after the prefix
        if self.target.items == "tuple":
            out["items"] = prefix
            if rest is not None:
                out["additionalItems"] = rest
            return
        # OpenAPI 3.0: one schema for every element.
        options = [{} if p is True else p for p in prefix]
        if rest is False:
            out["maxItems"] = min(out.get("maxItems", len(prefix)), len(prefix))
        elif rest is not None and rest is not True:
            options.append(rest)
        unique = list({json_key(o): o for o in options}.values())
        exact = len(unique) == 1 and (rest is False or rest == unique[0] or unique[0] == {})
        if negated:  # narrow: every element must satisfy every positional schema
            out["items"] = unique[0] if len(unique) == 1 else {"allOf": unique}
        elif rest is None or rest is True or {} in unique:
            out["items"] = {}
        else:
            out["items"] = unique[0] if len(unique) == 1 else {"anyOf": unique}
        if not exact:
            self.lose(
                f"{here}/prefixItems",
                "prefixItems",
                f"{self.target.name} has no tuple arrays: elements are not checked against the "
                "schema of their own position, only against what all positions share",
                negated=negated,
            )

    def _contains(self, out: dict[str, Any], here: str, negated: bool) -> None:
        t = self.target
        if not t.min_max_contains:
            least = out.pop("minContains", None)
            most = out.pop("maxContains", None)
            if "contains" in out and least == 0:
                del out["contains"]  # exact: zero matches are enough
            elif "contains" in out and isinstance(least, int) and least > 1:
                if negated:
                    add_all(out, {"items": copy.deepcopy(out["contains"]), "minItems": least})
                self.lose(
                    f"{here}/minContains",
                    "minContains",
                    f"{t.name} has no minContains: one matching element is enough, not {least}",
                    negated=negated,
                )
            if "contains" in out and isinstance(most, int):
                if negated:
                    out["maxItems"] = min(out.get("maxItems", most), most)
                self.lose(
                    f"{here}/maxContains",
                    "maxContains",
                    f"{t.name} has no maxContains: any number of elements may match",
                    negated=negated,
                )
        if "contains" in out and not t.contains:
            inner = out.pop("contains")
            add_all(out, {"not": {"type": "array", "items": {"not": inner}}})

    def _dependent(self, out: dict[str, Any]) -> None:
        mode = self.target.dependent
        if mode == "native" or not ({"dependentSchemas", "dependentRequired"} & out.keys()):
            return
        schemas = out.pop("dependentSchemas", {})
        required = {k: v for k, v in out.pop("dependentRequired", {}).items() if v}
        if mode == "dependencies":
            deps = out.setdefault("dependencies", {})
            for name, names in required.items():
                if name in schemas:
                    schemas[name] = {"allOf": [schemas[name], {"required": names}]}
                else:
                    deps[name] = names
            deps.update(schemas)
            if not deps:
                del out["dependencies"]
            return
        for name, sub in [*schemas.items(), *((k, {"required": v}) for k, v in required.items())]:
            absent = {"not": {"type": "object", "required": [name]}}
            add_all(out, {"anyOf": [absent, sub]})

    def _conditionals(self, out: dict[str, Any], flipped: dict[str, Any]) -> None:
        if "if" not in out:
            out.pop("then", None)  # exact: without "if", then/else assert nothing
            out.pop("else", None)
            return
        same = json_key(out["if"]) == json_key(flipped["if"])
        if self.target.conditionals and same:
            return
        cond, negative = out.pop("if"), flipped["if"]
        then, other = out.pop("then", None), out.pop("else", None)
        if then is None and other is None:
            return  # exact: an "if" alone asserts nothing
        if other is None:
            add_any(out, [{"not": negative}, then])
        elif then is None:
            add_any(out, [cond, other])
        else:
            # An else-if chain (the request schemas dispatch on the envelope key this way)
            # becomes one flat anyOf: not A and (B and Y or not B and Z) is
            # (not A and B and Y) or (not A and not B and Z).
            rest = (
                other["anyOf"] if isinstance(other, dict) and set(other) == {"anyOf"} else [other]
            )
            add_any(
                out,
                [both(cond, then), *(both({"not": copy.deepcopy(negative)}, r) for r in rest)],
            )

    def _one_of(self, out: dict[str, Any], flipped: dict[str, Any]) -> None:
        if "oneOf" not in out or json_key(out["oneOf"]) == json_key(flipped["oneOf"]):
            return
        # Exactly one: branch i passes and every other fails (read narrowly, as negated).
        same, negative = out.pop("oneOf"), flipped["oneOf"]
        add_any(
            out,
            [
                {"allOf": [s, *({"not": n} for j, n in enumerate(negative) if j != i)]}
                for i, s in enumerate(same)
            ],
        )

    @staticmethod
    def _exclusive_bounds(out: dict[str, Any], spelling: str) -> None:
        for exclusive, inclusive, sign in (
            ("exclusiveMinimum", "minimum", 1),
            ("exclusiveMaximum", "maximum", -1),
        ):
            bound = out.get(exclusive)
            if bound is None or isinstance(bound, bool):
                continue
            del out[exclusive]
            limit = out.get(inclusive)
            if limit is not None and sign * bound < sign * limit:
                continue  # the inclusive bound is the stricter one and implies the exclusive one
            out[inclusive] = bound
            if spelling == "boolean":
                out[exclusive] = True
            else:  # x > b  <=>  x >= b and x != b (for numbers; others pass both)
                add_all(out, {"not": {"enum": [bound]}})

    def _pattern_properties(self, out: dict[str, Any], here: str, negated: bool) -> None:
        patterns: dict[str, Any] = out.pop("patternProperties")
        checks = {p: s for p, s in patterns.items() if s not in (True, {})}
        for name, sub in out.get("properties", {}).items():  # exact for declared names
            extra = [s for p, s in checks.items() if matches(p, name)]
            if extra:
                out["properties"][name] = {"allOf": [sub, *extra]}
        extra_schema = out.get("additionalProperties", True)
        if not checks and extra_schema in (True, {}):
            return
        options = [{} if s is True else s for s in patterns.values()]
        if extra_schema is not True and extra_schema != {}:
            options.insert(0, {"not": {}} if extra_schema is False else extra_schema)
        if negated:
            out["additionalProperties"] = {"allOf": options} if len(options) > 1 else options[0]
        elif extra_schema not in (True, {}):
            out["additionalProperties"] = {"anyOf": options} if len(options) > 1 else options[0]
        self.lose(
            f"{here}/patternProperties",
            "patternProperties",
            f"{self.target.name} has no patternProperties: properties outside 'properties' are "
            f"not told apart by name ({', '.join(sorted(patterns))})",
            negated=negated,
        )

    def _types(self, out: dict[str, Any], here: str, negated: bool) -> None:
        t = self.target
        kinds = out.get("type")
        names = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
        if (
            not t.fraction_integers
            and "integer" in names
            and "number" not in names
            and out.get("x-mlflow-token") != "integer"  # the export already wants 1, not 1.0
        ):
            self.lose(
                f"{here}/type",
                "type",
                f"{t.name} counts only numbers written without a fraction as integers: "
                f"1.0 is {'accepted' if negated else 'rejected'} here, unlike in 2020-12",
                effect="accepts-more" if negated else "rejects-more",
            )
        if t.type_arrays or kinds is None:
            return
        del out["type"]
        unique = list(dict.fromkeys(names))
        nullable = "null" in unique
        others = [k for k in unique if k != "null"]
        if "number" in others and "integer" in others:
            others.remove("integer")
        if not others:
            out["nullable"] = True
            if "enum" not in out:
                out["enum"] = [None]
            elif not any(v is None for v in out["enum"]):
                del out["enum"]  # only null is allowed, and the enum excludes it
                add_all(out, {"not": {}})
        elif len(others) == 1:
            out["type"] = others[0]
            if nullable:
                out["nullable"] = True
        else:
            branches: list[dict[str, Any]] = [{"type": k} for k in others]
            for branch in branches:
                if branch["type"] == "array":
                    branch["items"] = {}
            if nullable:
                branches[0]["nullable"] = True
            add_any(out, branches)
        if out.get("type") == "array" and "items" not in out:
            out["items"] = {}

    def _format(self, out: dict[str, Any], here: str, negated: bool) -> None:
        formats = self.target.formats
        name = out.get("format")
        if formats is None or not isinstance(name, str):
            return
        if name in FORMATS_2020 and name not in formats:
            if negated:
                add_all(out, {"not": {"type": "string"}})
            self.lose(
                f"{here}/format",
                "format",
                f"{self.target.name} defines no format {name!r}: its validators ignore the "
                "keyword, so values are not checked against it",
                negated=negated,
            )

    def _openapi30_annotations(self, out: dict[str, Any], here: str) -> None:
        examples = out.pop("examples", None)
        if isinstance(examples, list) and examples:
            out.setdefault("example", examples[0])
            if len(examples) > 1:
                out["x-examples"] = examples
        # contentEncoding stays an annotation (x-contentEncoding), not "format: byte": 3.0
        # validators that assert formats refuse the line breaks MLflow writes into base64.
        for key in [k for k in out if k not in OAS30_KEYWORDS and not k.startswith("x-")]:
            if key == "$defs" and here == "":
                continue
            if key in LEGACY_ASSERTIONS:
                self.lose(
                    f"{here}/{key}",
                    key,
                    f"OpenAPI 3.0 has no {key}; it is kept as an x- annotation only",
                )
            out[f"x-{key.lstrip('$')}"] = out.pop(key)


__all__ = [
    "NEGATED_NOTE",
    "KeywordRewrites",
    "add_all",
    "add_any",
    "both",
    "json_equal",
    "json_key",
    "matches",
]
