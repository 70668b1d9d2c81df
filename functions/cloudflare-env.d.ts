// Types `env` and `exports` from "cloudflare:workers" (and "cloudflare:test") with this Worker's own
// bindings and main module.
import type { Env as EdgetuneEnv } from "./env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends EdgetuneEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index.ts");
    }
  }
}
