import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { buildOpenApiDocument } from "../../lib/openapi/document.js";

/**
 * Checks a response against the OpenAPI document (lib/openapi/document.ts) with ajv's JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1: the status must be one the operation documents, the content type its media type, and the
 * body valid against its schema (objects are closed, so an undocumented field fails). The API tests' request helper
 * (apiEvent.ts `invoke`) and the SDK tests' fetch call it on every response they get.
 *
 * Not checked: answers outside every operation (an unknown path's 404, a wrong or wrong-case method's 405), which the document
 * cannot describe as operations; their bodies are the family errors the tests compare exactly.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const document = buildOpenApiDocument() as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
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
}

/** Throws an Error naming the operation and what differs from the document. */
export function assertConformsToOpenApi(response: CheckedResponse): void {
  const method = response.method.toLowerCase();
  // Methods are case-sensitive: `Get` is not the GET operation (the family answers it 405, like any other method).
  const operation = response.method === method.toUpperCase() ? document.paths[response.resource]?.[method] : undefined;
  if (!operation) return;
  const where = `${response.method.toUpperCase()} ${response.resource} → ${response.status}`;
  const documented = operation.responses[String(response.status)];
  if (!documented) {
    throw new Error(
      `${where}: status not in the OpenAPI document (documented: ${Object.keys(operation.responses).join(", ")}); body ${JSON.stringify(response.body)}`,
    );
  }
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
