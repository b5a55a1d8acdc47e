// The generated API types (src/api/*.gen.ts) must be what scripts/gen-api-types.mjs makes from
// the node's current OpenAPI and AsyncAPI documents: a change to the API without `npm run
// gen:api` fails here. Needs the repository's Python (../.venv, or $KORDON_PYTHON).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { OUTPUTS, dumpDocuments, generate, inlineEmbeddedDefs, staleFiles } from "../scripts/gen-api-types.mjs";

const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");
const documents = dumpDocuments();
const files = await generate(documents);

test("the generated API types are up to date with the node's documents", () => {
  assert.deepEqual(staleFiles(files), [], "stale generated API types: run `npm run gen:api` in web/");
});

/** The generated files whose text differs between two generations. */
const changedFiles = (a, b) =>
  Object.keys(a)
    .filter((path) => a[path] !== b[path])
    .map((path) => relative(WEB, path).replaceAll("\\", "/"));

test("a change to the API changes the generated types", async () => {
  const changed = structuredClone(documents);
  changed.openapi.components.schemas.IncidentPublic.properties.kordon_test_field = { type: "integer" };
  changed.openapi.components.schemas.IncidentPublic.required.push("kordon_test_field");
  const regenerated = await generate(changed);
  assert.deepEqual(changedFiles(regenerated, files), ["src/api/openapi.gen.ts"]);
  assert.match(regenerated[OUTPUTS.openapi], /kordon_test_field: number;/);
  const live = structuredClone(documents);
  live.asyncapi.components.schemas.HelloPublic.properties.epoch = { type: "integer" };
  assert.deepEqual(changedFiles(await generate(live), files), ["src/api/live.gen.ts"]);
});

test("stale means missing or different on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "kordon-gen-"));
  const same = join(dir, "same.ts");
  const other = join(dir, "other.ts");
  writeFileSync(same, "a");
  writeFileSync(other, "b");
  const stale = staleFiles({ [same]: "a", [other]: "c", [join(dir, "missing.ts")]: "d" });
  assert.deepEqual(stale.map((p) => p.split(/[\\/]/).at(-1)), ["other.ts", "missing.ts"]);
});

test("the documents' routes and live messages reach the types", () => {
  const rest = readFileSync(OUTPUTS.openapi, "utf8");
  for (const path of Object.keys(documents.openapi.paths)) assert.ok(rest.includes(`"${path}": {`), `${path} in ${relative(".", OUTPUTS.openapi)}`);
  const live = readFileSync(OUTPUTS.asyncapi, "utf8");
  for (const name of Object.keys(documents.asyncapi.components.schemas)) assert.ok(live.includes(`        ${name}: `), `${name} in live.gen.ts`);
  // every incident field the node sends is in the type the UI uses
  const incident = documents.openapi.components.schemas.IncidentPublic;
  const block = rest.slice(rest.indexOf("        IncidentPublic: {"));
  for (const field of Object.keys(incident.properties)) assert.match(block.slice(0, block.indexOf("\n        };")), new RegExp(`\\b${field}\\??: `));
});

test("references inside embedded schemas with their own $id are inlined; others are kept", () => {
  const doc = {
    a: { $ref: "#/components/schemas/X" },
    body: {
      $id: "https://example/s.json",
      $defs: { Kind: { enum: ["p", "q"], type: "string" } },
      properties: { kind: { $ref: "#/$defs/Kind", description: "what" }, many: { items: { $ref: "#/$defs/Kind" } } },
    },
  };
  assert.deepEqual(inlineEmbeddedDefs(doc), {
    a: { $ref: "#/components/schemas/X" },
    body: {
      $id: "https://example/s.json",
      properties: {
        kind: { enum: ["p", "q"], type: "string", description: "what" },
        many: { items: { enum: ["p", "q"], type: "string" } },
      },
    },
  });
  assert.throws(() => inlineEmbeddedDefs({ $id: "x", $defs: {}, p: { $ref: "#/$defs/Missing" } }), /no \$defs entry Missing/);
});
