import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  DROPPED_INDEX,
  EXPORT_PREFIX,
  MemoryLimitError,
  STATE_INDEX,
  TABLE_ELEMENT_BYTES,
  memoryLimitText
} from "./chunk-DMHC42DC.js";
import {
  flushCodeCache,
  useCodeCache
} from "./chunk-INTANEIW.js";
import "./chunk-E4ELRYV2.js";
import "./chunk-NV5WPINZ.js";

// src/plugin/plugin-worker.ts
import { parentPort, receiveMessageOnPort } from "node:worker_threads";
import { pathToFileURL } from "node:url";

// src/plugin/wasi/index.ts
import { randomBytes, randomFillSync } from "node:crypto";

// src/plugin/wasi/filesystem.ts
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  opendirSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync
} from "node:fs";
import { join, sep } from "node:path";

// src/plugin/wasi/handles.ts
var MAX_OPEN_HANDLES = 1e4;
var HandleLimitError = class extends Error {
  name = "HandleLimitError";
};
var open = 0;
function takeHandle(errorCode) {
  if (open >= MAX_OPEN_HANDLES) {
    if (errorCode !== void 0) throw errorCode;
    throw new HandleLimitError(
      `the plugin holds ${MAX_OPEN_HANDLES} open handles (descriptors, directory streams, streams, pollables), the most a run may hold`
    );
  }
  open++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    open--;
  };
}

// src/plugin/wasi/io.ts
var CHECK_WRITE = 1048576;
var IoError = class {
  constructor(message) {
    this.message = message;
  }
  message;
  toDebugString() {
    return this.message;
  }
};
var sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepNs(ns) {
  if (ns <= 0n) return;
  Atomics.wait(sleeper, 0, 0, Number(ns / 1000000n) + (ns % 1000000n > 0n ? 1 : 0));
}
var Pollable = class {
  /** Monotonic deadline in ns; undefined = always ready. */
  constructor(deadline) {
    this.deadline = deadline;
  }
  deadline;
  release = takeHandle();
  [Symbol.dispose]() {
    this.release();
  }
  ready() {
    return this.deadline === void 0 || process.hrtime.bigint() >= this.deadline;
  }
  block() {
    if (this.deadline !== void 0) sleepNs(this.deadline - process.hrtime.bigint());
  }
};
function poll(list) {
  if (list.length === 0) throw new TypeError("poll: empty list of pollables");
  for (; ; ) {
    const ready = [];
    list.forEach((p, i) => p.ready() && ready.push(i));
    if (ready.length > 0) return new Uint32Array(ready);
    list.reduce((earliest, p) => p.deadline < earliest.deadline ? p : earliest).block();
  }
}
var CLOSED = { tag: "closed" };
var InputStream = class {
  /**
   * `errorCode`: what the guest gets when it holds too many handles (when the call can return one);
   * `counted: false` for the one stdin object of a run.
   */
  constructor(source, handle = {}) {
    this.source = source;
    this.release = handle.counted === false ? () => {
    } : takeHandle(handle.errorCode);
  }
  source;
  ended = false;
  release;
  [Symbol.dispose]() {
    this.release();
  }
  read(len) {
    if (this.ended) throw CLOSED;
    const chunk = this.source(Number(len > 1048576n ? 1048576n : len));
    if (chunk.length === 0 && len > 0n) {
      this.ended = true;
      throw CLOSED;
    }
    return chunk;
  }
  blockingRead(len) {
    return this.read(len);
  }
  skip(len) {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len) {
    return this.skip(len);
  }
  subscribe() {
    return new Pollable();
  }
};
function failedStream(message) {
  return { tag: "last-operation-failed", val: new IoError(message) };
}
var OutputStream = class {
  constructor(sink) {
    this.sink = sink;
  }
  sink;
  checkWrite() {
    if (!this.sink) throw failedStream("not permitted: read-only");
    return BigInt(CHECK_WRITE);
  }
  write(contents) {
    if (!this.sink) throw failedStream("not permitted: read-only");
    if (contents.length > 0) this.sink(contents);
  }
  blockingWriteAndFlush(contents) {
    this.write(contents);
  }
  flush() {
    if (!this.sink) throw failedStream("not permitted: read-only");
  }
  blockingFlush() {
    this.flush();
  }
  subscribe() {
    return new Pollable();
  }
  writeZeroes(len) {
    if (len > BigInt(CHECK_WRITE)) throw failedStream(`write-zeroes of ${len} bytes exceeds check-write`);
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len) {
    this.writeZeroes(len);
  }
  splice(src, len) {
    const bytes = src.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src, len) {
    return this.splice(src, len);
  }
};

// src/plugin/wasi/filesystem.ts
var NOT_PERMITTED = "not-permitted";
var INSUFFICIENT_MEMORY = "insufficient-memory";
function entryType(entry) {
  if (entry.isFile()) return "regular-file";
  if (entry.isDirectory()) return "directory";
  if (entry.isSymbolicLink()) return "symbolic-link";
  if (entry.isFIFO()) return "fifo";
  if (entry.isSocket()) return "socket";
  if (entry.isCharacterDevice()) return "character-device";
  if (entry.isBlockDevice()) return "block-device";
  return "unknown";
}
function errnoCode(error) {
  switch (error?.code) {
    case "ENOENT":
      return "no-entry";
    case "ENOTDIR":
      return "not-directory";
    case "EISDIR":
      return "is-directory";
    case "EACCES":
      return "access";
    case "EPERM":
      return "not-permitted";
    case "ELOOP":
      return "loop";
    case "ENAMETOOLONG":
      return "name-too-long";
    case "EMFILE":
    case "ENFILE":
      return "insufficient-memory";
    default:
      return "io";
  }
}
function fsCall(fn) {
  try {
    return fn();
  } catch (error) {
    if (typeof error === "string") throw error;
    throw errnoCode(error);
  }
}
function typeOf(stats) {
  if (stats.isFile()) return "regular-file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symbolic-link";
  if (stats.isFIFO()) return "fifo";
  if (stats.isSocket()) return "socket";
  if (stats.isCharacterDevice()) return "character-device";
  if (stats.isBlockDevice()) return "block-device";
  return "unknown";
}
function timestamp(ms, ns) {
  const total = ns ?? BigInt(Math.round(ms * 1e6));
  return { seconds: total / 1000000000n, nanoseconds: Number(total % 1000000000n) };
}
function descriptorStat(stats) {
  return {
    type: typeOf(stats),
    linkCount: BigInt(stats.nlink),
    size: BigInt(stats.size),
    dataAccessTimestamp: timestamp(stats.atimeMs),
    dataModificationTimestamp: timestamp(stats.mtimeMs),
    statusChangeTimestamp: timestamp(stats.ctimeMs)
  };
}
function inside(root, real) {
  return real === root.host || real.startsWith(root.host.endsWith(sep) ? root.host : root.host + sep);
}
function resolveBeneath(root, from, guestPath, follow) {
  if (guestPath.startsWith("/") || guestPath.includes("\0")) throw NOT_PERMITTED;
  const rel = from.slice(root.host.length).split(sep).filter(Boolean);
  const parts = guestPath.split("/");
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (rel.length === 0) throw NOT_PERMITTED;
      rel.pop();
    } else rel.push(part);
  }
  const lexical = join(root.host, ...rel);
  if (rel.length === 0) return { path: root.host, link: false };
  const parent = fsCall(() => realpathSync(join(lexical, "..")));
  if (!inside(root, parent)) throw NOT_PERMITTED;
  const candidate = join(parent, rel[rel.length - 1]);
  const own = fsCall(() => lstatSync(candidate));
  if (!own.isSymbolicLink()) return { path: candidate, link: false };
  if (!follow) return { path: candidate, link: true };
  const real = fsCall(() => realpathSync(candidate));
  if (!inside(root, real)) throw NOT_PERMITTED;
  return { path: real, link: false };
}
function statResolved(target) {
  return fsCall(() => target.link ? lstatSync(target.path) : statSync(target.path));
}
function readRange(path, length, offset) {
  return fsCall(() => {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const size = fstatSync(fd).size;
      const want = Math.max(0, Math.min(Number(length), 16 * 1024 * 1024, size - Number(offset)));
      const buffer = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buffer, got, want - got, Number(offset) + got);
        if (n === 0) break;
        got += n;
      }
      return [got === want ? buffer : buffer.subarray(0, got), Number(offset) + got >= size];
    } finally {
      closeSync(fd);
    }
  });
}
function listDirectory(path) {
  return fsCall(() => {
    const entries = [];
    const dir = opendirSync(path);
    try {
      for (let entry = dir.readSync(); entry; entry = dir.readSync())
        entries.push({ type: entryType(entry), name: entry.name });
    } finally {
      dir.closeSync();
    }
    return entries;
  });
}
function hashOf(stats) {
  return { lower: BigInt(stats.ino), upper: BigInt(stats.dev) };
}
var DirectoryEntryStream = class {
  entries;
  release;
  constructor(path) {
    this.release = takeHandle(INSUFFICIENT_MEMORY);
    try {
      this.entries = listDirectory(path);
    } catch (error) {
      this.release();
      throw error;
    }
    this.entries.reverse();
  }
  readDirectoryEntry() {
    return this.entries.pop();
  }
  [Symbol.dispose]() {
    this.release();
  }
};
var Descriptor = class _Descriptor {
  /** Canonical host path (inside root) and what it is; `counted` for every one but the preopens. */
  constructor(root, path, kind, counted = true) {
    this.root = root;
    this.path = path;
    this.kind = kind;
    this.release = counted ? takeHandle(INSUFFICIENT_MEMORY) : () => {
    };
  }
  root;
  path;
  kind;
  release;
  [Symbol.dispose]() {
    this.release();
  }
  /** A guest path relative to this descriptor, which must be a directory (see resolveBeneath). */
  resolve(guestPath, follow) {
    if (this.kind !== "directory") throw "not-directory";
    return resolveBeneath(this.root, this.path, guestPath, follow);
  }
  // Reads and lookups.
  readViaStream(offset) {
    if (this.kind !== "regular-file") throw "is-directory";
    let position = offset;
    return new InputStream(
      (length) => {
        const [bytes] = this.read(BigInt(length), position);
        position += BigInt(bytes.length);
        return bytes;
      },
      { errorCode: INSUFFICIENT_MEMORY }
    );
  }
  read(length, offset) {
    if (this.kind !== "regular-file") throw "is-directory";
    return readRange(this.path, length, offset);
  }
  readDirectory() {
    if (this.kind !== "directory") throw "not-directory";
    return new DirectoryEntryStream(this.path);
  }
  getFlags() {
    return { read: true };
  }
  getType() {
    return this.kind;
  }
  stat() {
    return descriptorStat(fsCall(() => statSync(this.path)));
  }
  statAt(flags, path) {
    return descriptorStat(statResolved(this.resolve(path, flags.symlinkFollow === true)));
  }
  openAt(flags, path, open2, descriptor) {
    if (open2.create || open2.truncate || open2.exclusive) throw NOT_PERMITTED;
    if (descriptor.write || descriptor.mutateDirectory) throw NOT_PERMITTED;
    const target = this.resolve(path, flags.symlinkFollow === true);
    if (target.link) throw "loop";
    const stats = fsCall(() => statSync(target.path));
    if (stats.isDirectory()) return new _Descriptor(this.root, target.path, "directory");
    if (open2.directory) throw "not-directory";
    if (!stats.isFile()) throw NOT_PERMITTED;
    return new _Descriptor(this.root, target.path, "regular-file");
  }
  readlinkAt(path) {
    const target = this.resolve(path, false);
    if (!target.link) throw "invalid";
    return fsCall(() => readlinkSync(target.path));
  }
  isSameObject(other) {
    return other.path === this.path;
  }
  metadataHash() {
    return hashOf(fsCall(() => statSync(this.path)));
  }
  metadataHashAt(flags, path) {
    return hashOf(statResolved(this.resolve(path, flags.symlinkFollow === true)));
  }
  // Nothing to flush or advise on a read-only view.
  advise() {
  }
  syncData() {
  }
  sync() {
  }
  // Every mutation is refused.
  writeViaStream() {
    throw NOT_PERMITTED;
  }
  appendViaStream() {
    throw NOT_PERMITTED;
  }
  write() {
    throw NOT_PERMITTED;
  }
  setSize() {
    throw NOT_PERMITTED;
  }
  setTimes() {
    throw NOT_PERMITTED;
  }
  setTimesAt() {
    throw NOT_PERMITTED;
  }
  createDirectoryAt() {
    throw NOT_PERMITTED;
  }
  linkAt() {
    throw NOT_PERMITTED;
  }
  removeDirectoryAt() {
    throw NOT_PERMITTED;
  }
  renameAt() {
    throw NOT_PERMITTED;
  }
  symlinkAt() {
    throw NOT_PERMITTED;
  }
  unlinkFileAt() {
    throw NOT_PERMITTED;
  }
};
function createFilesystem(preopens) {
  const roots = preopens.map(({ guest, host }) => {
    const root = { host };
    return [new Descriptor(root, host, "directory", false), guest];
  });
  return {
    types: {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode(_error) {
        return void 0;
      }
    },
    preopens: {
      getDirectories: () => roots
    }
  };
}

// src/plugin/wasi/index.ts
var MAX_HOST_ALLOCATION = 16 * 1024 * 1024;
var PluginExit = class extends Error {
  constructor(code) {
    super(`plugin called wasi:cli/exit with status ${code}`);
    this.code = code;
  }
  code;
  name = "PluginExit";
};
var TerminalInput = class {
};
var TerminalOutput = class {
};
var ACCESS_DENIED = "access-denied";
function createWasi(options) {
  const stdout = new OutputStream((bytes) => options.write("stdout", bytes));
  const stderr = new OutputStream((bytes) => options.write("stderr", bytes));
  const stdin = new InputStream(() => new Uint8Array(0), { counted: false });
  const fs = createFilesystem(options.preopens);
  const started = process.hrtime.bigint();
  const allocationCap = Math.min(MAX_HOST_ALLOCATION, options.memoryMb * 1024 * 1024);
  const randomList = (len) => {
    if (len > BigInt(allocationCap))
      throw new MemoryLimitError(
        `${memoryLimitText(options.memoryMb)}: the plugin asked wasi:random for ${len} bytes in one call (at most ${allocationCap})`
      );
    return new Uint8Array(randomBytes(Number(len)));
  };
  class Network {
  }
  class TcpSocket {
  }
  class UdpSocket {
  }
  class IncomingDatagramStream {
  }
  class OutgoingDatagramStream {
  }
  class ResolveAddressStream {
  }
  const deny = () => {
    throw ACCESS_DENIED;
  };
  return {
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll },
    "wasi:io/streams": { InputStream, OutputStream },
    "wasi:clocks/monotonic-clock": {
      now: () => process.hrtime.bigint() - started,
      resolution: () => 1n,
      subscribeInstant: (when) => new Pollable(started + when),
      subscribeDuration: (ns) => new Pollable(process.hrtime.bigint() + ns)
    },
    "wasi:clocks/wall-clock": {
      now: () => {
        const ns = BigInt(Date.now()) * 1000000n;
        return { seconds: ns / 1000000000n, nanoseconds: Number(ns % 1000000000n) };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 })
    },
    "wasi:random/random": {
      getRandomBytes: randomList,
      getRandomU64: () => randomU64()
    },
    "wasi:random/insecure": {
      getInsecureRandomBytes: randomList,
      getInsecureRandomU64: () => randomU64()
    },
    "wasi:random/insecure-seed": { insecureSeed: () => [randomU64(), randomU64()] },
    "wasi:cli/stdin": { getStdin: () => stdin },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/terminal-input": { TerminalInput },
    "wasi:cli/terminal-output": { TerminalOutput },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => void 0 },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => void 0 },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => void 0 },
    "wasi:cli/environment": {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => void 0
    },
    "wasi:cli/exit": {
      exit: (status) => {
        throw new PluginExit(status.tag === "ok" ? 0 : 1);
      },
      exitWithCode: (code) => {
        throw new PluginExit(code);
      }
    },
    "wasi:filesystem/types": fs.types,
    "wasi:filesystem/preopens": fs.preopens,
    "wasi:sockets/network": { Network, networkErrorCode: () => void 0 },
    "wasi:sockets/instance-network": { instanceNetwork: () => new Network() },
    "wasi:sockets/tcp": { TcpSocket },
    "wasi:sockets/tcp-create-socket": { createTcpSocket: deny },
    "wasi:sockets/udp": { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    "wasi:sockets/udp-create-socket": { createUdpSocket: deny },
    "wasi:sockets/ip-name-lookup": { ResolveAddressStream, resolveAddresses: deny }
  };
}
function randomU64() {
  const buffer = new BigUint64Array(1);
  randomFillSync(buffer);
  return buffer[0];
}

// src/plugin/plugin-worker.ts
Object.defineProperty(process, "env", { value: Object.freeze(/* @__PURE__ */ Object.create(null)), writable: false });
var data = await new Promise((resolve) => parentPort.once("message", resolve));
var { port } = data;
var state = new Int32Array(data.shared, 0, 1);
var dropped = new BigInt64Array(data.shared, 8, 2);
var accepted = { stdout: 0, stderr: 0 };
function post(message) {
  port.postMessage(message);
}
function write(stream, bytes) {
  const room = data.outputCap - accepted[stream];
  const take = Math.max(0, Math.min(room, bytes.length));
  if (take > 0) {
    accepted[stream] += take;
    post({ t: "out", stream, bytes: bytes.slice(0, take) });
  }
  if (take < bytes.length) Atomics.add(dropped, DROPPED_INDEX[stream] - 1, BigInt(bytes.length - take));
}
function hostCall(message) {
  Atomics.store(state, STATE_INDEX, 0);
  post(message);
  Atomics.wait(state, STATE_INDEX, 0);
  const reply = receiveMessageOnPort(port);
  if (!reply) throw new Error("canister-call bridge: woken without a reply");
  return reply.message;
}
function asResult(reply) {
  if ("err" in reply) throw reply.err;
  return { tag: "ok", val: reply.ok };
}
var canisterCall = (req) => asResult(hostCall({ t: "call", req }));
var canisterMetadataSection = (req) => asResult(hostCall({ t: "metadata", req }));
var moduleNames = new Map(Object.entries(data.modules).map(([name, module]) => [module, name]));
var tracked = [];
var budgetBytes = data.memoryMb * 1024 * 1024;
var allotted = 0;
async function instantiateCore(module, imports) {
  const name = moduleNames.get(module);
  const caps = name === void 0 ? void 0 : data.caps[name];
  if (!caps) throw new Error("a core module that was not budgeted cannot be instantiated");
  allotted += caps.reduce((sum, cap) => sum + cap.bytes, 0);
  if (allotted > budgetBytes)
    throw new MemoryLimitError(
      `${memoryLimitText(data.memoryMb)}: core module ${name} is instantiated again and its memories do not fit`
    );
  const instance = await WebAssembly.instantiate(module, imports);
  for (const [index, cap] of caps.entries()) {
    const item = instance.exports[`${EXPORT_PREFIX}memory:${index}`] ?? instance.exports[`${EXPORT_PREFIX}table:${index}`];
    if (item instanceof WebAssembly.Memory || item instanceof WebAssembly.Table) tracked.push({ item, cap });
  }
  return instance;
}
function memoryReport() {
  let usedBytes = 0;
  let nearLimit = false;
  for (const { item, cap } of tracked) {
    const bytes = item instanceof WebAssembly.Memory ? item.buffer.byteLength : item.length * TABLE_ELEMENT_BYTES;
    usedBytes += bytes;
    if (cap.bound && bytes >= cap.bytes * 0.9) nearLimit = true;
  }
  return { usedBytes, nearLimit };
}
function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
async function main() {
  post({ t: "instantiating" });
  const started = performance.now();
  let exec;
  try {
    const codeCached = data.codeCacheDir !== void 0 && useCodeCache(data.codeCacheDir);
    const glue = await import(pathToFileURL(data.modulePath).href);
    if (codeCached) flushCodeCache();
    const imports = {
      ...createWasi({ preopens: data.preopens, write, memoryMb: data.memoryMb }),
      "canister-call": { default: canisterCall }
    };
    if (data.version === "0.2.0") imports["canister-metadata-section"] = { default: canisterMetadataSection };
    const getCoreModule = (name) => {
      const module = data.modules[name];
      if (!module) throw new Error(`missing core module ${name}`);
      return module;
    };
    ({ exec } = await glue.instantiate(getCoreModule, imports, instantiateCore));
  } catch (error) {
    const outcome2 = error instanceof MemoryLimitError ? { kind: "memory-limit", message: error.message } : { kind: "instantiate", message: describe(error) };
    post({ t: "done", outcome: outcome2, execMs: 0, memory: memoryReport() });
    return;
  }
  post({ t: "running", instantiateMs: performance.now() - started });
  const execStarted = performance.now();
  let outcome;
  try {
    exec(data.execInput);
    outcome = { kind: "ok" };
  } catch (error) {
    if (typeof error === "string") outcome = { kind: "err", message: error };
    else if (error instanceof PluginExit) outcome = { kind: "exit", code: error.code };
    else if (error instanceof MemoryLimitError) outcome = { kind: "memory-limit", message: error.message };
    else outcome = { kind: "trap", message: describe(error) };
  }
  post({ t: "done", outcome, execMs: performance.now() - execStarted, memory: memoryReport() });
}
void main();
