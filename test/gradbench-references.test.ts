/**
 * The hand-written references of GradBench's kmeans, saddle and particle evals
 * (bench/workloads/<eval>.hand.ts): each sample input of gradbench/samples, sent through the
 * reference as the tool's adapter will send it through the generated module, gives the sample's
 * output, compared as GradBench compares them; and every hand-derived derivative agrees with
 * central differences of the function it differentiates.
 */
import { describe, expect, it } from "vitest";
import * as kmeans from "../bench/workloads/kmeans.hand.js";
import * as particle from "../bench/workloads/particle.hand.js";
import * as saddle from "../bench/workloads/saddle.hand.js";
import { relativeError } from "./support/finite-differences.js";
import { mismatch, samplesOf, type Sample } from "./support/gradbench-samples.js";

type Json = any;

const rows = (value: Json): Float64Array[] => value.map((row: number[]) => Float64Array.from(row));
const toRows = (value: Float64Array[]): number[][] => value.map((row) => Array.from(row));

/** The four variants of saddle and particle, which name the modes of the two derivatives. */
const variants = ["rr", "ff", "fr", "rf"] as const;

/** The output for a kmeans sample: the cost, or the gradient divided by the Hessian's diagonal. */
function kmeansOutput(sample: Sample): unknown {
  const points = rows((sample.input as Json).points);
  const centroids = rows((sample.input as Json).centroids);
  if (sample.function === "cost") return kmeans.cost(points, centroids);
  const { grad, hessianDiagonal } = kmeans.costHessianDiagonal(points, centroids);
  return toRows(grad.centroids.map((row, j) => row.map((g, l) => g / hessianDiagonal.centroids[j][l])));
}

function saddleOutput(sample: Sample): number[] {
  const start = Float64Array.from((sample.input as Json).start);
  return Array.from(saddle[sample.function as (typeof variants)[number]](start));
}

function particleOutput(sample: Sample): number {
  return particle[sample.function as (typeof variants)[number]]((sample.input as Json).w);
}

const samples = { kmeans: samplesOf("kmeans"), saddle: samplesOf("saddle"), particle: samplesOf("particle") };
const outputs = { kmeans: kmeansOutput, saddle: saddleOutput, particle: particleOutput };
const label = (s: Sample) => `${s.module} ${s.function}${s.description ? ` (${s.description})` : ""}`;

describe("the hand-written references give the samples' outputs", () => {
  it("has a sample for every function of the three evals", () => {
    expect(samples.kmeans.map((s) => s.function).sort()).toEqual(["cost", "dir"]);
    expect(samples.saddle.map((s) => s.function).sort()).toEqual([...variants].sort());
    expect(samples.particle.map((s) => s.function).sort()).toEqual([...variants].sort());
  });

  const all = [...samples.kmeans, ...samples.saddle, ...samples.particle];
  it.each(all.map((s) => [label(s), s] as const))("%s", (_, sample) => {
    const output = outputs[sample.module as keyof typeof outputs](sample);
    // the output as it would go over the wire
    expect(mismatch(JSON.parse(JSON.stringify(output)), sample.output)).toBeUndefined();
  });

  // saddle's outputs are about 1e-5, which GradBench's comparison cannot tell from 0
  it.each(samples.saddle.map((s) => [label(s), s] as const))("%s, each number to 1e-9 of its size", (_, sample) => {
    const output = saddleOutput(sample);
    (sample.output as number[]).forEach((reference, i) => {
      expect(Math.abs(output[i] - reference)).toBeLessThanOrEqual(1e-9 * Math.abs(reference));
    });
  });
});

describe("the hand-written derivatives agree with central differences", () => {
  const TOLERANCE = 1e-6;

  /**
   * The central difference of f at x with a small step: kmeans' cost has kinks where a point
   * changes its closest centroid, and the particle's crossing changes fast with w, so a larger
   * step (or an extrapolation from two) would measure more than the slope at x.
   */
  const slope = (f: (x: number) => number, x: number) => {
    const h = 1e-6;
    return (f(x + h) - f(x - h)) / (2 * h);
  };

  /** The central difference of f at x along coordinate i. */
  const partial = (f: (x: Float64Array) => number, x: Float64Array, i: number) =>
    slope((xi) => {
      const moved = Float64Array.from(x);
      moved[i] = xi;
      return f(moved);
    }, x[i]);

  describe("kmeans", () => {
    const input = samples.kmeans[0].input as Json;
    const points = rows(input.points);
    const centroids = rows(input.centroids);
    /** f of the centroids with centroid j's coordinate l set to c. */
    const moving =
      <T>(f: (centroids: Float64Array[]) => T, j: number, l: number) =>
      (c: number) => {
        const moved = centroids.map((row) => Float64Array.from(row));
        moved[j][l] = c;
        return f(moved);
      };

    it("costGrad is the gradient of cost, and its value is the cost", () => {
      const { value, grad } = kmeans.costGrad(points, centroids);
      expect(value).toBe(kmeans.cost(points, centroids));
      centroids.forEach((row, j) =>
        row.forEach((c, l) => {
          const numeric = slope(
            moving((cs) => kmeans.cost(points, cs), j, l),
            c,
          );
          expect(relativeError(grad.centroids[j][l], numeric), `centroid ${j}, coordinate ${l}`).toBeLessThan(
            TOLERANCE,
          );
        }),
      );
    });

    it("costHessianDiagonal is the derivative of costGrad's entries by their own coordinates", () => {
      const { value, grad, hessianDiagonal } = kmeans.costHessianDiagonal(points, centroids);
      expect(value).toBe(kmeans.cost(points, centroids));
      expect(grad).toEqual(kmeans.costGrad(points, centroids).grad);
      centroids.forEach((row, j) =>
        row.forEach((c, l) => {
          const numeric = slope(
            moving((cs) => kmeans.costGrad(points, cs).grad.centroids[j][l], j, l),
            c,
          );
          expect(
            relativeError(hessianDiagonal.centroids[j][l], numeric),
            `centroid ${j}, coordinate ${l}`,
          ).toBeLessThan(TOLERANCE);
        }),
      );
    });
  });

  describe("saddle", () => {
    const start = Float64Array.of(1, 1);
    const at = [Float64Array.of(1, 1), Float64Array.of(0.3, -2), Float64Array.of(-1.5, 0.7)];

    it.each(at.map((x) => [Array.from(x).join(", "), x] as const))(
      "the inner gradient, with respect to y, at y = (%s)",
      (_, y) => {
        const x = Float64Array.of(0.4, -0.9);
        const gradient = saddle.objectiveGradY(y);
        for (let i = 0; i < 2; i++) {
          expect(
            relativeError(
              gradient[i],
              partial((y) => saddle.objective(x, y), y, i),
            ),
          ).toBeLessThan(TOLERANCE);
        }
      },
    );

    it.each(at.map((x) => [Array.from(x).join(", "), x] as const))(
      "the outer gradient, of the inner maximum, at x = (%s)",
      (_, x) => {
        const gradient = saddle.maxOverYGrad(x);
        for (let i = 0; i < 2; i++) {
          expect(
            relativeError(
              gradient[i],
              partial((x) => saddle.maxOverY(x, start), x, i),
            ),
          ).toBeLessThan(TOLERANCE);
        }
      },
    );
  });

  describe("particle", () => {
    it.each([
      [0, 8, 0],
      [3.5, 5.2, 0.3],
      [12, 1, -0.4],
    ])("the inner gradient, of the potential, at (%s, %s) with w = %s", (x0, x1, w) => {
      const x = Float64Array.of(x0, x1);
      const gradient = particle.potentialGrad(x, w);
      for (let i = 0; i < 2; i++) {
        expect(
          relativeError(
            gradient[i],
            partial((x) => particle.potential(x, w), x, i),
          ),
        ).toBeLessThan(TOLERANCE);
      }
    });

    it.each([0, 0.1, 0.2, 0.2071918746, -0.3])("the outer derivative, of the crossing, at w = %s", (w) => {
      const { value, derivative } = particle.naiveEulerDerivative(w);
      expect(value).toBe(particle.naiveEuler(w));
      expect(relativeError(derivative, slope(particle.naiveEuler, w))).toBeLessThan(TOLERANCE);
    });
  });
});
