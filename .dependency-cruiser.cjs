/**
 * The import graph of src/ stays a tree: no module may reach itself through its imports.
 * Type-only imports count (`tsPreCompilationDeps`), since a cycle of types is still a cycle
 * for a reader. Run by `npm run lint` as `depcruise src`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A type two modules share lives in a third module that imports neither.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".d.ts", ".js", ".mjs", ".cjs"],
    },
  },
};
