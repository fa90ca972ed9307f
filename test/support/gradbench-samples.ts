/** The GradBench samples (gradbench/samples) and how GradBench compares an output with a sample's. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const samplesDir = fileURLToPath(new URL("../../gradbench/samples", import.meta.url));

/** One input of an eval's function with the reference output for it. */
export interface Sample {
  module: string;
  function: string;
  description: string | null;
  input: unknown;
  output: unknown;
}

/** The samples of one eval. */
export function samplesOf(name: string): Sample[] {
  return JSON.parse(readFileSync(path.join(samplesDir, `${name}.json`), "utf8")) as Sample[];
}

/**
 * GradBench's comparison: the same JSON shape (objects with the same keys, arrays of the same
 * length, equal strings and booleans) and every number a (ours) against b (the reference) with
 * |a - b| / max(1, |a| + |b|) <= 1e-4. Returns the first mismatch, or undefined.
 */
export function mismatch(ours: unknown, reference: unknown, where = "output"): string | undefined {
  if (typeof reference === "number") {
    if (typeof ours !== "number") return `${where}: expected a number, got ${JSON.stringify(ours)?.slice(0, 80)}`;
    const error = Math.abs(ours - reference) / Math.max(1, Math.abs(ours) + Math.abs(reference));
    return error <= 1e-4
      ? undefined
      : `${where}: ${ours} vs reference ${reference} (relative error ${error.toExponential(2)})`;
  }
  if (Array.isArray(reference)) {
    if (!Array.isArray(ours)) return `${where}: expected an array, got ${typeof ours}`;
    if (ours.length !== reference.length) return `${where}: length ${ours.length}, reference ${reference.length}`;
    for (let i = 0; i < reference.length; i++) {
      const m = mismatch(ours[i], reference[i], `${where}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (reference !== null && typeof reference === "object") {
    if (ours === null || typeof ours !== "object" || Array.isArray(ours)) return `${where}: expected an object`;
    const keys = Object.keys(reference).sort();
    const ourKeys = Object.keys(ours).sort();
    if (JSON.stringify(keys) !== JSON.stringify(ourKeys))
      return `${where}: keys ${ourKeys.join(",")}, reference ${keys.join(",")}`;
    for (const key of keys) {
      const m = mismatch(
        (ours as Record<string, unknown>)[key],
        (reference as Record<string, unknown>)[key],
        `${where}.${key}`,
      );
      if (m) return m;
    }
    return undefined;
  }
  return ours === reference ? undefined : `${where}: ${JSON.stringify(ours)} vs reference ${JSON.stringify(reference)}`;
}
