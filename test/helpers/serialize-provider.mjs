// Serializes a resource's provider exactly as `pulumi.dynamic.Resource` does
// (runtime.serializeFunction(() => provider, { allowSecrets: true })) from the built package,
// in a plain Node process (vitest would rewrite the dynamic imports of files it transforms).
// Usage: node serialize-provider.mjs aliasResourceProvider|aliasPolicyResourceProvider
import * as pulumi from "@pulumi/pulumi";
import { aliasPolicyResourceProvider, aliasResourceProvider } from "../../dist/resources/serialized.js";

const providers = { aliasResourceProvider, aliasPolicyResourceProvider };
const provider = providers[process.argv[2]];
if (!provider) throw new Error(`no provider ${process.argv[2]}`);
const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
process.stdout.write(JSON.stringify({ text: sf.text, containsSecrets: sf.containsSecrets }));
