/**
 * zip, which the lowering walks parallel lists with: pairs in order, and an error (a lowering
 * bug) for lists of different lengths instead of a pair with a missing element.
 */
import { describe, expect, test } from "vitest";
import { zip } from "../src/frontend/zip.js";

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
    expect(() => zip([1, 2], ["a"])).toThrow("lists of 2 and 1 elements were paired");
    expect(() => zip([1], ["a", "b"])).toThrow("lists of 1 and 2 elements were paired");
  });
});
