/**
 * `pulumi-agent-alias/policy`: validation, compilation and resolution of alias routing
 * policies (ROUTING.md), and the weighted split. The provider's preview, the CLI and the
 * emulator all route through this one resolver.
 */
export { evaluate, normalizeExpression } from "../userfn/index.js";
export * from "./canary.js";
export {
  CANARY_ARGUMENTS,
  CANARY_POLICY_DOC,
  type CanaryArgument,
  canaryArguments,
} from "./canary-arguments.js";
export {
  agentsOf,
  asChecked,
  type CheckedExpression,
  type CheckedPolicy,
  type CheckedRule,
  checkPolicy,
  checkPolicyFile,
  compilePolicy,
  isCheckedPolicy,
  type PolicyCheck,
  type PolicyInput,
  type PolicyIssue,
  type PolicyIssueCode,
  PolicyValidationError,
} from "./check.js";
export { partitionString } from "./compiled-rule.js";
export { fillAgent, type RoutingContext } from "./context.js";
export { diffPolicies } from "./diff.js";
export type {
  AgentShare,
  DiffOptions,
  DiffStatus,
  DiffWarning,
  DiffWarningCode,
  PolicyDiff,
  RuleChangeKind,
  RuleDiff,
  RuleSide,
  SampleChange,
  SplitDiff,
  Transition,
} from "./diff-types.js";
export {
  DOCUMENT_TYPES,
  type DocProperty,
  type DocType,
  type DocTypeName,
  type DocTypeSpec,
  documentType,
  requiredProperties,
} from "./document-types.js";
export {
  describeValue,
  describeZodIssues,
  type ExpressionIssue,
  formatPath,
  type IssueDetail,
  type IssueKind,
  isRecord,
  type PathPart,
  type ValidationIssue,
} from "./issues.js";
export {
  CANARY_LIMITS,
  DOCUMENT_LIMITS,
  isKey,
  KEY_PATTERN,
  KEY_RULE,
  POLICY_LIMITS,
  SIMULATION_KEYS,
} from "./limits.js";
export { murmur3, murmur3Bytes } from "./murmur3.js";
export {
  PREVIEW_REPORT_VERSION,
  type PreviewOptions,
  type PreviewReport,
  previewPolicy,
  type RuleReport,
  type SampleOutcome,
  type SplitShare,
} from "./preview.js";
export {
  type CompiledPolicy,
  newSlot,
  type Resolution,
  type ResolutionSlot,
  RoutingError,
  type RoutingErrorCode,
  type RulePart,
  type TargetType,
} from "./resolution.js";
export type { CompileOptions } from "./resolve.js";
export { describeTarget } from "./rule-pairs.js";
export {
  missDetail,
  parseSamples,
  type RoutedSample,
  routeSamples,
  type Sample,
  type SampleAlias,
  type SampleIssue,
  sampleContext,
  sampleLabel,
  sampleRouteLine,
  sampleSchema,
  syntheticKey,
} from "./samples.js";
export type { AliasDocument, Policy, Rule, SingleTarget, Target, WeightedTarget } from "./schema.js";
export { aliasDocumentSchema, answeredPolicySchema, keySchema, policySchema } from "./schema.js";
export { percent, roundShare } from "./shares.js";
export { type CompiledSplit, compileSplit, pickWeighted, type WeightedOption } from "./split.js";
export { isExpressionIssue, validatePolicy, validationIssue } from "./validate.js";
