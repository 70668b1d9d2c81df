#!/usr/bin/env node
// The edgetune CLI runs its TypeScript sources through tsx: no build step between a checkout and a run.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
