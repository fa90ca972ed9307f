/**
 * Numeric array-likes that libraries declare themselves: an interface indexed by numbers giving
 * numbers, with a `length` (gl-matrix's `IndexedCollection`, which its `vec3` and `mat4` unite
 * with tuples). Whatever array the caller passes, the elements are numbers read by index, so the
 * compiler takes such a type as a numeric array, stored (and its gradient allocated) as
 * `number[]`.
 */
import { ts } from "ts-morph";

/** Members an array-like may have besides its index signature: its length and its iterator. */
const isArrayLikeMember = (property: ts.Symbol) =>
  property.name === "length" || property.name.startsWith("__@iterator");

export function isNumericArrayLike(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (!(type.flags & ts.TypeFlags.Object) || type.getCallSignatures().length > 0) return false;
  const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
  if (!element || !(element.flags & ts.TypeFlags.NumberLike)) return false;
  const length = type.getProperty("length");
  if (!length || !(checker.getTypeOfSymbol(length).flags & ts.TypeFlags.NumberLike)) return false;
  return type.getProperties().every(isArrayLikeMember);
}
