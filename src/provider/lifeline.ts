/**
 * A provider process started by a host (the Pulumi engine, Terraform, OpenTofu) lives no
 * longer than its host. Hosts stop providers by killing them, but a host that dies first
 * (killed, or by SIGPIPE when its output is cut off) cannot; then this process is
 * re-parented, and it exits rather than linger. The launchers pass the host's pid (their own
 * parent, which `exec` makes the provider's) in AGENT_ALIAS_ENGINE_PID, so a host gone
 * before Node.js started is seen too. The check is a timer that keeps nothing alive.
 */

/** Exits (with `onExit` run first) once the parent process is gone; checks every `everyMs`. */
export function exitWhenParentDies(onExit: () => void = () => {}, everyMs = 1000): void {
  const parent = Number(process.env.AGENT_ALIAS_ENGINE_PID) || process.ppid;
  const watch = () => {
    if (process.ppid !== parent) {
      onExit();
      process.exit(0);
    }
  };
  watch();
  setInterval(watch, everyMs).unref();
}
