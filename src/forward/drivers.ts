/**
 * Generated functions that call other generated functions once per direction, written as text:
 * `fHessian` calls `fHvp` with each unit tangent in turn (a column of the Hessian each), and
 * `fHessianDiagonal` calls it once with every tangent 1. They hold no derivative of their own.
 *
 * Parameters are the source function's, which must be numbers, arrays of numbers or arrays of
 * rows: the coordinates of the Hessian are theirs in order, each array's elements in order (a
 * row after another).
 */
import type { Namer } from "../backend/naming.js";
import type { IRFunction, Param } from "../ir/types.js";
import { TangentError } from "./tangent-writer.js";

/** `new Float64Array(n)` or `new Array<number>(n).fill(0)`: an array of a kind holding `fill`. */
function filled(kind: string, length: string, fill = 0): string {
  if (kind === "Array") return `new Array<number>(${length}).fill(${fill})`;
  return fill === 0 ? `new ${kind}(${length})` : `new ${kind}(${length}).fill(${fill})`;
}

/** The parameters of the signature, and the call's arguments without its tangents. */
function signatureParts(fn: IRFunction): { params: string; args: string[]; wrt: Param[] } {
  const args = fn.params.map((p) => `${p.rest ? "..." : ""}${p.value.name!}`);
  const params = fn.params
    .map((p) => `${p.rest ? "..." : ""}${p.value.name!}: ${p.typeText}${p.defaultText ? ` = ${p.defaultText}` : ""}`)
    .join(", ");
  return { params, args, wrt: fn.params.filter((p) => p.differentiated) };
}

/** The call of `callee` with `tangents` (before a rest parameter, as forward mode takes them). */
function callWithTangents(fn: IRFunction, callee: string, args: string[], tangents: string): string {
  const restAt = fn.params.findIndex((p) => p.rest);
  const at = restAt < 0 ? args.length : restAt;
  return `${callee}(${[...args.slice(0, at), tangents, ...args.slice(at)].join(", ")})`;
}

/** The parameters a Hessian is taken with respect to, or a TangentError naming one that is not
 * a number or an array of numbers or rows. */
function hessianParams(fn: IRFunction): Param[] {
  const wrt = fn.params.filter((p) => p.differentiated);
  const object = wrt.find((p) => p.field !== undefined || p.elementFields !== undefined);
  if (object) {
    const name = object.field?.param ?? object.value.name;
    throw new TangentError(
      { opcode: "const", operands: [], results: [], regions: [], attrs: {}, loc: fn.loc },
      `a Hessian is taken with respect to numbers and arrays of numbers, and '${name}' holds objects`,
    );
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

/** `fHessian`: the dense Hessian, one `fHvp` per coordinate. */
export function hessianDriver(
  fn: IRFunction,
  names: { hessian: string; hvp: string; gradient: string },
  namer: Namer,
): string {
  const wrt = hessianParams(fn);
  const { params, args } = signatureParts(fn);
  for (const p of fn.params) namer.reserve(p.value.name!);
  const [value, grad, j, k, size, hessian, hvp] = ["value", "grad", "j", "k", "size", "hessian", "hvp"].map((hint) =>
    namer.claim(hint),
  );
  const tangentName = (p: Param) => namer.claim(`${p.value.name!}Dot`);
  const tangents = wrt.map((p) => ({ p, name: tangentName(p) }));
  const sizeTerms = wrt.map((p) =>
    p.rowKind !== undefined
      ? `${p.value.name!}.reduce((total, row) => total + row.length, 0)`
      : p.arrayKind !== undefined
        ? `${p.value.name!}.length`
        : "1",
  );
  const unit = tangents.flatMap(({ p, name }) => {
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
  const row = wrt
    .map((p) => {
      const field = `${hvp}.${p.value.name!}`;
      if (p.rowKind !== undefined) return `...${field}.flatMap((r) => [...r])`;
      return p.arrayKind !== undefined ? `...${field}` : field;
    })
    .join(", ");
  const tangentObject = `{ ${tangents.map(({ p, name }) => `${p.value.name!}: ${name}`).join(", ")} }`;
  return [
    `export function ${names.hessian}(${params}): { value: number; grad: ${gradType(wrt)}; hessian: number[][] } {`,
    `  const { value: ${value}, grad: ${grad} } = ${names.gradient}(${args.join(", ")});`,
    `  const ${size} = ${sizeTerms.join(" + ")};`,
    `  const ${hessian}: number[][] = [];`,
    `  for (let ${j} = 0; ${j} < ${size}; ${j}++) {`,
    `    let ${k} = ${j};`,
    ...unit.map((line) => `    ${line}`),
    `    const ${hvp} = ${callWithTangents(fn, names.hvp, args, tangentObject)}.hvp;`,
    `    ${hessian}.push([${row}]);`,
    "  }",
    `  return { ${[
      ["value", value],
      ["grad", grad],
      ["hessian", hessian],
    ]
      .map(([key, name]) => (key === name ? key : `${key}: ${name}`))
      .join(", ")} };`,
    "}",
  ].join("\n");
}

/** `fHessianDiagonal`: `fHvp` along a tangent of ones, the diagonal of a Hessian the user
 * declares diagonal (`@hessian diagonal`). */
export function hessianDiagonalDriver(fn: IRFunction, names: { diagonal: string; hvp: string }, namer: Namer): string {
  const wrt = hessianParams(fn);
  const { params, args } = signatureParts(fn);
  for (const p of fn.params) namer.reserve(p.value.name!);
  const product = namer.claim("product");
  const ones = (p: Param) => {
    const x = p.value.name!;
    if (p.rowKind !== undefined) return `${x}.map((row) => ${filled(p.rowKind, "row.length", 1)})`;
    return p.arrayKind !== undefined ? filled(p.arrayKind, `${x}.length`, 1) : "1";
  };
  const tangents = `{ ${wrt.map((p) => `${p.value.name!}: ${ones(p)}`).join(", ")} }`;
  return [
    `export function ${names.diagonal}(${params}): { value: number; grad: ${gradType(wrt)}; hessianDiagonal: ${gradType(wrt)} } {`,
    `  const ${product} = ${callWithTangents(fn, names.hvp, args, tangents)};`,
    `  return { value: ${product}.value, grad: ${product}.grad, hessianDiagonal: ${product}.hvp };`,
    "}",
  ].join("\n");
}
