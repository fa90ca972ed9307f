/**
 * Runs generated gradients against their source functions with the package's `gradcheck`: the
 * value must be the primal's bit for bit, the arguments must come back unchanged, and every
 * partial derivative (each element of an array parameter) must agree with central finite
 * differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import {
  centralDifference,
  copy,
  gradcheck,
  type GradcheckResult,
  jvpcheck,
  relativeError,
} from "../../src/gradcheck.js";
import type { ArrayShape, GeneratedFunction } from "../../src/index.js";

type Param = GeneratedFunction["params"][number];

function arrayOf(kind: string | undefined, json: number[]): number[] | Float64Array | Float32Array {
  if (kind === "Float64Array") return Float64Array.from(json);
  if (kind === "Float32Array") return Float32Array.from(json);
  return [...json];
}

function arrayShaped(shape: ArrayShape, json: unknown): unknown {
  if (shape.rowKind !== undefined) return (json as number[][]).map((row) => arrayOf(shape.rowKind, row));
  return arrayOf(shape.arrayKind, json as number[]);
}

/** JSON objects of a `"$class": "Name"` field become instances of the class the source module
 * exports under that name (with the other fields), for functions calling their methods. */
export function instantiated(source: Record<string, unknown>, json: unknown): unknown {
  if (Array.isArray(json)) return json.map((element) => instantiated(source, element));
  if (typeof json !== "object" || json === null) return json;
  const { $class, ...fields } = json as Record<string, unknown>;
  const revived = Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, instantiated(source, field)]));
  if ($class === undefined) return revived;
  const cls = source[$class as string] as { prototype: object } | undefined;
  if (!cls) throw new Error(`points.json names the class '${String($class)}', which the source does not export`);
  return Object.assign(Object.create(cls.prototype) as object, revived);
}

/** The argument for a parameter from its JSON form: arrays, also in fields of objects, become
 * the parameter's array kind. */
export function argument(param: Param, json: unknown): unknown {
  if (param.arrayFields) {
    const object = copy(json) as Record<string, unknown>;
    for (const field of param.arrayFields) {
      const keys = field.path.split(".");
      const parent = keys.slice(0, -1).reduce((inner, key) => inner[key] as Record<string, unknown>, object);
      parent[keys[keys.length - 1]!] = arrayShaped(field, parent[keys[keys.length - 1]!]);
    }
    return object;
  }
  return Array.isArray(json) ? arrayShaped(param, json) : json;
}

/** A cotangent shaped like a VJP's value, with numbers that differ from one another. */
function cotangentLike(value: unknown, counter = { next: 0 }): unknown {
  if (typeof value === "number") return 0.37 * ++counter.next - 0.5;
  if (ArrayBuffer.isView(value) || Array.isArray(value))
    return Array.from(value as ArrayLike<unknown>, (v) => cotangentLike(v, counter));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, field]) => [key, cotangentLike(field, counter)]),
  );
}

export type AnyFunction = (...args: unknown[]) => unknown;

/** `f` taking its rest parameter's elements as one array argument, as gradcheck passes it. */
function withRestAsArray(f: AnyFunction, params: Param[]): AnyFunction {
  const restAt = params.findIndex((p) => p.rest);
  if (restAt < 0) return f;
  return (...args) => f(...args.slice(0, restAt), ...(args[restAt] as unknown[]), ...args.slice(restAt + 1));
}

/** The function a gradient is of; for a method, one taking the instance first. */
function sourceFunction(source: Record<string, unknown>, fn: GeneratedFunction): AnyFunction {
  if (!fn.method) return source[fn.name] as AnyFunction;
  const cls = source[fn.method.className] as Record<string, AnyFunction> & { prototype: Record<string, AnyFunction> };
  if (fn.method.isStatic) return (...args) => cls[fn.method!.methodName]!(...args);
  return (self, ...args) => cls.prototype[fn.method!.methodName]!.call(self, ...args);
}

/**
 * The generated gradient of `fn` against central finite differences of the source function at
 * one point (its arguments as JSON), the way users call both: a method on an instance, a rest
 * parameter spread.
 */
export function checkPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
  tolerance?: number,
): GradcheckResult {
  const args = fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const names = fn.params.map((p) => p.name);
  const primal = withRestAsArray(sourceFunction(source, fn), fn.params);
  const cotangent = fn.vjp ? { cotangent: cotangentLike(primal(...args.map(copy))) } : {};
  const gradient = withRestAsArray(generated[fn.gradientName] as AnyFunction, fn.params);
  return gradcheck(primal, gradient as never, args as never, {
    names,
    ...(tolerance === undefined ? {} : { tolerance }),
    ...cotangent,
  });
}

/** A tangent shaped like `value` (its numbers, arrays and number-holding fields), with numbers
 * from `next`. */
function tangentLike(value: unknown, next: () => number): unknown {
  if (typeof value === "number") return next();
  if (ArrayBuffer.isView(value)) return (value as Float64Array).map(() => tangentLike(0, next) as number);
  if (Array.isArray(value)) return value.map((v) => tangentLike(v, next));
  const fields = Object.entries(value as Record<string, unknown>).filter(
    ([, field]) => typeof field === "number" || typeof field === "object",
  );
  return Object.fromEntries(fields.map(([key, field]) => [key, tangentLike(field, next)]));
}

/** Numbers that differ from one another. */
function distinctNumbers(): () => number {
  let count = 0;
  return () => 0.29 * ++count - 0.7;
}

/** The tangents of a JVP's differentiated parameters at `args`, by parameter name, with numbers
 * from `next`. */
export function tangentsFor(
  params: Param[],
  args: unknown[],
  next: () => number = distinctNumbers(),
): Record<string, unknown> {
  const tangents: Record<string, unknown> = {};
  params.forEach((param, i) => {
    if (!param.differentiated) return;
    if (param.differentiatedFields === undefined) {
      tangents[param.name] = tangentLike(args[i], next);
      return;
    }
    const object: Record<string, unknown> = {};
    for (const path of param.differentiatedFields) {
      const keys = path.split(".");
      const parent = keys.slice(0, -1).reduce((inner: Record<string, unknown>, key) => {
        inner[key] ??= {};
        return inner[key] as Record<string, unknown>;
      }, object);
      const field = keys.reduce((inner: unknown, key) => (inner as Record<string, unknown>)[key], args[i]);
      parent[keys.at(-1)!] = tangentLike(field, next);
    }
    tangents[param.name] = object;
  });
  return tangents;
}

/** v . y over the numbers at the same places of v and y. */
function dotProduct(v: unknown, y: unknown): number {
  if (typeof v === "number") return v * (y as number);
  if (ArrayBuffer.isView(v) || Array.isArray(v))
    return Array.from(v as ArrayLike<unknown>).reduce(
      (sum: number, vi, i) => sum + dotProduct(vi, (y as ArrayLike<unknown>)[i]),
      0,
    );
  return Object.entries(v as Record<string, unknown>).reduce(
    (sum, [key, field]) => sum + dotProduct(field, (y as Record<string, unknown>)[key]),
    0,
  );
}

/**
 * The JVP of `fn` at one point: its value is the primal's, its tangent agrees with finite
 * differences along the tangents, and with the reverse gradient dotted with the tangents (for a
 * VJP, u . (J v) against (u^T J) . v) to 1e-12.
 */
export function checkJvpPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
): void {
  const where = `${fn.jvpName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = () => fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const primal = withRestAsArray(sourceFunction(source, fn), fn.params);
  const tangents = tangentsFor(fn.params, args());
  // (a JVP takes its tangents before a rest parameter)
  const restAt = fn.params.findIndex((p) => p.rest);
  const generatedJvp = generated[fn.jvpName!] as AnyFunction;
  const jvp: AnyFunction =
    restAt < 0
      ? generatedJvp
      : (...a) =>
          generatedJvp(...a.slice(0, restAt), a.at(-1), ...(a[restAt] as unknown[]), ...a.slice(restAt + 1, -1));
  const result = jvpcheck(primal, jvp as never, args() as never, { names: fn.params.map((p) => p.name), tangents });
  expect(result.valueMatches, `${where}: value is the primal's`).toBe(true);
  expect(result.argumentsUnchanged, `${where}: arguments and tangents unchanged`).toBe(true);
  const worst = result.worst;
  expect(
    worst?.error ?? 0,
    `${where}: tangent${worst?.index.map((j) => `[${j}]`).join("")} is ${worst?.generated}, finite differences ${worst?.numeric}`,
  ).toBeLessThanOrEqual(1e-6);
  const gradient = withRestAsArray(generated[fn.gradientName] as AnyFunction, fn.params);
  const cotangent = fn.vjp ? cotangentLike(primal(...args())) : 1;
  const { grad } = gradient(...args(), ...(fn.vjp ? [cotangent] : [])) as { grad: Record<string, unknown> };
  const reverse = dotProduct(tangents, grad);
  const forward = dotProduct(cotangent, result.tangent);
  expect(relativeError(forward, reverse), `${where}: u.(Jv) = ${forward}, (u^T J).v = ${reverse}`).toBeLessThanOrEqual(
    1e-12,
  );
}

/** `args` with each number the tangents name moved by `t` times its tangent. */
function movedBy(params: Param[], args: unknown[], tangents: Record<string, unknown>, t: number): unknown[] {
  const moved = (value: unknown, tangent: unknown): unknown => {
    if (typeof value === "number") return value + t * (tangent as number);
    if (ArrayBuffer.isView(value)) return (value as Float64Array).map((v, i) => v + t * (tangent as Float64Array)[i]!);
    if (Array.isArray(value)) return value.map((v, i) => moved(v, (tangent as unknown[])[i]));
    const object = { ...(value as Record<string, unknown>) };
    for (const [key, field] of Object.entries(tangent as Record<string, unknown>))
      object[key] = moved(object[key], field);
    return object;
  };
  return args.map((arg, i) => (params[i]!.name in tangents ? moved(arg, tangents[params[i]!.name]) : arg));
}

/** The numbers of a value in order: its elements and fields, nested. */
export function numbersIn(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (ArrayBuffer.isView(value) || Array.isArray(value))
    return Array.from(value as ArrayLike<unknown>).flatMap(numbersIn);
  return Object.values(value as Record<string, unknown>).flatMap(numbersIn);
}

/**
 * The Hessian functions of `fn` at one point (`@hessian`): fHvp's value and gradient are
 * fGrad's bit for bit and its H·v agrees with central differences of the gradient along v;
 * fHessian is symmetric and each column times v sums to H·v; fHessianDiagonal is its diagonal.
 */
export function checkHessianPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
): void {
  const where = `${fn.hvpName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = () => fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const tangents = tangentsFor(fn.params, args());
  const gradient = generated[fn.gradientName] as AnyFunction;
  const hvp = generated[fn.hvpName!] as AnyFunction;
  const expected = gradient(...args()) as { value: number; grad: unknown };
  const product = hvp(...args(), tangents) as { value: number; grad: unknown; hvp: unknown };
  expect(product.value, `${where}: value is fGrad's`).toBe(expected.value);
  expect(numbersIn(product.grad), `${where}: gradient is fGrad's`).toEqual(numbersIn(expected.grad));
  const computed = numbersIn(product.hvp);
  computed.forEach((generatedEntry, k) => {
    const numeric = centralDifference(
      (t) => numbersIn((gradient(...movedBy(fn.params, args(), tangents, t)) as { grad: unknown }).grad)[k]!,
      0,
    );
    expect(
      relativeError(generatedEntry, numeric),
      `${where}: (H v)[${k}] is ${generatedEntry}, finite differences ${numeric}`,
    ).toBeLessThanOrEqual(1e-6);
  });
  const hessian = (generated[fn.hessianName!] as AnyFunction)(...args()) as { hessian: number[][] };
  const v = numbersIn(tangents);
  const h = hessian.hessian;
  expect(h.length, `${where}: the Hessian has a row per coordinate`).toBe(v.length);
  h.forEach((row, i) => {
    row.forEach((entry, j) =>
      expect(
        relativeError(entry, h[j]![i]!),
        `${where}: H[${i}][${j}] = ${entry}, H[${j}][${i}] = ${h[j]![i]}`,
      ).toBeLessThanOrEqual(1e-9),
    );
    const rowTimesV = row.reduce((sum, entry, j) => sum + entry * v[j]!, 0);
    expect(relativeError(rowTimesV, computed[i]!), `${where}: (H v)[${i}] from the Hessian`).toBeLessThanOrEqual(1e-9);
  });
  if (fn.hessianSparseName !== undefined) {
    const passed = args();
    const sparse = (generated[fn.hessianSparseName] as AnyFunction)(...passed) as {
      value: number;
      grad: unknown;
      hessian: CompressedRows;
      colours: number;
    };
    expect(passed, `${where}: fHessianSparse leaves the arguments unchanged`).toEqual(args());
    expect(sparse.value, `${where}: fHessianSparse's value is fGrad's`).toBe(expected.value);
    expect(numbersIn(sparse.grad), `${where}: fHessianSparse's gradient is fGrad's`).toEqual(numbersIn(expected.grad));
    expectCompressedRows(`${where}: fHessianSparse`, sparse.hessian, h, sparse.colours);
  }
  if (fn.hessianDiagonalName === undefined) return;
  const diagonal = numbersIn(
    ((generated[fn.hessianDiagonalName] as AnyFunction)(...args()) as { hessianDiagonal: unknown }).hessianDiagonal,
  );
  h.forEach((row, i) =>
    row.forEach((entry, j) => {
      if (i !== j) expect(entry, `${where}: H[${i}][${j}] of a Hessian declared diagonal`).toBe(0);
    }),
  );
  expect(diagonal, `${where}: the diagonal`).toEqual(h.map((row, i) => row[i]));
}

/** Numbers 0 but the `j`th, which is 1: tangents along coordinate j. */
export function unitAt(j: number): () => number {
  let count = 0;
  return () => (count++ === j ? 1 : 0);
}

/**
 * The Jacobian functions of `fn` at one point (`@jacobian`): the value is the primal's bit for
 * bit, the Jacobian has a row per result element and a column per coordinate, each column
 * agrees with central finite differences of the primal along that coordinate, the forward and
 * reverse Jacobians agree to 1e-12, `fJacobian` is the forward one when there are no more
 * columns than rows (else the reverse one), and the arguments are unchanged.
 */
export function checkJacobianPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
): void {
  const where = `${fn.jacobianName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = () => fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const primal = sourceFunction(source, fn);
  const value = primal(...args());
  const outputs = numbersIn(value);
  const coordinates = numbersIn(tangentsFor(fn.params, args())).length;
  const call = (name: string | undefined) => {
    const passed = args();
    const result = (generated[name!] as AnyFunction)(...passed) as { value: unknown; jacobian: number[][] };
    expect(passed, `${where}: arguments unchanged`).toEqual(args());
    expect(numbersIn(result.value), `${where}: value is the primal's`).toEqual(outputs);
    expect(result.jacobian.length, `${where}: a row per result element`).toBe(outputs.length);
    for (const row of result.jacobian) expect(row.length, `${where}: a column per coordinate`).toBe(coordinates);
    return result.jacobian;
  };
  const forward = call(fn.jacobianForwardName);
  const reverse = call(fn.jacobianReverseName);
  const chosen = call(fn.jacobianName);
  expect(chosen, `${where}: by columns when there are no more of them than rows`).toEqual(
    coordinates <= outputs.length ? forward : reverse,
  );
  if (fn.jacobianSparseName !== undefined) checkSparseJacobian(generated, fn, args, where, outputs, forward);
  for (let j = 0; j < coordinates; j++) {
    const unit = tangentsFor(fn.params, args(), unitAt(j));
    outputs.forEach((_, row) => {
      const numeric = centralDifference((t) => numbersIn(primal(...movedBy(fn.params, args(), unit, t)))[row]!, 0);
      expect(
        relativeError(forward[row]![j]!, numeric),
        `${where}: J[${row}][${j}] is ${forward[row]![j]}, finite differences ${numeric}`,
      ).toBeLessThanOrEqual(1e-6);
      expect(
        relativeError(forward[row]![j]!, reverse[row]![j]!),
        `${where}: J[${row}][${j}] by forward mode ${forward[row]![j]}, by reverse mode ${reverse[row]![j]}`,
      ).toBeLessThanOrEqual(1e-12);
    });
  }
}

/**
 * `@jacobian sparse` at one point: `fJacobianPattern` lists, for each row, increasing columns
 * that hold every entry of the dense Jacobian `dense` that is not zero; `fJacobianSparse` has
 * that structure, its entries are the dense ones (to 1e-12), it takes no more directions than
 * there are columns, and both leave the arguments unchanged and give the primal's value.
 */
function checkSparseJacobian(
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  args: () => unknown[],
  where: string,
  outputs: number[],
  dense: number[][],
): void {
  const coordinates = dense[0]?.length ?? numbersIn(tangentsFor(fn.params, args())).length;
  const passed = args();
  const { value, pattern } = (generated[fn.jacobianPatternName!] as AnyFunction)(...passed) as {
    value: unknown;
    pattern: number[][];
  };
  expect(passed, `${where}: fJacobianPattern leaves the arguments unchanged`).toEqual(args());
  expect(numbersIn(value), `${where}: fJacobianPattern's value is the primal's`).toEqual(outputs);
  expect(pattern.length, `${where}: a pattern row per result element`).toBe(outputs.length);
  pattern.forEach((columns, row) => {
    expect(columns, `${where}: pattern row ${row} is increasing columns`).toEqual(
      [...new Set(columns)].sort((a, b) => a - b).filter((c) => c >= 0 && c < coordinates),
    );
    dense[row]!.forEach((entry, j) => {
      if (entry !== 0) expect(columns, `${where}: J[${row}][${j}] = ${entry} is in the pattern`).toContain(j);
    });
  });
  const sparsePassed = args();
  const sparse = (generated[fn.jacobianSparseName!] as AnyFunction)(...sparsePassed) as {
    value: unknown;
    jacobian: CompressedRows;
    colours: number;
  };
  expect(sparsePassed, `${where}: fJacobianSparse leaves the arguments unchanged`).toEqual(args());
  expect(numbersIn(sparse.value), `${where}: fJacobianSparse's value is the primal's`).toEqual(outputs);
  const { rowStarts, columnIndices } = sparse.jacobian;
  pattern.forEach((row, i) =>
    expect(
      Array.from(columnIndices.subarray(rowStarts[i]!, rowStarts[i + 1]!)),
      `${where}: sparse row ${i} has the pattern's columns`,
    ).toEqual(row),
  );
  expectCompressedRows(`${where}: fJacobianSparse`, sparse.jacobian, dense, sparse.colours);
}

/** A matrix in compressed sparse rows, as the generated sparse Jacobians and Hessians return it. */
interface CompressedRows {
  rows: number;
  columns: number;
  rowStarts: Int32Array;
  columnIndices: Int32Array;
  values: Float64Array;
}

/** `sparse` has the shape of `dense`, increasing columns in each row, every entry of `dense`
 * that is not zero, each entry equal to the dense one (to 1e-12), and took no more colours than
 * columns. */
function expectCompressedRows(where: string, sparse: CompressedRows, dense: number[][], colours: number): void {
  const { rows, columns, rowStarts, columnIndices, values } = sparse;
  const denseColumns = dense[0]?.length ?? columns;
  expect([rows, columns], `${where}: the shape`).toEqual([dense.length, denseColumns]);
  expect(colours, `${where}: no more colours than columns`).toBeLessThanOrEqual(columns);
  dense.forEach((denseRow, i) => {
    const entries = Array.from(columnIndices.subarray(rowStarts[i]!, rowStarts[i + 1]!));
    expect(entries, `${where}: row ${i}'s columns increase`).toEqual([...new Set(entries)].sort((a, b) => a - b));
    denseRow.forEach((entry, j) => {
      if (entry !== 0) expect(entries, `${where}: [${i}][${j}] = ${entry} is an entry`).toContain(j);
    });
    entries.forEach((j, e) => {
      const entry = values[rowStarts[i]! + e]!;
      expect(
        relativeError(entry, denseRow[j]!),
        `${where}: [${i}][${j}] is ${entry}, dense ${denseRow[j]}`,
      ).toBeLessThanOrEqual(1e-12);
    });
  });
}

export async function checkGradients(
  sourcePath: string,
  generatedPath: string,
  functions: GeneratedFunction[],
  points: Record<string, unknown[][]>,
): Promise<void> {
  const source = await import(pathToFileURL(sourcePath).href);
  const generated = await import(pathToFileURL(generatedPath).href);
  // A function calling `grad` throws when run as written: its module exports the expanded primal.
  const expanded = functions.filter((fn) => !fn.method && typeof generated[fn.name] === "function");
  const primals = { ...source, ...Object.fromEntries(expanded.map((fn) => [fn.name, generated[fn.name]])) };
  for (const fn of functions) {
    const fnPoints = points[fn.name];
    expect(fnPoints, `points are listed for ${fn.name}`).toBeDefined();
    expect(fnPoints!.length).toBeGreaterThanOrEqual(3);
    for (const json of fnPoints!) {
      const where = `${fn.name}(${JSON.stringify(json).slice(1, -1)})`;
      const result = checkPoint(primals, generated, fn, json);
      expect(result.valueMatches, `${where}: value is the primal's`).toBe(true);
      expect(result.argumentsUnchanged, `${where}: arguments unchanged`).toBe(true);
      expect(result.shapeMatches, `${where}: each gradient has its parameter's shape`).toBe(true);
      const worst = result.worst;
      const label = worst && `${worst.parameter}${worst.index.map((j) => `[${j}]`).join("")}`;
      expect(
        worst?.error ?? 0,
        `d${fn.name}/d${label} at ${where}: generated ${worst?.generated}, finite differences ${worst?.numeric}`,
      ).toBeLessThanOrEqual(1e-6);
      if (fn.jvpName !== undefined) checkJvpPoint(primals, generated, fn, json);
      if (fn.hvpName !== undefined) checkHessianPoint(primals, generated, fn, json);
      if (fn.jacobianName !== undefined) checkJacobianPoint(primals, generated, fn, json);
    }
  }
}
