/**
 * JSON-schema validators for the schemas of the official 3GPP OpenAPI files in specs/3gpp-rel17,
 * with their references across files resolved. OpenAPI 3.0 schemas are JSON Schema with a few
 * extra keywords (nullable, discriminator, example) and formats (int32, uuid, byte…); those are
 * declared so that a schema is checked exactly as written, not weakened.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parseDocument } from "yaml";
import { root } from "../interop/dev-node.js";

const SPECS = path.join(root, "specs/3gpp-rel17");
const BASE = "file:///specs/";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

let ajv: Ajv | undefined;

function load(): Ajv {
  if (ajv) return ajv;
  const a = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(a);
  for (const f of ["int32", "int64", "float", "double", "byte", "binary", "password"]) {
    a.addFormat(f, true);
  }
  for (const file of readdirSync(SPECS).filter((f) => f.endsWith(".yaml"))) {
    // A few published files have YAML flaws a strict parser reports (e.g. a comment '#' glued to
    // a value) yet a plain reading is unambiguous; the data is taken as it reads.
    const doc = parseDocument(readFileSync(path.join(SPECS, file), "utf8")).toJS();
    a.addSchema({ ...doc, $id: `${BASE}${file}` });
  }
  ajv = a;
  return a;
}

/** The validator for `components/schemas/<name>` of one file, e.g. ("TS29510_Nnrf_NFManagement.yaml", "NFProfile"). */
export function schemaValidator(file: string, name: string): ValidateFunction {
  const ref = `${BASE}${file}#/components/schemas/${name}`;
  const v = load().getSchema(ref);
  if (!v) throw new Error(`no schema ${ref}`);
  return v;
}

export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}

/** The validator for the request body an operation declares, by path template, method and media type. */
export function requestBodyValidator(
  file: string,
  pathTemplate: string,
  method: string,
  mediaType: string,
): ValidateFunction {
  const pointer = ["paths", pathTemplate, method, "requestBody", "content", mediaType, "schema"]
    .map((p) => encodeURIComponent(p.replaceAll("~", "~0").replaceAll("/", "~1")))
    .join("/");
  const ref = `${BASE}${file}#/${pointer}`;
  const v = load().getSchema(ref);
  if (!v) throw new Error(`no schema ${ref}`);
  return v;
}
