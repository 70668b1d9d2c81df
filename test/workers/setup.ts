// Runs before every workerd test file: the registry schema, from the same migrations a deployment applies.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.REGISTRY, env.TEST_MIGRATIONS);
