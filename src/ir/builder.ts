/**
 * Creates values and appends ops to a region. One `ValueFactory` numbers the values of a whole
 * function so ids are unique and deterministic (the order of creation).
 */
import { resultOf } from "./access.js";
import type { AttrValue, Op, Opcode, Region, SourceLocation, Type, Value } from "./types.js";

export class ValueFactory {
  private nextId = 0;

  value(type: Type, name?: string): Value {
    const value: Value = { id: this.nextId++, type };
    if (name !== undefined) value.name = name;
    return value;
  }
}

export function emptyRegion(params: Value[] = []): Region {
  return { params, ops: [], yields: [] };
}

export interface OpSpec {
  opcode: Opcode;
  operands?: Value[];
  results?: { type: Type; name?: string }[];
  regions?: Region[];
  attrs?: Record<string, AttrValue>;
  loc?: SourceLocation;
}

export class Builder {
  constructor(
    readonly values: ValueFactory,
    public region: Region,
    public loc?: SourceLocation,
  ) {}

  /** Appends an op to the current region and returns it. */
  op(spec: OpSpec): Op {
    const op: Op = {
      opcode: spec.opcode,
      operands: spec.operands ?? [],
      results: (spec.results ?? []).map((r) => this.values.value(r.type, r.name)),
      regions: spec.regions ?? [],
      attrs: spec.attrs ?? {},
    };
    const loc = spec.loc ?? this.loc;
    if (loc) op.loc = loc;
    this.region.ops.push(op);
    return op;
  }

  /** Appends a single-result op and returns its result. */
  emit(opcode: Opcode, operands: Value[], type: Type, attrs?: Record<string, AttrValue>, name?: string): Value {
    return resultOf(
      this.op({
        opcode,
        operands,
        results: [{ type, ...(name === undefined ? {} : { name }) }],
        ...(attrs ? { attrs } : {}),
      }),
    );
  }

  constant(value: number, text?: string): Value {
    return this.emit("const", [], "number", text === undefined ? { value } : { value, text });
  }

  /** Runs `build` with ops appended to `region`, then restores the current region. */
  inRegion<R>(region: Region, build: () => R): R {
    const saved = this.region;
    this.region = region;
    try {
      return build();
    } finally {
      this.region = saved;
    }
  }
}
