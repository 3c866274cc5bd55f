import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  OPTION_TABLE,
  OptionError,
  cacheLayout,
  closingError,
  createFetchDownload,
  failureDump,
  inertBlock,
  openPluginStore,
  optionsDebugLines,
  persistentLines,
  readOptions,
  resultDebugLines,
  runSync,
  stepOutcome,
  stepTitle,
  terminalSafe,
  transpilePlugin,
  unsupportedPlatform,
  withStepDebug
} from "./chunk-R2KLNZEF.js";
import {
  defaultCacheDir
} from "./chunk-RXLUZVGT.js";
import "./chunk-DMHC42DC.js";
import "./chunk-E4ELRYV2.js";
import "./chunk-NV5WPINZ.js";

// src/cli/main.ts
import { readFile } from "node:fs/promises";
import { resolve as resolve2 } from "node:path";

// src/cli/args.ts
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
var HELP_COLUMN = 36;
var HELP_WIDTH = 104;
function helpEntry(row) {
  const [first, ...aliases] = row.flags;
  const single = aliases.length === 0;
  const left = `  ${row.short && single ? `-${row.short}, ` : "    "}${first}${row.arg ? ` ${row.arg}` : ""}`;
  const notes = [];
  if (!single) notes.push(`also ${row.short ? `-${row.short}, ` : ""}${aliases.join(", ")}`);
  const fallback = row.helpDefault ?? row.cliDefault ?? row.default;
  const defaults = [row.env && `$${row.env}`, fallback].filter(Boolean).join(", else ");
  if (row.arg && defaults) notes.push(`default: ${defaults}`);
  if (row.bounds) notes.push(`${row.bounds.min}\u2013${row.bounds.max}`);
  const text = `${row.help}${notes.length ? ` (${notes.join("; ")})` : ""}`;
  return left.padEnd(HELP_COLUMN - 1) + " " + wrap(text, HELP_WIDTH - HELP_COLUMN).join(`
${" ".repeat(HELP_COLUMN)}`);
}
function envHelpEntry(row) {
  const lines = wrap(row.help, HELP_WIDTH - HELP_COLUMN);
  return `  ${row.env}`.padEnd(HELP_COLUMN - 1) + " " + lines.join(`
${" ".repeat(HELP_COLUMN)}`);
}
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
var USAGE = `usage: icp-sync [sync] [CANISTER...] [options]     run the sync steps of an icp.yaml project
       icp-sync inspect <plugin.wasm>                transpile a plugin; show its sha256, imports and exports

options:
${OPTION_TABLE.filter((row) => row.flags).map(helpEntry).join("\n")}
      --cache-dir <dir>             plugin, transpile, recipe and V8 code caches (default: $ICP_SYNC_CACHE_DIR, else $XDG_CACHE_HOME/icp-sync or ~/.cache/icp-sync)
      --json                        print the result as JSON on stdout
      --debug                       more detail on stderr: the options, each step's cache use and timings, the plan, whole error chains
  -V, --version                     print icp-sync's version
  -h, --help

environment:
${OPTION_TABLE.filter((row) => !row.flags && row.env).map(envHelpEntry).join("\n")}`;
var UsageError = class extends Error {
};
var COMMAND_FLAGS = {
  "cache-dir": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "V", default: false },
  debug: { type: "boolean", default: false }
};
function tableFlags() {
  const flags = {};
  for (const row of OPTION_TABLE) {
    for (const [i, flag] of (row.flags ?? []).entries()) {
      const last = i === row.flags.length - 1;
      flags[flag.slice(2)] = {
        type: row.arg ? "string" : "boolean",
        ...last && row.short ? { short: row.short } : {}
      };
    }
  }
  return flags;
}
function parseCli(argv, env = process.env, cwd = process.cwd()) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...tableFlags(), ...COMMAND_FLAGS }
  });
  const flag = (name) => values[name];
  const cacheDir = flag("cache-dir") ? resolve(flag("cache-dir")) : defaultCacheDir(env);
  if (flag("help")) return { command: "help", json: false, cacheDir };
  if (flag("version")) return { command: "version", json: false, cacheDir };
  const debug2 = flag("debug") ?? false;
  const [first, ...rest] = positionals;
  if (first === "inspect") {
    if (rest.length !== 1) throw new UsageError("inspect takes exactly one plugin file");
    return { command: "inspect", file: rest[0], json: false, cacheDir, debug: debug2 };
  }
  const names = first === "sync" ? rest : positionals;
  const options = readOptions(
    "cli",
    (row) => {
      if (row.positional) return { name: "CANISTER", value: names.join(",") };
      const given = row.flags?.find((name) => flag(name.slice(2)) !== void 0);
      if (!given) return void 0;
      const value = flag(given.slice(2));
      return { name: given, value: typeof value === "boolean" ? String(value) : flagText(row, given, value) };
    },
    env,
    cwd
  );
  return { command: "sync", options, json: flag("json") ?? false, cacheDir, debug: debug2 };
}
function flagText(row, flag, value) {
  if (value === "") return value;
  switch (row.cliValue) {
    case "file":
      return readSecretFile(flag, value);
    case "file-line":
      return readSecretFile(flag, value).replace(/\r?\n$/, "");
    case "text-or-@file":
      return value.startsWith("@") ? readSecretFile(flag, value.slice(1)) : value;
    default:
      return value;
  }
}
function readSecretFile(flag, file) {
  try {
    return readFileSync(resolve(file), "utf8");
  } catch (error) {
    throw new OptionError(
      flag,
      `cannot read '${file}': ${error.code ?? error.message}`
    );
  }
}

// src/cli/terminal.ts
function plainObserver(out, options = {}) {
  const print = (line) => void out.write(terminalSafe(line) + "\n");
  const printPlugin = (lines) => {
    const safe = lines.map(terminalSafe);
    for (const line of options.inert ? inertBlock(safe) : safe) out.write(line + "\n");
  };
  return {
    info: print,
    warning: (message) => print(`WARN ${message}`),
    stepStarted: (canister, step) => print(oneLine(stepTitle(canister, step))),
    line: (canister, _step, _stream, line) => printPlugin([`[${canister.name}] > ${line}`]),
    stepFinished: (canister, step, result) => print(`[${canister.name}] step ${step.index} ${stepOutcome(result)}`),
    canisterFinished: (result) => printPlugin(finished(result))
  };
}
function finished(result) {
  if (result.status === "synced")
    return [`[${result.name}] Synced successfully: ${result.id}`, ...persistentLines(result)];
  return failureDump(result).map((line) => `ERR ${line}`);
}
function ttyObserver(out) {
  const rows = /* @__PURE__ */ new Map();
  let drawn = 0;
  const redraw = (permanent = []) => {
    let text = drawn > 0 ? `\x1B[${drawn}A\x1B[J` : "";
    for (const line of permanent) text += line.split("\n").map(terminalSafe).join("\n") + "\n";
    for (const row of rows.values()) text += fitRow(row, out.columns ?? 100) + "\n";
    drawn = rows.size;
    out.write(text);
  };
  const status = (canister, step, detail) => {
    rows.set(
      canister.name,
      `\u23F3 ${canister.name} ${step.index}/${step.total} ${step.label}${detail ? ` \u2014 ${detail}` : ""}`
    );
  };
  return {
    info: (message) => redraw([message]),
    warning: (message) => redraw([`WARN ${message}`]),
    stepStarted(canister, step) {
      status(canister, step, "");
      redraw();
    },
    line(canister, step, _stream, line) {
      status(canister, step, line);
      redraw();
    },
    stepFinished(canister, step, result) {
      status(canister, step, result.status);
      redraw();
    },
    canisterFinished(result) {
      rows.delete(result.name);
      redraw(
        result.status === "synced" ? [`\u2705 ${finished(result).join("\n")}`] : ["\u274C " + finished(result).join("\n")]
      );
    }
  };
}
function fitRow(text, columns) {
  const flat = terminalSafe(oneLine(text).replace(/\t/g, " "));
  const room = Math.max(20, columns) - 2;
  if (widthOf(flat) <= room) return flat;
  let used = 1;
  let kept = "";
  for (const char of flat) {
    used += columnsOf(char);
    if (used > room) break;
    kept += char;
  }
  return kept + "\u2026";
}
function oneLine(text) {
  return text.replace(/\r?\n/g, "; ");
}
function widthOf(text) {
  let width = 0;
  for (const char of text) width += columnsOf(char);
  return width;
}
var ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
var WIDE = /^[\p{Extended_Pictographic}\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]$/u;
function columnsOf(char) {
  if (ZERO_WIDTH.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

// src/cli/main.ts
async function inspect(file, cacheDir) {
  const bytes = await readFile(resolve2(file));
  const plugin = await transpilePlugin(bytes, cacheLayout(cacheDir).transpiled);
  const lines = [
    `plugin: ${file}`,
    `sha256: ${plugin.sha256}`,
    `transpile: ${plugin.cacheHit ? "cache hit" : `${plugin.transpileMs.toFixed(0)} ms`}`,
    `imports: ${plugin.imports.join(", ") || "(none)"}`,
    `exports: ${plugin.exports.map(([name, kind]) => `${name} (${kind})`).join(", ") || "(none)"}`
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
var VERSION = true ? "0.1.0" : "(unbundled)";
var debugging = false;
var debug = (text) => {
  const lines = text.split(/\r\n?|\n/).map(terminalSafe);
  const out = process.env.GITHUB_ACTIONS === "true" ? inertBlock(lines) : lines;
  for (const line of out) process.stderr.write(`debug: ${line}
`);
};
async function main(argv) {
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    process.stderr.write(`Error: ${error.message}

${USAGE}
`);
    return 2;
  }
  if (parsed.command === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (parsed.command === "version") {
    process.stdout.write(`icp-sync ${VERSION}
`);
    return 0;
  }
  const refused = unsupportedPlatform(process.platform, "cli");
  if (refused) {
    process.stderr.write(`Error: ${refused}
`);
    return 1;
  }
  debugging = parsed.debug ?? false;
  if (debugging)
    debug(
      `icp-sync ${VERSION} on Node ${process.version} (${process.platform}-${process.arch}); cache dir ${parsed.cacheDir}`
    );
  if (parsed.command === "inspect") {
    await inspect(parsed.file, parsed.cacheDir);
    return 0;
  }
  const options = parsed.options;
  if (debugging) optionsDebugLines(options).forEach(debug);
  const observer = process.stderr.isTTY && !process.env.CI && !debugging ? ttyObserver(process.stderr) : plainObserver(process.stderr, { inert: process.env.GITHUB_ACTIONS === "true" });
  const result = await runSync(options, {
    observer: debugging ? withStepDebug(observer, debug) : observer,
    cacheDir: parsed.cacheDir,
    store: openPluginStore({
      cacheDir: parsed.cacheDir,
      download: createFetchDownload({ githubToken: options.githubToken })
    }),
    processEnv: process.env,
    identitySource: "--identity-pem-file"
  });
  if (parsed.json)
    await new Promise(
      (resolve3) => process.stdout.write(JSON.stringify(result, null, 2) + "\n", () => resolve3())
    );
  if (debugging) resultDebugLines(result).forEach(debug);
  const closing = closingError(result);
  if (closing) {
    process.stderr.write(`Error: ${closing}
`);
    return 1;
  }
  return 0;
}
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (debugging && error instanceof Error && error.stack) debug(error.stack);
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}
`);
    process.exit(1);
  }
);
