/**
 * zip (src/ir/access.ts), which the lowering and the backend walk parallel lists with: pairs in order, and an error (a lowering
 * bug) for lists of different lengths instead of a pair with a missing element.
 */
import { describe, expect, test } from "vitest";
import { zip } from "../src/ir/access.js";

describe("zip", () => {
  test("pairs the elements in order", () => {
    expect(zip(["a", "b", "c"], [1, 2, 3])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ]);
    expect(zip([], [])).toEqual([]);
  });

  test("keeps elements that are undefined", () => {
    expect(zip([1, 2], [undefined, "x"])).toEqual([
      [1, undefined],
      [2, "x"],
    ]);
  });

  test("rejects lists of different lengths, either one longer", () => {
    expect(() => zip([1, 2], ["a"])).toThrow("expected lists of one length (2 and 1)");
    expect(() => zip([1], ["a", "b"])).toThrow("expected lists of one length (1 and 2)");
  });
});
