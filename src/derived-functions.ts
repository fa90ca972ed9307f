/**
 * The generated functions of a differentiable function beside its gradient, one entry each in
 * `derivedFunctions`: what asks for it, how it is made (forward-mode IR the backend prints, or a
 * driver written as text that calls other generated functions) and its comment.
 *
 *   fJvp               always; forward mode over the primal
 *   fJvpBatch          `@jacobian`: vector forward mode over the primal, k directions in one sweep
 *   fHvp               `@hessian`: forward mode over the gradient (forward over reverse)
 *   fHessian           `@hessian`: one fHvp per coordinate
 *   fHessianDiagonal   `@hessian diagonal`: fHvp along ones, the diagonal of a diagonal Hessian
 *   fHvpPattern        `@hessian sparse`: the sets of (32) coordinates each gradient element depends on at a point
 *   fHessianSparse     `@hessian sparse`: fHvp along one direction per colour of the pattern's columns
 *   fJacobianForward   `@jacobian`: fJvpBatch along blocks of unit columns
 *   fJacobianReverse   `@jacobian`: one fVjp per result element (rows), or fGrad
 *   fJacobian          `@jacobian`: fJacobianForward when there are no more columns than rows, else fJacobianReverse
 *   fJvpPattern        `@jacobian sparse`: the sets of coordinates each result element depends on at a point
 *   fJacobianPattern   `@jacobian sparse`: fJvpPattern seeded with each coordinate, as the columns of each row
 *   fJacobianSparse    `@jacobian sparse`: fJvpBatch along one direction per colour of the pattern's columns
 *
 * A JVP that forward mode cannot make (a call whose derivative gives no tangent) is left out
 * with a warning; one the user asked for by a tag is an error.
 */
import type { AlsoGenerated } from "./frontend/annotations.js";
import {
  columnColoursDeclaration,
  hessianDiagonalDriver,
  hessianDriver,
  hessianSparseDriver,
  jacobianPatternDriver,
  jacobianSparseDriver,
  symmetricColoursDeclaration,
  jacobianDriver,
  jacobianBlock,
  jacobianForwardDriver,
  jacobianReverseDriver,
  type JacobianNames,
  type SparseJacobianNames,
} from "./forward/drivers.js";
import { forwardNames, hvpOf, hvpPatternOf, jvpBatchOf, jvpOf, jvpPatternOf } from "./forward/forward.js";
import type { Namer } from "./backend/naming.js";
import type { IRFunction } from "./ir/types.js";
import type { GradientIR } from "./reverse/reverse.js";

/** The fields of `GeneratedFunction` naming derived functions. */
export type DerivedKey =
  | "jvpName"
  | "jvpBatchName"
  | "hvpName"
  | "hessianName"
  | "hessianDiagonalName"
  | "hvpPatternName"
  | "hessianSparseName"
  | "jacobianForwardName"
  | "jacobianReverseName"
  | "jacobianName"
  | "jvpPatternName"
  | "jacobianPatternName"
  | "jacobianSparseName";

/** What a derived function is made from. */
export interface DerivationInput {
  primal: IRFunction;
  gradient: GradientIR;
  /** The source function's name, which generated names start with. */
  name: string;
  also: AlsoGenerated;
  /** Make fJvpBatch and fJvpPattern for every function, and fHvp and fHvpPattern for every
   * number-valued one, with a warning where one cannot be made (an internal option, which tests
   * compile every fixture with). */
  everyForwardMode?: boolean;
  /** A namer for a driver's locals. */
  namer(): Namer;
}

/** A derived function, made: IR the backend prints, or a driver's text (and the module-level
 * functions it calls, declared once per module). */
export type Derived = { key: DerivedKey; name: string; comment: string } & (
  { ir: GradientIR } | { code: string; helpers?: readonly string[] }
);

export interface DerivedFunction {
  key: DerivedKey;
  /** Asked for by a tag: an error when it cannot be made. */
  asked: (also: AlsoGenerated) => boolean;
  /** Made for every function: a warning when it cannot be made. */
  always?: true;
  /** Made for every function under `everyForwardMode`, likewise. */
  alwaysInTests?: true;
  /** It needs a number-valued function. */
  scalar?: true;
  /** The derived functions it calls, which must have been made. */
  calls?: readonly DerivedKey[];
  make(input: DerivationInput, wrt: string): Derived;
}

/** Hessians are of number-valued functions. */
export const numberValued = (input: DerivationInput) =>
  input.primal.returnsArray === undefined && input.primal.returnsObject === undefined;

/** The functions a Jacobian driver calls. */
function jacobianNames(input: DerivationInput): JacobianNames {
  return {
    forward: forwardNames.jacobianForward(input.name),
    reverse: forwardNames.jacobianReverse(input.name),
    auto: forwardNames.jacobian(input.name),
    jvp: forwardNames.jvp(input.name),
    jvpBatch: forwardNames.jvpBatch(input.name),
    gradient: input.gradient.fn.name,
  };
}

/** A Jacobian driver's entry. */
function jacobianEntry(
  key: DerivedKey,
  name: (names: JacobianNames) => string,
  driver: typeof jacobianDriver,
  how: string,
  calls: readonly DerivedKey[],
): DerivedFunction {
  return {
    key,
    calls,
    asked: (also) => also.jacobian !== undefined,
    make: (input, wrt) => {
      const names = jacobianNames(input);
      return {
        key,
        name: name(names),
        code: driver(input.primal, names, input.namer()),
        comment: `its Jacobian with respect to ${wrt} (a row per result element, a column per coordinate of the parameters and their elements in order), ${how}`,
      };
    },
  };
}

/** The functions a sparse Jacobian's drivers call. */
function sparseJacobianNames(input: DerivationInput): SparseJacobianNames {
  return {
    pattern: forwardNames.jacobianPattern(input.name),
    sparse: forwardNames.jacobianSparse(input.name),
    jvpPattern: forwardNames.jvpPattern(input.name),
    jvpBatch: forwardNames.jvpBatch(input.name),
  };
}

const askedSparse = (also: AlsoGenerated) => also.jacobian === "sparse";

export const derivedFunctions: readonly DerivedFunction[] = [
  {
    key: "jvpName",
    asked: () => false,
    always: true,
    make: (input, wrt) => {
      const ir = jvpOf(input.primal, input.name);
      return {
        key: "jvpName",
        name: ir.fn.name,
        ir,
        comment: `its derivative along \`tangents\` (the Jacobian times the tangents, J·v), by forward mode, with respect to ${wrt}`,
      };
    },
  },
  {
    key: "jvpBatchName",
    asked: (also) => also.jacobian !== undefined,
    alwaysInTests: true,
    make: (input, wrt) => {
      const ir = jvpBatchOf(input.primal, input.name);
      return {
        key: "jvpBatchName",
        name: ir.fn.name,
        ir,
        comment: `its derivatives along \`directions\` directions at once (the Jacobian times each column of \`tangents\`), by vector forward mode, with respect to ${wrt}`,
      };
    },
  },
  {
    key: "hvpName",
    scalar: true,
    asked: (also) => also.hessian !== undefined,
    alwaysInTests: true,
    make: (input, wrt) => {
      const ir = hvpOf(input.gradient, input.name);
      return {
        key: "hvpName",
        name: ir.fn.name,
        ir,
        comment: `its gradient with respect to ${wrt}, and the Hessian times \`tangents\` (H·v), by forward mode over the gradient`,
      };
    },
  },
  {
    key: "hessianName",
    scalar: true,
    asked: (also) => also.hessian !== undefined,
    make: (input, wrt) => {
      const name = forwardNames.hessian(input.name);
      const code = hessianDriver(
        input.primal,
        { hessian: name, hvp: forwardNames.hvp(input.name), gradient: input.gradient.fn.name },
        input.namer(),
      );
      return {
        key: "hessianName",
        name,
        code,
        comment: `its gradient and its Hessian with respect to ${wrt} (rows and columns in the order of the parameters and their elements), one Hessian-vector product per column`,
      };
    },
  },
  {
    key: "hessianDiagonalName",
    scalar: true,
    asked: (also) => also.hessian === "diagonal",
    make: (input, wrt) => {
      const name = forwardNames.hessianDiagonal(input.name);
      const code = hessianDiagonalDriver(
        input.primal,
        { diagonal: name, hvp: forwardNames.hvp(input.name) },
        input.namer(),
      );
      return {
        key: "hessianDiagonalName",
        name,
        code,
        comment: `its gradient and the diagonal of its Hessian with respect to ${wrt}, which \`@hessian diagonal\` declares diagonal: the Hessian times ones`,
      };
    },
  },
  {
    key: "hvpPatternName",
    scalar: true,
    asked: (also) => also.hessian === "sparse",
    alwaysInTests: true,
    make: (input, wrt) => {
      const ir = hvpPatternOf(input.gradient, input.name);
      return {
        key: "hvpPatternName",
        name: ir.fn.name,
        ir,
        comment: `its gradient with respect to ${wrt} and, for each element of the gradient, the coordinates it depends on at this point among the 32 whose bits \`tangents\` seeds (a bit a coordinate, 1 << b for bit b): the Hessian's rows, as sets`,
      };
    },
  },
  {
    key: "hessianSparseName",
    scalar: true,
    asked: (also) => also.hessian === "sparse",
    calls: ["hvpName", "hvpPatternName"],
    make: (input, wrt) => {
      const name = forwardNames.hessianSparse(input.name);
      const code = hessianSparseDriver(
        input.primal,
        {
          sparse: name,
          hvpPattern: forwardNames.hvpPattern(input.name),
          hvp: forwardNames.hvp(input.name),
          gradient: input.gradient.fn.name,
        },
        input.namer(),
      );
      return {
        key: "hessianSparseName",
        name,
        code,
        helpers: [symmetricColoursDeclaration],
        comment: `its gradient and its Hessian with respect to ${wrt}, in compressed sparse rows (row i's entries at rowStarts[i] .. rowStarts[i + 1] - 1 of columnIndices and values), from its pattern at this point and one Hessian-vector product per colour of the columns (columns sharing no row share a colour)`,
      };
    },
  },
  jacobianEntry(
    "jacobianForwardName",
    (n) => n.forward,
    jacobianForwardDriver,
    `by vector forward mode: fJvpBatch along up to ${jacobianBlock} columns at once`,
    ["jvpBatchName"],
  ),
  jacobianEntry(
    "jacobianReverseName",
    (n) => n.reverse,
    jacobianReverseDriver,
    "by reverse mode: one vector-Jacobian product per row",
    ["jvpName"],
  ),
  jacobianEntry(
    "jacobianName",
    (n) => n.auto,
    jacobianDriver,
    "by forward mode when it has no more columns than rows, else by reverse mode",
    ["jvpName", "jacobianForwardName", "jacobianReverseName"],
  ),
  {
    key: "jvpPatternName",
    asked: askedSparse,
    alwaysInTests: true,
    make: (input, wrt) => {
      const ir = jvpPatternOf(input.primal, input.name);
      return {
        key: "jvpPatternName",
        name: ir.fn.name,
        ir,
        comment: `for each element of its result, the coordinates of ${wrt} it depends on at this point (their partial derivatives not all zero), as bits of \`words\` words: coordinate c is bit c % 32 of word c / 32, seeded so in \`tangents\``,
      };
    },
  },
  {
    key: "jacobianPatternName",
    asked: askedSparse,
    calls: ["jvpPatternName"],
    make: (input, wrt) => {
      const names = sparseJacobianNames(input);
      return {
        key: "jacobianPatternName",
        name: names.pattern,
        code: jacobianPatternDriver(input.primal, names, input.namer()),
        comment: `the sparsity pattern at this point of its Jacobian with respect to ${wrt}: for each row, the columns where it may have an entry that is not zero, in order`,
      };
    },
  },
  {
    key: "jacobianSparseName",
    asked: askedSparse,
    calls: ["jvpBatchName", "jacobianPatternName"],
    make: (input, wrt) => {
      const names = sparseJacobianNames(input);
      return {
        key: "jacobianSparseName",
        name: names.sparse,
        code: jacobianSparseDriver(input.primal, names, input.namer()),
        helpers: [columnColoursDeclaration],
        comment: `its Jacobian with respect to ${wrt}, in compressed sparse rows (row i's entries at rowStarts[i] .. rowStarts[i + 1] - 1 of columnIndices and values), by vector forward mode along one direction per colour of the columns (columns sharing no row of the pattern share a colour)`,
      };
    },
  },
];
