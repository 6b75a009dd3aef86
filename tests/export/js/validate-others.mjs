// Validate request bodies with @hyperjump/json-schema or @cfworker/json-schema and print verdicts.
//
// Why: sig2jsonschema promises that its exports mean the same thing in every validator users
// run.  The pytest driver (tests/export/test_portability.py) batches every case of one
// validator into ONE input file, runs this script once per validator, and compares the
// verdicts with Python's jsonschema.
//
// Usage: node validate-others.mjs hyperjump|cfworker INPUT.json > OUTPUT.json
//
// INPUT:  {"schemas": {"NAME": {"dialect": "2020-12"|"draft-07"|"draft-04"|"openapi-3.1"|
//                                          "openapi-3.0", "schema": <schema>}, ...},
//          "cases": [{"id": "...", "schema": "NAME", "body": "<raw request body text>"}, ...]}
// OUTPUT: {"validator": "<name>@<version>",
//          "compile_errors": {"NAME": "<message>"},
//          "results": [{"id": "...", "valid": true|false|null, "parse_error": "..."?}]}
// `valid` is null when JSON.parse refuses the body (it is not RFC 8259 JSON).

import { readFileSync } from "node:fs";

// Neither package exports its package.json: read it from node_modules beside this script.
const packageVersion = (name) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url)))
    .version;
const [which, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, "utf8"));

// The meta-schema each dialect's documents are checked against (hyperjump registers the
// document under our own URI; cfworker takes the draft by name).
const META = {
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
  "draft-07": "http://json-schema.org/draft-07/schema",
  "draft-04": "http://json-schema.org/draft-04/schema",
  "openapi-3.1": "https://spec.openapis.org/oas/3.1/dialect/base",
  "openapi-3.0": "https://spec.openapis.org/oas/3.0/dialect",
};
const CFWORKER_DRAFT = { "2020-12": "2020-12", "draft-07": "7", "draft-04": "4" };

async function hyperjump() {
  const core = await import("@hyperjump/json-schema/draft-2020-12");
  await import("@hyperjump/json-schema/draft-07");
  await import("@hyperjump/json-schema/draft-04");
  await import("@hyperjump/json-schema/openapi-3-0");
  await import("@hyperjump/json-schema/openapi-3-1");
  const version = packageVersion("@hyperjump/json-schema");
  const compiled = {};
  const errors = {};
  for (const [name, { dialect, schema }] of Object.entries(input.schemas)) {
    // Our own retrieval URI for each document; the document's `$id` (a URN) is kept out of
    // the way so every document is found by that URI.
    const uri = `https://sig2jsonschema.invalid/${encodeURIComponent(name)}`;
    const doc = { ...schema, $schema: META[dialect] };
    delete doc.$id;
    delete doc.id;
    try {
      core.registerSchema(doc, uri, META[dialect]);
      compiled[name] = await core.validate(uri);
    } catch (err) {
      errors[name] = String(err && err.message ? err.message : err);
    }
  }
  return { version: `@hyperjump/json-schema@${version}`, compiled, errors };
}

async function cfworker() {
  const { Validator } = await import("@cfworker/json-schema");
  const version = packageVersion("@cfworker/json-schema");
  const compiled = {};
  const errors = {};
  for (const [name, { dialect, schema }] of Object.entries(input.schemas)) {
    try {
      const validator = new Validator(schema, CFWORKER_DRAFT[dialect], true);
      compiled[name] = (body) => validator.validate(body);
    } catch (err) {
      errors[name] = String(err && err.message ? err.message : err);
    }
  }
  return { version: `@cfworker/json-schema@${version}`, compiled, errors };
}

const engine = which === "hyperjump" ? await hyperjump() : await cfworker();
const results = [];
for (const c of input.cases) {
  const check = engine.compiled[c.schema];
  if (!check) {
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
  let valid;
  try {
    valid = check(body).valid;
  } catch (err) {
    results.push({ id: c.id, valid: null, error: String(err && err.message ? err.message : err) });
    continue;
  }
  results.push({ id: c.id, valid });
}

process.stdout.write(
  JSON.stringify({ validator: engine.version, compile_errors: engine.errors, results }),
);
