/**
 * The data sources: `agentalias_alias` reads one alias by key, `agentalias_aliases` lists
 * them with the API's filters. Both read through the core's client and give each alias the
 * outputs the core gives it (aliasOutputs), translated; failures are the core's messages.
 */
import { isApiError } from "../client/index.js";
import { apiClient } from "../provider/connection.js";
import { describeApiFailure } from "../provider/errors.js";
import { aliasOutputs, UNKNOWN as CORE_UNKNOWN } from "../provider/values.js";
import { ALIAS_LIST_FILTERS, type Alias } from "../wire/index.js";
import { decodeValue } from "./msgpack.js";
import { typeName } from "./names.js";
import type { DynamicValue } from "./proto.js";
import {
  type Attr,
  attrType,
  type Block,
  DATA_SOURCE_BLOCKS,
  LISTED_ALIAS_ATTRIBUTES,
  objectType,
} from "./schema.js";
import { isObject, lookup, type TfType, type TfValue, Typed, toJson } from "./types.js";
import { fromCore, toCore } from "./values.js";

export interface TfDataSource {
  readonly block: Block;
  readonly type: TfType;
  read(config: TfValue): Promise<TfValue>;
}

const asProps = (a: Alias) => aliasOutputs({}, a) as unknown as Record<string, unknown>;

/** An object of these attributes with a concrete type: each `dynamic` attribute takes its value's own type. */
function concrete(v: { [name: string]: TfValue }, attributes: readonly Attr[]): Typed {
  const types: Record<string, TfType> = {};
  const values: { [name: string]: TfValue } = {};
  for (const a of attributes) {
    const x = v[a.name] ?? null;
    types[a.name] = x instanceof Typed ? x.type : attrType(a);
    values[a.name] = x instanceof Typed ? x.value : x;
  }
  return new Typed(["object", types], values);
}

function dataSource(
  name: string,
  read: (block: Block, config: TfValue) => Promise<TfValue>,
): [string, TfDataSource] {
  const block = (DATA_SOURCE_BLOCKS[name] as () => Block)();
  return [
    typeName(name),
    { block, type: objectType(block.attributes), read: (config) => read(block, config) },
  ];
}

async function readOne(block: Block, config: TfValue): Promise<TfValue> {
  const key = String(toCore(config, block.attributes).key);
  let alias: Alias;
  try {
    alias = await apiClient().getAlias(key);
  } catch (e) {
    if (isApiError(e, "not_found")) throw new Error(`Alias '${key}' not found`);
    throw describeApiFailure(`reading alias '${key}'`, e);
  }
  return fromCore(asProps(alias), block.attributes);
}

async function readList(block: Block, config: TfValue): Promise<TfValue> {
  const given = isObject(config) ? config : {};
  const query: Record<string, unknown> = {};
  for (const name of Object.keys(ALIAS_LIST_FILTERS)) {
    const v = given[name];
    if (v !== null && v !== undefined) query[name] = toJson(v, CORE_UNKNOWN);
  }
  const listed = LISTED_ALIAS_ATTRIBUTES();
  const items: Typed[] = [];
  try {
    for await (const a of apiClient().allAliases(query))
      items.push(concrete(fromCore(asProps(a), listed), listed));
  } catch (e) {
    throw describeApiFailure("listing aliases", e);
  }
  const tuple = new Typed(
    ["tuple", items.map((i) => i.type)],
    items.map((i) => i.value),
  );
  return {
    ...Object.fromEntries(block.attributes.map((a) => [a.name, given[a.name] ?? null])),
    aliases: tuple,
  };
}

/** The data sources by Terraform type name. */
export const TF_DATA_SOURCES: ReadonlyMap<string, TfDataSource> = new Map([
  dataSource("alias", readOne),
  dataSource("aliases", readList),
]);

export const dataSourceOf = (name: string): TfDataSource => lookup(TF_DATA_SOURCES, name, "data source");

/** Reads a data source's configuration. */
export const dataConfig = (d: TfDataSource, config: DynamicValue): TfValue => decodeValue(config, d.type);
