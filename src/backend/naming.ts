/**
 * The one place generated names come from: the hints the backend names things after (`tmp`,
 * `value`, `dx`, `xTop`, `scratch`, ...), those the lowering and the reverse transform give the
 * IR values they make (`pPosX`, `tStack`, `iterations`, ...), the names of the generated
 * functions and of the module's own helpers, and the Namer that turns hints into names. Names are claimed in emission order, so
 * the same IR always gets the same names, and a generated name never equals a name the user wrote
 * in the function or a global the generated code may reference. ValueNames gives each value of a
 * gradient function its name, from the plan (see plan.ts), as the printers first print it.
 */
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import type { Value } from "../ir/types.js";
import type { Plan } from "./plan.js";

const keywords = (
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
  "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
  "implements interface package private protected public await arguments eval"
).split(" ");

const globals = [
  "Math",
  "Number",
  "String",
  "Boolean",
  "Infinity",
  "NaN",
  "undefined",
  "console",
  "Object",
  "Array",
  "Float64Array",
  "Float32Array",
  "Uint8Array",
  "globalThis",
  // the generated module's own functions for growing stacks and reusing arrays (see backend/module.ts):
  // stacks hold numbers (Float64Array) or branch outcomes (Uint8Array); kept arrays are numeric
  // (Float64Array, Float32Array) or stacks of branch outcomes, which are never zeroed
  ...["Float64Array", "Uint8Array"].map(growerName),
  ...["Float64Array", "Float32Array", "Uint8Array"].map((kind) => scratchHelperName(kind, false)),
  ...["Float64Array", "Float32Array"].map((kind) => scratchHelperName(kind, true)),
];

/** The hints of names the backend gives what the source leaves unnamed. */
export const nameHints = {
  /** A value with no name in the source: `tmp`, `tmp2`, ... */
  temporary: "tmp",
  /** The returned value, when the source names it nothing else (`return { value, grad }`). */
  returnedValue: "value",
  /** The optional trailing parameter holding arrays the gradients are written into. */
  outParameter: "out",
  /** The local holding the arrays the last call kept (see backend/storage.ts). */
  scratch: "scratch",
  /** A loop counter the source does not name. */
  loopCounter: "i",
  /** The counter of a loop adding one array into another element by element. */
  elementCounter: "k",
  /** The parameter of the callback making the zeroed adjoint of each row. */
  row: "row",
} as const;

/**
 * The hints of the names the reverse transform gives the values it makes (the backend prints
 * each after its hint, made unique): an adjoint after its primal (`dx`), a stack after the value
 * it holds (`tStack`; `branchStack` for a branch's outcome), a `while` loop's iteration count and
 * the reversed loop's counter, a VJP's cotangent and, for an object result, its fields; and the
 * rows the reverse sweep's row pass reads once.
 */
export const reverseHints = {
  adjoint: (primalName: string) => `d${primalName}`,
  stack: (valueName: string | undefined, type: string) =>
    `${valueName ?? (type === "boolean" ? "branch" : nameHints.temporary)}Stack`,
  iterations: "iterations",
  iteration: "iteration",
  cotangent: "cotangent",
  cotangentField: (path: string) => `cotangent_${path.replaceAll(".", "_")}`,
  /** A row the reverse sweep reads once before its loops, after its array: `dlRow`. */
  row: (arrayName: string) => `${arrayName}Row`,
} as const;

/**
 * The hints of the names the lowering gives IR values and the variables it adds: an object's
 * leaf as a variable (`p.pos.x` is `pPosX`), and the flags and counters it desugars early
 * returns, `break`, `do...while` and `for...of` into.
 */
export const loweringHints = {
  leaf: (root: string, path: string) =>
    root +
    path
      .split(".")
      .map((part) => {
        if (part === "") throw new Error(`the path '${path}' of a leaf of '${root}' has an empty field name`);
        return part.charAt(0).toUpperCase() + part.slice(1);
      })
      .join(""),
  returned: "returned",
  returnValue: "returnValue",
  broken: "broken",
  continued: "continued",
  firstIteration: "first",
  index: nameHints.loopCounter,
} as const;

/** The generated function for the source function `name`: its gradient, or for a function
 * returning an array or an object, its VJP. */
export function gradientFunctionName(name: string, vjp: boolean): string {
  return `${name}${vjp ? "Vjp" : "Grad"}`;
}

/** The hint for the adjoint of a value printed as `printed`: `dx`. */
export function adjointHint(printed: string): string {
  return `d${printed}`;
}

/** The hint for the index of the next free slot of a stack kept in a typed array: `xTop` for `xStack`. */
export function stackTopHint(stackName: string): string {
  return `${stackName.replace(/Stack$/, "")}Top`;
}

/** A leaf of an object parameter, read as a field of the parameter: `p.pos.x`. */
export function leafName(objectName: string, path: string): string {
  return `${objectName}.${path}`;
}

/** The module-level variable keeping a gradient function's arrays from one call for the next:
 * `fScratch` for `f`. */
export function keeperName(functionName: string): string {
  return `${functionName}Scratch`;
}

/** The module-level function that copies a full stack of this typed-array kind into one twice as
 * long (see backend/module.ts): `grownFloat64Stack`. */
export function growerName(kind: string): string {
  return `grown${kind.replace(/Array$/, "")}Stack`;
}

/**
 * The module-level function that returns the array a gradient function kept from its last call
 * when it has the length needed (zeroed, for an adjoint or a zero-filled array), else a new one
 * (see backend/module.ts): `reusedFloat64Array`, `zeroedFloat64Array`.
 */
export function scratchHelperName(kind: string, zeroed: boolean): string {
  return `${zeroed ? "zeroed" : "reused"}${kind}`;
}

/** Every identifier written in a node (a function: its parameters, locals and what it reads). */
export function identifiersIn(root: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return names;
}

export class Namer {
  private readonly claimed = new Set<string>();
  /** For each base of numbered names (`tmp` of `tmp2`): the smallest suffix that may be free. */
  private readonly nextSuffix = new Map<string, number>();
  private readonly reserved: Set<string>;

  constructor(userNames: Iterable<string>) {
    this.reserved = new Set([...userNames, ...globals, ...keywords]);
  }

  /** The user's own name for a variable, unless this function already uses it or the generated
   * code needs it for a global (a parameter called `Math`). */
  claimUserName(name: string): string {
    return this.claimed.has(name) || globals.includes(name) ? this.claim(name) : this.take(name);
  }

  /**
   * A fresh name based on `hint`, distinct from every user name and every claimed name: `hint`,
   * else `hint2`, `hint3`, ... (`hint_2` when `hint` ends with a digit or when `separated`, as
   * for adjoints, where `dnorm2` would read as the adjoint of `norm2`).
   */
  claim(hint: string, separated = false): string {
    const base = separated || /\d$/.test(hint) ? `${hint}_` : hint;
    if (!this.isTaken(hint)) return this.take(hint);
    // Suffixes below `nextSuffix` are all taken (see `release`): no need to try them again.
    for (let n = this.nextSuffix.get(base) ?? 2; ; n++) {
      if (!this.isTaken(`${base}${n}`)) {
        this.nextSuffix.set(base, n + 1);
        return this.take(`${base}${n}`);
      }
    }
  }

  /** Keeps `name` out of generated names: a function the generated code imports. */
  reserve(name: string): void {
    this.reserved.add(name);
  }

  /** Frees a block-scoped name (a loop counter) once its block has ended. */
  release(name: string): void {
    this.claimed.delete(name);
    // A base never ends with a digit, so the name's trailing digits are its suffix.
    const suffix = /\d+$/.exec(name);
    if (!suffix) return;
    const base = name.slice(0, suffix.index);
    if ((this.nextSuffix.get(base) ?? 2) > Number(suffix[0])) this.nextSuffix.set(base, Number(suffix[0]));
  }

  private isTaken(name: string): boolean {
    return this.claimed.has(name) || this.reserved.has(name);
  }

  private take(name: string): string {
    this.claimed.add(name);
    return name;
  }
}

/**
 * The printed name of each value of a gradient function, claimed from the Namer the first time the
 * value is printed: a forward value keeps its user's name, an adjoint is named after its primal
 * (`dx`), anything else after its hint (`tmp`). Values sharing a variable (see plan.ts) share its
 * name.
 */
export class ValueNames {
  private readonly names = new Map<Value, string>();
  /** Leaves of object parameters, printed as reads of their fields (`p.x`). */
  private readonly leafParams = new Set<Value>();
  /** The printed names of object parameters. */
  private readonly objectParams = new Map<string, string>();
  /** The variables whose names are being made. */
  private readonly naming = new Set<Value>();

  constructor(
    private readonly plan: Plan,
    private readonly namer: Namer,
  ) {}

  /**
   * Claims the names printed before anything else: top-level constants the function reads keep
   * their names (nothing generated may shadow them), and an object parameter's leaves read its
   * fields (`p.x`).
   */
  claimFixedNames(): void {
    for (const { op } of this.plan.definitions.values()) {
      if (!isOp(op, "const") || op.attrs.definedAs === undefined) continue;
      if (op.attrs.text === undefined) throw new Error("a const defined as a top-level constant has its name as text");
      this.namer.claimUserName(op.attrs.text);
    }
    for (const p of this.plan.fn.params) {
      if (p.field === undefined) continue;
      const read = leafName(this.objectParam(p.field.param), p.field.path);
      if (p.readAtEntry && this.plan.usesOf(p.value).length > 0) {
        const local = this.namer.claimUserName(p.value.name ?? nameHints.temporary);
        this.names.set(p.value, local);
        this.entryReads.push(`const ${local} = ${read};`);
      } else if (!this.names.has(p.value)) this.names.set(p.value, read);
      this.leafParams.add(p.value);
    }
  }

  /** The locals holding leaves read at the entry (`readAtEntry`), declared: the function's first
   * statements. */
  readonly entryReads: string[] = [];

  /** The name of the variable holding `original`. */
  of(original: Value): string {
    const value = this.plan.variableOf(original);
    let name = this.names.get(value);
    if (name === undefined) {
      // (adjoints and primals may hold each other's variables: in `f(x) * Math.sin(x)` with a
      // cotangent of 1 the sine is stored as the call's adjoint and the call as the sine's, so a
      // name asked for again while it is being made is made from its own hint)
      if (value.adjointOf && !this.naming.has(value)) {
        const primal = value.adjointOf;
        this.naming.add(value);
        const printed =
          this.plan.inlined.has(primal) || this.leafParams.has(primal)
            ? (primal.name ?? nameHints.temporary)
            : this.of(primal);
        this.naming.delete(value);
        name = this.names.get(value) ?? this.namer.claim(adjointHint(printed), true);
      } else if (value.name !== undefined && this.plan.forwardValues.has(value)) {
        name = this.namer.claimUserName(value.name);
      } else {
        name = this.namer.claim(value.name ?? nameHints.temporary);
      }
      this.names.set(value, name);
    }
    return name;
  }

  /** The printed name of the object parameter the source calls `name`. */
  objectParam(name: string): string {
    let printed = this.objectParams.get(name);
    if (printed === undefined) this.objectParams.set(name, (printed = this.namer.claimUserName(name)));
    return printed;
  }

  /** Names a `for` loop's counter after the source's, for the loop's block (see `release`). */
  counter(param: Value): string {
    const counter = this.namer.claimUserName(param.name ?? nameHints.loopCounter);
    this.names.set(param, counter);
    return counter;
  }

  /** A fresh name for something of the generated code alone (a saved value, a scratch local). */
  fresh(hint: string): string {
    return this.namer.claim(hint);
  }

  /** A fresh name the user would expect (`out`), renaming the user's own variable if need be. */
  freshUserName(hint: string): string {
    return this.namer.claimUserName(hint);
  }

  /** Frees a block-scoped name (a loop counter) once its block has ended. */
  release(name: string): void {
    this.namer.release(name);
  }
}
