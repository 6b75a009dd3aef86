"""The converter of the dialect down-conversion (see `sig2jsonschema._export.dialects.convert`).

Why one pass over the tree with a feature table per target (`targets`): each
feature a target lacks has one rewrite (`rewrites`); this module walks the tree,
follows references and applies them.  Where the rewrite is exact (``if/then/else`` as
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
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import escape_pointer_token

from .rewrites import NEGATED_NOTE, KeywordRewrites, add_all, json_equal
from .targets import TARGETS, Target
from .tree import (
    EXTENSION_MAP_KEYWORDS,
    LIST_KEYWORDS,
    MAP_KEYWORDS,
    SCHEMA_KEYWORDS,
    Loss,
    child_schemas,
    component_name,
    resolve_pointer,
)
from .unevaluated import Analysis

if TYPE_CHECKING:
    from .tree import Dialect, Effect


class Converter(KeywordRewrites):
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
        text = consequence + (NEGATED_NOTE if negated else "")
        entry = Loss(pointer=pointer, keyword=keyword, consequence=text, effect=effect)
        if entry not in self.losses:
            self.losses.append(entry)

    def _scan(self, node: Any, pointer: str) -> None:
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
            if not isinstance(ref, str):
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
            if key in EXTENSION_MAP_KEYWORDS and isinstance(sub, list):
                out[key] = [
                    {**e, "schema": self.node(e["schema"], f"{here}/{i}/schema", negated=negated)}
                    if isinstance(e, dict) and "schema" in e
                    else copy.deepcopy(e)
                    for i, e in enumerate(sub)
                ]
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
                    add_all(out, {"maxProperties": 0})
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
                add_all(out, {"not": {}})
        self._types(out, here, negated)
        self._format(out, here, negated)
        if t.openapi30:
            self._openapi30_annotations(out, here)
        if t.content_assertions:
            for key in ("contentEncoding", "contentMediaType"):
                if key in out:
                    out[f"x-{key}"] = out.pop(key)
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
    """Run a whole conversion (see `sig2jsonschema._export.dialects.convert.to_dialect`)."""
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
