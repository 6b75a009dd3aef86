"""The keyword-by-keyword rules of the dialect down-conversion (see `sig2jsonschema._dialects`).

Why one pass over the tree with a feature table per target (`_dialect_targets`): each
feature a target lacks has one rewrite.  Where the rewrite is exact (``if/then/else`` as
``anyOf``, ``contains`` as ``not``/``items``, ``const`` as a one-value ``enum``,
``dependentSchemas`` as ``dependencies`` or ``anyOf``, tuple ``items``) nothing is reported;
where it is not, the converter keeps the closest constraint and records a `Loss`.

Approximations respect *polarity*.  A subschema under ``not`` (or an ``if`` condition,
which is used both as is and negated) must be narrowed, not widened, or the whole schema
would start rejecting bodies the original accepts.  So every node is converted knowing
whether it sits in a negated position, ``if``/``oneOf`` subschemas are converted both ways,
and a native ``if``/``oneOf`` is expanded into ``anyOf`` whenever the two readings differ.
The result therefore always accepts at least what the original accepts (except where
draft-04 itself reads ``integer`` more narrowly, reported as ``rejects-more``).
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from ._dialect_targets import FORMATS_2020, LEGACY_ASSERTIONS, OAS30_KEYWORDS, TARGETS, Target
from ._dialect_unevaluated import Analysis
from ._dialects import (
    EXTENSION_MAP_KEYWORDS,
    LIST_KEYWORDS,
    MAP_KEYWORDS,
    SCHEMA_KEYWORDS,
    Loss,
    component_name,
    resolve_pointer,
)
from .exceptions import escape_pointer_token

if TYPE_CHECKING:
    from ._dialects import Dialect, Effect

_NEGATED = " (in a negated position, so it is read narrowly instead)"


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


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _add_all(out: dict[str, Any], schema: Any) -> None:
    out.setdefault("allOf", []).append(schema)


def _add_any(out: dict[str, Any], alternatives: list[Any]) -> None:
    if "anyOf" in out:
        _add_all(out, {"anyOf": alternatives})
    else:
        out["anyOf"] = alternatives


def _both(first: Any, second: Any) -> dict[str, Any]:
    """``allOf: [first, second]``, merged into ``second``'s own ``allOf`` when it is one."""
    if isinstance(second, dict) and set(second) == {"allOf"}:
        return {"allOf": [first, *second["allOf"]]}
    return {"allOf": [first, second]}


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


class Converter:
    """One conversion: the source tree, the target, and the losses found on the way."""

    def __init__(self, root: Any, target: Target, embed: tuple[str, str] | None) -> None:
        self.root = root
        self.target = target
        #: ``(component prefix, root component name)`` inside an OpenAPI document, else None.
        self.embed = embed
        self.losses: list[Loss] = []
        self.analysis = Analysis(root)
        self.base = root.get("$id") if isinstance(root, dict) else None
        self.anchors: dict[str, list[str]] = {}
        self._inlining: list[str] = []
        self._def_exact: dict[str, bool] = {}
        self._scan(root, "")

    def lose(
        self,
        pointer: str,
        keyword: str,
        consequence: str,
        *,
        negated: bool = False,
        effect: Effect = "accepts-more",
    ) -> None:
        """Record one loss (once per place, keyword and consequence)."""
        text = consequence + (_NEGATED if negated else "")
        entry = Loss(pointer=pointer, keyword=keyword, consequence=text, effect=effect)
        if entry not in self.losses:
            self.losses.append(entry)

    def _scan(self, node: Any, pointer: str) -> None:
        from ._dialects import child_schemas

        if not isinstance(node, dict):
            return
        for keyword in ("$anchor", "$dynamicAnchor"):
            if isinstance(node.get(keyword), str):
                self.anchors.setdefault(node[keyword], []).append(pointer)
        for _, here, sub in child_schemas(node, pointer):
            self._scan(sub, here)

    # -- references ----------------------------------------------------------------------

    def _classify(self, ref: str) -> tuple[str, str | None]:
        """``(kind, pointer)`` of a reference: root, def, anchor, pointer or external."""
        if self.base and ref.startswith(self.base):
            ref = ref[len(self.base) :] or "#"
        if not ref.startswith("#"):
            return "external", None
        fragment = ref[1:]
        if fragment in {"", "/"}:
            return "root", ""
        if not fragment.startswith("/"):
            pointers = self.anchors.get(fragment, [])
            return ("anchor", pointers[0]) if pointers else ("external", None)
        parts = fragment.split("/")
        if len(parts) == 3 and parts[1] in {"$defs", "definitions"}:
            return "def", fragment
        return "pointer", fragment

    def _exact(self, pointer: str) -> bool:
        """Whether the subschema at ``pointer`` converts without loss (then polarity is moot)."""
        if pointer not in self._def_exact:
            self._def_exact[pointer] = True  # assume so while recursing into itself
            probe = Converter(self.root, self.target, self.embed)
            probe._def_exact = self._def_exact  # one cache for the whole run
            probe.node(resolve_pointer(self.root, pointer), pointer)
            self._def_exact[pointer] = not probe.losses
        return self._def_exact[pointer]

    def _new_ref(self, kind: str, pointer: str | None, negated: bool) -> str | None:
        """The rewritten reference, or None when the target must be inlined instead."""
        t = self.target
        if kind == "root" and (not negated or self._exact("")):
            if self.embed:
                return f"#/components/schemas/{self.embed[1]}"
            return None if t.inline_refs else "#"
        if kind == "def" and pointer is not None and (not negated or self._exact(pointer)):
            name = pointer.split("/")[2].replace("~1", "/").replace("~0", "~")
            if self.embed:
                return f"#/components/schemas/{component_name(self.embed[0], name)}"
            return None if t.inline_refs else f"#/{t.defs_keyword}/{escape_pointer_token(name)}"
        return None

    def _inline(self, pointer: str, at: str, negated: bool) -> Any:
        if pointer in self._inlining:
            self.lose(
                at,
                "$ref",
                f"the recursive reference to #{pointer} cannot be inlined in {self.target.name};"
                " the recursive part is not checked",
            )
            return {"not": {}} if negated else {}
        self._inlining.append(pointer)
        try:
            return self.node(resolve_pointer(self.root, pointer), pointer, negated=negated)
        finally:
            self._inlining.pop()

    def _references(self, out: dict[str, Any], pointer: str, negated: bool) -> Any:
        """Rewrite ``$ref``/``$dynamicRef``; return the inlined target when inlining."""
        for keyword in ("$ref", "$dynamicRef"):
            ref = out.get(keyword)
            if not isinstance(ref, str) or (keyword == "$dynamicRef" and self._keeps_dynamic()):
                continue
            kind, target = self._classify(ref)
            if keyword == "$dynamicRef" and len(self.anchors.get(ref.lstrip("#"), [])) > 1:
                self.lose(
                    f"{pointer}/$dynamicRef",
                    "$dynamicRef",
                    f"{self.target.name} has no dynamic references: {ref} is resolved "
                    "statically to its first anchor, whatever the dynamic scope",
                )
            if kind == "external":
                out["$ref"] = out.pop(keyword)
                continue
            new = self._new_ref(kind, target, negated)
            del out[keyword]
            if new is not None:
                out["$ref"] = new
            elif target is not None:
                return self._inline(target, f"{pointer}/{keyword}", negated)
        return None

    def _keeps_dynamic(self) -> bool:
        return False  # no target resolves $dynamicRef once definitions have moved

    # -- the pass ------------------------------------------------------------------------

    def node(
        self, value: Any, pointer: str, *, negated: bool = False, bool_ok: bool = False
    ) -> Any:
        """Convert one schema (``pointer`` locates it in the source)."""
        t = self.target
        if isinstance(value, bool):
            if t.bool_schemas or bool_ok:
                return value
            return {} if value else {"not": {}}
        if not isinstance(value, dict):
            return copy.deepcopy(value)
        out: dict[str, Any] = {}
        flipped: dict[str, Any] = {}  # "if"/"oneOf" converted for the opposite polarity
        for key, sub in value.items():
            here = f"{pointer}/{escape_pointer_token(key)}"
            if key in EXTENSION_MAP_KEYWORDS and isinstance(sub, dict):
                out[key] = {
                    k: self.node(s, f"{here}/{escape_pointer_token(k)}", negated=negated)
                    for k, s in sub.items()
                }
            elif key.startswith("x-"):
                out[key] = copy.deepcopy(sub)
            elif key == "not":
                out[key] = self.node(sub, here, negated=not negated)
            elif key == "if":
                out[key] = self.node(sub, here, negated=negated)
                flipped[key] = self.node(sub, here, negated=not negated)
            elif key == "oneOf" and isinstance(sub, list):
                out[key] = [self.node(s, f"{here}/{i}", negated=negated) for i, s in enumerate(sub)]
                flipped[key] = [
                    self.node(s, f"{here}/{i}", negated=not negated) for i, s in enumerate(sub)
                ]
            elif key == "items" and isinstance(sub, list):
                out[key] = [self.node(s, f"{here}/{i}", negated=negated) for i, s in enumerate(sub)]
            elif key in SCHEMA_KEYWORDS:
                keeps_bool = key in {
                    "additionalProperties",
                    "additionalItems",
                    "unevaluatedProperties",  # becomes additionalProperties
                } or (key == "items" and "prefixItems" in value)
                out[key] = self.node(sub, here, negated=negated, bool_ok=keeps_bool)
            elif key in MAP_KEYWORDS and isinstance(sub, dict):
                out[key] = {
                    k: self.node(s, f"{here}/{escape_pointer_token(k)}", negated=negated)
                    for k, s in sub.items()
                }
            elif key in LIST_KEYWORDS and isinstance(sub, list):
                out[key] = [self.node(s, f"{here}/{i}", negated=negated) for i, s in enumerate(sub)]
            elif key == "dependencies" and isinstance(sub, dict):
                out[key] = {
                    k: list(s)
                    if isinstance(s, list)
                    else self.node(s, f"{here}/{k}", negated=negated)
                    for k, s in sub.items()
                }
            else:
                out[key] = copy.deepcopy(sub)
        inlined = self._references(out, pointer, negated)
        self._rewrite(out, value, pointer, negated, flipped)
        if inlined is not None:
            if not out:
                return inlined
            out.setdefault("allOf", []).insert(0, inlined)
        return out

    def _rewrite(
        self,
        out: dict[str, Any],
        source: dict[str, Any],
        here: str,
        negated: bool,
        flipped: dict[str, Any],
    ) -> None:
        """Apply every rewrite the target needs to one converted schema object."""
        t = self.target
        self._identifiers(out, here)
        if not t.unevaluated:
            self._unevaluated_properties(out, source, here, negated)
            self._unevaluated_items(out, source, here, negated)
        self._items(out, here, negated)
        self._contains(out, here, negated)
        self._dependent(out)
        if not t.const and "const" in out:
            value = out.pop("const")
            if "enum" in out:
                kept = [v for v in out.pop("enum") if json_equal(v, value)]
                out["enum"] = [value] if kept else []
            else:
                out["enum"] = [value]
        self._conditionals(out, flipped)
        self._one_of(out, flipped)
        if t.exclusive != "number":
            self._exclusive_bounds(out, t.exclusive)
        if not t.property_names and "propertyNames" in out:
            names = out.pop("propertyNames")
            if names not in (True, {}):
                if negated:
                    _add_all(out, {"maxProperties": 0})
                self.lose(
                    f"{here}/propertyNames",
                    "propertyNames",
                    f"{t.name} has no propertyNames: property names are not checked",
                    negated=negated,
                )
        if not t.pattern_properties and "patternProperties" in out:
            self._pattern_properties(out, here, negated)
        if not t.bool_schemas:  # draft-04 and OpenAPI 3.0 want these arrays non-empty
            if out.get("required") == []:
                del out["required"]
            if out.get("enum") == []:
                del out["enum"]
                _add_all(out, {"not": {}})
        self._types(out, here, negated)
        self._format(out, here, negated)
        if t.openapi30:
            self._openapi30_annotations(out, here)
        if "$ref" in out and not t.ref_siblings:
            siblings = [k for k in out if k not in {"$ref", "$defs", "definitions"}]
            if siblings:
                out.setdefault("allOf", []).insert(0, {"$ref": out.pop("$ref")})

    def _identifiers(self, out: dict[str, Any], pointer: str) -> None:
        t = self.target
        for key in ("$schema", "$vocabulary", "$anchor", "$dynamicAnchor"):
            out.pop(key, None)  # anchors: every reference to one is inlined
        if "$id" in out:
            ident = out.pop("$id")
            if t.id_keyword and not self.embed:
                out[t.id_keyword] = ident
        for key in ("$defs", "definitions"):
            if key not in out:
                continue
            defs = out.pop(key)
            if pointer == "" and self.embed:
                out.setdefault("$defs", {}).update(defs)
            elif not t.inline_refs:
                out.setdefault(t.defs_keyword, {}).update(defs)

    def _unevaluated_properties(
        self, out: dict[str, Any], source: dict[str, Any], here: str, negated: bool
    ) -> None:
        if "unevaluatedProperties" not in out:
            return
        rest = out.pop("unevaluatedProperties")
        at = f"{here}/unevaluatedProperties"
        shape = {k: v for k, v in source.items() if k != "unevaluatedProperties"}
        always, maybe = self.analysis.props(shape)
        if always.all:
            return  # exact: every property is evaluated already
        loose = sorted(n for n in maybe.names if not always.covers(n))
        loose += sorted(p for p in maybe.patterns if p not in always.patterns)
        if maybe.all and not negated:
            self.lose(
                at,
                "unevaluatedProperties",
                f"{self.target.name} has no unevaluatedProperties; it applied only where no "
                "branch with additionalProperties passed, and is dropped",
            )
            return
        names, patterns = always.names, always.patterns
        if not negated:
            names, patterns = names | maybe.names, patterns | maybe.patterns
        for name in sorted(names - set(out.get("properties", {}))):
            out.setdefault("properties", {})[name] = True if self.target.bool_schemas else {}
        for pattern in sorted(patterns - set(out.get("patternProperties", {}))):
            out.setdefault("patternProperties", {})[pattern] = {}
        out["additionalProperties"] = rest
        if loose or maybe.all:
            self.lose(
                at,
                "unevaluatedProperties",
                f"{self.target.name} has no unevaluatedProperties: properties that only some "
                f"branches declare ({', '.join(loose) or 'any'}) are accepted whichever "
                "branch applies",
                negated=negated,
            )

    def _unevaluated_items(
        self, out: dict[str, Any], source: dict[str, Any], here: str, negated: bool
    ) -> None:
        if "unevaluatedItems" not in out:
            return
        rest = out.pop("unevaluatedItems")
        at = f"{here}/unevaluatedItems"
        shape = {k: v for k, v in source.items() if k != "unevaluatedItems"}
        always, maybe = self.analysis.items(shape, here)
        if always.all:
            return
        if maybe.all and not negated:
            self.lose(
                at,
                "unevaluatedItems",
                f"{self.target.name} has no unevaluatedItems; it applied only where no "
                "branch with items passed, and is dropped",
            )
            return
        length = always.prefix if negated else max(always.prefix, maybe.prefix)
        prefix = list(out.get("prefixItems", []))
        prefix += [True if self.target.bool_schemas else {}] * (length - len(prefix))
        if prefix:
            out["prefixItems"] = prefix
        matched = always.contains if negated else always.contains + maybe.contains
        if matched and rest is not True:
            # Elements a ``contains`` matches are evaluated: they may take its schema instead.
            extra = [self.node(s, p, negated=negated) for p, s in matched]
            rest = {"anyOf": [{"not": {}} if rest is False else rest, *extra]}
        out["items"] = rest
        if maybe.prefix > always.prefix or maybe.all or maybe.contains:
            self.lose(
                at,
                "unevaluatedItems",
                f"{self.target.name} has no unevaluatedItems: array positions that only some "
                "branches evaluate take any value whichever branch applies",
                negated=negated,
            )

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
        unique = list({_key(o): o for o in options}.values())
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
                    _add_all(out, {"items": copy.deepcopy(out["contains"]), "minItems": least})
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
            _add_all(out, {"not": {"type": "array", "items": {"not": inner}}})

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
            _add_all(out, {"anyOf": [absent, sub]})

    def _conditionals(self, out: dict[str, Any], flipped: dict[str, Any]) -> None:
        if "if" not in out:
            out.pop("then", None)  # exact: without "if", then/else assert nothing
            out.pop("else", None)
            return
        same = _key(out["if"]) == _key(flipped["if"])
        if self.target.conditionals and same:
            return
        cond, negative = out.pop("if"), flipped["if"]
        then, other = out.pop("then", None), out.pop("else", None)
        if then is None and other is None:
            return  # exact: an "if" alone asserts nothing
        if other is None:
            _add_any(out, [{"not": negative}, then])
        elif then is None:
            _add_any(out, [cond, other])
        else:
            # An else-if chain (the request schemas dispatch on the envelope key this way)
            # becomes one flat anyOf: not A and (B and Y or not B and Z) is
            # (not A and B and Y) or (not A and not B and Z).
            rest = other["anyOf"] if set(other) == {"anyOf"} else [other]
            _add_any(
                out,
                [_both(cond, then), *(_both({"not": copy.deepcopy(negative)}, r) for r in rest)],
            )

    def _one_of(self, out: dict[str, Any], flipped: dict[str, Any]) -> None:
        if "oneOf" not in out or _key(out["oneOf"]) == _key(flipped["oneOf"]):
            return
        # Exactly one: branch i passes and every other fails (read narrowly, as negated).
        same, negative = out.pop("oneOf"), flipped["oneOf"]
        _add_any(
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
                _add_all(out, {"not": {"enum": [bound]}})

    def _pattern_properties(self, out: dict[str, Any], here: str, negated: bool) -> None:
        patterns: dict[str, Any] = out.pop("patternProperties")
        checks = {p: s for p, s in patterns.items() if s not in (True, {})}
        for name, sub in out.get("properties", {}).items():  # exact for declared names
            extra = [s for p, s in checks.items() if _matches(p, name)]
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
                _add_all(out, {"not": {}})
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
            _add_any(out, branches)
        if out.get("type") == "array" and "items" not in out:
            out["items"] = {}

    def _format(self, out: dict[str, Any], here: str, negated: bool) -> None:
        formats = self.target.formats
        name = out.get("format")
        if formats is None or not isinstance(name, str):
            return
        if name in FORMATS_2020 and name not in formats:
            if negated:
                _add_all(out, {"not": {"type": "string"}})
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


#: Keys shown first, in this order (the rest keep their order; definitions go last).
_LEADING = ("$schema", "$id", "id", "$ref", "title", "description", "type", "nullable")


def _tidy(node: Any) -> Any:
    """Put identifying keys first and definitions last in every schema (readability only).

    Only schema objects are reordered; property maps and values (``enum``, ``default``,
    ``x-`` annotations) keep their order.
    """
    if not isinstance(node, dict):
        return node
    head = [k for k in _LEADING if k in node]
    tail = [k for k in ("$defs", "definitions") if k in node]
    middle = [k for k in node if k not in head and k not in tail]
    out: dict[str, Any] = {}
    for key in (*head, *middle, *tail):
        value = node[key]
        if key.startswith("x-"):
            out[key] = value
        elif key in MAP_KEYWORDS and isinstance(value, dict):
            out[key] = {k: _tidy(v) for k, v in value.items()}
        elif (key in LIST_KEYWORDS or key == "items") and isinstance(value, list):
            out[key] = [_tidy(v) for v in value]
        elif key in SCHEMA_KEYWORDS:
            out[key] = _tidy(value)
        elif key == "dependencies" and isinstance(value, dict):
            out[key] = {k: v if isinstance(v, list) else _tidy(v) for k, v in value.items()}
        else:
            out[key] = value
    return out


def convert(
    schema: Any, dialect: Dialect, *, embed: tuple[str, str] | None
) -> tuple[Any, list[Loss]]:
    """Run a whole conversion (see `sig2jsonschema._dialects.to_dialect`)."""
    if dialect == "2020-12" and embed is None:
        return copy.deepcopy(schema), []
    # Inside an OpenAPI 3.1 document, draft-04 Schema Objects keep to what draft-04 and
    # 2020-12 read alike (IBM DataPower reads them as draft-04, other tools as 2020-12).
    name = {"2020-12": "openapi-3.1", "draft-04": "draft-04-in-3.1" if embed else "draft-04"}
    target = TARGETS[name.get(dialect, dialect)]
    converter = Converter(schema, target, embed)
    out = _tidy(converter.node(schema, ""))
    if isinstance(out, dict) and target.schema_uri and embed is None:
        out = {"$schema": target.schema_uri, **out}
    return out, converter.losses


__all__ = ["Converter", "convert", "json_equal"]
