/**
 * The diagnostic for a call the compiler cannot compile: a callee that is neither a helper it
 * inlines, nor a call with a derivative, nor a function of the environment. Each kind of callee
 * (an array method, a method, a function value, a function without a body) is a rule saying
 * what the call is and what to write instead; the first rule that matches is reported.
 */
import { ts } from "ts-morph";
import type { DiagnosticCode } from "../diagnostics.js";
import type { LoweringContext } from "./context.js";
import { resolvedSymbol } from "./derivatives.js";
import { readsPackageJavaScript } from "./library.js";

interface CallRefusal {
  code: DiagnosticCode;
  message: string;
  hint: string;
}

/** What a rule knows of the call. */
interface Callee {
  cx: LoweringContext;
  call: ts.CallExpression;
  /** The callee as written (`ops.scale`, `f`). */
  name: string;
  /** For `receiver.method(...)`: the method's name and the receiver's type. */
  method?: { name: string; receiverType: ts.Type };
  /** The declarations of what the callee names, aliases resolved. */
  declarations: readonly ts.Declaration[];
}

/** How to write what an array method does as a loop, for the methods array-methods.ts does not
 * lower (the others never reach these rules). */
const arrayMethodLoops: Readonly<Record<string, string>> = {
  reduceRight: "let total = 0; for (let i = xs.length - 1; i >= 0; i--) total += ...;",
  lastIndexOf: "a for loop from the end that breaks at the index",
  concat: "[...a, ...b], or a new array filled by loops",
  join: "a template literal outside the differentiable function",
};

const hasBody = (d: ts.Declaration) => ts.isFunctionLike(d) && "body" in d && d.body !== undefined;

const isArrayLike = (cx: LoweringContext, type: ts.Type) =>
  cx.irType(type) === "array" || cx.checker.isArrayType(type) || cx.checker.isTupleType(type);

/** Each kind of callee, in the order they are tried. */
const refusals: ((callee: Callee) => CallRefusal | undefined)[] = [
  ({ cx, call, method }) => {
    if (!method || !isArrayLike(cx, method.receiverType)) return undefined;
    const receiver = ts.isPropertyAccessExpression(call.expression) ? call.expression.expression : undefined;
    const array = receiver && ts.isIdentifier(receiver) ? receiver.text : "xs";
    const loop = (arrayMethodLoops[method.name] ?? "a loop over the elements").replace(/\bxs\b/g, array);
    return {
      code: "AD1004",
      message: `the array method '${method.name}' is not supported in differentiable functions yet`,
      hint: `write it as a loop: ${loop}`,
    };
  },
  ({ name, method, declarations }) => {
    if (!method || !declarations.some((d) => ts.isFunctionDeclaration(d) && d.body !== undefined)) return undefined;
    return {
      code: "AD1004",
      message: `'${name}' is reached through an object the compiler cannot follow at compile time (one changed at run time, or a value a call returns)`,
      hint: `import the function by name (import { ${method.name} } from ...) or call it through its module, as ${method.name}(...)`,
    };
  },
  ({ name, method, declarations }) => {
    if (!method || !declarations.some(hasBody)) return undefined;
    return {
      code: "AD1004",
      message: `'${name}' is a method of a value whose class the compiler does not know at compile time`,
      hint: "call it on an instance of a known class (new C(...), or a variable or parameter of the class's type)",
    };
  },
  ({ name, declarations }) => {
    if (!declarations.some((d) => ts.isParameter(d))) return undefined;
    return {
      code: "AD1004",
      message: `'${name}' is a parameter holding a function: which function it is is known only when the code runs`,
      hint: "call a function declared with `function` or `const f = (...) => ...` by name, or pass in the numbers it computes",
    };
  },
  ({ name, declarations }) => {
    const variable = declarations.find((d) => ts.isVariableDeclaration(d));
    if (!variable) return undefined;
    return {
      code: "AD1004",
      message: `'${name}' is a variable holding a function value, which the compiler does not follow`,
      hint: "declare the function as `function f(...)` or `const f = (...) => ...` and call it by name",
    };
  },
  ({ name, method, declarations }) => {
    const isField = (d: ts.Declaration) =>
      ts.isPropertySignature(d) || ts.isPropertyDeclaration(d) || ts.isPropertyAssignment(d);
    if (!method || !declarations.some(isField) || declarations.some((d) => d.getSourceFile().isDeclarationFile))
      return undefined;
    return {
      code: "AD1004",
      message: `'${name}' calls a function stored in a field, which is known only when the code runs`,
      hint: "call a function declared with `function` or `const f = (...) => ...` by name",
    };
  },
  ({ name, declarations }) => {
    if (declarations.length > 0) return undefined;
    return {
      code: "AD1004",
      message: `'${name}' is computed by an expression, not a function called by name`,
      hint: "declare the function as `function f(...)` or `const f = (...) => ...` and call it by name",
    };
  },
  ({ cx, call, name, declarations }) => {
    const fromTypings = declarations.length > 0 && declarations.every((d) => d.getSourceFile().isDeclarationFile);
    if (declarations.some(hasBody)) {
      return {
        code: "AD1004",
        message: `'${name}' is not a function the compiler knows at compile time`,
        hint: "call a function declared with `function` or `const f = (...) => ...`, or a method of a known class, by name",
      };
    }
    const where = !fromTypings
      ? "is declared without a body"
      : readsPackageJavaScript(cx.checker, declarations[0]!)
        ? "is declared in a package's typings, but its JavaScript defines no function by that name the compiler can follow (the package may build it when it loads, in a table)"
        : "comes from typings (a .d.ts file) without source";
    const rule = ts.isIdentifier(call.expression)
      ? `give it a derivative: an exported function tagged /** @derivative ${name} */ taking its parameters and the cotangent (see the README)`
      : "wrap it in an exported function of your own and give that one a @derivative rule (see the README)";
    return {
      code: "AD1005",
      message: `'${name}' ${where} and has no derivative rule: the compiler cannot see what it computes`,
      hint: `${rule}, or compute the value outside and pass it in`,
    };
  },
];

/** Fails with what the call is and what to write instead. */
export function rejectUnresolvedCall(cx: LoweringContext, call: ts.CallExpression, name: string): never {
  const callee = call.expression;
  const symbol = cx.checker.getSymbolAtLocation(callee);
  const declarations = (symbol && resolvedSymbol(cx.checker, symbol).declarations) ?? [];
  const method = ts.isPropertyAccessExpression(callee)
    ? { name: callee.name.text, receiverType: cx.checker.getTypeAtLocation(callee.expression) }
    : undefined;
  const facts: Callee = { cx, call, name, declarations, ...(method ? { method } : {}) };
  for (const refusal of refusals) {
    const found = refusal(facts);
    if (found) return cx.fail(call, found.code, found.message, found.hint);
  }
  throw new Error("the last refusal of a call matches every call");
}
