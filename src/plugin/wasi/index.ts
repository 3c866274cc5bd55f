// The plugin's whole WASI world, keyed by the unversioned names jco's instantiation mode expects.
// Real: clocks, random, stdout/stderr (to the capture sink), read-only filesystem. Empty: stdin,
// environment, args, cwd, terminals. Denied: sockets (access-denied), exit (traps, as in wasmtime).
import { randomBytes, randomFillSync } from 'node:crypto'

import { createFilesystem } from './filesystem.js'
import { InputStream, IoError, OutputStream, Pollable, poll } from './io.js'

export interface WasiOptions {
  preopens: Array<{ guest: string; host: string }>
  /** Receives every byte the guest writes to stdout/stderr. */
  write: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void
}

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
  const fs = createFilesystem(options.preopens)
  const started = process.hrtime.bigint()

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
      getRandomBytes: (len: bigint) => new Uint8Array(randomBytes(Number(len))),
      getRandomU64: () => randomU64(),
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (len: bigint) => new Uint8Array(randomBytes(Number(len))),
      getInsecureRandomU64: () => randomU64(),
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
    'wasi:cli/stdin': { getStdin: () => new InputStream(() => new Uint8Array(0)) },
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
