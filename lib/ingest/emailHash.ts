import { createHash } from "node:crypto";

/**
 * The hash an email is filed under for erasure: the user item keeps the hashes of every email it ever had
 * (`email_hashes`) and each invite is indexed by its invitee's (`INVTO#{hash}`, tableDesign.ts), so erasing a person
 * finds every invite naming any of its emails by key, without keeping another copy of the emails themselves.
 * Case and surrounding blanks are ignored: `Old@P.example` and `old@p.example` are one person's address.
 */
export function emailHash(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
}

/** `hashes` with `email`'s added (sorted, each once): what ingestion stores when a user's email is set. */
export function withEmailHash(hashes: readonly string[] | undefined, email: string): string[] {
  const hash = emailHash(email);
  if (hashes?.includes(hash)) return [...hashes];
  return [...(hashes ?? []), hash].sort();
}
