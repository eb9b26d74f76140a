// The Node.js the package needs (package.json "engines": undici's own, 22.19, whose first
// import calls zlib.createZstdDecompress), checked before anything is loaded: an older Node
// fails there with a stack trace that does not say why, so the commands say it first. Plain
// JavaScript with no imports, so any Node runs it; the plugin launcher runs it too.

/** The lowest Node.js version the package runs on, as [major, minor]. */
export const NEEDED = [22, 19];

/**
 * What is wrong with running on Node.js `version` ("20.20.2", as process.versions.node gives
 * it), or undefined when it is new enough.
 */
export function nodeVersionProblem(version, execPath = "node") {
  const [major = 0, minor = 0] = String(version).split(".").map(Number);
  if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) return undefined;
  return (
    `needs Node.js ${NEEDED.join(".")} or later; this is ${version} (${execPath}). ` +
    "Install a newer Node.js, or take one from npm (npm install node@24) and put " +
    "node_modules/node/bin first on PATH"
  );
}
