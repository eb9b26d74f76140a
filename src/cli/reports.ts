/**
 * The reports the subcommands print and the renderers read, apart from both: `review`'s
 * report (diff's and preview's come from src/policy). Their JSON is the `--json` output.
 */
import type { PolicyDiff } from "../policy/index.js";

export interface ReviewFile {
  /** Path from the repository root, with `/`. */
  path: string;
  /** `invalid`: the new version is not a valid policy (see `errors`); exit 2. */
  status: "added" | "removed" | "changed" | "unchanged" | "invalid";
  /** The samples file used: as given with --samples, else the sibling's path from the repository root; null when none. */
  samples: string | null;
  /** Remarks, e.g. that the base version did not validate. */
  notes: string[];
  /** Problems of the new version (status `invalid`). */
  errors: { path: string; message: string }[];
  /** The diff; null when the new version is invalid. */
  report: PolicyDiff | null;
}

export interface ReviewReport {
  /** The ref given with --base. */
  base: string;
  /** The commit the old versions were read from: `git merge-base REF HEAD`. */
  merge_base: string;
  files: ReviewFile[];
}
