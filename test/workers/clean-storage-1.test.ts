import { it } from "vitest";
import { findsCleanStorageAndLeavesAMark } from "./clean-storage.ts";

it("starts with empty R2 and D1 although other test files ran before in the same workerd", async () => {
  await findsCleanStorageAndLeavesAMark("1");
});
