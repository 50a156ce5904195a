/**
 * Validates JSON entities against Mastodon's own OpenAPI description (../shared/mastodon/openapi.json),
 * so tests fail when an entity drifts from what clients decode.
 */
import { type OutputUnit, Validator } from "@cfworker/json-schema";
import { expect } from "vitest";
import openapi from "../../../shared/mastodon/openapi.json";

type SchemaName = keyof typeof openapi.components.schemas;

const validators = new Map<string, Validator>();

/** Examples and docs carry `id` keys that the validator would read as schema identifiers. */
function schemaOnly(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(schemaOnly);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "example" || k === "examples" || k === "externalDocs" || k === "description") continue;
    out[k] = schemaOnly(v);
  }
  return out;
}

let components: unknown;
function cleanComponents(): unknown {
  if (components === undefined) {
    const clean = schemaOnly(openapi.components) as { schemas: { Status: { properties: { quote: Record<string, unknown> } } } };
    // Status.quote is `oneOf` Quote | ShallowQuote, but neither forbids the other's fields, so every
    // quote matches both and `oneOf` can never hold: it is read as the `anyOf` the document means.
    const quote = clean.schemas.Status.properties.quote;
    if (quote.oneOf) {
      quote.anyOf = quote.oneOf;
      delete quote.oneOf;
    }
    components = clean;
  }
  return components;
}

function validatorFor(name: SchemaName, array: boolean): Validator {
  const key = `${name}${array ? "[]" : ""}`;
  let v = validators.get(key);
  if (!v) {
    const ref = { $ref: `#/components/schemas/${name}` };
    const root = {
      ...(array ? { type: "array", items: ref } : ref),
      components: cleanComponents(),
    };
    v = new Validator(root as never, "2020-12", false);
    validators.set(key, v);
  }
  return v;
}

function describeErrors(errors: OutputUnit[]): string {
  return errors
    .filter((e) => e.keyword !== "$ref" && e.keyword !== "properties" && e.keyword !== "items" && e.keyword !== "allOf")
    .slice(0, 12)
    .map((e) => `${e.instanceLocation}: ${e.error}`)
    .join("\n");
}

/** Asserts that `value` is a valid `name` entity (or a list of them with `{ array: true }`). */
export function expectEntity(name: SchemaName, value: unknown, options: { array?: boolean } = {}): void {
  const result = validatorFor(name, options.array ?? false).validate(value);
  if (!result.valid) {
    expect.fail(
      `not a valid ${name}${options.array ? "[]" : ""}:\n${describeErrors(result.errors)}\n${JSON.stringify(value).slice(0, 2000)}`,
    );
  }
}
