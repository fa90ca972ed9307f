/**
 * What the compiler makes of TypeScript types: the IR type of a value, how an array is stored,
 * and the leaves of an object type (its numbers, booleans, strings and arrays, by dotted path).
 */
import { ts } from "ts-morph";
import { nestedObjectText } from "../ir/objects.js";
import type { ArrayKind, Type } from "../ir/types.js";
import { isNumericArrayLike } from "./array-likes.js";

const integerTypedArrays = new Set([
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "BigInt64Array",
  "BigUint64Array",
]);

/** `Int32Array` and its kin: arrays with methods and fields that are not numeric arrays here. */
export function isIntegerTypedArray(type: ts.Type): boolean {
  return integerTypedArrays.has(type.getSymbol()?.getName() ?? "");
}

/** A leaf of an object type: a field that is not itself an object. */
export interface Leaf {
  path: string;
  type: Type;
  /** Declared `int`: an integer, never differentiated. */
  integer: boolean;
  arrayKind?: ArrayKind;
  rowKind?: ArrayKind;
  /** For an array of objects: the number fields of each element. */
  elementFields?: string[];
  /** The leaf's type as generated code writes it. */
  typeText: string;
}

const arrayTypeText = (kind: ArrayKind) => (kind === "Array" ? "number[]" : kind);

/** A file of TypeScript's standard library (lib.es5.d.ts, lib.dom.d.ts, ...). */
const isStandardLibrary = (declaration: ts.Node) => {
  const file = declaration.getSourceFile();
  return file.isDeclarationFile && /(^|\/)lib\.[\w.]+\.d\.ts$/.test(file.fileName);
};

/** A type the standard library declares (`ArrayLike`), not one of the user's of the same name. */

export class TypeClassifier {
  constructor(private readonly checker: ts.TypeChecker) {}

  /** The IR type of a TypeScript type, or undefined when the compiler does not handle it.
   * `any` is a number: a use that is not numeric is reported where it is lowered. */
  irType(type: ts.Type): Type | undefined {
    if (type.flags & ts.TypeFlags.Any) return "number";
    // `this` in a class is a type parameter constrained by the class.
    const constraint = type.isTypeParameter() ? this.checker.getBaseConstraintOfType(type) : undefined;
    if (constraint && constraint !== type) return this.irType(constraint);
    if (this.arrayKind(type) || this.rowKind(type) || this.elementFields(type)) return "array";
    const all = (flags: ts.TypeFlags) =>
      type.isUnion() ? type.types.every((t) => t.flags & flags) : type.flags & flags;
    if (all(ts.TypeFlags.NumberLike)) return "number";
    if (all(ts.TypeFlags.BooleanLike)) return "boolean";
    if (all(ts.TypeFlags.StringLike)) return "string";
    if (type.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return "void";
    if (this.isObject(type)) return "object";
    return undefined;
  }

  /** `number[]`, `readonly number[]`, `Float64Array`, `Float32Array`: numeric arrays; also
   * `ArrayLike<number>` and unions of those (`number[] | Float64Array`), whose gradients are
   * `number[]` unless every member is the same typed array (a union of Float32Array and another
   * kind is not supported). */
  arrayKind(type: ts.Type): ArrayKind | undefined {
    if (type.isUnion()) {
      const kinds = new Set(type.types.map((member) => this.arrayKind(member)));
      if (kinds.has(undefined)) return undefined;
      if (kinds.size === 1) return [...kinds][0];
      // A copy of a Float32Array rounds what is written into it, a number[] does not: a union
      // of both has no one kind its copies could have.
      return kinds.has("Float32Array") ? undefined : "Array";
    }
    const name = type.getSymbol()?.getName();
    if (name === "Float64Array" || name === "Float32Array") return name;
    if (isNumericArrayLike(this.checker, type)) return "Array";
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
      // number[], readonly number[], and tuples of numbers ([number, number]), stored as arrays.
      const elements = this.checker.getTypeArguments(type as ts.TypeReference);
      // `any[]` too: `any` is a number (see irType).
      const numeric = ts.TypeFlags.NumberLike | ts.TypeFlags.Any;
      if (elements.length > 0 && elements.every((element) => element.flags & numeric)) return "Array";
    }
    return undefined;
  }

  /** For `number[][]`, `readonly number[][]`, `Float64Array[]`: how the rows are stored. */
  rowKind(type: ts.Type): ArrayKind | undefined {
    if (!this.checker.isArrayType(type)) return undefined;
    const [row] = this.checker.getTypeArguments(type as ts.TypeReference);
    return row ? this.arrayKind(row) : undefined;
  }

  /** For an array of objects of numbers (`Vec2[]`): the paths of the elements' number fields. */
  elementFields(type: ts.Type): string[] | undefined {
    if (!this.checker.isArrayType(type)) return undefined;
    const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
    if (!element || !this.isObject(element)) return undefined;
    const leaves = this.leaves(element);
    return leaves.length > 0 && leaves.every((leaf) => leaf.type === "number")
      ? leaves.map((leaf) => leaf.path)
      : undefined;
  }

  /** An object or interface type with fields: not an array, not a function. */
  isObject(type: ts.Type): boolean {
    return (
      (type.flags & ts.TypeFlags.Object) !== 0 &&
      !this.checker.isArrayType(type) &&
      !this.checker.isTupleType(type) &&
      this.arrayKind(type) === undefined &&
      !isIntegerTypedArray(type) &&
      type.getCallSignatures().length === 0 &&
      type.getProperties().length > 0
    );
  }

  /** The leaves of an object type, depth first in declaration order. Fields of other types
   * (functions, optional fields, ...) are left out: generated code does not touch them. */
  leaves(type: ts.Type, prefix = ""): Leaf[] {
    return type.getProperties().flatMap((property): Leaf[] => {
      // The properties of a mapped type (`Readonly<P>`) have the declarations of P's.
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      // A getter is computed from the fields (a class's methods are functions, left out too).
      if (!declaration || property.flags & (ts.SymbolFlags.Optional | ts.SymbolFlags.Accessor)) return [];
      const fieldType = property.valueDeclaration
        ? this.checker.getTypeOfSymbolAtLocation(property, declaration)
        : this.checker.getTypeOfSymbol(property);
      // An `any` field is left out like fields of other types: nothing says it holds a number.
      if (fieldType.flags & ts.TypeFlags.Any) return [];
      const path = `${prefix}${property.name}`;
      const irType = this.irType(fieldType);
      if (irType === "object") return this.leaves(fieldType, `${path}.`);
      if (irType === undefined || irType === "void") return [];
      const typeNode =
        ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration) ? declaration.type : undefined;
      const integer =
        typeNode !== undefined && ts.isTypeReferenceNode(typeNode) && typeNode.typeName.getText() === "int";
      const leaf: Leaf = { path, type: irType, integer, typeText: irType };
      if (irType === "array") Object.assign(leaf, this.arrayShape(fieldType));
      return [leaf];
    });
  }

  /** How an array type is stored, and its type as generated code writes it. */
  arrayShape(type: ts.Type): Pick<Leaf, "arrayKind" | "rowKind" | "elementFields" | "typeText"> {
    const rowKind = this.rowKind(type);
    if (rowKind) return { arrayKind: "Array", rowKind, typeText: `readonly ${arrayTypeText(rowKind)}[]` };
    const elementFields = this.elementFields(type);
    if (elementFields) {
      return {
        arrayKind: "Array",
        elementFields,
        typeText: `readonly ${nestedObjectText(
          elementFields.map((f) => [f, "number"]),
          "; ",
        )}[]`,
      };
    }
    const arrayKind = this.arrayKind(type)!;
    return { arrayKind, typeText: this.flatArrayText(type) };
  }

  /** A flat numeric array type as generated code writes it: `readonly number[]` for arrays,
   * tuples and `ArrayLike<number>`, the typed array's name, or a union of those. */
  flatArrayText(type: ts.Type): string {
    if (type.isUnion()) return [...new Set(type.types.map((member) => this.flatArrayText(member)))].join(" | ");
    const kind = this.arrayKind(type);
    return kind === undefined || kind === "Array" ? "readonly number[]" : kind;
  }

  /**
   * A parameter's array type as generated code writes it: as the user wrote it when that names
   * only the standard library's types (`number[]`, `readonly [number, number]`), or else
   * structurally, since the generated module does not import the user's aliases (`vec3`).
   */
  parameterArrayText(node: ts.TypeNode, type: ts.Type): string {
    let foreign = false;
    const visit = (child: ts.Node): void => {
      if (ts.isTypeReferenceNode(child)) {
        const declarations = this.checker.getTypeAtLocation(child).getSymbol()?.declarations ?? [];
        const alias = this.checker.getSymbolAtLocation(child.typeName);
        const aliasDeclarations = alias?.declarations ?? [];
        if (![...declarations, ...aliasDeclarations].every(isStandardLibrary)) foreign = true;
      }
      ts.forEachChild(child, visit);
    };
    visit(node);
    return foreign ? this.arrayShape(type).typeText : node.getText();
  }

  /** An object type as generated code writes it: its leaves, nested. */
  objectTypeText(type: ts.Type): string {
    return nestedObjectText(
      this.leaves(type).map((leaf) => [leaf.path, leaf.typeText]),
      "; ",
    );
  }
}
