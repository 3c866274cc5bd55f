// Comparing a plan with a baseline (input `baseline-dir`, CLI `--baseline-dir`): another checkout of the
// project, e.g. the pull request's base branch. Per canister and sync step: a new step, a removed one,
// the plugin source, its sha256 (the manifest's for a URL plugin, the file's digest for a path plugin,
// so a swapped binary shows), and grants added or removed (`dirs`, `files`, `canisters`). With
// `plugin-changes: refuse` a changed plugin step is refused: its canister does not run at all (no canister
// call), the others run. Recipes are not rendered on either side (never fetched), so steps a recipe adds
// are not compared.
//
// The comparison pins what it saw: a path plugin's sha256 as compared becomes the step's expected sha256
// for the run, so a file rewritten afterwards (by a script step before the plugin step, say) is refused
// rather than run unchecked (`pinnedSha256`, checked in src/run/sync.ts).
import { resolve } from 'node:path'

import { OptionError } from '../util/option-error.js'
import { MAX_PLUGIN_BYTES, sha256Hex } from '../store/index.js'
import { loadProject } from '../project/load.js'
import type { PlannedStep, Project, SyncPlan } from '../project/types.js'
import type { ErrorInfo } from '../report/error-info.js'
import type { StepChange } from '../report/result.js'
import { readWholeFile } from '../util/read-whole.js'

interface Fingerprint {
  kind: 'script' | 'plugin'
  source: string
  sha256?: string
  grants: Record<'dirs' | 'files' | 'canisters', string[]>
}

export interface BaselineComparison {
  changes: StepChange[]
  /** `pinKey(canister, step)` → the sha256 a path plugin step had when compared (readable ones only). */
  pinned: Map<string, string>
}

export function pinKey(canister: string, step: number): string {
  return `${canister}\u0000${step}`
}

/** The changes against the baseline (see compareWithBaseline). */
export async function baselineChanges(
  project: Project,
  plan: SyncPlan,
  baselineDir: string,
): Promise<StepChange[]> {
  return (await compareWithBaseline(project, plan, baselineDir)).changes
}

export async function compareWithBaseline(
  project: Project,
  plan: SyncPlan,
  baselineDir: string,
): Promise<BaselineComparison> {
  let baseline: Project
  try {
    baseline = await loadProject(resolve(baselineDir), { leaveRecipes: true })
  } catch (error) {
    throw new OptionError('baseline-dir', `cannot read the baseline project: ${(error as Error).message}`)
  }
  const changes: StepChange[] = []
  const pinned = new Map<string, string>()
  for (const canister of plan.canisters) {
    const before = baseline.canisters.find((c) => c.name === canister.name)
    const count = Math.max(canister.steps.length, before?.sync.length ?? 0)
    for (let index = 0; index < count; index++) {
      const now = canister.steps[index]
      const then = before?.sync[index]
      const step = index + 1
      const current = now ? await fingerprint(now, canister.dir) : undefined
      if (now?.kind === 'plugin' && 'path' in now.source && current?.sha256 !== UNREADABLE)
        pinned.set(pinKey(canister.name, step), current!.sha256!)
      if (now && !then) {
        changes.push({
          canister: canister.name,
          step,
          kind: now.kind,
          changes: ['new step'],
          position: now.position,
        })
        continue
      }
      if (!now && then) {
        changes.push({ canister: canister.name, step, kind: then.kind, changes: ['removed step'] })
        continue
      }
      const differences = compare(await fingerprint(then!, before!.dir), current!)
      if (differences.length > 0)
        changes.push({
          canister: canister.name,
          step,
          kind: now!.kind,
          changes: differences,
          position: now!.position,
        })
    }
  }
  return { changes, pinned }
}

/** A path plugin whose bytes at run time are not the ones the baseline comparison saw. */
export class PinnedPluginChanged extends Error {
  override name = 'PinnedPluginChanged'
  readonly causes: string[]
  constructor(canister: string, step: number, path: string, compared: string, actual: string) {
    super(
      `canister '${canister}', sync step ${step}: the plugin file '${path}' changed after it was compared with the baseline; it was not run`,
    )
    this.causes = [`sha256 when compared: ${compared}`, `sha256 now: ${actual}`]
  }
}

/** Throws PinnedPluginChanged when a pinned path plugin's bytes differ from what was compared. */
export function checkPinned(
  pinned: ReadonlyMap<string, string> | undefined,
  canister: string,
  step: number,
  path: string,
  actual: string,
): void {
  const compared = pinned?.get(pinKey(canister, step))
  if (compared !== undefined && compared !== actual)
    throw new PinnedPluginChanged(canister, step, path, compared, actual)
}

/** plugin-changes: refuse — canister name → its refusal (the first changed plugin step, at its line). */
export function pluginChangeRefusals(changes: StepChange[]): Map<string, ErrorInfo> {
  const refused = new Map<string, ErrorInfo>()
  for (const change of changes) {
    // A removed step runs nothing new; a script step is untrusted mode's business.
    if (change.kind !== 'plugin' || !change.position || refused.has(change.canister)) continue
    refused.set(change.canister, {
      message: `canister '${change.canister}', sync step ${change.step}: the plugin step changed against the baseline and plugin-changes is refuse; the canister was not synced`,
      causes: change.changes,
      kind: 'plugin-changes',
      position: change.position,
    })
  }
  return refused
}

const UNREADABLE = '(unreadable)'

async function fingerprint(step: PlannedStep, canisterDir: string): Promise<Fingerprint> {
  if (step.kind === 'script')
    return {
      kind: 'script',
      source: step.commands.join('\n'),
      grants: { dirs: [], files: [], canisters: [] },
    }
  const named = (entry: { key?: string; path: string }) =>
    entry.key !== undefined ? `${entry.key}=${entry.path}` : entry.path
  const grants = { dirs: step.dirs.map(named), files: step.files.map(named), canisters: step.canisters }
  if ('url' in step.source)
    return { kind: 'plugin', source: `url ${step.source.url}`, sha256: step.sha256, grants }
  let sha256: string
  try {
    sha256 = sha256Hex(await readWholeFile(resolve(canisterDir, step.source.path), MAX_PLUGIN_BYTES))
  } catch {
    sha256 = UNREADABLE
  }
  return { kind: 'plugin', source: `path ${step.source.path}`, sha256, grants }
}

function compare(then: Fingerprint, now: Fingerprint): string[] {
  if (then.kind !== now.kind) return [`step type changed: ${then.kind} → ${now.kind}`]
  if (now.kind === 'script') return then.source === now.source ? [] : ['commands changed']
  const out: string[] = []
  if (then.source !== now.source) out.push(`plugin source changed: ${then.source} → ${now.source}`)
  // A path plugin that cannot be read now (not built yet, a directory, too large) is never "unchanged":
  // its bytes at run time are unknown, so two unreadable sides must not compare equal.
  if (now.sha256 === UNREADABLE)
    out.push(`sha256 unknown: the plugin file could not be read when the plan was compared`)
  else if (then.sha256 !== now.sha256)
    out.push(`sha256 changed: ${then.sha256 ?? '(none)'} → ${now.sha256 ?? '(none)'}`)
  for (const grant of ['dirs', 'files', 'canisters'] as const) {
    const added = now.grants[grant].filter((g) => !then.grants[grant].includes(g))
    const removed = then.grants[grant].filter((g) => !now.grants[grant].includes(g))
    if (added.length > 0) out.push(`${grant} added: ${added.join(', ')}`)
    if (removed.length > 0) out.push(`${grant} removed: ${removed.join(', ')}`)
  }
  return out
}
