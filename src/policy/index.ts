/**
 * `pulumi-agent-alias/policy`: validation, compilation and resolution of alias routing
 * policies (ROUTING.md), and the weighted split. The provider's preview, the CLI and the
 * emulator all route through this one resolver.
 */
export { evaluate } from "../userfn/index.js";
export {
  CanaryError,
  type CanarySpec,
  type CanaryStage,
  canaryPolicy,
  canaryRule,
  DEFAULT_STAGES,
  expandCanaryDocument,
  validateCanary,
} from "./canary.js";
export { fillAgent, type RoutingContext } from "./context.js";
export { describeValue, describeZodIssues, type IssueDetail, type PathPart } from "./issues.js";
export { murmur3, murmur3Bytes } from "./murmur3.js";
export {
  type AgentShare,
  type DiffOptions,
  type DiffStatus,
  type DiffWarning,
  type DiffWarningCode,
  describeTarget,
  diffPolicies,
  normalizeExpression,
  type PolicyDiff,
  type RuleChangeKind,
  type RuleDiff,
  type RuleSide,
  type SampleChange,
  type SplitDiff,
  type Transition,
} from "./policy-diff.js";
export {
  type PreviewOptions,
  type PreviewReport,
  previewPolicy,
  type RuleReport,
  type SampleOutcome,
  syntheticKey,
} from "./preview.js";
export {
  type CompiledPolicy,
  type CompileOptions,
  compilePolicy,
  newSlot,
  PolicyValidationError,
  partitionString,
  type Resolution,
  type ResolutionSlot,
  RoutingError,
  type RoutingErrorCode,
  type RulePart,
  type TargetType,
} from "./resolve.js";
export { parseSamples, type Sample, sampleContext, sampleLabel, sampleSchema } from "./samples.js";
export type { AliasDocument, Policy, Rule, SingleTarget, Target, WeightedTarget } from "./schema.js";
export { aliasDocumentSchema, answeredPolicySchema, KEY_PATTERN, keySchema, policySchema } from "./schema.js";
export { type CompiledSplit, compileSplit, pickWeighted, type WeightedOption } from "./split.js";
export {
  type ExpressionIssue,
  formatPath,
  isExpressionIssue,
  type ValidationIssue,
  validatePolicy,
} from "./validate.js";
