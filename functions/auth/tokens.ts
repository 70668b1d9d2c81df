// Bearer tokens are configured only as SHA-256 hashes (the EDGETUNE_TOKENS secret), so neither the
// configuration nor a log of it holds a usable token. A presented token is hashed and compared with
// every configured hash in constant time, without stopping at the first match, so the response time
// says nothing about how close a guess came.
import { z } from "zod";

export const Scope = z.enum(["read", "write", "admin"]);
export type Scope = z.infer<typeof Scope>;

/** EDGETUNE_TOKENS: `{ "<sha256 hex>": ["read", ...] }`. */
export const TokenConfig = z.record(
  z.string().regex(/^[0-9a-f]{64}$/, "a lowercase sha256 hex digest"),
  z.array(Scope).min(1),
);
export type TokenConfig = z.infer<typeof TokenConfig>;

export interface TokenEntry {
  hash: Uint8Array;
  scopes: ReadonlySet<Scope>;
}

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

const parsed = new Map<string, TokenEntry[]>();

/**
 * Parses EDGETUNE_TOKENS (cached per isolate by its text). A malformed secret is a deployment error:
 * it throws, and the request fails with a 500 whose cause goes to the log.
 */
export function parseTokenConfig(text: string | undefined): TokenEntry[] {
  if (text === undefined || text.trim() === "") return [];
  const cached = parsed.get(text);
  if (cached) return cached;
  const config = TokenConfig.parse(JSON.parse(text));
  const entries = Object.entries(config).map(([hex, scopes]) => ({
    hash: hexToBytes(hex),
    scopes: new Set(scopes),
  }));
  parsed.set(text, entries);
  return entries;
}

/** The scopes of `token`, or null when no configured hash matches. */
export async function scopesOf(
  token: string,
  entries: readonly TokenEntry[],
): Promise<ReadonlySet<Scope> | null> {
  const presented = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  let found: ReadonlySet<Scope> | null = null;
  for (const entry of entries) {
    // Every entry is compared (no early exit); hashes all have 32 bytes, as timingSafeEqual requires.
    if (crypto.subtle.timingSafeEqual(presented, entry.hash)) found = entry.scopes;
  }
  return found;
}

/** admin implies every scope, and write implies read (whoever may publish a model may download it). */
export function grants(scopes: ReadonlySet<Scope>, needed: Scope): boolean {
  if (scopes.has("admin") || scopes.has(needed)) return true;
  return needed === "read" && scopes.has("write");
}
