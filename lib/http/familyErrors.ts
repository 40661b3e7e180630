import type { Family } from "../routes.js";

/**
 * Each route family's error bodies (CONTRACT §2, §4, §5, §6, §8): clients of one family parse only its format.
 */
export interface FamilyErrors {
  notFound: unknown;
  methodNotAllowed: unknown;
  internal: unknown;
  unavailable: unknown;
}

const insights: FamilyErrors = {
  notFound: { error: "not_found" },
  methodNotAllowed: { error: "method_not_allowed" },
  internal: { error: "internal_error" },
  unavailable: { error: "retry" },
};

export const familyErrors: Record<Family, FamilyErrors> = {
  ingest: insights,
  insights,
  dashboard: {
    notFound: { success: false, error: "Not found [not-found]" },
    methodNotAllowed: { success: false, error: "Method not allowed [method-not-allowed]" },
    internal: { success: false, error: "Internal server error [internal-error]" },
    unavailable: { success: false, error: "Service unavailable, retry [retry]" },
  },
  users: {
    notFound: { status: "error", message: "Not found" },
    methodNotAllowed: { status: "error", message: "Method not allowed" },
    internal: { status: "error", message: "Internal server error" },
    unavailable: { status: "error", message: "Service unavailable, retry" },
  },
};
