/**
 * The forward sweep: a copy of the primal body, op for op (so the gradient's `value` is
 * bit-for-bit the primal's), and the storage the recording plan asks for, placed in it.
 *
 * Accepts a verified primal IRFunction. `ForwardSweep` first holds the plain copy and what the
 * reverse transform needs to know about it: which forward value copies which primal value,
 * where each is defined, which op holds each region, which arrays are written where. `apply`
 * then makes the edits of a recording plan (src/analysis/recording.ts): results carried out of
 * branches, stacks allocated and pushed, iteration counters of `while` loops. After it, the
 * forward sweep is complete and the adjoint writer only reads it.
 */
import { at } from "../ir/access.js";
import { emptyRegion, type ValueFactory } from "../ir/builder.js";
import { isOp } from "../ir/attrs.js";
import { loopParts } from "../ir/loops.js";
import { forEachOp } from "../ir/walk.js";
import type { IRFunction, Op, Param, Region, Value } from "../ir/types.js";
import type { ForwardEdit } from "./recording.js";

export class ForwardSweep {
  readonly body = emptyRegion();
  readonly params: Param[];
  /** Primal value -> its copy in the forward sweep. */
  readonly forward = new Map<Value, Value>();
  readonly forwardValues = new Set<Value>();
  /** Where each forward value is defined, and which op and region hold each forward region. */
  readonly regionOf = new Map<Value, Region>();
  readonly definition = new Map<Value, Op>();
  readonly parent = new Map<Region, { op: Op; region: Region }>();
  /** Each primal op -> its copy, each copy -> the primal op, and the region holding the copy. */
  readonly forwardOf = new Map<Op, Op>();
  readonly primalOp = new Map<Op, Op>();
  readonly opRegion = new Map<Op, Region>();
  /** Where each primal value is defined. */
  readonly primalRegionOf = new Map<Value, Region>();
  readonly primalDefinition = new Map<Value, Op>();
  /** Forward arrays the function writes into -> the position of the last top-level op holding
   * such a write (see `settledWhenRead`). */
  readonly lastWriteAt = new Map<Value, number>();
  /** Each top-level forward op's position, for comparing which comes first. */
  readonly topPosition = new Map<Op, number>();
  /** Forward arrays the function pushes onto: their length changes, so it is never read again. */
  readonly growingArrays = new Set<Value>();

  constructor(
    readonly primal: IRFunction,
    private readonly values: ValueFactory,
  ) {
    this.params = primal.params.map((p) => {
      this.primalRegionOf.set(p.value, primal.body);
      return { ...p, value: this.cloneValue(p.value, this.body) };
    });
    this.cloneRegion(primal.body, this.body);
    this.body.ops.forEach((op, i) => {
      this.topPosition.set(op, i);
      this.collectWrittenArrays(op, i);
    });
  }

  private cloneValue(value: Value, region: Region): Value {
    const copy = this.values.value(value.type, value.name);
    this.forward.set(value, copy);
    this.forwardValues.add(copy);
    this.regionOf.set(copy, region);
    return copy;
  }

  private cloneRegion(source: Region, target: Region): void {
    for (const op of source.ops) {
      for (const result of op.results) {
        this.primalRegionOf.set(result, source);
        this.primalDefinition.set(result, op);
      }
      const copy: Op = {
        opcode: op.opcode,
        operands: op.operands.map((v) => this.forward.get(v)!),
        results: [],
        regions: [],
        attrs: { ...op.attrs },
      };
      if (op.loc) copy.loc = op.loc;
      copy.regions = op.regions.map((region) => {
        const nested = emptyRegion();
        nested.params = region.params.map((p) => {
          this.primalRegionOf.set(p, region);
          return this.cloneValue(p, nested);
        });
        this.parent.set(nested, { op: copy, region: target });
        this.cloneRegion(region, nested);
        return nested;
      });
      this.forwardOf.set(op, copy);
      this.primalOp.set(copy, op);
      this.opRegion.set(copy, target);
      copy.results = op.results.map((r) => this.cloneValue(r, target));
      copy.results.forEach((r) => this.definition.set(r, copy));
      target.ops.push(copy);
    }
    target.yields = source.yields.map((v) => this.forward.get(v)!);
  }

  /** Records the arrays the top-level op at position `top` writes into, at any depth (top-level
   * ops are visited in order, so the last position recorded is the last writer's). */
  private collectWrittenArrays(op: Op, top: number): void {
    forEachOp([op], (nested) => {
      if (isOp(nested, "call") && nested.attrs.writesArrays === true) {
        for (const operand of nested.operands) if (operand.type === "array") this.lastWriteAt.set(operand, top);
      }
      if (!isOp(nested, "array.set")) return;
      const [array] = nested.operands;
      if (array === undefined) throw new Error("an array.set op writes into its first operand");
      this.lastWriteAt.set(array, top);
      if (nested.attrs.grows === true) this.growingArrays.add(array);
    });
  }

  /** The loop ops around a forward region, innermost first. */
  enclosingLoops(region: Region): Op[] {
    const loops: Op[] = [];
    for (let parent = this.parent.get(region); parent; parent = this.parent.get(parent.region)) {
      if (loopParts(parent.op)) loops.push(parent.op);
    }
    return loops;
  }

  /** The top-level forward op holding `op` (itself, at the top). */
  topLevelOpOf(op: Op): Op {
    let top = op;
    for (let region = this.opRegion.get(top)!; region !== this.body; region = this.opRegion.get(top)!) {
      top = this.parent.get(region)!.op;
    }
    return top;
  }

  /**
   * Makes the plan's edits, in the plan's order, and returns how many ops of the body are the
   * forward sweep: the plan's entry ops (stacks and what they are sized by), then the copy.
   */
  apply(edits: readonly ForwardEdit[], entry: readonly Op[]): number {
    for (const edit of edits) {
      switch (edit.kind) {
        case "carry-out": {
          edit.op.regions.forEach((branch, k) => {
            if (branch === edit.from) {
              branch.yields.push(edit.value);
            } else {
              const placeholder = at(edit.placeholders, k, "placeholder");
              branch.ops.push({ opcode: "undef", operands: [], results: [placeholder], regions: [], attrs: {} });
              branch.yields.push(placeholder);
            }
          });
          edit.op.results.push(edit.result);
          break;
        }
        case "insert-before":
          this.body.ops.splice(this.body.ops.indexOf(edit.anchor), 0, ...edit.ops);
          break;
        case "push":
          edit.region.ops.push({
            opcode: "stack.push",
            operands: [edit.stack, edit.value],
            results: [],
            regions: [],
            attrs: {},
          });
          break;
        case "count-iterations": {
          const [condition, body] = edit.loop.regions as [Region, Region];
          edit.loop.operands.push(edit.zero);
          condition.params.push(this.values.value("number"));
          body.params.push(edit.current);
          const one = this.values.value("number");
          body.ops.push(
            { opcode: "const", operands: [], results: [one], regions: [], attrs: { value: 1 } },
            { opcode: "add", operands: [edit.current, one], results: [edit.next], regions: [], attrs: {} },
          );
          body.yields.push(edit.next);
          edit.loop.results.push(edit.iterations);
          break;
        }
      }
    }
    this.body.ops.unshift(...entry);
    return this.body.ops.length;
  }
}
