/**
 * The provider process as a host starts it (bin/terraform-provider-agentalias, which execs
 * Node.js on dist/): started by hand it says so and exits 1; under AutoMTLS it serves only
 * a client holding the host's certificate, answers gRPC health for "plugin", and exits when
 * the host calls GRPCController.Shutdown; when its host dies, it exits too (no orphans).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { afterAll, describe, expect, it } from "vitest";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../src/terraform/handshake.js";
import { controllerService } from "../../src/terraform/proto.js";
import { makeCertificate } from "../../src/terraform/tls.js";
import { REPO } from "../helpers/cli.js";
import { expectExitsWhenHostDies } from "../helpers/orphan.js";

const LAUNCHER = join(REPO, "bin/terraform-provider-agentalias");
const tmp = mkdtempSync(join(tmpdir(), "agent-alias-tf-plugin-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

const COOKIE = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5,6" };

/** Starts the launcher with `env`; resolves with the handshake line's fields. */
async function start(env: Record<string, string>): Promise<{ child: ChildProcess; fields: string[] }> {
  const child = spawn(LAUNCHER, [], {
    env: { ...process.env, ...COOKIE, PLUGIN_UNIX_SOCKET_DIR: tmp, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`the provider exited (${code}) before its handshake`)));
  });
  return { child, fields: line.split("|") };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
  );

describe("bin/terraform-provider-agentalias", () => {
  it("started by hand, says what it is and exits 1, printing nothing on stdout", () => {
    const r = spawnSync(LAUNCHER, [], { env: { ...process.env, [MAGIC_COOKIE_KEY]: "" }, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "terraform-provider-agentalias is a Terraform/OpenTofu provider plugin: terraform or tofu starts it when a configuration uses the agentalias provider, and it is not meant to be run by hand. Install it with `agent-alias plugin install --terraform` (docs/terraform.md), then run terraform or tofu.\n",
    );
  });

  it("refuses a host that offers only protocol 5, and exits 1", () => {
    const r = spawnSync(LAUNCHER, [], {
      env: { ...process.env, ...COOKIE, PLUGIN_PROTOCOL_VERSIONS: "5" },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("speaks plugin protocol 6, and this host offers 5");
  });

  it("under AutoMTLS serves only the host's certificate: health says SERVING, Shutdown ends it", async () => {
    const host = await makeCertificate();
    const { child, fields } = await start({ PLUGIN_CLIENT_CERT: host.certPem });
    expect(fields.slice(0, 3)).toEqual(["1", "6", "unix"]);
    expect(fields[4]).toBe("grpc");
    const [, , , socket, , cert] = fields as [string, string, string, string, string, string];
    expect(cert).not.toMatch(/=$/);
    const serverPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert, "base64")
      .toString("base64")
      .match(/.{1,64}/g)!
      .join("\n")}\n-----END CERTIFICATE-----\n`;
    const options = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
    const Health = grpc.makeGenericClientConstructor(healthService, "Health");
    const Controller = grpc.makeGenericClientConstructor(controllerService(), "GRPCController");
    const withHostCert = grpc.credentials.createSsl(
      Buffer.from(serverPem),
      Buffer.from(host.keyPem),
      Buffer.from(host.certPem),
    );
    const check = (creds: grpc.ChannelCredentials) =>
      new Promise<unknown>((resolve, reject) => {
        const client = new Health(`unix:${socket}`, creds, options) as unknown as {
          check(req: object, opts: object, cb: (e: Error | null, r: unknown) => void): void;
          close(): void;
        };
        client.check({ service: "plugin" }, { deadline: Date.now() + 10_000 }, (e, r) => {
          client.close();
          if (e) reject(e);
          else resolve(r);
        });
      });
    expect(await check(withHostCert)).toEqual({ status: "SERVING" });

    const stranger = await makeCertificate();
    const strangerCreds = grpc.credentials.createSsl(
      Buffer.from(serverPem),
      Buffer.from(stranger.keyPem),
      Buffer.from(stranger.certPem),
    );
    await expect(check(strangerCreds)).rejects.toThrow();
    await expect(check(grpc.credentials.createSsl(Buffer.from(serverPem)))).rejects.toThrow();

    const controller = new Controller(`unix:${socket}`, withHostCert, options) as unknown as {
      Shutdown(req: object, cb: (e: Error | null) => void): void;
      close(): void;
    };
    await new Promise<void>((resolve, reject) => controller.Shutdown({}, (e) => (e ? reject(e) : resolve())));
    controller.close();
    expect(await exited(child)).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it("exits when the host that started it dies without stopping it", async () => {
    // sh (the "host") starts the launcher, waits for the handshake line, and dies without
    // killing it: the provider is re-parented and must notice.
    await expectExitsWhenHostDies(`"${LAUNCHER}"`, tmp, {
      ...process.env,
      ...COOKIE,
      PLUGIN_UNIX_SOCKET_DIR: tmp,
    });
  }, 60_000);
});
