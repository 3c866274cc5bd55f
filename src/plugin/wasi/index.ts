// The plugin's whole WASI world, keyed by the unversioned names jco's instantiation mode expects.
// Real: clocks, random, stdout/stderr (to the capture sink), read-only filesystem. Empty: stdin,
// environment, args, cwd, terminals. Denied: sockets (access-denied), exit (traps, as in wasmtime).
import { randomBytes, randomFillSync } from 'node:crypto'

import { MemoryLimitError, memoryLimitText } from '../memory-budget.js'
import { createFilesystem } from './filesystem.js'
import { InputStream, IoError, OutputStream, Pollable, poll } from './io.js'

export interface WasiOptions {
  preopens: Array<{ guest: string; host: string }>
  /** Receives every byte the guest writes to stdout/stderr. */
  write: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void
  /** The plugin's memory budget: also bounds what one host call allocates for it. */
  memoryMb: number
}

/** The most one host call allocates on the guest's behalf (random bytes); reads are capped lower. */
export const MAX_HOST_ALLOCATION = 16 * 1024 * 1024

/** Thrown (as an Error, so jco treats it as a trap) when the guest calls wasi:cli/exit. */
export class PluginExit extends Error {
  override name = 'PluginExit'
  constructor(readonly code: number) {
    super(`plugin called wasi:cli/exit with status ${code}`)
  }
}

class TerminalInput {}
class TerminalOutput {}

const ACCESS_DENIED = 'access-denied'

export function createWasi(options: WasiOptions): Record<string, Record<string, unknown>> {
  const stdout = new OutputStream((bytes) => options.write('stdout', bytes))
  const stderr = new OutputStream((bytes) => options.write('stderr', bytes))
  // One object each for the run, like stdout and stderr: not counted as handles.
  const stdin = new InputStream(() => new Uint8Array(0), { counted: false })
  const fs = createFilesystem(options.preopens)
  const started = process.hrtime.bigint()
  const allocationCap = Math.min(MAX_HOST_ALLOCATION, options.memoryMb * 1024 * 1024)
  /** get-random-bytes has no error result, and its length is any u64: too much fails the plugin. */
  const randomList = (len: bigint): Uint8Array => {
    if (len > BigInt(allocationCap))
      throw new MemoryLimitError(
        `${memoryLimitText(options.memoryMb)}: the plugin asked wasi:random for ${len} bytes in one call (at most ${allocationCap})`,
      )
    return new Uint8Array(randomBytes(Number(len)))
  }

  // Sockets: the resources exist so a component that imports them links, but nothing can be created.
  class Network {}
  class TcpSocket {}
  class UdpSocket {}
  class IncomingDatagramStream {}
  class OutgoingDatagramStream {}
  class ResolveAddressStream {}
  const deny = () => {
    throw ACCESS_DENIED
  }

  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint() - started,
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => new Pollable(started + when),
      subscribeDuration: (ns: bigint) => new Pollable(process.hrtime.bigint() + ns),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ns = BigInt(Date.now()) * 1_000_000n
        return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) }
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:random/random': {
      getRandomBytes: randomList,
      getRandomU64: () => randomU64(),
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomList,
      getInsecureRandomU64: () => randomU64(),
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:cli/environment': {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }) => {
        throw new PluginExit(status.tag === 'ok' ? 0 : 1)
      },
      exitWithCode: (code: number) => {
        throw new PluginExit(code)
      },
    },
    'wasi:filesystem/types': fs.types,
    'wasi:filesystem/preopens': fs.preopens,
    'wasi:sockets/network': { Network, networkErrorCode: () => undefined },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: deny },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: deny },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: deny },
  }
}

function randomU64(): bigint {
  const buffer = new BigUint64Array(1)
  randomFillSync(buffer)
  return buffer[0]!
}
