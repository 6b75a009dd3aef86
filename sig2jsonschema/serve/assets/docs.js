// The sidecar's API page: renders openapi.json (served beside it) and sends
// "try it" requests to the sidecar itself. Self-contained: no CDN, no framework.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function resolve(doc, schema) {
  if (schema && schema.$ref && schema.$ref.startsWith("#/")) {
    return schema.$ref.slice(2).split("/").reduce((node, key) => node[key], doc);
  }
  return schema;
}

function examplesOf(media) {
  const out = [];
  for (const [name, ex] of Object.entries(media.examples || {})) {
    out.push([ex.summary || name, typeof ex.value === "string" ? ex.value : JSON.stringify(ex.value, null, 2)]);
  }
  if (media.example !== undefined) {
    out.push(["example", typeof media.example === "string" ? media.example : JSON.stringify(media.example, null, 2)]);
  }
  return out;
}

function tryIt(path, method, operation) {
  const box = el("div", { class: "try" });
  const content = (operation.requestBody || {}).content || {};
  const types = Object.keys(content);
  const typeSelect = el("select", { "aria-label": "Content-Type" });
  for (const type of types) typeSelect.append(el("option", { value: type }, type));
  const exampleSelect = el("select", { "aria-label": "example" });
  const body = el("textarea", { "aria-label": "request body", spellcheck: "false" });
  const output = el("pre", { class: "answer" });
  function fillExamples() {
    exampleSelect.replaceChildren();
    const examples = types.length ? examplesOf(content[typeSelect.value]) : [];
    for (const [label, text] of examples) exampleSelect.append(el("option", { "data-body": text }, label));
    body.value = examples.length ? examples[0][1] : "";
  }
  typeSelect.addEventListener("change", fillExamples);
  exampleSelect.addEventListener("change", () => {
    body.value = exampleSelect.selectedOptions[0].dataset.body;
  });
  const button = el("button", { type: "button" }, "Send to this sidecar");
  button.addEventListener("click", async () => {
    output.textContent = "sending...";
    const init = { method: method.toUpperCase() };
    if (types.length) {
      init.headers = { "Content-Type": typeSelect.value };
      init.body = body.value;
    }
    try {
      const answer = await fetch(path.replace(/^\//, ""), init);
      const text = await answer.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
      output.textContent = `${answer.status} ${answer.statusText}\n${shown}`;
    } catch (error) {
      output.textContent = String(error);
    }
  });
  if (types.length) {
    box.append(el("label", {}, "Content-Type ", typeSelect), " ", el("label", {}, "example ", exampleSelect), body);
    fillExamples();
  }
  box.append(button, output);
  return box;
}

function operationSection(doc, path, method, operation) {
  const id = `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
  const section = el("section", { class: "operation", id });
  section.append(el("h2", {}, el("span", { class: `method ${method}` }, method.toUpperCase()), " ", path));
  if (operation.summary) section.append(el("p", { class: "summary" }, operation.summary));
  if (operation.description) section.append(el("p", {}, operation.description));
  const rows = el("table", { class: "responses" }, el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning")));
  for (const [status, response] of Object.entries(operation.responses || {})) {
    rows.append(el("tr", {}, el("td", {}, status), el("td", {}, response.description || "")));
  }
  section.append(rows);
  const content = (operation.requestBody || {}).content || {};
  if (content["application/json"]) {
    const schema = resolve(doc, content["application/json"].schema);
    section.append(el("details", {}, el("summary", {}, "request body schema"),
      el("pre", {}, JSON.stringify(schema, null, 2))));
  }
  section.append(tryIt(path, method, operation));
  return section;
}

async function main() {
  const main = document.getElementById("operations");
  let doc;
  try {
    doc = await (await fetch("openapi.json")).json();
  } catch (error) {
    main.textContent = `cannot load openapi.json: ${error}`;
    return;
  }
  document.title = doc.info.title;
  document.getElementById("title").textContent = doc.info.title;
  document.getElementById("description").textContent = doc.info.description || "";
  main.replaceChildren();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ["post", "get", "put", "delete"]) {
      if (item[method]) main.append(operationSection(doc, path, method, item[method]));
    }
  }
  document.body.dataset.rendered = "true";
}

main();
