/** The shape of a compiled expression, apart from the compiler so that function tables and readers can name it. */
import type { Value } from "./values.js";

/** A compiled expression: evaluates against a routing context. */
export type Evaluator = (context: unknown) => Value;
