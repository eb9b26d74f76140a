/**
 * The run's order: vitest's (slowest files first, by the last run's durations), with the files
 * that use the release build (test/release/) moved behind the two slowest others, and the
 * build started now, in the background: the other files run while it builds, and the release
 * files start about when it is done (the two slowest files take longer than the build), so
 * they neither hold a worker waiting nor run alone at the end.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { RELEASE_TESTS, startReleaseBuild } from "./release-build.js";

/** How many of the slowest other files run before the release files. */
const AHEAD = 2;

export default class Sequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const usesRelease = (f: TestSpecification) => f.moduleId.includes(RELEASE_TESTS);
    const release = sorted.filter(usesRelease);
    if (release.length === 0) return sorted;
    startReleaseBuild(release[0]!.project.getProvidedContext().releaseRun);
    const others = sorted.filter((f) => !usesRelease(f));
    return [...others.slice(0, AHEAD), ...release, ...others.slice(AHEAD)];
  }
}
