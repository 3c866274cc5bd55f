// The authoring kit's Candid helpers against @icp-sdk/core's IDL: each side decodes what the other encodes.
import { describe, expect, test } from '@jest/globals'

import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'

import * as c from '../../examples/plugin-template/lib/candid.js'

const PRINCIPALS = [
  'aaaaa-aa',
  '2vxsx-fae',
  'rrkah-fqaaa-aaaaa-aaaaq-cai',
  'zqwn4-lvx7a-j2hjb-pyav5-apbnw-dgbzb-b6snh-pjhi7-gdjhv-fzgjw-3ae',
]

describe('kit Candid ↔ @icp-sdk/core', () => {
  test('text, principal, nat, int, fixed-width numbers, bool, blob', () => {
    const kit = c.encode(
      [c.text, c.principal, c.nat, c.int, c.nat8, c.nat64, c.int32, c.bool, c.blob, c.float64],
      [
        'héllo',
        'rrkah-fqaaa-aaaaa-aaaaq-cai',
        2n ** 70n,
        -300n,
        255,
        2n ** 64n - 1n,
        -5,
        true,
        new Uint8Array([1, 2]),
        1.5,
      ],
    )
    const decoded = IDL.decode(
      [
        IDL.Text,
        IDL.Principal,
        IDL.Nat,
        IDL.Int,
        IDL.Nat8,
        IDL.Nat64,
        IDL.Int32,
        IDL.Bool,
        IDL.Vec(IDL.Nat8),
        IDL.Float64,
      ],
      kit,
    )
    expect(decoded.slice(0, 2)).toEqual(['héllo', Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')])
    expect(decoded.slice(2)).toEqual([
      2n ** 70n,
      -300n,
      255,
      2n ** 64n - 1n,
      -5,
      true,
      new Uint8Array([1, 2]),
      1.5,
    ])
  })

  test('opt, vec, record, tuple and variant both ways', () => {
    const Row = IDL.Record({ path: IDL.Text, size: IDL.Nat32, tags: IDL.Vec(IDL.Text) })
    const Status = IDL.Variant({ Ok: IDL.Nat, Err: IDL.Text, Pending: IDL.Null })
    const types = [IDL.Opt(IDL.Principal), IDL.Vec(IDL.Tuple(IDL.Text, IDL.Text)), Row, IDL.Vec(Status)]
    const value = [
      [Principal.fromText('2vxsx-fae')],
      [
        ['a', '1'],
        ['b', '2'],
      ],
      { path: 'seed-data/x', size: 7, tags: ['t'] },
      [{ Ok: 5n }, { Err: 'no' }, { Pending: null }],
    ]
    const kitTypes = [
      c.opt(c.principal),
      c.vec(c.tuple(c.text, c.text)),
      c.record({ path: c.text, size: c.nat32, tags: c.vec(c.text) }),
      c.vec(c.variant({ Ok: c.nat, Err: c.text, Pending: c.null_ })),
    ] as const
    const decoded = c.decode([...kitTypes], new Uint8Array(IDL.encode(types, value)))
    expect(decoded).toEqual([
      '2vxsx-fae',
      [
        ['a', '1'],
        ['b', '2'],
      ],
      { path: 'seed-data/x', size: 7, tags: ['t'] },
      [
        { tag: 'Ok', value: 5n },
        { tag: 'Err', value: 'no' },
        { tag: 'Pending', value: null },
      ],
    ])
    const back = c.encode([...kitTypes], decoded)
    expect(IDL.decode(types, back)).toEqual(value)
    expect(c.decode([c.opt(c.text)], new Uint8Array(IDL.encode([IDL.Opt(IDL.Text)], [[]])))).toEqual([
      undefined,
    ])
  })

  test('record fields the caller does not ask for are skipped; missing opt fields are undefined', () => {
    const wire = IDL.encode(
      [IDL.Record({ a: IDL.Text, extra: IDL.Vec(IDL.Nat64), b: IDL.Nat })],
      [{ a: 'x', extra: [1n], b: 2n }],
    )
    expect(c.decode([c.record({ b: c.nat, a: c.text, c: c.opt(c.text) })], new Uint8Array(wire))).toEqual([
      { a: 'x', b: 2n, c: undefined },
    ])
  })

  test('principal text forms match @icp-sdk/core', () => {
    for (const text of PRINCIPALS) {
      const bytes = c.principalFromText(text)
      expect(bytes).toEqual(Principal.fromText(text).toUint8Array())
      expect(c.principalToText(bytes)).toBe(text)
    }
    expect(() => c.principalFromText('rrkah-fqaaa-aaaaa-aaaaq-caj')).toThrow(/not a principal/)
  })

  test('errors are strings that name the problem', () => {
    expect(() => c.encode([c.nat8], [256])).toThrow('candid: cannot encode 256 as nat8')
    expect(() => c.decode([c.text], new Uint8Array(IDL.encode([IDL.Nat], [1n])))).toThrow(
      'candid: expected text, the message has nat',
    )
    expect(() => c.decode([c.text], new Uint8Array([1, 2, 3, 4]))).toThrow('no DIDL magic')
  })
})
