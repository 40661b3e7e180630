import { ALL_API_KEY_PERMISSIONS } from "../auth/credentials.js";
import type { ApiKeyPermission } from "../storage/items.js";
import { CliError } from "./errors.js";

function splitList(csv: string): string[] {
  return csv
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

/** `read,ingest` → the API key permissions; anything else is refused, so a typo never makes a useless key. */
export function parseApiKeyPermissions(csv: string): ApiKeyPermission[] {
  const names = splitList(csv);
  if (names.length === 0)
    throw new CliError(`--permissions needs at least one of: ${ALL_API_KEY_PERMISSIONS.join(", ")}`);
  const unknown = names.filter((name) => !(ALL_API_KEY_PERMISSIONS as string[]).includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `unknown permission ${unknown.map((n) => `"${n}"`).join(", ")}: allowed are ${ALL_API_KEY_PERMISSIONS.join(", ")}`,
    );
  }
  return [...new Set(names)] as ApiKeyPermission[];
}

/**
 * User token permissions are free-form names (the dashboard checks `view-engagement-dashboard`); an empty list is
 * allowed so an operator can issue a token that is recognised but authorised for nothing.
 */
export function parseUserTokenPermissions(csv: string): string[] {
  const names = splitList(csv);
  const malformed = names.find((name) => !/^[A-Za-z0-9][A-Za-z0-9:_.-]*$/.test(name));
  if (malformed) throw new CliError(`invalid permission name "${malformed}"`);
  return [...new Set(names)];
}
