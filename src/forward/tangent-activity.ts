/**
 * Which values carry a tangent in forward mode: the values that depend on a seeded input
 * (varied) and that an output depends on (useful), both followed through every op of the IR,
 * adjoint code included. Reverse-mode activity (src/analysis/activity.ts) treats the ops of
 * adjoint code (`cell.add`, `array.add`, stacks) as carrying no derivative, which is right for
 * a primal; forward mode applied to a gradient must follow derivatives through them too: an
 * adjoint accumulated in a cell is a function of the inputs like any other value.
 *
 * Arrays are references: a write into one alias of an array (a row of a matrix, the array an
 * `if` or a loop carries) changes what every alias reads. Arrays that may share storage are
 * analysed as one group, so that a tangent array exists wherever a write could reach.
 */
import { at, operandOf } from "../ir/access.js";
import { isOp } from "../ir/attrs.js";
import { loopParts } from "../ir/loops.js";
import { resultDerivative } from "../ir/op-definitions.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";

export interface TangentActivity {
  /** True for a value that carries a tangent. */
  isActive(value: Value): boolean;
}

/**
 * How a tangent flows through `op`: `into` receives it from `from` (a result from the operands
 * that carry a derivative, or the array, cell or stack an op writes from the value written).
 * Regions (`if`, loops) are followed by the analysis itself.
 */
function flows(op: Op): { from: Value[]; into: Value[] }[] {
  switch (op.opcode) {
    case "array.set":
    case "array.add":
    case "cell.add":
    case "cell.set":
    case "stack.push":
      return [{ from: [op.operands[op.operands.length - 1]!], into: [operandOf(op, 0)] }];
    case "array.addAll":
      return [{ from: op.operands.slice(1), into: [operandOf(op, 0)] }];
    case "cell.new":
    case "cell.read":
    case "stack.pop":
    case "field":
      return [{ from: [operandOf(op, 0)], into: op.results }];
    case "array.get":
    case "array.row":
    case "array.copy":
      return [{ from: [operandOf(op, 0)], into: op.results }];
    case "array.new":
      return [{ from: [operandOf(op, 1)], into: op.results }];
    case "call":
    case "template":
      // Without a derivative the tangent stops here; the writer refuses it where one is needed.
      return [{ from: op.operands, into: op.results }];
    default:
      return resultDerivative(op) === "none" ? [] : [{ from: op.operands, into: op.results }];
  }
}

/** Groups of array values that may share storage, by a representative of each. */
class ArrayGroups {
  private readonly parent = new Map<Value, Value>();

  find(value: Value): Value {
    let root = value;
    for (let next = this.parent.get(root); next !== undefined; next = this.parent.get(root)) root = next;
    if (root !== value) this.parent.set(value, root);
    return root;
  }

  join(a: Value, b: Value): void {
    if (a.type !== "array" || b.type !== "array") return;
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

function arrayGroups(fn: IRFunction): ArrayGroups {
  const groups = new ArrayGroups();
  // The arrays a stack holds: a popped array is one of those pushed.
  const stacked = new Map<Value, Value>();
  const stack = (s: Value, array: Value) => {
    if (array.type !== "array") return;
    const first = stacked.get(s);
    if (first === undefined) stacked.set(s, array);
    else groups.join(first, array);
  };
  forEachOp(fn.body.ops, (op) => {
    if (isOp(op, "array.row")) groups.join(operandOf(op, 0), op.results[0]!);
    if (isOp(op, "stack.push")) stack(operandOf(op, 0), operandOf(op, 1));
    if (isOp(op, "stack.pop")) stack(operandOf(op, 0), op.results[0]!);
    if (op.opcode === "if")
      op.results.forEach((result, i) => op.regions.forEach((r) => groups.join(result, at(r.yields, i, "yield"))));
    for (const { param, init, next, result } of loopParts(op)?.carried ?? []) {
      groups.join(param, init);
      groups.join(param, next);
      groups.join(param, result);
    }
    const condition = loopParts(op)?.condition;
    condition?.params.forEach((p, i) => groups.join(p, at(op.operands, i)));
  });
  return groups;
}

/** A set of values in which arrays count by their group. */
class Marks {
  private readonly marked = new Set<Value>();
  size = 0;

  constructor(private readonly groups: ArrayGroups) {}

  private key(value: Value): Value {
    return value.type === "array" ? this.groups.find(value) : value;
  }

  has(value: Value): boolean {
    return this.marked.has(this.key(value));
  }

  add(value: Value): void {
    const key = this.key(value);
    if (this.marked.has(key)) return;
    this.marked.add(key);
    this.size++;
  }

  /** Marks `into` when any of `from` is marked. */
  flow(from: readonly Value[], into: readonly Value[]): void {
    if (from.some((v) => this.has(v))) into.forEach((v) => this.add(v));
  }
}

/** The tangent activity of `fn` with tangents seeded at `seeds`, for the outputs `outputs`. */
export function analyzeTangentActivity(
  fn: IRFunction,
  seeds: readonly Value[],
  outputs: readonly Value[],
): TangentActivity {
  const groups = arrayGroups(fn);
  const varied = new Marks(groups);
  const useful = new Marks(groups);
  seeds.forEach((v) => varied.add(v));
  outputs.forEach((v) => useful.add(v));

  const forward = (region: Region): void => {
    for (const op of region.ops) {
      const loop = loopParts(op);
      if (op.opcode === "if") {
        op.regions.forEach(forward);
        op.results.forEach((result, i) =>
          varied.flow(
            op.regions.map((r) => at(r.yields, i, "yield")),
            [result],
          ),
        );
      } else if (loop) {
        loop.carried.forEach(({ param, init, next }) => varied.flow([init, next], [param]));
        loop.condition?.params.forEach((p, i) => varied.flow([at(loop.carried, i).param], [p]));
        if (loop.condition) forward(loop.condition);
        forward(loop.body);
        loop.carried.forEach(({ param, next, result }) => varied.flow([param, next], [result]));
      } else {
        for (const { from, into } of flows(op)) varied.flow(from, into);
      }
    }
  };

  const backward = (region: Region): void => {
    for (const op of region.ops.slice().reverse()) {
      const loop = loopParts(op);
      if (op.opcode === "if") {
        for (const r of op.regions) {
          r.yields.forEach((yielded, j) => useful.flow([at(op.results, j, "result")], [yielded]));
          backward(r);
        }
      } else if (loop) {
        loop.carried.forEach(({ param, next, result }) => useful.flow([result, param], [next]));
        backward(loop.body);
        loop.carried.forEach(({ param, init }) => useful.flow([param], [init]));
      } else {
        for (const { from, into } of flows(op)) useful.flow(into, from);
      }
    }
  };

  // Loops carry tangents around their back edge, so walk until nothing changes.
  for (let size = -1; size !== varied.size;) {
    size = varied.size;
    forward(fn.body);
  }
  for (let size = -1; size !== useful.size;) {
    size = useful.size;
    backward(fn.body);
  }
  return {
    isActive: (value) =>
      (value.type === "number" ||
        value.type === "array" ||
        value.type === "cell" ||
        value.type === "stack" ||
        value.type === "object") &&
      varied.has(value) &&
      useful.has(value),
  };
}
