/**
 * The run's order: vitest's (slowest files first, by the last run's durations), except that
 * the files that use the release build (test/release/) go last, and the build starts now, in
 * the background, so the other files run while it builds.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { RELEASE_TESTS, startReleaseBuild } from "./release-build.js";

export default class Sequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const usesRelease = (f: TestSpecification) => f.moduleId.includes(RELEASE_TESTS);
    const release = sorted.filter(usesRelease);
    if (release.length === 0) return sorted;
    startReleaseBuild(release[0]!.project.getProvidedContext().releaseRun);
    return [...sorted.filter((f) => !usesRelease(f)), ...release];
  }
}
