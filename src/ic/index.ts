// Canister calls for sync plugins: the agent (connect), icp-cli's routing (canisterCaller) and the
// running check (checkCanisterRunning).

export { connect, parseRootKeyHex, RootKeyError, DEFAULT_RETRY } from './connect.js'
export type { ConnectRequest, IcConnection, RetryPolicy } from './connect.js'
export { canisterCaller, createCallRecorder } from './caller.js'
export type { CallRecord, CallRecorder, CanisterCaller } from './caller.js'
export { checkCanisterRunning, CanisterNotRunningError } from './status.js'
export { rejectText, httpErrorText, IcError } from './errors.js'
export { ClockSkewError } from './clock.js'
export type { Reject, Delivery } from './errors.js'
export { query, update, readMetadata } from './call.js'
export { prepareBls } from './bls.js'
export type { CallOutcome, MetadataOutcome, MetadataRequest, PluginCallRequest } from './types.js'
