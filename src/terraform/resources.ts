/**
 * The managed resources through the Terraform door: validate, plan, apply, read, import and
 * state upgrade, each the core's plugin adapter (src/provider/resources.ts) with values
 * translated (values.ts). What Terraform asks that the other doors do not is answered here
 * by its rules and nothing more: a planned value keeps every value the configuration sets;
 * an unchanged resource plans as its prior state; a new state keeps the planned spelling of
 * what the core holds equal; a failed step returns the state the core says exists.
 */
import { PLUGIN_RESOURCES, type PluginResource } from "../provider/resources.js";
import type { InputPath } from "../provider/secrets.js";
import { type AliasFieldSpec, aliasFields, aliasPolicyFields } from "../wire/index.js";
import { errorDiagnostic, failureDiagnostics, pathSteps, warning } from "./diagnostics.js";
import { decodeValue, encodeValue } from "./msgpack.js";
import { camel, snake, typeName } from "./names.js";
import type { AttributePathStep, Diagnostic, DynamicValue } from "./proto.js";
import { type Block, objectType, RESOURCE_BLOCKS } from "./schema.js";
import { isObject, lookup, type TfType, type TfValue, UNKNOWN, WireError } from "./types.js";
import { fromCore, keepSame, type Props, toCore } from "./values.js";

export interface TfResource {
  readonly block: Block;
  readonly type: TfType;
  readonly core: PluginResource;
  /** The core's name of the id (the field a change of which replaces) and its Terraform attribute. */
  readonly idName: string;
  readonly idAttr: string;
}

function resource(
  name: string,
  core: PluginResource,
  fields: [string, AliasFieldSpec][],
): [string, TfResource] {
  const block = (RESOURCE_BLOCKS[name] as () => Block)();
  const id = fields.find(([, f]) => f.update === "replace")?.[0] ?? "key";
  return [typeName(name), { block, type: objectType(block.attributes), core, idName: id, idAttr: snake(id) }];
}

/** The resources by Terraform type name. */
export const TF_RESOURCES: ReadonlyMap<string, TfResource> = new Map([
  resource("alias", PLUGIN_RESOURCES.alias, aliasFields()),
  resource("alias_policy", PLUGIN_RESOURCES.aliasPolicy, aliasPolicyFields()),
]);

export const resourceOf = (name: string): TfResource => lookup(TF_RESOURCES, name, "resource type");

const attrs = (r: TfResource) => r.block.attributes;

/** Where the sensitive attributes sit in the core's inputs: never shown in a failure, warning or route. */
const secretsOf = (r: TfResource): InputPath[] =>
  attrs(r)
    .filter((a) => a.sensitive)
    .map((a) => [camel(a.name)]);
type TfObject = { [name: string]: TfValue };

/** Every attribute the configuration sets keeps the configuration's value (Terraform's rule for plans). */
function withConfig(planned: TfObject, config: TfValue, r: TfResource): TfObject {
  if (!isObject(config)) return planned;
  const out = { ...planned };
  for (const a of attrs(r)) {
    const c = config[a.name] ?? null;
    if (c !== null || !a.computed) out[a.name] = c;
  }
  return out;
}

/** ValidateResourceConfig: the core's checks that need no API (the configuration may hold unknowns). */
export function validateResource(r: TfResource, config: DynamicValue): Diagnostic[] {
  return failureDiagnostics(r.core.validate(toCore(decodeValue(config, r.type), attrs(r)), secretsOf(r)));
}

export interface Plan {
  planned: TfValue;
  requiresReplace: AttributePathStep[][];
  diagnostics: Diagnostic[];
}

/** A warning listing where each sample went, so the plan shows the routes the resolver chose. */
function routesWarning(r: TfResource, inputs: Props, lines: string[]): Diagnostic[] {
  if (lines.length === 0) return [];
  const id = inputs[r.idName];
  return [
    warning(`Sample routes of alias '${String(id)}'`, lines.join("\n"), [{ attribute_name: "samples" }]),
  ];
}

/** PlanResourceChange: the core's check (the API asked about agents), then its preview of the outputs. */
export async function planResource(
  r: TfResource,
  req: { prior_state: DynamicValue; proposed_new_state: DynamicValue; config: DynamicValue },
): Promise<Plan> {
  const proposed = decodeValue(req.proposed_new_state, r.type);
  if (proposed === null) return { planned: null, requiresReplace: [], diagnostics: [] };
  const prior = decodeValue(req.prior_state, r.type);
  const config = decodeValue(req.config, r.type);
  const inputs = toCore(config, attrs(r));
  const checked = await r.core.check({}, inputs, secretsOf(r));
  const warnings = checked.warnings.map((w) => warning(w, ""));
  if (checked.failures.length > 0)
    return {
      planned: proposed,
      requiresReplace: [],
      diagnostics: [...failureDiagnostics(checked.failures), ...warnings],
    };
  const diagnostics = [...warnings, ...routesWarning(r, inputs, checked.routes)];
  if (!isObject(prior)) {
    const { outs } = await r.core.create(inputs, true);
    return { planned: withConfig(fromCore(outs, attrs(r)), config, r), requiresReplace: [], diagnostics };
  }
  const olds = toCore(prior, attrs(r));
  const d = r.core.diff(olds, inputs);
  if (!d.changes) return { planned: withConfig(prior, config, r), requiresReplace: [], diagnostics };
  if (d.replaces.length > 0) {
    const { outs } = await r.core.create(inputs, true);
    return {
      planned: withConfig(fromCore(outs, attrs(r)), config, r),
      requiresReplace: d.replaces.map(pathSteps),
      diagnostics,
    };
  }
  const outs = await r.core.update(String(olds[r.idName]), olds, inputs, true);
  return {
    planned: withConfig(keepSame(fromCore(outs, attrs(r)), prior, attrs(r)), config, r),
    requiresReplace: [],
    diagnostics,
  };
}

export interface Applied {
  state: TfValue;
  diagnostics: Diagnostic[];
}

/** The state a failed step leaves: the core's partial state when it says one exists, else `otherwise`. */
function failed(r: TfResource, e: unknown, otherwise: TfValue, planned: TfValue): Applied {
  const partial = e as { code?: unknown; properties?: unknown };
  const state =
    partial.code === "partial_failure" && isObject(partial.properties as TfValue)
      ? keepSame(fromCore(partial.properties as Props, attrs(r)), planned, attrs(r))
      : otherwise;
  return { state, diagnostics: [errorDiagnostic(e)] };
}

/** ApplyResourceChange: create (no prior state), delete (no planned state) or update, through the core. */
export async function applyResource(
  r: TfResource,
  req: { prior_state: DynamicValue; planned_state: DynamicValue; config: DynamicValue },
): Promise<Applied> {
  const prior = decodeValue(req.prior_state, r.type);
  const planned = decodeValue(req.planned_state, r.type);
  if (planned === null) {
    if (!isObject(prior)) return { state: null, diagnostics: [] };
    const olds = toCore(prior, attrs(r));
    try {
      await r.core.delete(String(olds[r.idName]), olds);
      return { state: null, diagnostics: [] };
    } catch (e) {
      return { state: prior, diagnostics: [errorDiagnostic(e)] };
    }
  }
  const inputs = toCore(decodeValue(req.config, r.type), attrs(r));
  try {
    const outs = isObject(prior)
      ? await r.core.update(String(toCore(prior, attrs(r))[r.idName]), toCore(prior, attrs(r)), inputs, false)
      : (await r.core.create(inputs, false)).outs;
    return { state: keepSame(fromCore(outs, attrs(r)), planned, attrs(r)), diagnostics: [] };
  } catch (e) {
    return failed(r, e, isObject(prior) ? prior : null, planned);
  }
}

/** ReadResource: the live state, null when the API says it is gone (the host drops it). */
export async function readResource(r: TfResource, current: DynamicValue): Promise<TfValue> {
  const state = decodeValue(current, r.type);
  if (!isObject(state)) return state;
  const olds = toCore(state, attrs(r));
  const found = await r.core.read(String(olds[r.idName]), olds);
  if (found === null) return null;
  return keepSame(fromCore(found.outs, attrs(r)), state, attrs(r));
}

/** ImportResourceState: the id alone; the host reads the rest (ReadResource) before it plans. */
export function importResource(r: TfResource, id: string): TfValue {
  return fromCore({ [r.idName]: id }, attrs(r));
}

/**
 * UpgradeResourceState: state of any schema version up to the current one, as raw JSON, read
 * in the current layout by the core's state reader (the same one the dynamic resources use
 * for state written by older versions). A state newer than this provider is refused.
 */
export function upgradeResource(r: TfResource, version: number, json: Buffer | undefined): TfValue {
  if (version > r.block.version)
    throw new WireError(
      `this state was written with schema version ${version} of ${[...TF_RESOURCES].find(([, x]) => x === r)?.[0]}, newer than this provider's ${r.block.version}: upgrade the provider`,
    );
  if (!json || json.length === 0) return null;
  const raw = decodeValue({ json }, r.type);
  if (!isObject(raw)) return raw;
  const read = r.core.readState(toCore(raw, attrs(r)));
  return keepSame(fromCore(read, attrs(r)), raw, attrs(r));
}

/** Encodes a state or plan for the host. */
export const encodeState = (r: TfResource, v: TfValue): DynamicValue => encodeValue(v, r.type);

export { UNKNOWN };
