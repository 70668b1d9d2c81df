import { describe, expect, it } from "vitest";
import { pyFixed } from "./python-format.ts";

// Expected strings are CPython's f"{x:.Nf}".
describe("pyFixed", () => {
  it("rounds exact ties half to even, as Python does", () => {
    expect(pyFixed(0.25, 1)).toBe("0.2");
    expect(pyFixed(0.75, 1)).toBe("0.8");
    expect(pyFixed(2.5, 0)).toBe("2");
    expect(pyFixed(0.125, 2)).toBe("0.12");
    expect(pyFixed(-0.25, 1)).toBe("-0.2");
  });

  it("rounds non-ties to nearest, like toFixed", () => {
    expect(pyFixed(36.970001, 2)).toBe("36.97");
    expect(pyFixed(0.35, 1)).toBe("0.3"); // 0.35 is stored just below 0.35
    expect(pyFixed(100, 3)).toBe("100.000");
  });
});
