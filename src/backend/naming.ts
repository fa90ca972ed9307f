/**
 * The one place generated names come from: the hints the backend names things after (`tmp`,
 * `value`, `dx`, `xTop`, `scratch`, ...), the module-level names of the generated module's own
 * functions, and the Namer that turns hints into names. Names are claimed in emission order, so
 * the same IR always gets the same names, and a generated name never equals a name the user wrote
 * in the function or a global the generated code may reference.
 */
import { ts } from "ts-morph";

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
  // the generated module's own functions for growing stacks and reusing arrays (see backend/module.ts)
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
