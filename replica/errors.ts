// Reject codes, IC error codes and the replica's texts for them (as the IC words them).

export const RejectCode = {
  SysFatal: 1,
  SysTransient: 2,
  DestinationInvalid: 3,
  CanisterReject: 4,
  CanisterError: 5,
} as const

export interface Reject {
  rejectCode: number
  rejectMessage: string
  errorCode: string
}

export type Outcome = { reply: Uint8Array } | { reject: Reject }

const DOCS = 'http://internetcomputer.org/docs/current/references/execution-errors'

export const rejects = {
  canisterNotFound: (cid: string): Reject => ({
    rejectCode: RejectCode.DestinationInvalid,
    rejectMessage: `Canister ${cid} not found`,
    errorCode: 'IC0301',
  }),
  canisterReject: (message: string): Reject => ({
    rejectCode: RejectCode.CanisterReject,
    rejectMessage: message,
    errorCode: 'IC0406',
  }),
  trap: (cid: string, message: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage:
      `Error from Canister ${cid}: Canister called \`ic0.trap\` with message: '${message}'.\n` +
      'Consider gracefully handling failures from this canister or altering the canister to handle exceptions. ' +
      `See documentation: ${DOCS}#trapped-explicitly`,
    errorCode: 'IC0503',
  }),
  noMethod: (cid: string, kind: 'update' | 'query', method: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage:
      `Error from Canister ${cid}: Canister has no ${kind} method '${method}'..\n` +
      `Check that the method being called is exported by the target canister. See documentation: ${DOCS}#method-not-found`,
    errorCode: 'IC0536',
  }),
  noModule: (cid: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage:
      `Error from Canister ${cid}: Attempted to execute a message, but the canister contains no Wasm module..\n` +
      `Check that the canister has been installed. See documentation: ${DOCS}#wasm-module-not-found`,
    errorCode: 'IC0537',
  }),
  stopped: (cid: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage: `Canister ${cid} is stopped`,
    errorCode: 'IC0508',
  }),
  stopping: (cid: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage: `Canister ${cid} is stopping`,
    errorCode: 'IC0509',
  }),
  /** Execution's text (what a canister calling the management canister gets; also certified ingress). */
  invalidController: (cid: string, controllers: string[], sender: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage:
      `Only the controllers of the canister ${cid} can control it.\n` +
      `Canister's controllers: ${controllers.join(' ')}\nSender's ID: ${sender}`,
    errorCode: 'IC0512',
  }),
  /** The ingress filter's text (non-replicated reject of an ingress message). */
  notController: (cid: string, method: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage: `Only controllers of canister ${cid} can call ic00 method ${method}`,
    errorCode: 'IC0512',
  }),
  invalidManagementPayload: (message: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage: `Error decoding candid: ${message}`,
    errorCode: 'IC0504',
  }),
  managementMethodUnknown: (method: string): Reject => ({
    rejectCode: RejectCode.DestinationInvalid,
    rejectMessage: `Management canister has no method '${method}'`,
    errorCode: 'IC0536',
  }),
  metadataNotFound: (cid: string, name: string): Reject => ({
    rejectCode: RejectCode.DestinationInvalid,
    rejectMessage: `Error from Canister ${cid}: The canister has no metadata section with the name ${name}.`,
    errorCode: 'IC0302',
  }),
  metadataPrivate: (cid: string, name: string): Reject => ({
    rejectCode: RejectCode.CanisterError,
    rejectMessage: `Error from Canister ${cid}: The metadata section ${name} is private and can only be read by controllers.`,
    errorCode: 'IC0512',
  }),
}

/** Thrown by canister code to reject the call (IC0406). */
export class CanisterReject extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CanisterReject'
  }
}

/** Thrown by canister code (or the runtime) to reject with a specific IC reject. */
export class RejectError extends Error {
  constructor(readonly reject: Reject) {
    super(reject.rejectMessage)
    this.name = 'RejectError'
  }
}

/** Thrown by request validation: becomes an HTTP error with a text/plain body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}
