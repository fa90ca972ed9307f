/**
 * Objects as the IR keeps them: leaves at dotted paths (`pos.x`). Both the frontend (types of
 * parameters) and the backend (literals and types in generated code) print nested objects from
 * their leaves.
 */

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
    const text = inner.length === 1 && inner[0]![0] === "" ? inner[0]![1] : nestedObjectText(inner, separator);
    return separator === ", " && text === key ? key : `${key}: ${text}`;
  });
  return fields.length === 0 ? "{}" : `{ ${fields.join(separator)} }`;
}
