// Untrusted mode (input `untrusted`, CLI `--untrusted`): for pull-request previews, where icp.yaml, the
// plugin binaries and every committed file come from the pull request. Checked once, after planning and
// before anything runs (no identity loaded, no canister call, no download): every step that would run
// code the pull request chose, other than a plugin we can vouch for, is refused. All refusals are
// collected so a reviewer sees them at once; each names the step and its line in the manifest.
//
// - script steps: refused (they run commands from the pull request with the job's permissions);
// - recipes: refused in every canister of the project (loaded unrendered, so never fetched);
// - a plugin `path:` must be a regular file inside the project with no symlink on the way (the same
//   checker as declared `dirs`/`files`, src/plugin/paths.ts), and its `dirs`/`files` are checked now too;
// - a plugin `url:` only when its sha256 is listed in `trusted-plugins`.
import { DeclaredPathError, checkPath } from '../plugin/index.js'
import type { PlannedStep, Project, SourcePosition, SyncPlan } from '../project/types.js'
import type { ErrorInfo } from '../report/error-info.js'

/** Thrown by the pipeline when untrusted mode refused something: one ErrorInfo per refusal. */
export interface UntrustedRefusals {
  error: ErrorInfo
  refusals: ErrorInfo[]
}

/** What untrusted mode refuses in this project and plan; undefined when nothing. */
export function untrustedRefusals(
  project: Project,
  plan: SyncPlan,
  trustedPlugins: readonly string[],
): UntrustedRefusals | undefined {
  const refusals: ErrorInfo[] = []
  const refuse = (message: string, position: SourcePosition, causes: string[] = []): void => {
    refusals.push({ message, causes, kind: 'untrusted', position })
  }
  for (const canister of project.canisters) {
    if (canister.recipe !== undefined)
      refuse(
        `canister '${canister.name}': recipe '${canister.recipe}' refused in untrusted mode: a recipe is a template fetched and rendered into build and sync steps; write the sync steps in the manifest instead`,
        canister.recipePosition ?? canister.position,
      )
  }
  const trusted = new Set(trustedPlugins)
  for (const canister of plan.canisters) {
    for (const [index, step] of canister.steps.entries()) {
      const where = `canister '${canister.name}', sync step ${index + 1}`
      const problem = stepProblem(step, canister.dir, project.dir, trusted)
      if (problem) refuse(`${where} (${step.kind}): ${problem.message}`, step.position, problem.causes)
    }
  }
  if (refusals.length === 0) return undefined
  return {
    refusals,
    error: {
      message: `untrusted mode refused ${refusals.length} step${refusals.length === 1 ? '' : 's'}; nothing was run`,
      causes: refusals.map((refusal) => `${at(refusal.position!)}: ${refusal.message}`),
      kind: 'untrusted',
    },
  }
}

function stepProblem(
  step: PlannedStep,
  canisterDir: string,
  projectDir: string,
  trusted: ReadonlySet<string>,
): { message: string; causes?: string[] } | undefined {
  if (step.kind === 'script')
    return {
      message:
        'script steps are refused in untrusted mode: they would run commands from the pull request with the job’s permissions',
    }
  if ('url' in step.source) {
    const sha = step.sha256
    if (sha !== undefined && trusted.has(sha)) return undefined
    return {
      message: `plugin url ${step.source.url} refused in untrusted mode: its sha256 ${sha ?? '(none)'} is not listed in trusted-plugins (the Action's input, the CLI's --trusted-plugins)`,
    }
  }
  const pluginProblem = pathProblem(step.source.path, canisterDir, projectDir, 'file')
  if (pluginProblem)
    return {
      message: `plugin path '${step.source.path}' refused in untrusted mode: it must be a regular file inside the project, with no symlink on the way`,
      causes: [pluginProblem],
    }
  // `dirs`/`files` are checked again when the step runs; here so that a bad one stops the run before any
  // canister call, like everything else untrusted mode refuses.
  for (const entry of [...step.dirs, ...step.files]) {
    const problem = pathProblem(entry.path, canisterDir, projectDir, 'any')
    if (problem)
      return {
        message: `declared path '${entry.path}' refused in untrusted mode: it must be inside the project, with no symlink on the way`,
        causes: [problem],
      }
  }
  return undefined
}

/** What is wrong with a declared path by the rules of src/plugin/paths.ts (a missing `any` path is left
 * for the step to report in icp's words). */
function pathProblem(
  declared: string,
  canisterDir: string,
  projectDir: string,
  expect: 'file' | 'any',
): string | undefined {
  try {
    const checked = checkPath(declared, canisterDir, projectDir)
    if (expect === 'any') return undefined
    if (!checked.stats) return `it does not exist (${checked.missing?.message ?? 'missing'})`
    if (!checked.stats.isFile()) return 'it is not a regular file'
  } catch (error) {
    if (error instanceof DeclaredPathError) return error.message
    throw error
  }
  return undefined
}

function at(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`
}
