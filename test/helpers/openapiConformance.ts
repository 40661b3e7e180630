import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { buildOpenApiDocument } from "../../lib/openapi/document.js";

/**
 * Checks a response against the OpenAPI document (lib/openapi/document.ts) with ajv's JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1: the status must be one the operation documents, the content type its media type, and the
 * body valid against its schema (objects are closed, so an undocumented field fails). The API tests' request helper
 * (apiEvent.ts `invoke`) and the SDK tests' fetch call it on every response they get.
 *
 * Given the response's headers, the headers the documented response declares `required` (a 429's `Retry-After`) must be
 * present and valid against their schema.
 *
 * Not checked here: answers outside every operation (an unknown path's 404). A wrong or wrong-case method's 405 is
 * documented on the path's operation: pass that operation's method as `operationMethod`
 * (test/openapi/errorResponses.test.ts sends every route's error cases through the local server).
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
interface DocumentedHeader {
  required?: boolean;
  schema: object;
}
const document = buildOpenApiDocument() as unknown as {
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, DocumentedHeader> }> }
    >
  >;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document as object, "openapi");

const pointer = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");

export interface CheckedResponse {
  method: string;
  /** The route's resource template (`/api/v2/users/{userId}`), as API Gateway reports it. */
  resource: string;
  status: number;
  contentType: string | undefined;
  /** The parsed JSON body (or the text, for other media types). */
  body: unknown;
  /** The response's headers (names in any case): when given, the documented required headers are checked. */
  headers?: Record<string, string>;
  /** The operation to check against when it is not the request's method (a 405: the path's documented method). */
  operationMethod?: string;
}

/** A header's text as the JSON value its schema describes (`Retry-After: 1` is the integer 1). */
function headerValue(text: string, schema: object): unknown {
  const type = (schema as { type?: string }).type;
  return type === "integer" || type === "number" ? (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text) : text;
}

function checkHeaders(where: string, declared: Record<string, DocumentedHeader>, headers: Record<string, string>) {
  const byName = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  for (const [name, header] of Object.entries(declared)) {
    const value = byName[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) throw new Error(`${where}: required header ${name} missing`);
      continue;
    }
    const validate = ajv.compile(header.schema);
    if (!validate(headerValue(value, header.schema))) {
      throw new Error(`${where}: header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`);
    }
  }
}

/** Throws an Error naming the operation and what differs from the document. */
export function assertConformsToOpenApi(response: CheckedResponse): void {
  const requested = response.operationMethod ?? response.method;
  const method = requested.toLowerCase();
  // Methods are case-sensitive: `Get` is not the GET operation (the family answers it 405, like any other method).
  const operation = requested === method.toUpperCase() ? document.paths[response.resource]?.[method] : undefined;
  if (!operation) {
    if (response.operationMethod) throw new Error(`no operation ${requested} ${response.resource} in the document`);
    return;
  }
  const where = `${response.method.toUpperCase()} ${response.resource} → ${response.status}`;
  const documented = operation.responses[String(response.status)];
  if (!documented) {
    throw new Error(
      `${where}: status not in the OpenAPI document (documented: ${Object.keys(operation.responses).join(", ")}); body ${JSON.stringify(response.body)}`,
    );
  }
  if (response.headers) checkHeaders(where, documented.headers ?? {}, response.headers);
  const mediaTypes = Object.keys(documented.content ?? {});
  const mediaType = mediaTypes.find((type) => response.contentType?.split(";")[0]?.trim() === type);
  if (!mediaType) {
    throw new Error(`${where}: content type ${response.contentType} is not the documented ${mediaTypes.join(", ")}`);
  }
  if (mediaType !== "application/json") return;
  const ref = `openapi#/paths/${pointer(response.resource)}/${method}/responses/${response.status}/content/${pointer(mediaType)}/schema`;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`${where}: no schema at ${ref}`);
  if (!validate(response.body)) {
    throw new Error(
      `${where}: body does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(response.body).slice(0, 2000)}`,
    );
  }
}
