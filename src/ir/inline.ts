/**
 * Inlines a closed IR function where a builder is: its body's ops are copied into the builder's
 * region with fresh values (made by the builder's factory, so they are unique in the function
 * receiving them), its parameters read as the given arguments. Returns the copies of what the
 * body yields. The function inlined is left as it was.
 */
import type { Builder } from "./builder.js";
import type { IRFunction, Op, Region, Value } from "./types.js";

export function inlineIRFunction(builder: Builder, fn: IRFunction, args: readonly Value[]): Value[] {
  if (args.length !== fn.params.length)
    throw new Error(`'${fn.name}' takes ${fn.params.length} arguments, given ${args.length}`);
  const copies = new Map<Value, Value>();
  fn.params.forEach((param, i) => copies.set(param.value, args[i]!));
  const copyOf = (value: Value): Value => {
    const copy = copies.get(value);
    if (!copy) throw new Error(`'${fn.name}' reads a value it does not define (v${value.id})`);
    return copy;
  };
  const fresh = (value: Value): Value => {
    const copy = builder.values.value(value.type, value.name);
    if (value.adjointOf) copy.adjointOf = copies.get(value.adjointOf) ?? value.adjointOf;
    copies.set(value, copy);
    return copy;
  };
  const copyRegion = (region: Region): Region => {
    const params = region.params.map(fresh);
    const ops = region.ops.map(copyOp);
    return { params, ops, yields: region.yields.map(copyOf) };
  };
  const copyOp = (op: Op): Op => {
    const operands = op.operands.map(copyOf);
    const regions = op.regions.map(copyRegion);
    const copy: Op = { opcode: op.opcode, operands, results: op.results.map(fresh), regions, attrs: { ...op.attrs } };
    if (op.loc) copy.loc = op.loc;
    return copy;
  };
  builder.region.ops.push(...fn.body.ops.map(copyOp));
  return fn.body.yields.map(copyOf);
}
