/**
 * go-plugin's start-up contract, as Terraform and OpenTofu start a provider: the magic
 * cookie proves a host started us; the host's protocol versions (`PLUGIN_PROTOCOL_VERSIONS`)
 * must include 6; the one line on stdout tells the host where to connect and, under
 * AutoMTLS, which certificate the provider serves (base64 of its DER, without padding).
 * Pure functions over the environment, so each rule is tested on its own.
 */
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROVIDER_NAME } from "./names.js";

/** The cookie Terraform and OpenTofu set for providers (go-plugin's HandshakeConfig). */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/** go-plugin's own protocol version (the first field of the handshake line). */
export const CORE_PROTOCOL_VERSION = 1;
/** The plugin protocol this provider speaks. */
export const PLUGIN_PROTOCOL_VERSION = 6;

type Env = Record<string, string | undefined>;

/** Why this process cannot serve (started by hand, or by a host of another protocol), or undefined. */
export function startProblem(env: Env): string | undefined {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE)
    return (
      `terraform-provider-${PROVIDER_NAME} is a Terraform/OpenTofu provider plugin: terraform or tofu starts it ` +
      "when a configuration uses the agentalias provider, and it is not meant to be run by hand. " +
      "Install it with `agent-alias plugin install --terraform` (docs/terraform.md), then run terraform or tofu."
    );
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (offered.length > 0 && !offered.includes(String(PLUGIN_PROTOCOL_VERSION)))
    return (
      `terraform-provider-${PROVIDER_NAME} speaks plugin protocol ${PLUGIN_PROTOCOL_VERSION}, ` +
      `and this host offers ${offered.join(", ")}: use Terraform 1.0 or later, or OpenTofu`
    );
  return undefined;
}

/** Where to listen: a fresh Unix socket in PLUGIN_UNIX_SOCKET_DIR, else the temporary folder. */
export function socketPath(env: Env): string {
  const dir = env.PLUGIN_UNIX_SOCKET_DIR || tmpdir();
  return join(dir, `plugin-${PROVIDER_NAME}-${randomBytes(6).toString("hex")}`);
}

/** The handshake line: `1|6|unix|<path>|grpc|<certificate>` (the last field only under AutoMTLS). */
export function handshakeLine(
  address: { network: "unix" | "tcp"; address: string },
  certDer?: Uint8Array,
): string {
  const fields = [CORE_PROTOCOL_VERSION, PLUGIN_PROTOCOL_VERSION, address.network, address.address, "grpc"];
  const cert = certDer ? Buffer.from(certDer).toString("base64").replace(/=+$/, "") : "";
  return `${[...fields, cert].join("|")}\n`;
}
