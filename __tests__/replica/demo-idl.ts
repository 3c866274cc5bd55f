// The demo canister's interface for @icp-sdk/core actors in tests and benchmarks.
import type { IDL } from '@icp-sdk/core/candid'

export const demoIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    greet: IDL.Func([IDL.Text], [IDL.Text], ['query']),
    whoami: IDL.Func([], [IDL.Principal], ['query']),
    whoami_update: IDL.Func([], [IDL.Principal], []),
    increment: IDL.Func([], [IDL.Nat], []),
    counter: IDL.Func([], [IDL.Nat], ['query']),
    put: IDL.Func([IDL.Text, IDL.Text], [], []),
    get: IDL.Func([IDL.Text], [IDL.Opt(IDL.Text)], ['query']),
    fail: IDL.Func([], [], []),
    trap: IDL.Func([], [], []),
    fail_after_write: IDL.Func([IDL.Text, IDL.Text], [], []),
    nope: IDL.Func([], [], []),
    time: IDL.Func([], [IDL.Nat64], ['query']),
  })

/* eslint-disable @typescript-eslint/no-explicit-any */
export type DemoActor = Record<string, (...args: any[]) => Promise<any>>
