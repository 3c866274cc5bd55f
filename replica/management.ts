// Management canister (aaaaa-aa) subset for icp sync/deploy of an existing canister. The Candid
// result types are a superset of icp-cli 1.5.0's (ic-management-canister-types 0.8.0) and of
// cdk-rs 0.7.1's: Candid decoders ignore extra record fields but fail on missing ones (pitfall 3).
import { gunzipSync } from 'node:zlib'
import { sha256 } from '@noble/hashes/sha2.js'
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'
import type { CanisterRecord, Engine, Invocation, Visibility } from './engine.js'
import { rejects, type Outcome, type Reject } from './errors.js'
import { principalToText } from './principal.js'

const VisibilityT = IDL.Variant({
  controllers: IDL.Null,
  public: IDL.Null,
  allowed_viewers: IDL.Vec(IDL.Principal),
})
const EnvVarT = IDL.Record({ name: IDL.Text, value: IDL.Text })
const SettingsArgT = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  compute_allocation: IDL.Opt(IDL.Nat),
  memory_allocation: IDL.Opt(IDL.Nat),
  freezing_threshold: IDL.Opt(IDL.Nat),
  reserved_cycles_limit: IDL.Opt(IDL.Nat),
  log_visibility: IDL.Opt(VisibilityT),
  wasm_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_threshold: IDL.Opt(IDL.Nat),
  log_memory_limit: IDL.Opt(IDL.Nat),
  environment_variables: IDL.Opt(IDL.Vec(EnvVarT)),
  snapshot_visibility: IDL.Opt(VisibilityT),
  status_visibility: IDL.Opt(VisibilityT),
  minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
})
const CanisterIdRecordT = IDL.Record({ canister_id: IDL.Principal })
const UpdateSettingsArgT = IDL.Record({
  canister_id: IDL.Principal,
  settings: SettingsArgT,
  sender_canister_version: IDL.Opt(IDL.Nat64),
})
const InstallModeT = IDL.Variant({
  install: IDL.Null,
  reinstall: IDL.Null,
  upgrade: IDL.Opt(
    IDL.Record({
      skip_pre_upgrade: IDL.Opt(IDL.Bool),
      wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
    }),
  ),
})
const InstallCodeArgT = IDL.Record({
  mode: InstallModeT,
  canister_id: IDL.Principal,
  wasm_module: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8),
  sender_canister_version: IDL.Opt(IDL.Nat64),
})
const MetadataArgT = IDL.Record({ canister_id: IDL.Principal, name: IDL.Text })
const MetadataResultT = IDL.Record({ value: IDL.Vec(IDL.Nat8) })
const ProvisionalCreateArgT = IDL.Record({
  amount: IDL.Opt(IDL.Nat),
  settings: IDL.Opt(SettingsArgT),
  specified_id: IDL.Opt(IDL.Principal),
  sender_canister_version: IDL.Opt(IDL.Nat64),
})

const DefiniteSettingsT = IDL.Record({
  controllers: IDL.Vec(IDL.Principal),
  compute_allocation: IDL.Nat,
  memory_allocation: IDL.Nat,
  freezing_threshold: IDL.Nat,
  reserved_cycles_limit: IDL.Nat,
  log_visibility: VisibilityT,
  log_memory_limit: IDL.Nat,
  wasm_memory_limit: IDL.Nat,
  wasm_memory_threshold: IDL.Nat,
  environment_variables: IDL.Vec(EnvVarT),
  minimum_incoming_canister_call_cycles: IDL.Nat,
  snapshot_visibility: VisibilityT,
  status_visibility: VisibilityT,
})
const CanisterStatusResultT = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  ready_for_migration: IDL.Bool,
  version: IDL.Nat64,
  settings: DefiniteSettingsT,
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_size: IDL.Nat,
  memory_metrics: IDL.Record({
    wasm_memory_size: IDL.Nat,
    stable_memory_size: IDL.Nat,
    global_memory_size: IDL.Nat,
    wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat,
    canister_history_size: IDL.Nat,
    wasm_chunk_store_size: IDL.Nat,
    snapshots_size: IDL.Nat,
    log_memory_store_size: IDL.Nat,
  }),
  cycles: IDL.Nat,
  reserved_cycles: IDL.Nat,
  idle_cycles_burned_per_day: IDL.Nat,
  query_stats: IDL.Record({
    num_calls_total: IDL.Nat,
    num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat,
    response_payload_bytes_total: IDL.Nat,
  }),
})

/** Candid types, exported so tests and tools decode what the replica encodes. */
export const managementTypes = { CanisterStatusResultT, SettingsArgT, InstallCodeArgT, CanisterIdRecordT }

const encode = (types: IDL.Type[], values: unknown[]): Uint8Array => new Uint8Array(IDL.encode(types, values))
const ok = (types: IDL.Type[], values: unknown[]): Outcome => ({ reply: encode(types, values) })
const fail = (r: Reject): Outcome => ({ reject: r })
const bytesOf = (p: Principal): Uint8Array => p.toUint8Array()

/** Methods whose argument names a canister: the ingress effective canister id must equal it. */
export const CANISTER_SCOPED = new Set([
  'canister_status',
  'update_settings',
  'install_code',
  'start_canister',
  'stop_canister',
  'canister_metadata',
])

/** The canister a management call targets, or undefined when the argument does not decode. */
export function managementTarget(method: string, arg: Uint8Array): Uint8Array | undefined {
  if (!CANISTER_SCOPED.has(method)) return undefined
  try {
    const [rec] = IDL.decode([IDL.Record({ canister_id: IDL.Principal })], arg) as unknown as [
      { canister_id: Principal },
    ]
    return bytesOf(rec.canister_id)
  } catch {
    return undefined
  }
}

export async function managementCall(engine: Engine, inv: Invocation): Promise<Outcome> {
  const { method, arg, caller } = inv
  let decoded: unknown
  const decode = <T>(t: IDL.Type): T => {
    decoded = (IDL.decode([t], arg) as unknown[])[0]
    return decoded as T
  }
  try {
    switch (method) {
      case 'canister_status': {
        const { canister_id } = decode<{ canister_id: Principal }>(CanisterIdRecordT)
        const c = target(engine, canister_id)
        if ('reject' in c) return c
        if (!engine.isController(c, caller) && !engine.statusVisibleTo(c, caller))
          return fail(
            rejects.invalidController(c.idText, c.controllers.map(principalToText), principalToText(caller)),
          )
        return ok([CanisterStatusResultT], [statusOf(engine, c)])
      }
      case 'update_settings': {
        const a = decode<{ canister_id: Principal; settings: Record<string, unknown[]> }>(UpdateSettingsArgT)
        const c = controlled(engine, a.canister_id, caller)
        if ('reject' in c) return c
        applySettings(c, a.settings)
        c.version++
        engine.certifyCanister(c)
        return ok([], [])
      }
      case 'install_code': {
        const a = decode<{
          mode: Record<string, unknown>
          canister_id: Principal
          wasm_module: Uint8Array | number[]
        }>(InstallCodeArgT)
        const c = controlled(engine, a.canister_id, caller)
        if ('reject' in c) return c
        const wasm = Uint8Array.from(a.wasm_module)
        c.moduleHash = sha256(wasm)
        c.wasmMetadata = wasmMetadata(wasm)
        if (!('upgrade' in a.mode) && c.impl) c.state = c.impl.init ? c.impl.init() : undefined
        c.version++
        engine.certifyCanister(c)
        return ok([], [])
      }
      case 'start_canister':
      case 'stop_canister': {
        const { canister_id } = decode<{ canister_id: Principal }>(CanisterIdRecordT)
        const c = controlled(engine, canister_id, caller)
        if ('reject' in c) return c
        c.status = method === 'start_canister' ? 'running' : 'stopped'
        c.version++
        return ok([], [])
      }
      case 'canister_metadata': {
        const a = decode<{ canister_id: Principal; name: string }>(MetadataArgT)
        const c = target(engine, a.canister_id)
        if ('reject' in c) return c
        const s = engine.metadata(c).get(a.name)
        if (!s) return fail(rejects.metadataNotFound(c.idText, a.name))
        if (s.visibility === 'private' && !engine.isController(c, caller))
          return fail(rejects.metadataPrivate(c.idText, a.name))
        return ok([MetadataResultT], [{ value: s.value }])
      }
      case 'provisional_create_canister_with_cycles': {
        const a = decode<{
          amount: [] | [bigint]
          settings: [] | [Record<string, unknown[]>]
          specified_id: [] | [Principal]
        }>(ProvisionalCreateArgT)
        const id = engine.createCanister({
          id: a.specified_id[0]?.toText(),
          controllers: [principalToText(caller)],
        })
        const c = engine.mustCanister(id)
        if (a.settings[0]) applySettings(c, a.settings[0])
        if (a.amount[0] !== undefined) c.cycles = a.amount[0]
        engine.certifyCanister(c)
        return ok([CanisterIdRecordT], [{ canister_id: Principal.fromText(id) }])
      }
      default:
        return fail(rejects.managementMethodUnknown(method))
    }
  } catch (e) {
    if (decoded === undefined) return fail(rejects.invalidManagementPayload((e as Error).message))
    throw e
  }
}

function target(engine: Engine, id: Principal): CanisterRecord | { reject: Reject } {
  return engine.canister(bytesOf(id)) ?? { reject: rejects.canisterNotFound(id.toText()) }
}

function controlled(engine: Engine, id: Principal, caller: Uint8Array): CanisterRecord | { reject: Reject } {
  const c = target(engine, id)
  if ('reject' in c) return c
  // Ingress from a non-controller stops at the ingress filter (server.ts); a canister gets execution's text.
  if (!engine.isController(c, caller))
    return {
      reject: rejects.invalidController(
        c.idText,
        c.controllers.map(principalToText),
        principalToText(caller),
      ),
    }
  return c
}

export function visibleTo(v: Visibility, caller: Uint8Array): boolean {
  if ('public' in v) return true
  if ('allowed_viewers' in v)
    return v.allowed_viewers.some((p) => Buffer.compare(Buffer.from(p), Buffer.from(caller)) === 0)
  return false
}

const toVis = (v: Record<string, unknown>): Visibility =>
  'allowed_viewers' in v
    ? { allowed_viewers: (v.allowed_viewers as Principal[]).map(bytesOf) }
    : 'public' in v
      ? { public: null }
      : { controllers: null }

const fromVis = (v: Visibility): Record<string, unknown> =>
  'allowed_viewers' in v ? { allowed_viewers: v.allowed_viewers.map((p) => Principal.fromUint8Array(p)) } : v

function applySettings(c: CanisterRecord, s: Record<string, unknown[]>): void {
  const s0 = <T>(k: string): T | undefined => s[k]?.[0] as T | undefined
  const set = <K extends keyof CanisterRecord['settings']>(
    k: K,
    v: CanisterRecord['settings'][K] | undefined,
  ): void => {
    if (v !== undefined) c.settings[k] = v
  }
  const controllers = s0<Principal[]>('controllers')
  if (controllers) c.controllers = controllers.map(bytesOf)
  set('computeAllocation', s0<bigint>('compute_allocation'))
  set('memoryAllocation', s0<bigint>('memory_allocation'))
  set('freezingThreshold', s0<bigint>('freezing_threshold'))
  set('reservedCyclesLimit', s0<bigint>('reserved_cycles_limit'))
  set('wasmMemoryLimit', s0<bigint>('wasm_memory_limit'))
  set('wasmMemoryThreshold', s0<bigint>('wasm_memory_threshold'))
  set('logMemoryLimit', s0<bigint>('log_memory_limit'))
  set('minimumIncomingCanisterCallCycles', s0<bigint>('minimum_incoming_canister_call_cycles'))
  set('environmentVariables', s0<Array<{ name: string; value: string }>>('environment_variables'))
  const lv = s0<Record<string, unknown>>('log_visibility')
  if (lv) c.settings.logVisibility = toVis(lv)
  const sv = s0<Record<string, unknown>>('snapshot_visibility')
  if (sv) c.settings.snapshotVisibility = toVis(sv)
  const stv = s0<Record<string, unknown>>('status_visibility')
  if (stv) c.settings.statusVisibility = toVis(stv)
}

function statusOf(engine: Engine, c: CanisterRecord): Record<string, unknown> {
  const st = c.settings
  const sections = [...engine.metadata(c).values()].reduce((n, s) => n + s.value.length, 0)
  return {
    status: { [c.status]: null },
    ready_for_migration: false,
    version: c.version,
    settings: {
      controllers: c.controllers.map((p) => Principal.fromUint8Array(p)),
      compute_allocation: st.computeAllocation,
      memory_allocation: st.memoryAllocation,
      freezing_threshold: st.freezingThreshold,
      reserved_cycles_limit: st.reservedCyclesLimit,
      log_visibility: fromVis(st.logVisibility),
      log_memory_limit: st.logMemoryLimit,
      wasm_memory_limit: st.wasmMemoryLimit,
      wasm_memory_threshold: st.wasmMemoryThreshold,
      environment_variables: st.environmentVariables,
      minimum_incoming_canister_call_cycles: st.minimumIncomingCanisterCallCycles,
      snapshot_visibility: fromVis(st.snapshotVisibility),
      status_visibility: fromVis(st.statusVisibility),
    },
    module_hash: c.moduleHash ? [c.moduleHash] : [],
    memory_size: BigInt(sections),
    memory_metrics: {
      wasm_memory_size: 0n,
      stable_memory_size: 0n,
      global_memory_size: 0n,
      wasm_binary_size: 0n,
      custom_sections_size: BigInt(sections),
      canister_history_size: 0n,
      wasm_chunk_store_size: 0n,
      snapshots_size: 0n,
      log_memory_store_size: 0n,
    },
    cycles: c.cycles,
    reserved_cycles: 0n,
    idle_cycles_burned_per_day: 0n,
    query_stats: {
      num_calls_total: 0n,
      num_instructions_total: 0n,
      request_payload_bytes_total: 0n,
      response_payload_bytes_total: 0n,
    },
  }
}

/** `icp:public <name>` / `icp:private <name>` custom sections of a (possibly gzipped) Wasm module. */
export function wasmMetadata(
  module: Uint8Array,
): Map<string, { value: Uint8Array; visibility: 'public' | 'private' }> {
  const out = new Map<string, { value: Uint8Array; visibility: 'public' | 'private' }>()
  let wasm = module
  if (wasm[0] === 0x1f && wasm[1] === 0x8b) {
    try {
      wasm = new Uint8Array(gunzipSync(wasm))
    } catch {
      return out
    }
  }
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) return out
  let p = 8
  const uleb = (): number => {
    let r = 0
    let shift = 0
    for (;;) {
      const b = wasm[p++]
      r += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return r
      shift += 7
    }
  }
  while (p < wasm.length) {
    const id = wasm[p++]
    const size = uleb()
    const end = p + size
    if (id === 0) {
      const nameLen = uleb()
      const name = Buffer.from(wasm.subarray(p, p + nameLen)).toString('utf8')
      const value = wasm.slice(p + nameLen, end)
      const m = /^icp:(public|private) (.+)$/.exec(name)
      if (m) out.set(m[2], { value, visibility: m[1] as 'public' | 'private' })
    }
    p = end
  }
  return out
}
