// The project model: what icp-cli 1.5.0 makes of icp.yaml, reduced to what a sync needs.

import type { NamedPath } from '../plugin/index.js'
import type { SourcePosition } from './errors.js'

export type { NamedPath, SourcePosition }

export type PlannedStep =
  | { kind: 'script'; commands: string[]; label: string; position: SourcePosition }
  | {
      kind: 'plugin'
      source: { path: string } | { url: string }
      sha256?: string
      dirs: NamedPath[]
      files: NamedPath[]
      /** Sorted by name (icp keeps them in a BTreeMap). */
      fields: Array<{ name: string; value: string }>
      canisters: string[]
      /** Whether `dirs`/`files` were written as a map (0.2.0 style) or a list; undefined = absent. */
      dirsForm?: 'list' | 'map'
      filesForm?: 'list' | 'map'
      label: string
      position: SourcePosition
    }

export type SyncStep = PlannedStep

export interface Canister {
  name: string
  /** Absolute canister directory: base of plugin paths and script cwd. */
  dir: string
  /** Where the canister is declared (icp.yaml item or canister.yaml). */
  position: SourcePosition
  /** `recipe.type` as written, when the steps came from a recipe. */
  recipe?: string
  /** Where `recipe:` is, when it was left unrendered (untrusted mode: src/policy/untrusted.ts). */
  recipePosition?: SourcePosition
  buildSteps: number
  sync: SyncStep[]
}

export type RootKeySpec = 'mainnet' | 'fetch' | string

export type Network =
  | {
      name: string
      mode: 'connected'
      apiUrl: string
      gatewayUrl?: string
      rootKey: RootKeySpec
      implicit: boolean
      position?: SourcePosition
    }
  | {
      name: string
      mode: 'managed'
      /** Launcher gateway (icp's defaults 127.0.0.1:8000); undefined port = random (descriptor tells). */
      bind: string
      port?: number
      /** Docker-image networks have no fixed gateway in the manifest. */
      image?: string
      implicit: boolean
      position?: SourcePosition
    }

export interface Environment {
  name: string
  network: string
  /** The environment's canisters, in project order (icp 1.5.0 ignores the order of `canisters:`). */
  canisters: string[]
  implicit: boolean
  position?: SourcePosition
}

export interface Project {
  /** Absolute project directory (holds icp.yaml). */
  dir: string
  manifest: string
  canisters: Canister[]
  networks: Network[]
  environments: Environment[]
}

export interface NetworkTarget {
  name: string
  mode: 'managed' | 'connected'
  apiUrl: string
  gatewayUrl?: string
  rootKey: RootKeySpec
  /** Where apiUrl/rootKey came from. */
  source: 'manifest' | 'descriptor' | 'default' | 'override'
}

export interface PlannedCanister {
  name: string
  id: string
  dir: string
  steps: PlannedStep[]
}

export interface SyncPlan {
  environment: string
  network: NetworkTarget
  /** Every canister of the environment → principal (what icp hands to scripts and 0.2.0 plugins). */
  canisterIds: Record<string, string>
  /** In icp's order, only those with sync steps, after the shard filter. */
  canisters: PlannedCanister[]
  /** Canisters with sync steps before sharding (names), for reports. */
  allWithSteps: string[]
  warnings: string[]
  /** Why there is nothing to sync, when icp would say so (it says nothing for an empty environment). */
  notice?: string
}

export interface PlanRequest {
  environment: string
  /** Empty = every canister of the environment (icp's `icp sync` with no names). */
  canisters: string[]
  /** Name → principal; wins over .icp/ mappings. */
  canisterIds?: Record<string, string>
  shard?: { index: number; count: number }
  /** Action inputs `network-url` / `root-key`. */
  networkOverride?: { url?: string; rootKey?: string }
}
