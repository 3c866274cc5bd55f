// The canister_ranges lookup on its own: the shard with the greatest label at or below the canister
// id decides (@icp-sdk/core 6.1.0 takes the first shard), and a witness that hides the right shard
// fails closed.
import { describe, expect, test } from '@jest/globals'
import { Cbor, type HashTree } from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'
import { canisterInRanges } from '../../src/ic/certificate.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const id = (n: number): Uint8Array => {
  const b = new Uint8Array(10)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  b[8] = 1
  b[9] = 1
  return b
}
const subnet = Principal.selfAuthenticating(utf8('a subnet key'))
const shard = (low: number, high: number): HashTree =>
  [2, id(low), [3, Cbor.encode([[id(low), id(high)]])]] as unknown as HashTree
const fork = (a: HashTree, b: HashTree): HashTree => [1, a, b] as unknown as HashTree
const pruned: HashTree = [4, new Uint8Array(32)] as unknown as HashTree
const ranges = (shards: HashTree): HashTree =>
  [2, utf8('canister_ranges'), [2, subnet.toUint8Array(), shards]] as unknown as HashTree
const canister = (n: number): Principal => Principal.fromUint8Array(id(n))

describe('canister ranges in shards', () => {
  const three = ranges(fork(fork(shard(0, 15), shard(16, 999)), shard(1000, 1999)))

  test.each([
    [5, true],
    [16, true],
    [500, true],
    [1000, true],
    [1999, true],
    [2000, false],
  ])('unpruned shards, canister %i → %s', (n, inside) => {
    expect(canisterInRanges(three, subnet, canister(n))).toBe(inside)
  })

  test('a witness that hides the canister’s shard fails closed', () => {
    const hidden = ranges(fork(shard(0, 15), pruned))
    expect(canisterInRanges(hidden, subnet, canister(500))).toBe(false)
  })

  test('only the canister’s shard revealed (pruned, as the IC sends it)', () => {
    expect(canisterInRanges(ranges(fork(pruned, shard(16, 999))), subnet, canister(500))).toBe(true)
  })

  test('the flat form', () => {
    const flat = [
      2,
      utf8('subnet'),
      [2, subnet.toUint8Array(), [2, utf8('canister_ranges'), [3, Cbor.encode([[id(0), id(99)]])]]],
    ] as unknown as HashTree
    expect(canisterInRanges(flat, subnet, canister(42))).toBe(true)
    expect(canisterInRanges(flat, subnet, canister(100))).toBe(false)
  })
})
