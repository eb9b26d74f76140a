/**
 * The providers that `dynamic.Resource` serializes into the state (`__provider`). Each method
 * loads the real implementation at call time from the package itself, so the serialized text
 * is a few lines, captures no client, secret or module state, and stays the same across
 * upgrades of this package (an upgrade never looks like a provider change).
 *
 * Keep these methods free of references to anything in scope: the closure serializer would
 * capture it into the state.
 */
import type * as pulumi from "@pulumi/pulumi";

export const aliasResourceProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.configure(req);
  },
  async check(olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.check(olds, news);
  },
  async diff(id, olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.diff(id, olds, news);
  },
  async create(inputs) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.create(inputs);
  },
  async read(id, props) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.read(id, props);
  },
  async update(id, olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.update(id, olds, news);
  },
  async delete(id, props) {
    return (await import("pulumi-agent-alias/provider")).aliasProvider.delete(id, props);
  },
};

export const aliasPolicyResourceProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.configure(req);
  },
  async check(olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.check(olds, news);
  },
  async diff(id, olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.diff(id, olds, news);
  },
  async create(inputs) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.create(inputs);
  },
  async read(id, props) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.read(id, props);
  },
  async update(id, olds, news) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.update(id, olds, news);
  },
  async delete(id, props) {
    return (await import("pulumi-agent-alias/provider")).aliasPolicyProvider.delete(id, props);
  },
};
