// How the pipeline tells its edge (Action log, CLI terminal) what is happening, as it happens.
import type { CanisterResult, StepResult } from './result.js'

export interface CanisterRef {
  name: string
  id: string
}

export interface StepRef {
  index: number
  total: number
  label: string
}

export interface SyncObserver {
  info(message: string): void
  warning(message: string): void
  stepStarted(canister: CanisterRef, step: StepRef): void
  /** A live line from a script or plugin (plugin stdout is progress; stderr is kept too). */
  line(canister: CanisterRef, step: StepRef, stream: 'stdout' | 'stderr', line: string): void
  stepFinished(canister: CanisterRef, step: StepRef, result: StepResult): void
  canisterFinished(result: CanisterResult): void
}
