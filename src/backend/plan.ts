/**
 * Plans how a gradient function is printed, before any of it is: where each value is defined and
 * used, which values are printed inline in the expression using them, which `if`s are ternaries,
 * which values share the variable of an `if` or loop result (yield coalescing), and which ops are
 * forward and which reverse.
 *
 * Accepts: a verified gradient function (see src/reverse/reverse.ts) whose returned value is
 * named already (the name decides whether it is inlined).
 * Guarantees: the plan is complete when `planFunction` returns and nothing changes it afterwards;
 * planning claims no names (see naming.ts) and prints nothing.
 */
import { isOp } from "../ir/attrs.js";
import { loopParts } from "../ir/loops.js";
import { hasEffect, isPure, writesFirstOperand } from "../ir/op-definitions.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { findOp, forEachOp, someOp, usedValues, valuesDefinedIn } from "../ir/walk.js";
import { primitive } from "../rules/primitives.js";
import type { GradientIR } from "../reverse/reverse.js";
import { at, operandOf, resultOf, yieldOf } from "../ir/access.js";

export interface Definition {
  op: Op;
  region: Region;
  index: number;
}

export interface Use {
  region: Region;
  /** The index of the using op, or the region's op count for a yield. */
  index: number;
}

/** What planning finds, while it is being found. */
interface Findings {
  definitions: Map<Value, Definition>;
  uses: Map<Value, Use[]>;
  inlined: Set<Value>;
  ternaries: Set<Op>;
  storedIn: Map<Value, Value>;
  updatedCells: Set<Value>;
  reverseOps: Set<Op>;
  forwardValues: Set<Value>;
}

/** How a gradient function is to be printed. The printers read it and never change it. */
export class Plan {
  /** The op defining each value (region parameters have none). */
  readonly definitions: ReadonlyMap<Value, Definition>;
  /** Each value's uses, in order: by ops of its region or nested ones, and by yields. */
  readonly uses: ReadonlyMap<Value, readonly Use[]>;
  /** Values printed inline in the expression that uses them rather than as a variable. */
  readonly inlined: ReadonlySet<Value>;
  /** `if` ops printed as a ternary. */
  readonly ternaries: ReadonlySet<Op>;
  /** Each value stored in the variable of an `if` or loop result (see coalesceYields): the result
   * whose variable holds it. */
  readonly storedIn: ReadonlyMap<Value, Value>;
  /** Cells something adds into or overwrites: `let` variables. */
  readonly updatedCells: ReadonlySet<Value>;
  /** Ops of the reverse sweep, nested ones included. */
  readonly reverseOps: ReadonlySet<Op>;
  /** Parameters and values of the forward sweep: they carry the user's variable names. */
  readonly forwardValues: ReadonlySet<Value>;

  constructor(
    readonly fn: IRFunction,
    findings: Findings,
  ) {
    this.definitions = findings.definitions;
    this.uses = findings.uses;
    this.inlined = findings.inlined;
    this.ternaries = findings.ternaries;
    this.storedIn = findings.storedIn;
    this.updatedCells = findings.updatedCells;
    this.reverseOps = findings.reverseOps;
    this.forwardValues = findings.forwardValues;
  }

  usesOf(value: Value): readonly Use[] {
    return this.uses.get(value) ?? [];
  }

  /** The value's one use, or undefined when it has none or several. */
  onlyUse(value: Value): Use | undefined {
    const uses = this.usesOf(value);
    return uses.length === 1 ? uses[0] : undefined;
  }

  /** True for a value defined by `undef`: a branch or loop entry that does not set it. */
  isUndefined(value: Value): boolean {
    return this.definitions.get(value)?.op.opcode === "undef";
  }

  /** The value whose variable holds `value`. */
  variableOf(value: Value): Value {
    let root = value;
    for (let next = this.storedIn.get(root); next; next = this.storedIn.get(root)) root = next;
    return root;
  }

  /** Literals, including a negated number (`-0.5`), are printed inline wherever they are used. */
  isLiteral(op: Op): boolean {
    if (op.opcode === "neg") return this.definitions.get(operandOf(op, 0))?.op.opcode === "const";
    // (how an op prints is the backend's to say: the op table states what ops do, not their text)
    return op.opcode === "const" || op.opcode === "bool" || op.opcode === "string";
  }

  /** True for an op printed as an expression: inline, or as the initializer of its constant. */
  isExpression(op: Op): boolean {
    if (op.opcode === "if") return this.ternaries.has(op);
    return op.results.length === 1 && isPure(op) && op.opcode !== "undef";
  }

  /** A cell nothing updates, made from a variable or a literal, is that variable or literal. */
  aliasOfCell(cell: Value): Value | undefined {
    if (this.updatedCells.has(cell)) return undefined;
    const initial = operandOf(this.definitions.get(cell)!.op, 0);
    const definition = this.definitions.get(initial);
    const isLiteral = definition !== undefined && this.isLiteral(definition.op);
    return isLiteral || !this.inlined.has(initial) ? initial : undefined;
  }

  /** True when the printed expression of `value` reads the variable of `variable`. */
  reads(value: Value, variable: Value): boolean {
    if (this.variableOf(value) === variable) return true;
    const definition = this.definitions.get(value);
    return (
      definition !== undefined && this.inlined.has(value) && definition.op.operands.some((v) => this.reads(v, variable))
    );
  }

  /** The value pushed on a stack (every stack has one push). */
  pushedValue(stack: Value): Value {
    const push = findOp(this.fn.body.ops, (op) => op.opcode === "stack.push" && op.operands[0] === stack);
    if (!push) throw new Error("every stack has a push");
    return operandOf(push, 1);
  }
}

/** The first of `positions`, in increasing order, past `after`: found by binary search. */
function firstPositionAfter(positions: readonly number[], after: number): number | undefined {
  // (the positions before `low` are at most `after`; those from `high` on are past it)
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (at(positions, mid, "a position between the bounds of the search") <= after) low = mid + 1;
    else high = mid;
  }
  return positions[low];
}

export function planFunction(gradient: GradientIR): Plan {
  return new Planner(gradient).run();
}

/** The analyses, run once, in order: each later one revises what the earlier ones decided. */
class Planner {
  private readonly found: Findings = {
    definitions: new Map(),
    uses: new Map(),
    inlined: new Set(),
    ternaries: new Set(),
    storedIn: new Map(),
    updatedCells: new Set(),
    reverseOps: new Set(),
    forwardValues: new Set(),
  };
  /** Queries over what is found so far. */
  private readonly plan: Plan;
  /** Arrays the function pushes onto: their length is read where the program reads it. */
  private readonly growingArrays = new Set<Value>();
  /** Cells and arrays read by the inline expression of each inlined value: it must not move past
   * a write to any of them. */
  private readonly cellsRead = new Map<Value, Set<Value>>();
  /** See `writePositions`. */
  private readonly writePositionCache = new Map<Region, Map<Value, number[]>>();

  constructor(private readonly gradient: GradientIR) {
    this.plan = new Plan(gradient.fn, this.found);
  }

  run(): Plan {
    const fn = this.gradient.fn;
    const { forwardValues, reverseOps } = this.found;
    fn.params.forEach((p) => forwardValues.add(p.value));
    // Forward values carry the user's variable names; the rest are generated.
    forEachOp(fn.body.ops.slice(0, this.gradient.forwardOpCount), (op) =>
      op.results.forEach((r) => forwardValues.add(r)),
    );
    forEachOp(fn.body.ops.slice(this.gradient.forwardOpCount), (op) => reverseOps.add(op));
    this.analyze(fn.body);
    this.keepOldValuesReadable();
    this.keepReadsBeforeReassignment();
    return this.plan;
  }

  // ----- where values are defined and used, and which are printed inline -----

  private analyze(region: Region): void {
    region.ops.forEach((op, index) => {
      op.operands.forEach((v) => this.addUse(v, region, index));
      op.regions.forEach((r) => this.analyze(r));
      op.results.forEach((r) => this.found.definitions.set(r, { op, region, index }));
      if (hasEffect(op, "writes-cell")) this.found.updatedCells.add(operandOf(op, 0));
      if (isOp(op, "array.set") && op.attrs.grows === true) this.growingArrays.add(operandOf(op, 0));
    });
    region.yields.forEach((v) => this.addUse(v, region, region.ops.length));
    region.ops.forEach((op) => this.decideInlining(op));
    region.ops.forEach((op) => this.coalesceYields(op));
  }

  private addUse(value: Value, region: Region, index: number): void {
    const list = this.found.uses.get(value);
    if (list) list.push({ region, index });
    else this.found.uses.set(value, [{ region, index }]);
  }

  private decideInlining(op: Op): void {
    const { inlined } = this.found;
    // (an op with no result, a push, is a statement: its branch cannot be an expression)
    const printsAsExpression = (inner: Op) => inner.results.length > 0 && inner.results.every((v) => inlined.has(v));
    if (op.opcode === "if" && op.results.length === 1 && op.regions.every((r) => r.ops.every(printsAsExpression))) {
      this.found.ternaries.add(op);
    }
    if (this.plan.isLiteral(op)) {
      inlined.add(resultOf(op));
      return;
    }
    if (!this.plan.isExpression(op)) return;
    const value = resultOf(op);
    const definition = this.found.definitions.get(value)!;
    if (this.isTrivialCondition(op) || this.isFinalRead(op, definition)) {
      inlined.add(value);
      return;
    }
    const use = this.plan.onlyUse(value);
    if (value.name !== undefined || use === undefined || use.region !== definition.region) return;
    // (the reads a write into their cell or element changes: of the others `readsArray` counts, a
    // row stays the same array whatever is written into it, and a length changes only where an
    // array grows)
    const reads = new Set<Value>(op.opcode === "cell.read" || op.opcode === "array.get" ? [operandOf(op, 0)] : []);
    op.operands.forEach((v) => this.cellsRead.get(v)?.forEach((location) => reads.add(location)));
    if (reads.size > 0 && this.writtenBetween(definition.region, reads, definition.index, use.index)) return;
    inlined.add(value);
    this.cellsRead.set(value, reads);
  }

  /** A comparison of variables and literals, or an array's length, reads best repeated at each
   * use (`if (x < 0)`, `i < xs.length`). */
  private isTrivialCondition(op: Op): boolean {
    const value = resultOf(op);
    if (value.name !== undefined || (primitive(op.opcode)?.result !== "boolean" && op.opcode !== "array.length"))
      return false;
    if (op.opcode === "array.length" && this.growingArrays.has(operandOf(op, 0))) return false;
    return op.operands.every((v) => {
      const definition = this.found.definitions.get(v);
      return definition === undefined || this.plan.isLiteral(definition.op) || !this.found.inlined.has(v);
    });
  }

  /** A read of a cell nothing writes afterwards is the cell's variable wherever it is used. */
  private isFinalRead(op: Op, definition: Definition): boolean {
    if (op.opcode !== "cell.read" || resultOf(op).name !== undefined) return false;
    const cell = new Set([operandOf(op, 0)]);
    return !this.writtenBetween(definition.region, cell, definition.index, Infinity);
  }

  /** True when an op of `region` strictly between positions `after` and `before` (or an op
   * nested in one) writes into one of the cells or arrays. */
  private writtenBetween(region: Region, locations: Set<Value>, after: number, before: number): boolean {
    const positions = this.writePositions(region);
    return [...locations].some((location) => {
      const next = firstPositionAfter(positions.get(location) ?? [], after);
      return next !== undefined && next < before;
    });
  }

  /** For each cell or array written in `region`: the positions of the region's ops that write
   * into it, themselves or in a nested op, in increasing order. Computed once per region. */
  private writePositions(region: Region): Map<Value, number[]> {
    const cached = this.writePositionCache.get(region);
    if (cached) return cached;
    const positions = new Map<Value, number[]>();
    region.ops.forEach((op, i) => {
      const written = new Set<Value>();
      forEachOp([op], (inner) => {
        if (writesFirstOperand(inner)) written.add(operandOf(inner, 0));
      });
      for (const location of written) {
        const list = positions.get(location);
        if (list) list.push(i);
        else positions.set(location, [i]);
      }
    });
    this.writePositionCache.set(region, positions);
    return positions;
  }

  // ----- which values share a variable -----

  /**
   * A value computed in a branch or a loop body only to be yielded is stored straight into the
   * variable of the `if` or loop result (`z = w * y;` rather than `const z2 = w * y; z = z2;`,
   * `s = s + x[i]`). A loop's carried value is one variable throughout: its initial value, its
   * value in the regions (their parameters), and after the loop. Whether a stored value may
   * overwrite what its variable held is checked afterwards (keepOldValuesReadable).
   */
  private coalesceYields(op: Op): void {
    const { storedIn } = this.found;
    const loop = loopParts(op);
    if (!loop && (op.opcode !== "if" || this.found.ternaries.has(op))) return;
    op.results.forEach((result, j) => {
      if (loop) {
        storedIn.set(at(loop.carriedParams, j, "a carried parameter per loop result"), result);
        if (loop.condition) storedIn.set(at(loop.condition.params, j, "a condition parameter per result"), result);
      }
      for (const region of loop ? [loop.body] : op.regions) {
        const yielded = yieldOf(region, j);
        const definition = this.found.definitions.get(yielded);
        const storable =
          definition !== undefined &&
          definition.region === region &&
          definition.op.opcode !== "undef" &&
          !this.found.inlined.has(yielded) &&
          !storedIn.has(yielded);
        if (storable) storedIn.set(yielded, result);
      }
    });
  }

  /**
   * A value stored into a shared variable overwrites what the variable held. When anything after
   * it still reads the old content (`t = a + b; a = b; b = t` with `t` stored into `b`), the value
   * gets its own constant instead, and is assigned to the variable with the branch's results.
   */
  private keepOldValuesReadable(): void {
    const { storedIn } = this.found;
    for (let changed = true; changed;) {
      changed = false;
      for (const stored of [...storedIn.keys()]) {
        const definition = this.found.definitions.get(stored);
        if (!definition) continue;
        const variable = this.plan.variableOf(stored);
        // what runs after the stored value in its region: the ops after it, then the yields
        const { ops, yields } = definition.region;
        const rest: Region = { params: [], ops: ops.slice(definition.index + 1), yields };
        const newer = valuesDefinedIn(rest);
        const readsOld = (v: Value) => v !== stored && !newer.has(v) && this.plan.variableOf(v) === variable;
        if ([...usedValues(rest)].some(readsOld)) {
          storedIn.delete(stored);
          changed = true;
        }
      }
    }
  }

  /**
   * Coalescing makes several values share one `let` variable, assigned as each is computed. An
   * expression printed inline reads variables where it is printed, so it must not move past a
   * new assignment to a variable it reads: such expressions are printed as constants instead.
   */
  private keepReadsBeforeReassignment(): void {
    const { inlined } = this.found;
    const members = new Map<Value, number>();
    for (const value of this.found.definitions.keys()) {
      const root = this.plan.variableOf(value);
      if (root !== value || this.found.storedIn.has(value)) members.set(root, (members.get(root) ?? 0) + 1);
    }
    const reassigned = (root: Value) => (members.get(root) ?? 0) > 0;
    for (let changed = true; changed;) {
      changed = false;
      for (const value of [...inlined]) {
        const { op, region, index } = this.found.definitions.get(value)!;
        if (this.plan.isLiteral(op)) continue;
        const roots = this.variablesRead(value).filter(reassigned);
        if (roots.length === 0) continue;
        const use = this.plan.onlyUse(value);
        const assigned = (v: Value) => roots.includes(this.plan.variableOf(v));
        // (an op assigns the variables of its results, and of what its regions yield)
        const assigns = (op: Op) => op.results.some(assigned) || op.regions.some((r) => r.yields.some(assigned));
        const safe =
          use !== undefined && use.region === region && !someOp(region.ops.slice(index + 1, use.index), assigns);
        if (!safe) {
          inlined.delete(value);
          changed = true;
        }
      }
    }
  }

  /** The variables an inline expression reads (its leaves that are not literals). */
  private variablesRead(value: Value): Value[] {
    const definition = this.found.definitions.get(value);
    if (!definition || !this.found.inlined.has(value)) return [this.plan.variableOf(value)];
    if (this.plan.isLiteral(definition.op)) return [];
    return definition.op.operands.flatMap((v) => this.variablesRead(v));
  }
}
