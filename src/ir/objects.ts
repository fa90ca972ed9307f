/**
 * Objects as the IR keeps them: leaves at dotted paths (`pos.x`). Both the frontend (types of
 * parameters) and the backend (literals and types in generated code) print nested objects from
 * their leaves, and the backend and the public API group an object parameter's leaves again.
 */
import type { Param } from "./types.js";

/**
 * `{ x: a, pos: { y: b } }` from the leaves [["x", "a"], ["pos.y", "b"]], in the leaves' order.
 * `separator` is "; " for a type and ", " for a value; a value's field holding a variable of the
 * same name is written shorthand (`{ x }`).
 */
export function nestedObjectText(leaves: readonly (readonly [string, string])[], separator: "; " | ", "): string {
  const groups = new Map<string, [string, string][]>();
  for (const [path, text] of leaves) {
    const dot = path.indexOf(".");
    const key = dot < 0 ? path : path.slice(0, dot);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push([dot < 0 ? "" : path.slice(dot + 1), text]);
  }
  const fields = [...groups].map(([key, inner]) => {
    const [only] = inner;
    const text = inner.length === 1 && only?.[0] === "" ? only[1] : nestedObjectText(inner, separator);
    return separator === ", " && text === key ? key : `${key}: ${text}`;
  });
  return fields.length === 0 ? "{}" : `{ ${fields.join(separator)} }`;
}

/** A parameter as the source declares it: a plain one, or the leaves of an object parameter. */
export interface SourceParam {
  name: string;
  /** The IR parameter of a plain parameter, or the object's leaves in order. */
  params: Param[];
  object: boolean;
}

/** The source's parameters from the IR's: the leaves of an object parameter (consecutive, see
 * `Param.field`) make one. */
export function sourceParams(params: readonly Param[]): SourceParam[] {
  const grouped: SourceParam[] = [];
  for (const p of params) {
    const last = grouped[grouped.length - 1];
    if (p.field !== undefined && last?.object && last.name === p.field.param) last.params.push(p);
    else
      grouped.push(
        p.field === undefined
          ? { name: p.value.name!, params: [p], object: false }
          : { name: p.field.param, params: [p], object: true },
      );
  }
  return grouped;
}
