/**
 * Pairs the elements of parallel lists: the lowering keeps lists that go together (the slots of
 * a loop and their values, a helper's parameters and its arguments) in separate arrays of one
 * length, and walks them side by side.
 */

/** The elements of `first` and `second` pair by pair; the lists have one length (an error
 * otherwise: a lowering bug). */
export function zip<A, B>(first: readonly A[], second: readonly B[]): [A, B][] {
  const mismatch = () => new Error(`lists of ${first.length} and ${second.length} elements were paired`);
  const pairs: [A, B][] = [];
  const rest = second[Symbol.iterator]();
  for (const a of first) {
    const b = rest.next();
    if (b.done) throw mismatch();
    pairs.push([a, b.value]);
  }
  if (!rest.next().done) throw mismatch();
  return pairs;
}
