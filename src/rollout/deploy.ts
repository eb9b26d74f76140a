/**
 * Deploying a stage (`deploy`): `up` with the stage in config (the stack's config holds it only
 * once the `up` succeeded), then read what the API serves: the stage deployed, kept apart from
 * the stage wanted. After a failed `up` config is set to the stage the API serves (a failed `up`
 * may still have changed it), so config never claims a stage the API does not serve; the same
 * when a successful `up` left the API at another stage (a program that does not deploy the
 * table). While the `up` runs, the first interrupt asks it to stop cleanly; a second is only
 * answered, a third makes Pulumi terminate it (it may leave its lock). A revert passes its own
 * answer (`onInterrupt`).
 */
import { describePosition, errorText, type RunContext, weightsOf } from "./context.js";
import { upMessage } from "./history.js";
import { type AliasPosition, routesAlike, stageOfPolicy } from "./position.js";

/** Reads the alias (retried); updates what the context knows. Undefined when it cannot be read. */
export async function readDeployed(ctx: RunContext): Promise<AliasPosition | undefined> {
  for (let attempt = 1; attempt <= ctx.readAttempts; attempt++) {
    try {
      const served = await ctx.api.alias(ctx.aliasKey);
      if (served !== null) ctx.alias = served;
      ctx.deployed = stageOfPolicy(ctx.plan, served?.policy ?? null);
      return ctx.deployed;
    } catch (e) {
      if (attempt === ctx.readAttempts)
        ctx.progress(`could not read the alias '${ctx.aliasKey}': ${errorText(e)}`);
      else await ctx.sleep(1000 * attempt);
    }
  }
  return undefined;
}

/** Sets config to the stage the API serves, or to `previous` when it serves no stage of the table. */
export async function configToDeployed(ctx: RunContext, previous: AliasPosition): Promise<void> {
  const d = ctx.deployed.kind === "stage" ? ctx.deployed : previous.kind === "stage" ? previous : undefined;
  if (d === undefined) return;
  const name = ctx.plan.stages[d.index]!.name;
  if (ctx.configStage === name) return;
  try {
    await ctx.stack.setStage(name);
    ctx.configStage = name;
    ctx.progress(`stack config ${ctx.configKey} set to ${name}: the stage the alias serves`);
  } catch (e) {
    ctx.progress(`could not set stack config ${ctx.configKey} to ${name}: ${errorText(e)}`);
  }
}

/** The usual answer to interrupts during an `up`: stop it cleanly once, terminate it at the third. */
export function stopUp(ctx: RunContext): (n: number) => void {
  return (n) => {
    if (n === 1 || n >= 3) ctx.stack.interrupt();
    else
      ctx.progress(
        "still stopping the up cleanly; interrupt once more to terminate it now (it may leave its lock)",
      );
  };
}

export type Deployed = { ok: true; changes: number } | { ok: false; message: string };

/** Deploys stage `index` (see the module header); `revertFrom` marks a revert in the stack's history. */
export async function deploy(
  ctx: RunContext,
  index: number,
  revertFrom?: string,
  onInterrupt: (n: number) => void = stopUp(ctx),
): Promise<Deployed> {
  const { plan, stack } = ctx;
  const s = plan.stages[index]!;
  const previous = ctx.deployed;
  ctx.progress(`${s.name}: up with ${ctx.configKey}=${s.name}`);
  const off = ctx.interrupts.on(onInterrupt);
  let failure: string | undefined;
  let changes = 0;
  try {
    const purpose = revertFrom === undefined ? "deploy" : { revertFrom };
    ({ changes } = await stack.up({
      stage: s.name,
      message: upMessage(ctx.record.run, purpose, s.name, s.weights),
    }));
    ctx.configStage = s.name;
  } catch (e) {
    failure = errorText(e);
  } finally {
    off();
  }
  const now = await readDeployed(ctx);
  if (failure !== undefined) {
    await configToDeployed(ctx, previous);
    return { ok: false, message: failure };
  }
  const served = ctx.alias?.policy;
  if (
    now !== undefined &&
    !(now.kind === "stage" && served !== undefined && routesAlike(served, plan.policies[index]!))
  ) {
    await configToDeployed(ctx, previous);
    return {
      ok: false,
      message: `pulumi up succeeded, but the alias '${ctx.aliasKey}' serves ${describePosition(plan, now)}, not ${s.name} (${weightsOf(s)}): the program must deploy the policy file's stage table at the stage in config ${ctx.configKey}`,
    };
  }
  // Of two stages that route alike, the one deployed is this one.
  if (now !== undefined) ctx.deployed = { kind: "stage", index };
  return { ok: true, changes };
}
