// Signed, expiring download URLs for private models: an HMAC-SHA256 (key: the EDGETUNE_SIGNING_KEY
// secret) over the download path and its expiry, so a device can fetch one file without holding
// an API token. Verification uses crypto.subtle.verify, which compares in constant time.
import { Problem } from "../problem.ts";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

/** What is signed: the method, the download path and the expiry (Unix seconds). */
export function signedMessage(resolvePath: string, expires: number): string {
  return `GET\n${resolvePath}\n${expires}`;
}

function toBase64Url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null; // 32 bytes, unpadded
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

export function signingKeyOf(secret: string | undefined): string {
  if (!secret) {
    throw new Problem({
      status: 503,
      slug: "signing-unavailable",
      title: "Service Unavailable",
      detail: "Signed URLs are not configured on this server (EDGETUNE_SIGNING_KEY is not set)",
    });
  }
  return secret;
}

export async function signPath(secret: string, resolvePath: string, expires: number): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(signedMessage(resolvePath, expires)),
  );
  return toBase64Url(mac);
}

function forbidden(slug: string, detail: string): Problem {
  return new Problem({ status: 403, slug, title: "Forbidden", detail });
}

/** Throws 403 unless `signature` signs `resolvePath` until `expires`, which must not have passed. */
export async function verifySignedPath(
  secret: string | undefined,
  resolvePath: string,
  expiresParam: string | undefined,
  signature: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  const expires =
    expiresParam !== undefined && /^\d{1,12}$/.test(expiresParam) ? Number(expiresParam) : Number.NaN;
  const mac = signature === undefined ? null : fromBase64Url(signature);
  if (!Number.isFinite(expires) || mac === null) {
    throw forbidden(
      "invalid-signature",
      "A signed URL needs 'expires' (Unix seconds) and a 'signature' of 43 base64url characters",
    );
  }
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(signingKeyOf(secret)),
    mac,
    encoder.encode(signedMessage(resolvePath, expires)),
  );
  if (!valid) throw forbidden("invalid-signature", "The URL's signature does not match its path and expiry");
  if (expires <= nowSeconds) {
    throw forbidden(
      "signature-expired",
      `The signed URL expired at ${new Date(expires * 1000).toISOString()}`,
    );
  }
}
