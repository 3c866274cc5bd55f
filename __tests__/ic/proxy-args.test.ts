// The proxy's argument must be the bytes icp-cli sends (the conformance suite compares call logs).
import { describe, expect, test } from '@jest/globals'
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'

import { encodeProxyArgs } from '../../src/ic/proxy.js'

const ProxyArgs = IDL.Record({
  canister_id: IDL.Principal,
  method: IDL.Text,
  args: IDL.Vec(IDL.Nat8),
  cycles: IDL.Nat,
})

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('encodeProxyArgs', () => {
  test('matches what icp-cli 1.5.0 sent for a proxied canister_status (seen by the replica)', () => {
    const inner = Buffer.from('4449444c016c01b3c4b1f204680100010a00000000000000000101', 'hex')
    expect(hex(encodeProxyArgs('aaaaa-aa', 'canister_status', inner, 0n))).toBe(
      '4449444c026c04e1edeb4a71dd9ad2830401b3c4b1f204688daacd94087d6d7b01000f63616e69737465725f737461747573' +
        '1b' +
        inner.toString('hex') +
        '010000',
    )
  })

  test.each([
    ['rwlgt-iiaaa-aaaaa-aaaaa-cai', 'put', 0, 0n],
    ['rrkah-fqaaa-aaaaa-aaaaq-cai', 'x'.repeat(200), 300, 7n],
    ['aaaaa-aa', '', 1, 2n ** 64n + 1n],
  ])('decodes as ProxyArgs: %s %#', (target, method, size, cycles) => {
    const args = Uint8Array.from({ length: size }, (_, i) => i % 256)
    const [decoded] = IDL.decode([ProxyArgs], encodeProxyArgs(target, method, args, cycles)) as unknown as [
      { canister_id: Principal; method: string; args: Uint8Array; cycles: bigint },
    ]
    expect(decoded.canister_id.toText()).toBe(target)
    expect(decoded.method).toBe(method)
    expect(hex(Uint8Array.from(decoded.args))).toBe(hex(args))
    expect(decoded.cycles).toBe(cycles)
  })
})
