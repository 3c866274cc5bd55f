// The pipeline both edges share: manifest → plan → run → result.
// Canisters run up to `parallel` at once; the steps of one canister run in order and stop at the first
// failure; one canister failing never stops the others (as icp sync).
import {
  canisterCaller,
  checkCanisterRunning,
  connect,
  prepareBls,
  type CallRecord,
  type IcConnection,
} from '../ic/index.js'
import { loadIdentity, type LoadedIdentity } from '../identity/index.js'
import type { SyncOptions } from '../options/parse.js'
import { untrustedRefusals } from '../policy/untrusted.js'
import { checkPinned, compareWithBaseline, pluginChangeRefusals } from '../policy/baseline.js'
import { prewarmPluginWorkers, runPlugin } from '../plugin/index.js'
import {
  loadProject,
  planSync,
  recipeFetch,
  sortedCanisterIds,
  type PlannedCanister,
  type PlannedStep,
  type SyncPlan,
} from '../project/index.js'
import type { CanisterRef, StepRef, SyncObserver } from '../report/observer.js'
import { boundedTrace } from '../report/call-trace.js'
import { type CapabilityRow, capabilityRows, recordComponent } from '../report/capabilities.js'
import {
  type CanisterResult,
  type StepResult,
  type ErrorInfo,
  type SyncResult,
  boundedChain,
  errorInfo,
} from '../report/result.js'
import { cacheLayout, type PluginStore } from '../store/index.js'
import { mapBounded } from '../util/pool.js'

/** What an edge (the Action or the CLI) plugs into the pipeline: I/O, caches, reporting. */
export interface SyncServices {
  observer: SyncObserver
  /** Root of the on-disk caches (layout and trust: src/store/layout.ts): recipes and V8's code cache here. */
  cacheDir: string
  /** Plugin bytes (path, or download + cache) and the modules the sandbox runs (src/store/). */
  store: PluginStore
  /** The environment scripts start from (the script runner withholds the Action's inputs, as hygiene). */
  processEnv?: NodeJS.ProcessEnv
  /** How errors name where the identity came from, e.g. "input 'identity-pem'". */
  identitySource?: string
  /** `file://` recipe templates only from inside the project directory (the Action; see recipe.ts). */
  recipeFilesInsideProject?: boolean
}

/** Lines of a step's output kept for the failure dump. */
const OUTPUT_LINES_KEPT = 200

export async function runSync(options: SyncOptions, services: SyncServices): Promise<SyncResult> {
  const started = performance.now()
  const { observer } = services
  const result: SyncResult = {
    ok: false,
    environment: options.environment,
    durationMs: 0,
    canisters: [],
    synced: [],
    failed: [],
    warnings: [],
  }
  const warn = (message: string): void => {
    result.warnings.push(message)
    observer.warning(message)
  }
  const finish = (): SyncResult => {
    result.durationMs = Math.round(performance.now() - started)
    result.synced = result.canisters.filter((c) => c.status === 'synced').map((c) => c.name)
    result.failed = result.canisters.filter((c) => c.status === 'failed').map((c) => c.name)
    result.ok = !result.error && result.failed.length === 0
    return result
  }

  let prepared: Prepared | undefined
  try {
    prepared = await prepare(options, services, result, warn)
  } catch (error) {
    result.error = errorInfo(error)
    return finish()
  }
  if (!prepared) return finish()
  const { plan, refused, pinned, identity, connection } = prepared

  const apiUrl = plan.network.apiUrl
  const canisterIds = sortedCanisterIds(plan.canisterIds)
  await services.store.restore(urlPluginShas(plan))
  const review: ReviewRows = new Map(
    (result.capabilities ?? []).map((row) => [reviewKey(row.canister, row.step), row]),
  )
  observer.info('Syncing canisters:')
  result.canisters = await mapBounded(plan.canisters, options.parallel, (canister) =>
    syncCanister(canister, {
      options,
      services,
      plan,
      identity,
      connection,
      apiUrl,
      canisterIds,
      refused: refused.get(canister.name),
      pinned,
      review,
    }),
  )
  await services.store.save()
  return finish()
}

/** What the canister runs need, once the project is planned and checked and the network is reached. */
interface Prepared {
  plan: SyncPlan
  /** Canister name → why it may not run (plugin-changes: refuse). */
  refused: Map<string, ErrorInfo>
  /** Path plugins' sha256 as compared with the baseline: what they must still be when they run. */
  pinned?: Map<string, string>
  identity: LoadedIdentity
  connection: IcConnection
}

/**
 * Manifest → plan → policy checks → identity → connection, filling in `result` on the way. Undefined
 * when the run ends here without an error thrown (untrusted-mode refusals, nothing to sync).
 */
async function prepare(
  options: SyncOptions,
  services: SyncServices,
  result: SyncResult,
  warn: (message: string) => void,
): Promise<Prepared | undefined> {
  const { observer } = services
  let refused = new Map<string, ErrorInfo>()
  let pinned: Map<string, string> | undefined
  // The certificate verifier's wasm compiles in the background while the manifest is read.
  prepareBls()
  const project = await loadProject(options.projectDir, {
    cacheDir: cacheLayout(services.cacheDir).recipes,
    filesInsideProject: services.recipeFilesInsideProject,
    leaveRecipes: options.untrusted,
    fetch: recipeFetch(options.githubToken),
  })
  const plan = await planSync(project, {
    environment: options.environment,
    canisters: options.canisters,
    canisterIds: options.canisterIds,
    shard: options.shard,
    networkOverride: { url: options.networkUrl, rootKey: options.rootKey },
  })
  result.network = plan.network.name
  plan.warnings.forEach(warn)
  if (options.untrusted) {
    // Before any identity, canister call or download: see src/policy/untrusted.ts.
    const untrusted = untrustedRefusals(project, plan, options.trustedPlugins ?? [])
    if (untrusted) {
      result.error = untrusted.error
      result.refusals = untrusted.refusals
      return undefined
    }
  }
  if (options.baselineDir) {
    const comparison = await compareWithBaseline(project, plan, options.baselineDir)
    result.baselineChanges = comparison.changes
    pinned = comparison.pinned
    if (options.pluginChanges === 'refuse') refused = pluginChangeRefusals(result.baselineChanges)
  }
  // Boot plugin workers now: they start up while the identity, agent and canister_status take time.
  const pluginCanisters = plan.canisters.filter((c) => c.steps.some((step) => step.kind === 'plugin'))
  prewarmPluginWorkers(Math.min(options.parallel, pluginCanisters.length))
  if (plan.canisters.length === 0) {
    if (plan.notice) observer.info(plan.notice)
    return undefined
  }
  const identity = await loadIdentity({
    pem: options.identityPem,
    password: options.identityPassword,
    source: services.identitySource,
  })
  identity.warnings.forEach(warn)
  result.identityPrincipal = identity.principal
  const connection = await connect({ apiUrl: plan.network.apiUrl, rootKey: plan.network.rootKey, identity })
  connection.warnings.forEach(warn)
  result.capabilities = capabilityRows(plan.canisters, identity.principal, options.proxy)
  return { plan, refused, pinned, identity, connection }
}

/** The sha256s of the plan's URL plugins: what the store restores from its remote cache first. */
function urlPluginShas(plan: SyncPlan): string[] {
  return plan.canisters.flatMap((c) =>
    c.steps.flatMap((step) =>
      step.kind === 'plugin' && 'url' in step.source && step.sha256 ? [step.sha256] : [],
    ),
  )
}

interface CanisterContext {
  options: SyncOptions
  services: SyncServices
  plan: SyncPlan
  identity: LoadedIdentity
  connection: IcConnection
  apiUrl: string
  canisterIds: Array<{ name: string; id: string }>
  review: ReviewRows
  /** Set when plugin-changes: refuse stops this canister before anything of it runs. */
  refused?: ErrorInfo
  /** From the baseline comparison: `pinKey(canister, step)` → the sha256 a path plugin must have. */
  pinned?: ReadonlyMap<string, string>
}

/** The capability review's row of each plugin step (src/report/capabilities.ts), by reviewKey. */
type ReviewRows = Map<string, CapabilityRow>

function reviewKey(canister: string, step: number): string {
  return `${canister}\u0000${step}`
}

async function syncCanister(canister: PlannedCanister, context: CanisterContext): Promise<CanisterResult> {
  const started = performance.now()
  const ref: CanisterRef = { name: canister.name, id: canister.id }
  const result: CanisterResult = {
    name: canister.name,
    id: canister.id,
    status: 'synced',
    durationMs: 0,
    steps: [],
    warnings: [],
  }
  if (context.refused) {
    // Refused before anything of it runs: no canister call, every step skipped.
    result.status = 'failed'
    result.error = context.refused
  } else {
    try {
      const running = await checkCanisterRunning(context.connection, canister.id, {
        proxy: context.options.proxy,
      })
      if (running.warning) {
        result.warnings.push(running.warning)
        context.services.observer.warning(`[${canister.name}] ${running.warning}`)
      }
    } catch (error) {
      result.status = 'failed'
      result.error = errorInfo(error)
    }
  }

  for (const [index, step] of canister.steps.entries()) {
    const stepRef: StepRef = { index: index + 1, total: canister.steps.length, label: step.label }
    if (result.status === 'failed') {
      result.steps.push(skippedStep(step, index))
      continue
    }
    context.services.observer.stepStarted(ref, stepRef)
    const stepResult = await runStep(step, index, canister, ref, stepRef, context)
    result.steps.push(stepResult)
    context.services.observer.stepFinished(ref, stepRef, stepResult)
    if (stepResult.status === 'failed') {
      result.status = 'failed'
      result.error = stepResult.error
    }
  }
  result.durationMs = Math.round(performance.now() - started)
  context.services.observer.canisterFinished(result)
  return result
}

function skippedStep(step: PlannedStep, index: number): StepResult {
  return {
    index: index + 1,
    kind: step.kind,
    label: step.label,
    status: 'skipped',
    durationMs: 0,
    position: step.position,
    calls: 0,
    callTrace: [],
    persistentStderr: [],
    output: [],
  }
}

async function runStep(
  step: PlannedStep,
  index: number,
  canister: PlannedCanister,
  ref: CanisterRef,
  stepRef: StepRef,
  context: CanisterContext,
): Promise<StepResult> {
  const started = performance.now()
  const result = skippedStep(step, index)
  const keep = (line: string): void => {
    result.output.push(line)
    if (result.output.length > OUTPUT_LINES_KEPT) result.output.shift()
  }
  const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    keep(line)
    context.services.observer.line(ref, stepRef, stream, line)
  }
  try {
    if (step.kind === 'script') {
      if (context.options.scriptSteps === 'skip') {
        context.services.observer.info(`[${canister.name}] skipping ${step.label} (script-steps: skip)`)
        return result
      }
      // Loaded on first use: child_process and readline cost start-up time a plugin-only sync never needs.
      const { runScript } = await import('./script.js')
      await runScript(step.commands, {
        canisterDir: canister.dir,
        environment: context.plan.environment,
        network: context.plan.network.name,
        canisterId: canister.id,
        canisterIds: context.plan.canisterIds,
        baseEnv: context.services.processEnv ?? process.env,
        onLine,
      })
    } else {
      await runPluginStep(
        step,
        canister,
        result,
        onLine,
        context,
        context.review.get(reviewKey(canister.name, index + 1)),
        index + 1,
      )
    }
    if (result.status !== 'failed') result.status = 'ok'
  } catch (error) {
    result.status = 'failed'
    result.error = { ...errorInfo(error), position: step.position }
  }
  result.durationMs = Math.round(performance.now() - started)
  return result
}

async function runPluginStep(
  step: Extract<PlannedStep, { kind: 'plugin' }>,
  canister: PlannedCanister,
  result: StepResult,
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
  context: CanisterContext,
  review: CapabilityRow | undefined,
  stepNumber: number,
): Promise<void> {
  const { options, services } = context
  const source = await services.store.resolve({
    source: step.source,
    sha256: step.sha256,
    canisterDir: canister.dir,
    confineTo: options.untrusted ? options.projectDir : undefined,
    onProgress: (line) => onLine('stdout', line),
    onWarning: (message) => services.observer.warning(`[${canister.name}] ${message}`),
  })
  if ('path' in step.source)
    checkPinned(context.pinned, canister.name, stepNumber, step.source.path, source.sha256)
  if (review) recordComponent(review, source)
  const trace = boundedTrace()
  const caller = canisterCaller(context.connection, {
    proxy: options.proxy,
    recorder: { record: (call: CallRecord) => trace.record(call) },
  })
  const run = await runPlugin({
    component: source.bytes,
    componentSha256: source.sha256,
    pluginLabel: step.label,
    pluginPath: source.location,
    canisterDir: canister.dir,
    projectDir: options.projectDir,
    dirs: step.dirs,
    files: step.files,
    fields: step.fields,
    callable: step.canisters,
    input: {
      canisterId: canister.id,
      environment: context.plan.environment,
      identityPrincipal: context.identity.principal,
      proxyCanisterId: options.proxy,
      apiUrl: context.apiUrl,
      gatewayUrl: context.plan.network.gatewayUrl,
      canisterIds: context.canisterIds,
    },
    canisterCall: caller.canisterCall,
    metadataSection: caller.metadataSection,
    limits: {
      computeSeconds: options.computeLimitSeconds,
      wallSeconds: options.timeoutSeconds,
      memoryMb: options.memoryLimitMb,
    },
    transpile: services.store.transpile,
    codeCacheDir: cacheLayout(services.cacheDir).codeCache,
    onLine,
  })
  if (review && run.interfaceVersion) review.interfaceVersion = run.interfaceVersion
  result.plugin = {
    source: 'url' in step.source ? 'url' : 'path',
    location: 'url' in step.source ? step.source.url : step.source.path,
    sha256: source.sha256,
    interfaceVersion: run.interfaceVersion,
    downloadCacheHit: source.cacheHit,
    transpileCacheHit: run.timings.cacheHit,
    transpileMs: Math.round(run.timings.transpileMs),
    instantiateMs: Math.round(run.timings.instantiateMs),
    execMs: Math.round(run.timings.execMs),
    computeMs: Math.round(run.timings.computeMs),
    callMs: Math.round(run.timings.callMs),
  }
  result.calls = run.calls
  result.callTrace = trace.entries()
  const omitted = trace.omitted()
  if (omitted > 0) result.callTraceOmitted = omitted
  result.persistentStderr = run.persistentStderr
  if (!run.ok) {
    const cause = run.error ?? { message: 'the plugin failed', causes: [], kind: 'host' }
    result.status = 'failed'
    result.error = {
      message: 'failed to run plugin',
      causes: boundedChain([cause.message, ...cause.causes]),
      kind: cause.kind,
      position: step.position,
    }
  }
}
