/** The UserFn syntax tree. Every node carries its source range. */

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "<" | "<=" | ">" | ">=" | "==" | "!=";

interface Span {
  readonly start: number;
  readonly end: number;
}

export type Node =
  | (Span & { readonly kind: "literal"; readonly value: number | string | boolean | null })
  | (Span & { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Node })
  | (Span & { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Node; readonly right: Node })
  | (Span & { readonly kind: "and" | "or"; readonly left: Node; readonly right: Node })
  | (Span & { readonly kind: "if"; readonly cond: Node; readonly then: Node; readonly otherwise: Node })
  | (Span & {
      readonly kind: "call";
      readonly name: string;
      readonly nameEnd: number;
      readonly args: readonly Node[];
    });
