/**
 * Generated functions that call other generated functions once per direction, written as text.
 * They hold no derivative of their own:
 *   - `fHessian` calls `fHvp` with each unit tangent in turn (a column of the Hessian each), and
 *     `fHessianDiagonal` calls it once with every tangent 1;
 *   - `fJacobianForward` calls `fJvpBatch` with the unit tangents (a column each) in blocks of
 *     `jacobianBlock` directions, `fJacobianReverse` calls `fVjp` with each unit cotangent (a
 *     row each; `fGrad` once for a number-valued function), and `fJacobian` calls the first when
 *     there are no more columns than rows, else the second.
 *
 * Parameters are the source function's, which must be numbers, arrays of numbers or arrays of
 * rows: the coordinates are theirs in order, each array's elements in order (a row after
 * another).
 */
import type { Namer } from "../backend/naming.js";
import type { IRFunction, Param } from "../ir/types.js";
import { TangentError, wholeFunction } from "./tangent-writer.js";

/** `new Float64Array(n)` or `new Array<number>(n).fill(0)`: an array of a kind holding `fill`. */
function filled(kind: string, length: string, fill = 0): string {
  if (kind === "Array") return `new Array<number>(${length}).fill(${fill})`;
  return fill === 0 ? `new ${kind}(${length})` : `new ${kind}(${length}).fill(${fill})`;
}

/** The parameters of the signature, and the call's arguments. */
function signatureParts(fn: IRFunction): { params: string; args: string[] } {
  const args = fn.params.map((p) => `${p.rest ? "..." : ""}${p.value.name!}`);
  const params = fn.params
    .map((p) => `${p.rest ? "..." : ""}${p.value.name!}: ${p.typeText}${p.defaultText ? ` = ${p.defaultText}` : ""}`)
    .join(", ");
  return { params, args };
}

/** The call of `callee` with `tangents` (before a rest parameter, as forward mode takes them). */
function callWithTangents(fn: IRFunction, callee: string, args: string[], tangents: string): string {
  const restAt = fn.params.findIndex((p) => p.rest);
  const at = restAt < 0 ? args.length : restAt;
  return `${callee}(${[...args.slice(0, at), tangents, ...args.slice(at)].join(", ")})`;
}

/** A TangentError at the function, for a driver that cannot be written. */
function refused(fn: IRFunction, reason: string): TangentError {
  return new TangentError(wholeFunction(fn), reason);
}

/** Names for a driver's locals, one per hint, none of them a parameter's. */
function localNames<const Hint extends string>(
  fn: IRFunction,
  namer: Namer,
  hints: readonly Hint[],
): Record<Hint, string> {
  for (const p of fn.params) namer.reserve(p.value.name!);
  return Object.fromEntries(hints.map((hint) => [hint, namer.claim(hint)])) as Record<Hint, string>;
}

/** The parameters the derivatives are taken with respect to, or a TangentError naming one that
 * is not a number or an array of numbers or rows. */
function coordinateParams(fn: IRFunction, what: string): Param[] {
  const wrt = fn.params.filter((p) => p.differentiated);
  const object = wrt.find((p) => p.field !== undefined || p.elementFields !== undefined);
  if (object) {
    const name = object.field?.param ?? object.value.name;
    throw refused(fn, `${what} is taken with respect to numbers and arrays of numbers, and '${name}' holds objects`);
  }
  return wrt;
}

/** The gradient's type, `{ x: Float64Array; y: number }`, from the parameters. */
function gradType(wrt: Param[]): string {
  const type = (p: Param) => {
    const kind = (k: string) => (k === "Array" ? "number[]" : k);
    if (p.rowKind !== undefined) return `${kind(p.rowKind)}[]`;
    return p.arrayKind === undefined ? "number" : kind(p.arrayKind);
  };
  return `{ ${wrt.map((p) => `${p.value.name!}: ${type(p)}`).join("; ")} }`;
}

/** The number of coordinates: `x.length + 1` for an array `x` and a number. */
function coordinateCount(wrt: Param[]): string {
  const terms = wrt.map((p) =>
    p.rowKind !== undefined
      ? `${p.value.name!}.reduce((total, row) => total + row.length, 0)`
      : p.arrayKind !== undefined
        ? `${p.value.name!}.length`
        : "1",
  );
  return terms.length === 0 ? "0" : terms.join(" + ");
}

/**
 * The lines declaring one array or number `name` per parameter, shaped like it, zero but for a
 * 1 at coordinate `k` (counted down through the parameters, so `k` is spent afterwards); and
 * the object of them, `{ x: xDot, y: yDot }`.
 */
function unitVector(wrt: Param[], namer: Namer, k: string, suffix: string): { lines: string[]; object: string } {
  const named = wrt.map((p) => ({ p, name: namer.claim(`${p.value.name!}${suffix}`) }));
  const lines = named.flatMap(({ p, name }) => {
    const x = p.value.name!;
    if (p.rowKind !== undefined)
      return [
        `const ${name} = ${x}.map((row) => ${filled(p.rowKind, "row.length")});`,
        `for (const row of ${name}) {`,
        `  if (${k} >= 0 && ${k} < row.length) row[${k}] = 1;`,
        `  ${k} -= row.length;`,
        "}",
      ];
    if (p.arrayKind !== undefined)
      return [
        `const ${name} = ${filled(p.arrayKind, `${x}.length`)};`,
        `if (${k} >= 0 && ${k} < ${x}.length) ${name}[${k}] = 1;`,
        `${k} -= ${x}.length;`,
      ];
    return [`const ${name} = ${k} === 0 ? 1 : 0;`, `${k} -= 1;`];
  });
  return { lines, object: `{ ${named.map(({ p, name }) => `${p.value.name!}: ${name}`).join(", ")} }` };
}

/** Tangents shaped like the parameters, every one `fill`: `{ x: new Float64Array(x.length), y: 0 }`. */
function constantTangents(wrt: Param[], fill: number): string {
  const constant = (p: Param) => {
    const x = p.value.name!;
    if (p.rowKind !== undefined) return `${x}.map((row) => ${filled(p.rowKind, "row.length", fill)})`;
    return p.arrayKind !== undefined ? filled(p.arrayKind, `${x}.length`, fill) : `${fill}`;
  };
  return `{ ${wrt.map((p) => `${p.value.name!}: ${constant(p)}`).join(", ")} }`;
}

/** An object holding one field per parameter (a gradient, an H·v) as one row of numbers. */
function flattened(object: string, wrt: Param[]): string {
  const entries = wrt.map((p) => {
    const field = `${object}.${p.value.name!}`;
    if (p.rowKind !== undefined) return `...${field}.flatMap((r) => [...r])`;
    return p.arrayKind !== undefined ? `...${field}` : field;
  });
  return `[${entries.join(", ")}]`;
}

/** `{ value, grad }` or `{ value: v, grad: g }`: an object's fields, the shorthand where names
 * agree (to return them, or to destructure a result into them). */
function fields(entries: [key: string, name: string][]): string {
  return `{ ${entries.map(([key, name]) => (key === name ? key : `${key}: ${name}`)).join(", ")} }`;
}

/** `fHessian`: the dense Hessian, one `fHvp` per coordinate. */
export function hessianDriver(
  fn: IRFunction,
  names: { hessian: string; hvp: string; gradient: string },
  namer: Namer,
): string {
  const wrt = coordinateParams(fn, "a Hessian");
  const { params, args } = signatureParts(fn);
  const { value, grad, j, k, size, hessian, hvp } = localNames(fn, namer, [
    "value",
    "grad",
    "j",
    "k",
    "size",
    "hessian",
    "hvp",
  ]);
  const unit = unitVector(wrt, namer, k, "Dot");
  return [
    `export function ${names.hessian}(${params}): { value: number; grad: ${gradType(wrt)}; hessian: number[][] } {`,
    `  const ${fields([
      ["value", value],
      ["grad", grad],
    ])} = ${names.gradient}(${args.join(", ")});`,
    `  const ${size} = ${coordinateCount(wrt)};`,
    `  const ${hessian}: number[][] = [];`,
    `  for (let ${j} = 0; ${j} < ${size}; ${j}++) {`,
    `    let ${k} = ${j};`,
    ...unit.lines.map((line) => `    ${line}`),
    `    const ${hvp} = ${callWithTangents(fn, names.hvp, args, unit.object)}.hvp;`,
    `    ${hessian}.push(${flattened(hvp, wrt)});`,
    "  }",
    `  return ${fields([
      ["value", value],
      ["grad", grad],
      ["hessian", hessian],
    ])};`,
    "}",
  ].join("\n");
}

/** `fHessianDiagonal`: `fHvp` along a tangent of ones, the diagonal of a Hessian the user
 * declares diagonal (`@hessian diagonal`). */
export function hessianDiagonalDriver(fn: IRFunction, names: { diagonal: string; hvp: string }, namer: Namer): string {
  const wrt = coordinateParams(fn, "a Hessian");
  const { params, args } = signatureParts(fn);
  const { product } = localNames(fn, namer, ["product"]);
  const tangents = constantTangents(wrt, 1);
  return [
    `export function ${names.diagonal}(${params}): { value: number; grad: ${gradType(wrt)}; hessianDiagonal: ${gradType(wrt)} } {`,
    `  const ${product} = ${callWithTangents(fn, names.hvp, args, tangents)};`,
    `  return { value: ${product}.value, grad: ${product}.grad, hessianDiagonal: ${product}.hvp };`,
    "}",
  ].join("\n");
}

/** The generated Jacobian functions of one source function. */
export interface JacobianNames {
  forward: string;
  reverse: string;
  auto: string;
  jvp: string;
  jvpBatch: string;
  /** `fGrad` of a number-valued function, `fVjp` of an array-valued one. */
  gradient: string;
}

/** The type of a Jacobian driver's value. */
function valueType(kind: string | undefined): string {
  return kind === undefined ? "number" : kind === "Array" ? "number[]" : kind;
}

/** What the Jacobian drivers share: the coordinates, the signature, the result's type. */
function jacobianParts(fn: IRFunction) {
  if (fn.returnsObject !== undefined) throw refused(fn, "a Jacobian is of a function returning a number or an array");
  if (fn.params.some((p) => p.rest)) throw refused(fn, "a Jacobian is of a function without a rest parameter");
  const wrt = coordinateParams(fn, "a Jacobian");
  const { params, args } = signatureParts(fn);
  const kind = fn.returnsArray;
  return { wrt, params, args, kind, header: `(${params}): { value: ${valueType(kind)}; jacobian: number[][] }` };
}

/** The columns one `fJvpBatch` call of `fJacobianForward` computes at most. */
export const jacobianBlock = 32;

/**
 * The lines declaring one tangent array per parameter in vector forward mode's layout for
 * `width` lanes (`${x}${suffix}`: a number's `width` lanes, an array's elements element-major,
 * an array of rows row by row), each array of `length` numbers in turn (a parameter, or each of
 * its rows) filled by the lines `seed(array, length)` make; and the object of them,
 * `{ x: xDot, y: yDot }`.
 */
function seededLanes(
  wrt: Param[],
  namer: Namer,
  suffix: string,
  width: string,
  seed: (array: string, length: string) => string[],
): { lines: string[]; object: string } {
  const named = wrt.map((p) => ({ p, name: namer.claim(`${p.value.name!}${suffix}`) }));
  const lines = named.flatMap(({ p, name }) => {
    const x = p.value.name!;
    if (p.rowKind !== undefined)
      return [
        `const ${name} = ${x}.map((row) => new Float64Array(row.length * ${width}));`,
        `${x}.forEach((row, r) => {`,
        `  const lanes = ${name}[r];`,
        ...seed("lanes", "row.length").map((line) => `  ${line}`),
        "});",
      ];
    if (p.arrayKind !== undefined)
      return [`const ${name} = new Float64Array(${x}.length * ${width});`, ...seed(name, `${x}.length`)];
    return [`const ${name} = new Float64Array(${width});`, ...seed(name, "1")];
  });
  return { lines, object: `{ ${named.map(({ p, name }) => `${p.value.name!}: ${name}`).join(", ")} }` };
}

/** Tangents for `width` directions, lane d the unit vector of coordinate `k` + d (`k` counted
 * down through the parameters, so it is spent afterwards). */
function unitLanes(wrt: Param[], namer: Namer, k: string, width: string): { lines: string[]; object: string } {
  const d = namer.claim("d");
  return seededLanes(wrt, namer, "Dot", width, (array, length) => [
    // lane d of element (k + d)
    `for (let ${d} = 0; ${d} < ${width}; ${d}++) if (${k} + ${d} >= 0 && ${k} + ${d} < ${length}) ${array}[(${k} + ${d}) * ${width} + ${d}] = 1;`,
    `${k} -= ${length};`,
  ]);
}

/** `fJacobianForward`: the dense Jacobian by columns, `fJvpBatch` along up to `jacobianBlock`
 * unit vectors at once (one call for a Jacobian of no more columns). */
export function jacobianForwardDriver(fn: IRFunction, names: JacobianNames, namer: Namer): string {
  const { wrt, args, kind, header } = jacobianParts(fn);
  const { size, tangentsAt, start, width, k, value, jacobian, result, i, lane } = localNames(fn, namer, [
    "size",
    "tangentsAt",
    "start",
    "width",
    "k",
    "value",
    "jacobian",
    "result",
    "i",
    "lane",
  ]);
  const unit = unitLanes(wrt, namer, k, width);
  const batch = `${names.jvpBatch}(${[...args, `${tangentsAt}(${start}, ${width})`, width].join(", ")})`;
  const rowCount = kind === undefined ? "1" : `${result}.value.length`;
  return [
    `export function ${names.forward}${header} {`,
    `  const ${size} = ${coordinateCount(wrt)};`,
    `  const ${tangentsAt} = (${start}: number, ${width}: number) => {`,
    `    let ${k} = ${start};`,
    ...unit.lines.map((line) => `    ${line}`),
    `    return ${unit.object};`,
    "  };",
    `  let ${value}!: ${valueType(kind)};`,
    `  const ${jacobian}: number[][] = [];`,
    "  // (a function without coordinates still runs once, for its value)",
    `  for (let ${start} = 0; ${start} === 0 || ${start} < ${size}; ${start} += ${jacobianBlock}) {`,
    `    const ${width} = Math.min(${jacobianBlock}, ${size} - ${start});`,
    `    const ${result} = ${batch};`,
    `    if (${start} === 0) {`,
    `      ${value} = ${result}.value;`,
    `      for (let ${i} = 0; ${i} < ${rowCount}; ${i}++) ${jacobian}.push(new Array<number>(${size}));`,
    "    }",
    `    for (let ${i} = 0; ${i} < ${jacobian}.length; ${i}++)`,
    `      for (let ${lane} = 0; ${lane} < ${width}; ${lane}++) ${jacobian}[${i}]![${start} + ${lane}] = ${result}.tangent[${i} * ${width} + ${lane}]!;`,
    "  }",
    `  return ${fields([
      ["value", value],
      ["jacobian", jacobian],
    ])};`,
    "}",
  ].join("\n");
}

/** `fJacobianReverse`: the dense Jacobian by rows, one `fVjp` per result element (for a
 * number-valued function, its gradient). */
export function jacobianReverseDriver(fn: IRFunction, names: JacobianNames, namer: Namer): string {
  const { wrt, args, kind, header } = jacobianParts(fn);
  if (kind === undefined) {
    const { value, grad } = localNames(fn, namer, ["value", "grad"]);
    return [
      `export function ${names.reverse}${header} {`,
      `  const ${fields([
        ["value", value],
        ["grad", grad],
      ])} = ${names.gradient}(${args.join(", ")});`,
      `  return ${fields([
        ["value", value],
        ["jacobian", `[${flattened(grad, wrt)}]`],
      ])};`,
      "}",
    ].join("\n");
  }
  const { value, i, cotangent, jacobian, grad } = localNames(fn, namer, [
    "value",
    "i",
    "cotangent",
    "jacobian",
    "grad",
  ]);
  return [
    `export function ${names.reverse}${header} {`,
    "  // one forward sweep along no direction, for the result's length",
    `  const ${value} = ${names.jvp}(${[...args, constantTangents(wrt, 0)].join(", ")}).value;`,
    `  const ${jacobian}: number[][] = [];`,
    `  for (let ${i} = 0; ${i} < ${value}.length; ${i}++) {`,
    `    const ${cotangent} = ${filled(kind, `${value}.length`)};`,
    `    ${cotangent}[${i}] = 1;`,
    `    const ${grad} = ${names.gradient}(${[...args, cotangent].join(", ")}).grad;`,
    `    ${jacobian}.push(${flattened(grad, wrt)});`,
    "  }",
    `  return ${fields([
      ["value", value],
      ["jacobian", jacobian],
    ])};`,
    "}",
  ].join("\n");
}

/** `fJacobian`: by columns (`fJacobianForward`) when there are no more coordinates than result
 * elements, else by rows (`fJacobianReverse`). */
export function jacobianDriver(fn: IRFunction, names: JacobianNames, namer: Namer): string {
  const { wrt, args, kind, header } = jacobianParts(fn);
  const call = (callee: string) => `${callee}(${args.join(", ")})`;
  const choice = (rows: string) =>
    `  return ${coordinateCount(wrt)} <= ${rows} ? ${call(names.forward)} : ${call(names.reverse)};`;
  if (kind === undefined) return [`export function ${names.auto}${header} {`, choice("1"), "}"].join("\n");
  const { rows } = localNames(fn, namer, ["rows"]);
  return [
    `export function ${names.auto}${header} {`,
    "  // one forward sweep along no direction, for the result's length",
    `  const ${rows} = ${names.jvp}(${[...args, constantTangents(wrt, 0)].join(", ")}).value.length;`,
    choice(rows),
    "}",
  ].join("\n");
}

/** The generated functions a sparse Jacobian's drivers call and are. */
export interface SparseJacobianNames {
  pattern: string;
  sparse: string;
  jvpPattern: string;
  jvpBatch: string;
}

/** The bits of one word of a set of coordinates (see pattern-writer.ts). */
const wordBits = 32;

/** The module-level function colouring a sparse Jacobian's columns, which `fJacobianSparse` calls. */
export const columnColoursName = "jacobianColumnColours";

/**
 * `jacobianColumnColours`: columns that share a row get different colours, chosen greedily in
 * column order (the smallest colour no column sharing a row with it has), so that the columns
 * of one colour, added into one direction, give a product each of whose entries is one column's.
 */
export const columnColoursDeclaration = [
  "/** Colours for a Jacobian's columns such that no row holds two columns of one colour (greedily,",
  " * in column order), from the pattern in compressed sparse rows. */",
  `function ${columnColoursName}(rowStarts: Int32Array, columnIndices: Int32Array, columns: number): { colour: Int32Array; colours: number } {`,
  "  // rows holding the same columns rule out the same colours: only the first of them is read",
  "  const distinct: number[] = [];",
  "  const byHash = new Map<number, number[]>();",
  "  const sameColumns = (a: number, b: number) => {",
  "    const length = rowStarts[a + 1]! - rowStarts[a]!;",
  "    if (rowStarts[b + 1]! - rowStarts[b]! !== length) return false;",
  "    for (let e = 0; e < length; e++) if (columnIndices[rowStarts[a]! + e] !== columnIndices[rowStarts[b]! + e]) return false;",
  "    return true;",
  "  };",
  "  for (let i = 0; i + 1 < rowStarts.length; i++) {",
  "    let hash = 0;",
  "    for (let e = rowStarts[i]!; e < rowStarts[i + 1]!; e++) hash = (Math.imul(hash, 31) + columnIndices[e]!) | 0;",
  "    const same = byHash.get(hash);",
  "    if (same === undefined) byHash.set(hash, [i]);",
  "    else if (same.some((r) => sameColumns(r, i))) continue;",
  "    else same.push(i);",
  "    distinct.push(i);",
  "  }",
  "  // the distinct rows holding each column, in compressed sparse columns",
  "  const columnStarts = new Int32Array(columns + 1);",
  "  for (const i of distinct) for (let e = rowStarts[i]!; e < rowStarts[i + 1]!; e++) columnStarts[columnIndices[e]! + 1]!++;",
  "  for (let j = 0; j < columns; j++) columnStarts[j + 1]! += columnStarts[j]!;",
  "  const rowIndices = new Int32Array(columnStarts[columns]!);",
  "  const filled = columnStarts.slice(0, columns);",
  "  for (const i of distinct) for (let e = rowStarts[i]!; e < rowStarts[i + 1]!; e++) rowIndices[filled[columnIndices[e]!]!++] = i;",
  "  const colour = new Int32Array(columns).fill(-1);",
  "  // the last column for which each colour was ruled out",
  "  const ruledOutFor = new Int32Array(columns + 1).fill(-1);",
  "  let colours = 0;",
  "  for (let j = 0; j < columns; j++) {",
  "    for (let f = columnStarts[j]!; f < columnStarts[j + 1]!; f++) {",
  "      const i = rowIndices[f]!;",
  "      for (let e = rowStarts[i]!; e < rowStarts[i + 1]!; e++) {",
  "        const c = colour[columnIndices[e]!]!;",
  "        if (c >= 0) ruledOutFor[c] = j;",
  "      }",
  "    }",
  "    let c = 0;",
  "    while (ruledOutFor[c] === j) c++;",
  "    colour[j] = c;",
  "    colours = Math.max(colours, c + 1);",
  "  }",
  "  return { colour, colours };",
  "}",
].join("\n");

/** The module-level function colouring a sparse Hessian's columns, which `fHessianSparse` calls. */
export const symmetricColoursName = "hessianColumnColours";

/**
 * `hessianColumnColours`: a colouring that uses the Hessian's symmetry, after making the pattern
 * symmetric. An entry (i, j) is read from the product of column j's colour at row i when no
 * other column of row i has that colour, or else from its mirror, the product of column i's
 * colour at row j (H[i][j] = H[j][i]). Columns are coloured densest first, each with the
 * smallest colour that leaves every entry among coloured columns readable one way or the other
 * (a new colour always does); `mirrored` says, entry by entry in row order, which way. A dense
 * row and column with a diagonal (a parameter scaling everything) take two colours, where
 * colouring as any matrix takes one per column.
 */
export const symmetricColoursDeclaration = [
  "/** Colours for a Hessian's columns, its pattern made symmetric in place, such that each entry",
  " * is read from its own row or, `mirrored`, from its mirror's (entries in row order). */",
  `function ${symmetricColoursName}(pattern: number[][], columns: number): { colour: Int32Array; colours: number; mirrored: Uint8Array } {`,
  "  const rows = pattern.map((row) => new Set(row));",
  "  pattern.forEach((row, i) => {",
  "    for (const j of row) rows[j]!.add(i);",
  "  });",
  "  rows.forEach((row, i) => (pattern[i] = [...row].sort((a, b) => a - b)));",
  "  const colour = new Int32Array(columns).fill(-1);",
  "  // for each row, how many of its coloured columns have each colour",
  "  const counts = pattern.map(() => new Map<number, number>());",
  "  const count = (row: number, c: number, by: number) => counts[row]!.set(c, (counts[row]!.get(c) ?? 0) + by);",
  "  const unique = (row: number, c: number) => counts[row]!.get(c) === 1;",
  "  const readable = (i: number, j: number) => unique(i, colour[j]!) || unique(j, colour[i]!);",
  "  let colours = 0;",
  "  const densestFirst = [...pattern.keys()].sort((a, b) => pattern[b]!.length - pattern[a]!.length || a - b);",
  "  for (const v of densestFirst) {",
  "    // the rows holding column v are, by symmetry, those of row v",
  "    for (let c = 0; ; c++) {",
  "      colour[v] = c;",
  "      for (const row of pattern[v]!) count(row, c, 1);",
  "      const fits = pattern[v]!.every((row) => colour[row]! < 0 || pattern[row]!.every((x) => colour[x]! < 0 || readable(row, x)));",
  "      if (fits) {",
  "        colours = Math.max(colours, c + 1);",
  "        break;",
  "      }",
  "      for (const row of pattern[v]!) count(row, c, -1);",
  "    }",
  "  }",
  "  const mirrored = new Uint8Array(pattern.reduce((total, row) => total + row.length, 0));",
  "  let e = 0;",
  "  pattern.forEach((row, i) => {",
  "    for (const j of row) mirrored[e++] = unique(i, colour[j]!) ? 0 : 1;",
  "  });",
  "  return { colour, colours, mirrored };",
  "}",
].join("\n");

/** `fJacobianPattern`: for each row of the Jacobian at this point, the columns it may have an
 * entry in, from one `fJvpPattern` sweep seeding each coordinate's bit. */
export function jacobianPatternDriver(fn: IRFunction, names: SparseJacobianNames, namer: Namer): string {
  const { wrt, params, args, kind } = jacobianParts(fn);
  const { size, words, k, j, result, pattern, i, columns, w, bits } = localNames(fn, namer, [
    "size",
    "words",
    "k",
    "j",
    "result",
    "pattern",
    "i",
    "columns",
    "w",
    "bits",
  ]);
  const seeds = seededLanes(wrt, namer, "Bits", words, (array, length) => [
    `for (let ${j} = 0; ${j} < ${length}; ${j}++) ${array}[${j} * ${words} + ((${k} + ${j}) >> 5)] = 1 << ((${k} + ${j}) & 31);`,
    `${k} += ${length};`,
  ]);
  const sweep = `${names.jvpPattern}(${[...args, seeds.object, words].join(", ")})`;
  return [
    `export function ${names.pattern}(${params}): { value: ${valueType(kind)}; pattern: number[][] } {`,
    `  const ${size} = ${coordinateCount(wrt)};`,
    `  const ${words} = Math.max(1, Math.ceil(${size} / ${wordBits}));`,
    `  let ${k} = 0;`,
    ...seeds.lines.map((line) => `  ${line}`),
    `  const ${result} = ${sweep};`,
    `  const ${pattern}: number[][] = [];`,
    `  for (let ${i} = 0; ${i} < ${result}.tangent.length / ${words}; ${i}++) {`,
    `    const ${columns}: number[] = [];`,
    `    for (let ${w} = 0; ${w} < ${words}; ${w}++) {`,
    `      let ${bits} = ${result}.tangent[${i} * ${words} + ${w}]! | 0;`,
    ...setBits(bits, columns, `${wordBits} * ${w}`).map((line) => `      ${line}`),
    "    }",
    `    ${pattern}.push(${columns});`,
    "  }",
    `  return ${fields([
      ["value", `${result}.value`],
      ["pattern", pattern],
    ])};`,
    "}",
  ].join("\n");
}

/** The lines declaring the compressed sparse rows of the pattern `pattern` (`rowStarts`,
 * `columnIndices`) and their `values`, zero. */
function compressedRows(pattern: string, rowStarts: string, columnIndices: string, values: string): string[] {
  return [
    `  const ${rowStarts} = new Int32Array(${pattern}.length + 1);`,
    `  ${pattern}.forEach((row, r) => (${rowStarts}[r + 1] = ${rowStarts}[r]! + row.length));`,
    `  const ${columnIndices} = new Int32Array(${rowStarts}[${pattern}.length]!);`,
    `  ${pattern}.forEach((row, r) => ${columnIndices}.set(row, ${rowStarts}[r]!));`,
    `  const ${values} = new Float64Array(${columnIndices}.length);`,
  ];
}

/** The lines pushing onto `row` the coordinate of each bit set in the word `bits` (a `let`),
 * the lowest first, counting from `first`. */
function setBits(bits: string, row: string, first: string): string[] {
  return [
    "// each bit that is set, the lowest first",
    `while (${bits} !== 0) {`,
    `  ${row}.push(${first} + 31 - Math.clz32(${bits} & -${bits}));`,
    `  ${bits} &= ${bits} - 1;`,
    "}",
  ];
}

/** The type of `fJacobianSparse`'s Jacobian: compressed sparse rows. */
const sparseJacobianType =
  "{ rows: number; columns: number; rowStarts: Int32Array; columnIndices: Int32Array; values: Float64Array }";

/**
 * `fJacobianSparse`: the Jacobian at this point in compressed sparse rows, from its pattern
 * (`fJacobianPattern`), the columns coloured so that no row holds two of one colour, and
 * `fJvpBatch` along one direction per colour (the sum of its columns' unit vectors), in blocks
 * of up to `jacobianBlock`: each entry is its row's lane of its column's colour. A direction
 * whose lanes are not all finite is taken again a column at a time: an infinite partial
 * derivative (a square root at 0) would otherwise mix NaN into the columns sharing it.
 */
export function jacobianSparseDriver(fn: IRFunction, names: SparseJacobianNames, namer: Namer): string {
  const { wrt, params, args, kind } = jacobianParts(fn);
  const {
    value,
    pattern,
    size,
    colour,
    colours,
    rowStarts,
    columnIndices,
    values,
    along,
    laneOf,
    width,
    k,
    j,
    lane,
    tangent,
    i,
    e,
    start,
    d,
    count,
    single,
    jacobian,
  } = localNames(fn, namer, [
    "value",
    "pattern",
    "size",
    "colour",
    "colours",
    "rowStarts",
    "columnIndices",
    "values",
    "along",
    "laneOf",
    "width",
    "k",
    "j",
    "lane",
    "tangent",
    "i",
    "e",
    "start",
    "d",
    "count",
    "single",
    "jacobian",
  ]);
  const seeds = seededLanes(wrt, namer, "Dot", width, (array, length) => [
    `for (let ${j} = 0; ${j} < ${length}; ${j}++) {`,
    `  const ${lane} = ${laneOf}[${k} + ${j}]!;`,
    `  if (${lane} >= 0) ${array}[${j} * ${width} + ${lane}] = 1;`,
    "}",
    `${k} += ${length};`,
  ]);
  const batch = `${names.jvpBatch}(${[...args, seeds.object, width].join(", ")})`;
  return [
    `export function ${names.sparse}(${params}): { value: ${valueType(kind)}; jacobian: ${sparseJacobianType}; colours: number } {`,
    `  const ${fields([
      ["value", value],
      ["pattern", pattern],
    ])} = ${names.pattern}(${args.join(", ")});`,
    `  const ${size} = ${coordinateCount(wrt)};`,
    ...compressedRows(pattern, rowStarts, columnIndices, values),
    `  const ${fields([
      ["colour", colour],
      ["colours", colours],
    ])} = ${columnColoursName}(${rowStarts}, ${columnIndices}, ${size});`,
    "  // fJvpBatch along `width` directions, direction d the sum of the unit vectors of the columns j",
    "  // with laneOf[j] === d (-1: none); the entries of those columns are their rows' lanes",
    `  const ${along} = (${laneOf}: Int32Array, ${width}: number) => {`,
    `    let ${k} = 0;`,
    ...seeds.lines.map((line) => `    ${line}`),
    `    const ${tangent} = ${batch}.tangent;`,
    `    for (let ${i} = 0; ${i} < ${pattern}.length; ${i}++)`,
    `      for (let ${e} = ${rowStarts}[${i}]!; ${e} < ${rowStarts}[${i} + 1]!; ${e}++) {`,
    `        const ${lane} = ${laneOf}[${columnIndices}[${e}]!]!;`,
    `        if (${lane} >= 0) ${values}[${e}] = ${tangent}[${i} * ${width} + ${lane}]!;`,
    "      }",
    `    return ${tangent};`,
    "  };",
    `  for (let ${start} = 0; ${start} < ${colours}; ${start} += ${jacobianBlock}) {`,
    `    const ${width} = Math.min(${jacobianBlock}, ${colours} - ${start});`,
    `    const ${tangent} = ${along}(${colour}.map((c) => (c >= ${start} && c < ${start} + ${width} ? c - ${start} : -1)), ${width});`,
    `    for (let ${d} = 0; ${d} < ${width}; ${d}++) {`,
    `      let ${i} = 0;`,
    `      while (${i} < ${pattern}.length && Number.isFinite(${tangent}[${i} * ${width} + ${d}])) ${i}++;`,
    `      if (${i} === ${pattern}.length) continue;`,
    "      // (an infinite partial derivative: this colour's columns again, one direction each)",
    `      let ${count} = 0;`,
    `      const ${single} = ${colour}.map((c) => (c === ${start} + ${d} ? ${count}++ : -1));`,
    `      ${along}(${single}, ${count});`,
    "    }",
    "  }",
    `  const ${jacobian} = ${fields([
      ["rows", `${pattern}.length`],
      ["columns", size],
      ["rowStarts", rowStarts],
      ["columnIndices", columnIndices],
      ["values", values],
    ])};`,
    `  return ${fields([
      ["value", value],
      ["jacobian", jacobian],
      ["colours", colours],
    ])};`,
    "}",
  ].join("\n");
}

/**
 * The lines declaring one tangent per parameter, shaped like it (`${x}${suffix}`), coordinate c
 * holding `entry(c)`, with `k` the coordinate of the parameter's first number (counted up
 * through the parameters, so it is spent afterwards); and the object of them.
 */
function seededTangents(
  wrt: Param[],
  namer: Namer,
  suffix: string,
  k: string,
  entry: (coordinate: string) => string,
): { lines: string[]; object: string } {
  const named = wrt.map((p) => ({ p, name: namer.claim(`${p.value.name!}${suffix}`) }));
  const filledFrom = (kind: string, length: string) =>
    `${kind === "Array" ? "Array" : kind}.from({ length: ${length} }, (_, j) => ${entry(`${k} + j`)})`;
  const lines = named.flatMap(({ p, name }) => {
    const x = p.value.name!;
    if (p.rowKind !== undefined)
      return [
        `const ${name} = ${x}.map((row) => {`,
        `  const seeded = ${filledFrom(p.rowKind, "row.length")};`,
        `  ${k} += row.length;`,
        "  return seeded;",
        "});",
      ];
    if (p.arrayKind !== undefined)
      return [`const ${name} = ${filledFrom(p.arrayKind, `${x}.length`)};`, `${k} += ${x}.length;`];
    return [`const ${name} = ${entry(k)};`, `${k} += 1;`];
  });
  return { lines, object: `{ ${named.map(({ p, name }) => `${p.value.name!}: ${name}`).join(", ")} }` };
}

/** The generated functions a sparse Hessian's driver calls and is. */
export interface SparseHessianNames {
  sparse: string;
  hvpPattern: string;
  hvp: string;
  gradient: string;
}

/**
 * `fHessianSparse`: the Hessian at this point in compressed sparse rows, from its pattern (one
 * `fHvpPattern` sweep per 32 coordinates, seeding each coordinate's bit), made symmetric, the
 * columns coloured so that each entry can be read from its row or its mirror's (see
 * `symmetricColoursDeclaration`), and one `fHvp` along each colour's direction (the sum of its
 * columns' unit vectors). When a product is not all finite (an infinite partial derivative
 * mixes into the entries sharing its direction), every column is taken again on its own, as
 * `fHessian` takes them.
 */
export function hessianSparseDriver(fn: IRFunction, names: SparseHessianNames, namer: Namer): string {
  const wrt = coordinateParams(fn, "a Hessian");
  const { params, args } = signatureParts(fn);
  const {
    value,
    grad,
    size,
    pattern,
    chunk,
    k,
    swept,
    sets,
    bits,
    colour,
    colours,
    mirrored,
    rowStarts,
    columnIndices,
    values,
    c,
    hvp,
    product,
    i,
    e,
    j,
    along,
    inDirection,
    byRows,
    fromRow,
    column,
    finite,
    v,
    hessian,
  } = localNames(fn, namer, [
    "value",
    "grad",
    "size",
    "pattern",
    "chunk",
    "k",
    "swept",
    "sets",
    "bits",
    "colour",
    "colours",
    "mirrored",
    "rowStarts",
    "columnIndices",
    "values",
    "c",
    "hvp",
    "product",
    "i",
    "e",
    "j",
    "along",
    "inDirection",
    "byRows",
    "fromRow",
    "column",
    "finite",
    "v",
    "hessian",
  ]);
  const seeds = seededTangents(wrt, namer, "Bits", k, (at) => `${at} >= 0 && ${at} < ${wordBits} ? 1 << (${at}) : 0`);
  const directions = seededTangents(wrt, namer, "Dot", k, (at) => `${inDirection}(${at}) ? 1 : 0`);
  return [
    `export function ${names.sparse}(${params}): { value: number; grad: ${gradType(wrt)}; hessian: ${sparseJacobianType}; colours: number } {`,
    `  const ${fields([
      ["value", value],
      ["grad", grad],
    ])} = ${names.gradient}(${args.join(", ")});`,
    `  const ${size} = ${coordinateCount(wrt)};`,
    `  const ${pattern}: number[][] = Array.from({ length: ${size} }, () => []);`,
    `  for (let ${chunk} = 0; ${chunk} < ${size}; ${chunk} += ${wordBits}) {`,
    `    let ${k} = -${chunk};`,
    ...seeds.lines.map((line) => `    ${line}`),
    `    const ${swept} = ${callWithTangents(fn, names.hvpPattern, args, seeds.object)}.hvp;`,
    `    const ${sets} = ${flattened(swept, wrt)};`,
    `    ${sets}.forEach((set, row) => {`,
    `      let ${bits} = set | 0;`,
    ...setBits(bits, `${pattern}[row]!`, chunk).map((line) => `      ${line}`),
    "    });",
    "  }",
    `  const ${fields([
      ["colour", colour],
      ["colours", colours],
      ["mirrored", mirrored],
    ])} = ${symmetricColoursName}(${pattern}, ${size});`,
    ...compressedRows(pattern, rowStarts, columnIndices, values),
    "  // fHvp along the sum of the unit vectors of the columns in the direction; each entry read",
    "  // from one of them is set from the product: from its own column's (at its row), or,",
    "  // mirrored, its row's (at its column); `byRows`, every entry from its row's, as the rows of",
    "  // fHessian are its products",
    `  const ${along} = (${inDirection}: (column: number) => boolean, ${byRows}: boolean) => {`,
    `    let ${k} = 0;`,
    ...directions.lines.map((line) => `    ${line}`),
    `    const ${hvp} = ${callWithTangents(fn, names.hvp, args, directions.object)}.hvp;`,
    `    const ${product} = ${flattened(hvp, wrt)};`,
    `    for (let ${i} = 0; ${i} < ${size}; ${i}++)`,
    `      for (let ${e} = ${rowStarts}[${i}]!; ${e} < ${rowStarts}[${i} + 1]!; ${e}++) {`,
    `        const ${j} = ${columnIndices}[${e}]!;`,
    `        const ${fromRow} = ${byRows} || ${mirrored}[${e}] === 1;`,
    `        if (${fromRow} ? ${inDirection}(${i}) : ${inDirection}(${j})) ${values}[${e}] = ${product}[${fromRow} ? ${j} : ${i}]!;`,
    "      }",
    `    return ${product};`,
    "  };",
    `  let ${finite} = true;`,
    `  for (let ${c} = 0; ${c} < ${colours}; ${c}++)`,
    `    ${finite} = ${along}((${column}) => ${colour}[${column}] === ${c}, false).every(Number.isFinite) && ${finite};`,
    "  // (an infinite partial derivative mixes into the entries sharing its direction, and its",
    "  // mirror may differ: then every column again, one direction each, as fHessian takes them)",
    `  if (!${finite}) for (let ${v} = 0; ${v} < ${size}; ${v}++) ${along}((${column}) => ${column} === ${v}, true);`,
    `  const ${hessian} = ${fields([
      ["rows", size],
      ["columns", size],
      ["rowStarts", rowStarts],
      ["columnIndices", columnIndices],
      ["values", values],
    ])};`,
    `  return ${fields([
      ["value", value],
      ["grad", grad],
      ["hessian", hessian],
      ["colours", colours],
    ])};`,
    "}",
  ].join("\n");
}
