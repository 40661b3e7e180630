/**
 * The dashboard's security headers, one definition for both places that serve it: the CloudFront response
 * headers policy (infra/web.ts) and the local server (scripts/lib/webFiles.ts), so what the browser tests run
 * under is what production sends.
 *
 * The app loads only its own script and stylesheet files and calls only its own origin (the API is on the same
 * origin), so everything is 'self'; `img-src data:` is the empty favicon. No inline script or style is needed
 * (Preact and uPlot set styles through the CSSOM, which CSP does not restrict).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const REFERRER_POLICY = "no-referrer";

/** Headers of every dashboard file (HSTS only where served over HTTPS, i.e. by CloudFront). */
export const WEB_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": REFERRER_POLICY,
};
