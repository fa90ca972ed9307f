/**
 * Rewrites the storage a gradient IR uses (cells, stacks, `array.add`, `array.addAll`,
 * `array.zeros`) into primal ops reverse mode already differentiates, so that a gradient can be
 * inlined in a function that is itself differentiated (reverse over reverse):
 * - a cell is a one-element array: `cell.new v` is the literal `[v]`, `cell.add` sets element 0 to
 *   its value plus the addend, `cell.set` sets it, `cell.read` gets it;
 * - `array.add a, i, v` sets element i to its value plus v; `array.addAll` is a counted loop of those;
 * - `array.zeros n` is `array.new n, 0` (the caller's output array is not used: the gradient is a
 *   value of the function receiving it);
 * - a stack of numbers or booleans is an array written at a counter kept in a one-element array.
 *   A gradient pushes everything in its forward sweep before it pops anything in its reverse
 *   sweep, so every element is written once, at the array's end, and read back at a decreasing
 *   counter, last pushed first.
 * Refused with a `StorageError` (the op and why): stacks of arrays and element fields of arrays
 * of objects.
 */
import { Builder, type ValueFactory } from "../ir/builder.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";

/** Storage that has no primal counterpart here: the op, and why. */
export class StorageError extends Error {
  constructor(
    readonly op: Op,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Rewrites `fn` in place; new values come from `values`. */
export function storeInArrays(fn: IRFunction, values: ValueFactory): void {
  new StorageRewriter(values).region(fn.body);
}

/** A stack's elements and the one-element array holding how many there are. */
interface StackArrays {
  elements: Value;
  count: Value;
  element: "number" | "boolean";
}

class StorageRewriter {
  private readonly cells = new Map<Value, Value>();
  private readonly stacks = new Map<Value, StackArrays>();

  constructor(private readonly values: ValueFactory) {}

  region(region: Region): void {
    const ops = region.ops;
    region.ops = [];
    const b = new Builder(this.values, region);
    for (const op of ops) {
      b.loc = op.loc;
      for (const nested of op.regions) this.region(nested);
      this.op(b, op);
    }
  }

  private op(b: Builder, op: Op): void {
    const [first, second, third] = op.operands;
    const zero = () => b.constant(0);
    const addInto = (array: Value, index: Value, addend: Value) => {
      const sum = b.emit("add", [b.emit("array.get", [array, index], "number"), addend], "number");
      b.op({ opcode: "array.set", operands: [array, index, sum] });
    };
    switch (op.opcode) {
      case "cell.new":
        // A literal, not `array.new 1, v`: reverse mode takes no derivative through a fill value.
        this.cells.set(op.results[0]!, b.emit("array.literal", [first!], "array", { kind: "Array" }));
        return;
      case "cell.add":
        return addInto(this.cell(first!), zero(), second!);
      case "cell.set":
        b.op({ opcode: "array.set", operands: [this.cell(first!), zero(), second!] });
        return;
      case "cell.read":
        b.op({ opcode: "array.get", operands: [this.cell(first!), zero()], results: [] }).results.push(op.results[0]!);
        return;
      case "array.add":
        if (op.attrs.field !== undefined) throw new StorageError(op, "a gradient into an array of objects");
        return addInto(first!, second!, third!);
      case "array.addAll":
        return this.addAll(b, op);
      case "array.zeros":
        b.op({
          opcode: "array.new",
          operands: [first!, zero()],
          results: [],
          attrs: { kind: op.attrs.kind! },
        }).results.push(op.results[0]!);
        return;
      case "stack.new":
        return this.newStack(b, op);
      case "stack.push":
        return this.push(b, this.stack(op), second!);
      case "stack.pop":
        return this.pop(b, this.stack(op), op.results[0]!);
      default:
        b.region.ops.push(op);
    }
  }

  private cell(value: Value): Value {
    const array = this.cells.get(value);
    if (!array) throw new Error(`a cell (v${value.id}) read before it is declared`);
    return array;
  }

  private stack(op: Op): StackArrays {
    const stack = this.stacks.get(op.operands[0]!);
    if (!stack) throw new Error(`a stack (v${op.operands[0]!.id}) used before it is made`);
    return stack;
  }

  /** Adds each element of operand 1 (times operand 2) into operand 0, in a counted loop. */
  private addAll(b: Builder, op: Op): void {
    const [target, source, scale] = op.operands as [Value, Value, Value | undefined];
    const sourceLength = b.emit("array.length", [source], "number");
    const bound =
      op.attrs.upToShorter === true
        ? b.emit("min", [b.emit("array.length", [target], "number"), sourceLength], "number")
        : sourceLength;
    const index = this.values.value("number", "k");
    const body: Region = { params: [index], ops: [], yields: [] };
    b.inRegion(body, () => {
      const element = b.emit("array.get", [source, index], "number");
      const addend = scale ? b.emit("mul", [element, scale], "number") : element;
      const sum = b.emit("add", [b.emit("array.get", [target, index], "number"), addend], "number");
      b.op({ opcode: "array.set", operands: [target, index, sum] });
    });
    b.op({
      opcode: "for",
      operands: [b.constant(0), bound, b.constant(1)],
      regions: [body],
      attrs: { comparison: "lt" },
    });
  }

  private newStack(b: Builder, op: Op): void {
    const element = op.attrs.element;
    if (element !== "number" && element !== "boolean") throw new StorageError(op, "a stack of arrays");
    const elements = b.emit("array.new", [b.constant(0), b.constant(0)], "array", { kind: "Array" }, "stored");
    const count = b.emit("array.new", [b.constant(1), b.constant(0)], "array", { kind: "Array" }, "storedCount");
    this.stacks.set(op.results[0]!, { elements, count, element });
  }

  private push(b: Builder, stack: StackArrays, value: Value): void {
    const zero = b.constant(0);
    const top = b.emit("array.get", [stack.count, zero], "number");
    const stored = stack.element === "boolean" ? b.emit("select", [value, b.constant(1), zero], "number") : value;
    b.op({ opcode: "array.set", operands: [stack.elements, top, stored], attrs: { grows: true } });
    b.op({ opcode: "array.set", operands: [stack.count, zero, b.emit("add", [top, b.constant(1)], "number")] });
  }

  private pop(b: Builder, stack: StackArrays, result: Value): void {
    const zero = b.constant(0);
    const top = b.emit("sub", [b.emit("array.get", [stack.count, zero], "number"), b.constant(1)], "number");
    b.op({ opcode: "array.set", operands: [stack.count, zero, top] });
    if (stack.element === "boolean") {
      const stored = b.emit("array.get", [stack.elements, top], "number");
      b.op({ opcode: "ne", operands: [stored, zero], results: [] }).results.push(result);
    } else {
      b.op({ opcode: "array.get", operands: [stack.elements, top], results: [] }).results.push(result);
    }
  }
}
