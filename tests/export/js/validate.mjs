// Validate request bodies against JSON Schemas with Ajv (Draft 2020-12) and print verdicts.
//
// Why: sig2jsonschema promises that its exports mean the same thing outside Python.  The pytest
// driver (tests/test_js_ajv.py) batches every case into ONE input file, runs this script once,
// and compares the verdicts with Python's jsonschema.
//
// Usage: node validate.mjs INPUT.json > OUTPUT.json
//
// INPUT:  {"vocabulary": ["x-mlflow-...", ...],          annotation keywords to declare
//          "schemas": {"NAME": <schema>, ...},
//          "cases": [{"id": "...", "schema": "NAME", "body": "<raw request body text>"}, ...]}
// OUTPUT: {"ajv": "<version>",
//          "compile_errors": {"NAME": "<message>"},        schemas Ajv refused to compile
//          "warnings": ["..."],                           anything Ajv logged
//          "results": [{"id": "...", "valid": true|false|null, "parse_error": "..."?,
//                       "errors": [{"instancePath", "schemaPath", "keyword"}]?}]}
// `valid` is null when JSON.parse refuses the body (it is not RFC 8259 JSON).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const require = createRequire(import.meta.url);
const ajvVersion = require("ajv/package.json").version;

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const warnings = [];
const logger = {
  log: (...args) => warnings.push(args.join(" ")),
  warn: (...args) => warnings.push(args.join(" ")),
  error: (...args) => warnings.push(args.join(" ")),
};

// strict mode on: an unknown keyword or format is a compile error (strictSchema), so our
// x-mlflow-* keywords must be declared (below) and a typo cannot pass silently.  Ajv's
// style lints, which never change a verdict, are relaxed where our exports use a construct
// on purpose:
// * allowUnionTypes: `type: ["integer", "null"]` for nullable fields;
// * strictRequired: `if: {required: ["dataframe_split"]}` dispatches on which envelope key is
//   present; the property is declared by the parent schema, not by the `if` subschema;
// * strictTypes: `then: {properties: {data: {items: ...}}}` refines a value whose type the
//   sibling branch already checked, without repeating `type`;
// * strictTuples: `if: {prefixItems: [{type: "array"}]}` looks at the first element only.
const ajv = new Ajv2020({
  strict: true,
  strictRequired: false,
  strictTypes: false,
  strictTuples: false,
  allowUnionTypes: true,
  allErrors: false,
  validateFormats: true,
  logger,
});
addFormats(ajv);
// Our x- annotation keywords: declared as a vocabulary, so strict mode still rejects typos.
ajv.addVocabulary(input.vocabulary ?? []);

const validators = {};
const compileErrors = {};
for (const [name, schema] of Object.entries(input.schemas)) {
  try {
    validators[name] = ajv.compile(schema);
  } catch (err) {
    compileErrors[name] = String(err && err.message ? err.message : err);
  }
}

const results = [];
for (const c of input.cases) {
  const validate = validators[c.schema];
  if (!validate) {
    results.push({ id: c.id, valid: null, compile_error: true });
    continue;
  }
  let body;
  try {
    body = JSON.parse(c.body);
  } catch (err) {
    results.push({ id: c.id, valid: null, parse_error: String(err.message) });
    continue;
  }
  const valid = validate(body);
  const out = { id: c.id, valid };
  if (!valid) {
    out.errors = (validate.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      schemaPath: e.schemaPath,
      keyword: e.keyword,
    }));
  }
  results.push(out);
}

process.stdout.write(
  JSON.stringify({ ajv: ajvVersion, compile_errors: compileErrors, warnings, results }),
);
