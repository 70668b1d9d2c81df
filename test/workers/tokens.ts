// Plaintext API tokens of the workerd test suites. vitest.workers.config.ts configures only their
// SHA-256 hashes (EDGETUNE_TOKENS), exactly as a deployment does; tests send the tokens themselves.
export const TOKENS = {
  read: "et_test_read_0f3c9a",
  write: "et_test_write_7b21d4",
  admin: "et_test_admin_e58f60",
} as const;

export const SIGNING_KEY = "test-signing-key-not-secret";

/** The upload limit under test (wrangler.toml's 100 MiB would make oversize tests slow). */
export const TEST_MAX_UPLOAD_BYTES = 1024 * 1024;
