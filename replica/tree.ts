// The certified state tree: incremental hashing, pruned witnesses with neighbour-label absence
// proofs, and root-hash reconstruction (interface spec "Certification").
import { createHash } from 'node:crypto'
import { concat, utf8 } from './bytes.js'

export type HashTree =
  [0] | [1, HashTree, HashTree] | [2, Uint8Array, HashTree] | [3, Uint8Array] | [4, Uint8Array]

const domain = (s: string): Uint8Array => concat(Uint8Array.of(s.length), utf8(s))
const D_EMPTY = domain('ic-hashtree-empty')
const D_FORK = domain('ic-hashtree-fork')
const D_LABELED = domain('ic-hashtree-labeled')
const D_LEAF = domain('ic-hashtree-leaf')

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export const EMPTY_HASH = sha(D_EMPTY)
export const leafHash = (v: Uint8Array): Uint8Array => sha(D_LEAF, v)
export const labeledHash = (l: Uint8Array, h: Uint8Array): Uint8Array => sha(D_LABELED, l, h)
export const forkHash = (a: Uint8Array, b: Uint8Array): Uint8Array => sha(D_FORK, a, b)

/** Root hash of a (possibly pruned) hash tree: equal to the full state's hash for any witness. */
export function reconstruct(t: HashTree): Uint8Array {
  switch (t[0]) {
    case 0:
      return EMPTY_HASH
    case 1:
      return forkHash(reconstruct(t[1]), reconstruct(t[2]))
    case 2:
      return labeledHash(t[1], reconstruct(t[2]))
    case 3:
      return leafHash(t[1])
    case 4:
      return t[1]
  }
}

const keyOf = (label: Uint8Array): string =>
  Buffer.from(label.buffer, label.byteOffset, label.byteLength).toString('latin1')

interface Entry {
  label: Uint8Array
  child: StateNode | Uint8Array
  hash?: Uint8Array // labeled hash, cached
}

/** A labeled subtree; children are sorted bytewise (latin1 keys compare like bytes). */
export class StateNode {
  private entries = new Map<string, Entry>()
  private sorted?: string[]
  private ranges = new Map<number, Uint8Array>()

  get size(): number {
    return this.entries.size
  }

  get(path: Uint8Array[]): StateNode | Uint8Array | undefined {
    let node: StateNode | Uint8Array = this as StateNode
    for (const label of path) {
      if (node instanceof Uint8Array) return undefined
      const e: Entry | undefined = node.entries.get(keyOf(label))
      if (!e) return undefined
      node = e.child
    }
    return node
  }

  /** Set a leaf or subtree at `path`, creating intermediate nodes and invalidating cached hashes. */
  set(path: Uint8Array[], value: StateNode | Uint8Array): void {
    if (path.length === 0) throw new Error('empty path')
    let node = this as StateNode
    for (let i = 0; i < path.length; i++) {
      const k = keyOf(path[i])
      node.ranges.clear()
      let e = node.entries.get(k)
      if (i === path.length - 1) {
        if (!e) {
          node.sorted = undefined
          e = { label: path[i], child: value }
          node.entries.set(k, e)
        } else e.child = value
        e.hash = undefined
        return
      }
      if (!e || e.child instanceof Uint8Array) {
        if (!e) node.sorted = undefined
        e = { label: path[i], child: new StateNode() }
        node.entries.set(k, e)
      }
      e.hash = undefined
      node = e.child as StateNode
    }
  }

  delete(path: Uint8Array[]): void {
    let node = this as StateNode
    for (let i = 0; i < path.length; i++) {
      const k = keyOf(path[i])
      const e = node.entries.get(k)
      if (!e) return
      node.ranges.clear()
      e.hash = undefined
      if (i === path.length - 1) {
        node.entries.delete(k)
        node.sorted = undefined
        return
      }
      if (e.child instanceof Uint8Array) return
      node = e.child
    }
  }

  hash(): Uint8Array {
    return this.rangeHash(this.keys(), 0, this.entries.size)
  }

  /** Full (unpruned) hash tree of this subtree. */
  full(): HashTree {
    const keys = this.keys()
    const build = (lo: number, hi: number): HashTree => {
      if (hi === lo) return [0]
      if (hi - lo === 1) {
        const e = this.entries.get(keys[lo]) as Entry
        return [2, e.label, e.child instanceof Uint8Array ? [3, e.child] : e.child.full()]
      }
      const mid = (lo + hi) >>> 1
      return [1, build(lo, mid), build(mid, hi)]
    }
    return build(0, keys.length)
  }

  /** A witness revealing `paths` (an empty path reveals everything below), pruning the rest. */
  witness(paths: Uint8Array[][]): HashTree {
    if (paths.some((p) => p.length === 0)) return this.full()
    const keys = this.keys()
    const groups = new Map<string, { label: Uint8Array; rest: Uint8Array[][] }>()
    for (const p of paths) {
      const k = keyOf(p[0])
      const g = groups.get(k) ?? { label: p[0], rest: [] }
      g.rest.push(p.slice(1))
      groups.set(k, g)
    }
    const marked = new Map<number, HashTree>()
    for (const [k, g] of groups) {
      const e = this.entries.get(k)
      if (e) {
        const idx = lowerBound(keys, k)
        marked.set(idx, [2, e.label, e.child instanceof Uint8Array ? [3, e.child] : e.child.witness(g.rest)])
        continue
      }
      // Absent: reveal the neighbours (labels only) so the gap proves absence.
      const pos = lowerBound(keys, k)
      for (const n of [pos - 1, pos]) {
        if (n < 0 || n >= keys.length || marked.has(n)) continue
        const ne = this.entries.get(keys[n]) as Entry
        marked.set(n, [2, ne.label, [4, childHash(ne.child)]])
      }
    }
    const idxs = [...marked.keys()].sort((a, b) => a - b)
    const build = (lo: number, hi: number): HashTree => {
      if (hi === lo) return [0]
      if (!idxs.some((i) => i >= lo && i < hi)) return [4, this.rangeHash(keys, lo, hi)]
      if (hi - lo === 1) return marked.get(lo) as HashTree
      const mid = (lo + hi) >>> 1
      return [1, build(lo, mid), build(mid, hi)]
    }
    return build(0, keys.length)
  }

  *children(): Generator<[Uint8Array, StateNode | Uint8Array]> {
    for (const e of this.entries.values()) yield [e.label, e.child]
  }

  private keys(): string[] {
    if (!this.sorted) this.sorted = [...this.entries.keys()].sort()
    return this.sorted
  }

  private rangeHash(keys: string[], lo: number, hi: number): Uint8Array {
    if (hi === lo) return EMPTY_HASH
    const memoKey = lo * 4194304 + hi
    const memo = this.ranges.get(memoKey)
    if (memo) return memo
    let h: Uint8Array
    if (hi - lo === 1) {
      const e = this.entries.get(keys[lo]) as Entry
      if (!e.hash) e.hash = labeledHash(e.label, childHash(e.child))
      h = e.hash
    } else {
      const mid = (lo + hi) >>> 1
      h = forkHash(this.rangeHash(keys, lo, mid), this.rangeHash(keys, mid, hi))
    }
    this.ranges.set(memoKey, h)
    return h
  }
}

const childHash = (c: StateNode | Uint8Array): Uint8Array =>
  c instanceof Uint8Array ? leafHash(c) : c.hash()

function lowerBound(keys: string[], k: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < k) lo = mid + 1
    else hi = mid
  }
  return lo
}

export type LookupResult =
  { found: Uint8Array } | { absent: true } | { unknown: true } | { subtree: HashTree }

/** Path lookup with ic-agent (Rust) semantics: Absent only when proven by neighbour labels. */
export function lookupPath(tree: HashTree, path: Uint8Array[]): LookupResult {
  let t = tree
  for (const label of path) {
    const r = lookupLabel(t, label)
    if (r === 'absent' || r === 'less' || r === 'greater') return { absent: true }
    if (r === 'unknown') return { unknown: true }
    t = r
  }
  if (t[0] === 3) return { found: t[1] }
  if (t[0] === 4) return { unknown: true }
  if (t[0] === 0) return { absent: true }
  return { subtree: t }
}

type LabelResult = HashTree | 'absent' | 'unknown' | 'less' | 'greater'

function lookupLabel(t: HashTree, label: Uint8Array): LabelResult {
  switch (t[0]) {
    case 2: {
      const c = Buffer.compare(Buffer.from(label), Buffer.from(t[1]))
      return c === 0 ? t[2] : c < 0 ? 'less' : 'greater'
    }
    case 1: {
      const a = lookupLabel(t[1], label)
      if (a === 'greater') {
        const b = lookupLabel(t[2], label)
        return b === 'less' ? 'absent' : b
      }
      if (a === 'unknown') {
        const b = lookupLabel(t[2], label)
        return b === 'less' ? 'unknown' : b
      }
      return a
    }
    case 4:
      return 'unknown'
    default:
      return 'absent'
  }
}
