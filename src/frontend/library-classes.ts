/**
 * Classes of library code: a class the checker resolves to a package's typings
 * (`declare class Vec3 { ... }`, in the `.d.ts` beside the package's JavaScript) is the class
 * of the same name in the package's JavaScript (library.ts finds it), and a member of the
 * declared class is the member of that name of the JavaScript class. classes.ts then lowers
 * them as it lowers the project's classes; without JavaScript, the class keeps its diagnostic.
 */
import { ts } from "ts-morph";
import { libraryImplementation } from "./library.js";

/** The JavaScript class implementing a class declared in a package's typings. */
export function libraryClass(
  checker: ts.TypeChecker,
  declaration: ts.ClassLikeDeclaration,
): ts.ClassLikeDeclaration | undefined {
  let symbol = libraryImplementation(checker, declaration);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const implementation = symbol?.declarations?.find(ts.isClassLike);
  return implementation && !implementation.getSourceFile().isDeclarationFile ? implementation : undefined;
}

/** The member of a library class's JavaScript that a member of its typings declares: the one
 * of the same name and kind (static or not, method or accessor). */
export function libraryMember(checker: ts.TypeChecker, member: ts.Declaration): ts.ClassElement | undefined {
  const declared = member.parent;
  if (!ts.isClassLike(declared) || !ts.isClassElement(member)) return undefined;
  const implementation = libraryClass(checker, declared);
  const name = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
  if (!implementation || name === undefined) return undefined;
  const isStatic = (m: ts.Node) =>
    ts.canHaveModifiers(m) && !!ts.getModifiers(m)?.some((k) => k.kind === ts.SyntaxKind.StaticKeyword);
  const found = implementation.members.find(
    (m) =>
      m.name !== undefined &&
      ts.isIdentifier(m.name) &&
      m.name.text === name &&
      m.kind === member.kind &&
      isStatic(m) === isStatic(member),
  );
  if (found) typings.set(found, member);
  return found;
}

/** The member of a library class's typings that each JavaScript member was found for. */
const typings = new WeakMap<ts.Node, ts.ClassElement>();

/**
 * What a JavaScript member of a library class returns, as its typings say for this call (the
 * overload the checker picked: `vsub(vector: Vec3): Vec3`): the JavaScript's own is `any`.
 */
export function libraryReturnType(checker: ts.TypeChecker, member: ts.Node, site: ts.Node): ts.Type | undefined {
  const declared = typings.get(member);
  if (!declared || !ts.isFunctionLike(declared)) return undefined;
  const signature = ts.isCallLikeExpression(site)
    ? checker.getResolvedSignature(site)
    : checker.getSignatureFromDeclaration(declared);
  return signature && checker.getReturnTypeOfSignature(signature);
}

/** The one member overloads of a library class's typings declare (`vsub(v)`, `vsub(v, target)`). */
export function libraryOverloads(declarations: readonly ts.Declaration[]): ts.Declaration[] {
  const [first] = declarations;
  const overloads =
    first !== undefined &&
    declarations.every(
      (d) => d.getSourceFile().isDeclarationFile && d.parent === first.parent && d.kind === first.kind,
    );
  return overloads ? [first] : [...declarations];
}
