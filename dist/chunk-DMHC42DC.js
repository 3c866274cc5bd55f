import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// src/plugin/memory-budget.ts
var WASM_PAGE = 65536;
var TABLE_ELEMENT_BYTES = 16;
var EXPORT_PREFIX = "icp-sync:";
var MemoryLimitError = class extends Error {
  name = "MemoryLimitError";
};
var CoreModuleFormatError = class extends Error {
  name = "CoreModuleFormatError";
};
function memoryLimitText(memoryMb) {
  return `memory limit (${memoryMb} MiB) exceeded`;
}
function readModuleLayout(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 97 || bytes[2] !== 115 || bytes[3] !== 109)
    throw new CoreModuleFormatError("not a WebAssembly module");
  const r = new Reader(bytes, 8);
  const sections = [];
  const defined = [];
  let importedMemories = 0;
  let importedTables = 0;
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (end > bytes.length) throw new CoreModuleFormatError(`section ${id} runs past the end`);
    sections.push({ id, start, contentStart, end });
    if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) r.u32();
        else if (kind === 1) {
          readTableType(r);
          importedTables++;
        } else if (kind === 2) {
          readLimits(r);
          importedMemories++;
        } else if (kind === 3) {
          readValType(r);
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.u32();
        } else throw new CoreModuleFormatError(`unknown import kind 0x${kind.toString(16)}`);
      }
    } else if (id === 4) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        let limits;
        if (bytes[r.pos] === 64) {
          r.byte();
          if (r.byte() !== 0) throw new CoreModuleFormatError("unknown table form");
          limits = readTableType(r);
          skipConstExpr(r);
        } else limits = readTableType(r);
        defined.push({ kind: "table", index: importedTables + i, limits, unit: TABLE_ELEMENT_BYTES });
      }
    } else if (id === 5) {
      for (let n = r.u32(), i = 0; i < n; i++)
        defined.push({ kind: "memory", index: importedMemories + i, limits: readLimits(r), unit: WASM_PAGE });
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.text();
        if (name.startsWith(EXPORT_PREFIX))
          throw new CoreModuleFormatError(
            `a core module exports '${name.length > 80 ? `${name.slice(0, 80)}\u2026` : name}'; export names starting with '${EXPORT_PREFIX}' are reserved for the host`
          );
        r.byte();
        r.u32();
      }
    }
    r.pos = end;
  }
  return { bytes, sections, defined };
}
function allot(layouts, budgetBytes, memoryMb) {
  const items = layouts.flatMap((layout, m) => layout.defined.map((item, i) => ({ m, i, item })));
  let remaining = BigInt(budgetBytes);
  const caps = layouts.map((layout) => layout.defined.map(() => 0n));
  for (const { m, i, item } of items) {
    caps[m][i] = item.limits.min;
    remaining -= item.limits.min * BigInt(item.unit);
  }
  if (remaining < 0n)
    throw new MemoryLimitError(
      `${memoryLimitText(memoryMb)}: the plugin's memories and tables need ${mib(BigInt(budgetBytes) - remaining)} MiB at start`
    );
  const wants = items.map(({ m, i, item }) => ({
    m,
    i,
    unit: BigInt(item.unit),
    more: item.limits.max === void 0 ? void 0 : item.limits.max - item.limits.min
  })).sort(
    (a, b) => a.more === void 0 ? 1 : b.more === void 0 ? -1 : Number(a.more * a.unit - b.more * b.unit)
  );
  wants.forEach((want, k) => {
    const share = remaining / BigInt(wants.length - k) / want.unit;
    const more = want.more === void 0 || want.more > share ? share : want.more;
    caps[want.m][want.i] = caps[want.m][want.i] + more;
    remaining -= more * want.unit;
  });
  return caps;
}
function mib(bytes) {
  return (Number(bytes) / 1024 / 1024).toFixed(1);
}
function applyBudget(layout, caps) {
  const { bytes, sections, defined } = layout;
  if (defined.length === 0) return bytes;
  const edits = /* @__PURE__ */ new Map();
  defined.forEach((item, i) => {
    const { limits } = item;
    const max = limits.max === void 0 || limits.max > caps[i] ? caps[i] : limits.max;
    const section = sections.findIndex((s) => s.contentStart <= limits.at && limits.at < s.end);
    const list = edits.get(section) ?? [];
    list.push({
      at: limits.at,
      length: limits.length,
      bytes: [limits.flags | 1, ...leb(limits.min), ...leb(max)]
    });
    edits.set(section, list);
  });
  const extra = [];
  defined.forEach((item, i) => {
    const name = new TextEncoder().encode(`${EXPORT_PREFIX}${item.kind}:${i}`);
    extra.push(
      ...leb(BigInt(name.length)),
      ...name,
      item.kind === "memory" ? 2 : 1,
      ...leb(BigInt(item.index))
    );
  });
  const parts = [bytes.subarray(0, 8)];
  const frame = (id, content) => parts.push(Uint8Array.from([id, ...leb(BigInt(content.length))]), content);
  let exported = false;
  const newExportSection = () => frame(7, Uint8Array.from([...leb(BigInt(defined.length)), ...extra]));
  sections.forEach((section, index) => {
    if (!exported && [8, 9, 12, 10, 11].includes(section.id)) {
      newExportSection();
      exported = true;
    }
    if (section.id === 7) {
      const r = new Reader(bytes, section.contentStart);
      const count = r.u32();
      const rest = bytes.subarray(r.pos, section.end);
      frame(7, concat([Uint8Array.from(leb(BigInt(count + defined.length))), rest, Uint8Array.from(extra)]));
      exported = true;
      return;
    }
    const list = edits.get(index);
    if (!list) {
      parts.push(bytes.subarray(section.start, section.end));
      return;
    }
    const pieces = [];
    let pos = section.contentStart;
    for (const edit of list.sort((a, b) => a.at - b.at)) {
      pieces.push(bytes.subarray(pos, edit.at), Uint8Array.from(edit.bytes));
      pos = edit.at + edit.length;
    }
    pieces.push(bytes.subarray(pos, section.end));
    frame(section.id, concat(pieces));
  });
  if (!exported) newExportSection();
  return concat(parts);
}
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
function readLimits(r) {
  const at = r.pos;
  const flags = r.byte();
  if (flags & ~7) throw new CoreModuleFormatError(`unsupported limits flags 0x${flags.toString(16)}`);
  const min = r.u64();
  const max = flags & 1 ? r.u64() : void 0;
  return { at, length: r.pos - at, flags, min, max };
}
function readTableType(r) {
  readValType(r);
  return readLimits(r);
}
function readValType(r) {
  const type = r.byte();
  if (type === 99 || type === 100) r.s33();
}
function skipConstExpr(r) {
  const op = r.byte();
  if (op === 208) r.s33();
  else if (op === 210 || op === 35) r.u32();
  else throw new CoreModuleFormatError(`unsupported table initialiser 0x${op.toString(16)}`);
  if (r.byte() !== 11) throw new CoreModuleFormatError("unsupported table initialiser");
}
function leb(value) {
  const out = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 128;
    out.push(byte);
  } while (v !== 0n);
  return out;
}
var Reader = class {
  constructor(bytes, pos) {
    this.bytes = bytes;
    this.pos = pos;
  }
  bytes;
  pos;
  byte() {
    if (this.pos >= this.bytes.length) throw new CoreModuleFormatError("unexpected end of module");
    return this.bytes[this.pos++];
  }
  u64() {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 127) << shift;
      if ((b & 128) === 0) return result;
    }
    throw new CoreModuleFormatError("malformed LEB128 integer");
  }
  u32() {
    return Number(this.u64());
  }
  s33() {
    while (this.byte() & 128) ;
  }
  name() {
    const length = this.u32();
    this.pos += length;
  }
  text() {
    const length = this.u32();
    if (this.pos + length > this.bytes.length) throw new CoreModuleFormatError("unexpected end of module");
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }
};

// src/plugin/protocol.ts
var SHARED_BYTES = 24;
var STATE_INDEX = 0;
var DROPPED_INDEX = { stdout: 1, stderr: 2 };

export {
  TABLE_ELEMENT_BYTES,
  EXPORT_PREFIX,
  MemoryLimitError,
  CoreModuleFormatError,
  memoryLimitText,
  readModuleLayout,
  allot,
  applyBudget,
  SHARED_BYTES,
  STATE_INDEX,
  DROPPED_INDEX
};
