/**
 * The seed step of a start: `seed` (a file or the document) creates its agents and aliases
 * (journaled when there is a data file; an entry that exists already is skipped) and gives
 * the seed file's agent profiles to the agents' behaviour.
 */
import { JournalError, JournalWriteError } from "../journal/index.js";
import type { EmulatorOptions } from "../options.js";
import type { AgentBehaviour } from "../profiles/index.js";
import { loadSeed, type SeedDocument, seedStore } from "../seed.js";
import type { WriteResult } from "../state/records.js";
import type { Store } from "../state/store.js";

/**
 * Seeds `store`; resolves with the seed document (for its credentials). On failure calls
 * `closeData` and throws (SeedError; a JournalError when a seed write could not be made).
 */
export async function applySeed(
  options: EmulatorOptions,
  store: Store,
  persist: (w: WriteResult<unknown>) => Promise<void>,
  behaviour: AgentBehaviour,
  closeData: () => Promise<void>,
): Promise<SeedDocument | undefined> {
  try {
    const seedDoc =
      options.seed === undefined
        ? undefined
        : typeof options.seed === "string"
          ? loadSeed(options.seed)
          : options.seed;
    if (options.seed !== undefined && seedDoc !== undefined) {
      const seeded = await seedStore(
        store,
        seedDoc,
        persist,
        typeof options.seed === "string" ? options.seed : "seed",
      );
      behaviour.setSeedProfiles(seeded.profiles);
    }
    return seedDoc;
  } catch (e) {
    await closeData();
    throw e instanceof JournalWriteError ? new JournalError(e.message) : e;
  }
}
