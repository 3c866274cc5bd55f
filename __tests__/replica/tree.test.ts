// Self-test of the certified state tree: every witness reconstructs the full root hash, lookups
// with ic-agent (Rust) semantics are Found or Absent as they should be, and the JS agent reads the
// same values from the same witnesses.
import { describe, expect, test } from '@jest/globals'
import { lookup_path, LookupPathStatus } from '@icp-sdk/core/agent'
import { utf8 } from '../../replica/bytes.js'
import { lookupPath, reconstruct, StateNode } from '../../replica/tree.js'

function randomLabel(): Uint8Array {
  const len = 1 + Math.floor(Math.random() * 6)
  return crypto.getRandomValues(new Uint8Array(len))
}

describe('state tree witnesses', () => {
  test('random trees: witnesses keep the root hash and prove presence and absence', () => {
    let absences = 0
    for (let round = 0; round < 8; round++) {
      const tree = new StateNode()
      const leaves: Array<[Uint8Array[], Uint8Array]> = []
      for (let i = 0; i < 40; i++) {
        const path = [utf8(['a', 'request_status', 'z'][i % 3]), randomLabel(), randomLabel()]
        const value = randomLabel()
        tree.set(path, value)
        leaves.push([path, value])
      }
      const root = tree.hash()
      for (let i = 0; i < 12; i++) {
        const [path, value] = leaves[Math.floor(Math.random() * leaves.length)]
        const missing = [path[0], randomLabel(), utf8('status')]
        const present = tree.get(missing.slice(0, 2)) !== undefined
        const w = tree.witness([path, missing])
        expect(Buffer.from(reconstruct(w))).toEqual(Buffer.from(root))
        const found = lookupPath(w, path)
        // A later write with the same random path prefix may have replaced the leaf; check the tree.
        expect(found).toEqual({ found: tree.get(path) ?? value })
        if (!present) {
          absences++
          expect(lookupPath(w, missing)).toEqual({ absent: true })
        }
        // The JS agent reads the same value from a witness of that path alone. (Not from the one
        // above: @icp-sdk/core 6.1.0 compares labels wrongly — `isBufferGreaterThan` is true when any
        // byte is greater, and a label is never greater than its own prefix — so next to an absence
        // proof's neighbour it can answer Absent for a present path, e.g. `cc7d87` beside `cc`.)
        const js = lookup_path(path, tree.witness([path]) as never)
        expect(js.status).toBe(LookupPathStatus.Found)
        expect(Buffer.from((js as { value: Uint8Array }).value)).toEqual(
          Buffer.from(tree.get(path) as Uint8Array),
        )
      }
    }
    expect(absences).toBeGreaterThan(0) // the absence branch ran
  })

  test('an empty subtree proves absence; mutations change the root hash', () => {
    const tree = new StateNode()
    tree.set([utf8('time')], Uint8Array.of(1))
    const before = tree.hash()
    expect(
      lookupPath(tree.witness([[utf8('request_status'), utf8('x')]]), [utf8('request_status'), utf8('x')]),
    ).toEqual({
      absent: true,
    })
    tree.set([utf8('time')], Uint8Array.of(2))
    expect(Buffer.from(tree.hash())).not.toEqual(Buffer.from(before))
    tree.delete([utf8('time')])
    expect(lookupPath(tree.witness([[utf8('time')]]), [utf8('time')])).toEqual({ absent: true })
  })
})
