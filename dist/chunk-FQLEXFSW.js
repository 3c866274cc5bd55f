import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  COMPUTE_LIMIT_ENV,
  DEFAULT_COMPUTE_LIMIT_SECONDS,
  MEMORY_LIMIT_MB,
  MEMORY_LIMIT_TEXT,
  OptionError,
  PROJECT_MANIFEST,
  TIMEOUT_SECONDS,
  TIMEOUT_TEXT,
  asString,
  boundedIntOption,
  canisterIdMap,
  closingError,
  computeLimitOption,
  createFetchDownload,
  entries,
  failureDump,
  inertBlock,
  lastByKey,
  optionsDebugLines,
  parseNameList,
  parsePositiveInt,
  parseShard,
  persistentLines,
  principalOption,
  readYamlFile,
  require_dist,
  resultDebugLines,
  runSync,
  stepOutcome,
  stepTitle,
  terminalSafe,
  transpilePlugin,
  trustedPluginsOption,
  unsupportedPlatform,
  urlOption,
  withStepDebug
} from "./chunk-VNHRPBCG.js";
import {
  defaultCacheDir
} from "./chunk-RXLUZVGT.js";
import "./chunk-RXSRL4KW.js";
import "./chunk-E4ELRYV2.js";
import {
  __toESM
} from "./chunk-NV5WPINZ.js";

// src/cli/main.ts
import { readFile } from "node:fs/promises";
import { join as join2, resolve as resolve3 } from "node:path";

// src/cli/args.ts
import { readFileSync } from "node:fs";
import { resolve as resolve2 } from "node:path";
import { parseArgs } from "node:util";

// src/project/locate.ts
var import_yaml = __toESM(require_dist(), 1);
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
function locateProjectRoot(cwd, override) {
  if (override !== void 0) return resolve(cwd, override);
  const start = nearestManifestDir(resolve(cwd));
  if (start === void 0) return resolve(cwd);
  const startReal = realDir(start) ?? start;
  let root = start;
  for (; ; ) {
    const parent = dirname(root);
    const ancestor = parent === root ? void 0 : nearestManifestDir(parent);
    if (ancestor === void 0 || !transitiveDependencyDirs(ancestor).has(startReal)) break;
    root = ancestor;
  }
  return root;
}
function nearestManifestDir(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, PROJECT_MANIFEST))) return dir;
    if (dirname(dir) === dir) return void 0;
  }
}
function realDir(dir) {
  try {
    const real = realpathSync(dir);
    return statSync(real).isDirectory() ? real : void 0;
  } catch {
    return void 0;
  }
}
function transitiveDependencyDirs(manifestDir) {
  const out = /* @__PURE__ */ new Set();
  const first = realDir(manifestDir);
  if (first === void 0) return out;
  const visited = /* @__PURE__ */ new Set([first]);
  const stack = [first];
  while (stack.length > 0 && visited.size <= 1e3) {
    const dir = stack.pop();
    for (const rel of dependencyPaths(join(dir, PROJECT_MANIFEST))) {
      const dep = realDir(resolve(dir, rel));
      if (dep === void 0) continue;
      out.add(dep);
      if (!visited.has(dep)) {
        visited.add(dep);
        stack.push(dep);
      }
    }
  }
  return out;
}
function dependencyPaths(manifest) {
  try {
    const src = readYamlFile(manifest);
    const root = src.root();
    if (!(0, import_yaml.isMap)(root)) return [];
    const deps = lastByKey(entries(src, root)).get("dependencies");
    if (!deps || !(0, import_yaml.isSeq)(deps.value)) return [];
    const paths = [];
    for (const item of deps.value.items) {
      const node = src.resolve(item);
      if (!(0, import_yaml.isMap)(node)) return [];
      const path = lastByKey(entries(src, node)).get("path");
      const text = path ? asString(path.value, false) : void 0;
      if (text === void 0) return [];
      paths.push(text);
    }
    return paths;
  } catch {
    return [];
  }
}

// src/cli/args.ts
var USAGE = `usage: icp-sync [sync] [CANISTER...] [options]     run the sync steps of an icp.yaml project
       icp-sync inspect <plugin.wasm>                transpile a plugin; show its sha256, imports and exports

options:
  -e, --environment <name>          environment to sync (default: $ICP_ENVIRONMENT or local)
      --project-root-override <dir> directory holding icp.yaml, used as is (also -p, --project-dir;
                                    default: $ICP_PROJECT_ROOT, else the nearest icp.yaml at or above
                                    the current directory, as icp finds it)
      --identity-pem-file <file>    signing identity PEM (default: anonymous)
      --identity-password-file <f>  password of an encrypted PEM
      --network-url <url>           override the network's API URL
      --root-key <mainnet|fetch|hex> override the network's root key
      --canister-ids <json|@file>   canister IDs (JSON or YAML map), merged over .icp/ mappings
      --proxy <principal>           proxy canister for update calls with direct: false
      --compute-limit-seconds <n>   plugin compute budget (default: $${COMPUTE_LIMIT_ENV} or ${DEFAULT_COMPUTE_LIMIT_SECONDS})
      --timeout-seconds <n>         wall clock per plugin step, canister calls included (default: ${TIMEOUT_SECONDS.default}; ${TIMEOUT_SECONDS.min}\u2013${TIMEOUT_SECONDS.max})
      --memory-limit-mb <n>         memory budget of a plugin: all its wasm memories and tables (default: ${MEMORY_LIMIT_MB.default}; ${MEMORY_LIMIT_MB.min}\u2013${MEMORY_LIMIT_MB.max})
      --parallel <n>                canisters synced at once (default: 1)
      --script-steps <run|skip>     run script steps or skip them (default: run)
      --shard <i/n>                 sync only this share of the canisters
      --untrusted                   refuse script steps, recipes, linked or outside plugin paths and
                                    URL plugins not in --trusted-plugins (pull-request previews)
      --trusted-plugins <sha256,...> URL plugins allowed in untrusted mode, by sha256
      --baseline-dir <dir>          another checkout (e.g. the base branch) to compare plugin steps with
      --plugin-changes <allow|refuse> refuse plugin steps that changed against --baseline-dir
      --cache-dir <dir>             plugin, transpile, recipe and V8 code caches (default: $ICP_SYNC_CACHE_DIR, else $XDG_CACHE_HOME/icp-sync or ~/.cache/icp-sync)
      --json                        print the result as JSON on stdout
      --debug                       more detail on stderr: the options, each step's cache use and timings, the plan, whole error chains
  -V, --version                     print icp-sync's version
  -h, --help

environment:
  GITHUB_TOKEN                      sent with plugin and recipe downloads from github.com, api.github.com
                                    and objects.githubusercontent.com (https only), never to another host`;
var GITHUB_TOKEN_ENV = "GITHUB_TOKEN";
var UsageError = class extends Error {
};
function parseCli(argv, env = process.env, cwd = process.cwd()) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      environment: { type: "string", short: "e" },
      "project-dir": { type: "string", short: "p" },
      "project-root-override": { type: "string" },
      "identity-pem-file": { type: "string" },
      "identity-password-file": { type: "string" },
      "network-url": { type: "string" },
      "root-key": { type: "string" },
      "canister-ids": { type: "string" },
      proxy: { type: "string" },
      "compute-limit-seconds": { type: "string" },
      "memory-limit-mb": { type: "string" },
      "timeout-seconds": { type: "string" },
      parallel: { type: "string" },
      "script-steps": { type: "string" },
      shard: { type: "string" },
      "cache-dir": { type: "string" },
      untrusted: { type: "boolean", default: false },
      "trusted-plugins": { type: "string" },
      "baseline-dir": { type: "string" },
      "plugin-changes": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "V", default: false },
      debug: { type: "boolean", default: false }
    }
  });
  const cacheDir = values["cache-dir"] ? resolve2(values["cache-dir"]) : defaultCacheDir(env);
  if (values.help) return { command: "help", json: false, cacheDir };
  if (values.version) return { command: "version", json: false, cacheDir };
  const debug2 = values.debug ?? false;
  const [first, ...rest] = positionals;
  if (first === "inspect") {
    if (rest.length !== 1) throw new UsageError("inspect takes exactly one plugin file");
    return { command: "inspect", file: rest[0], json: false, cacheDir, debug: debug2 };
  }
  const names = first === "sync" ? rest : positionals;
  const int = (flag, fallback, max) => {
    const raw = values[flag];
    if (raw === void 0) return fallback;
    const value = parsePositiveInt(raw, max);
    if (value === void 0)
      throw new OptionError(
        `--${flag}`,
        `expected a whole number${max ? ` from 1 to ${max}` : ""}, got '${raw}'`
      );
    return value;
  };
  const computeLimitSeconds = computeLimitOption(
    "--compute-limit-seconds",
    values["compute-limit-seconds"],
    env
  );
  const scriptSteps = values["script-steps"] ?? "run";
  if (scriptSteps !== "run" && scriptSteps !== "skip")
    throw new OptionError("--script-steps", `expected run or skip, got '${scriptSteps}'`);
  let shard;
  if (values.shard !== void 0) {
    shard = parseShard(values.shard);
    if (!shard) throw new OptionError("--shard", `expected 'i/n' with 1 <= i <= n, got '${values.shard}'`);
  }
  const idsRaw = values["canister-ids"];
  const options = {
    // icp's precedence: the flag, then ICP_PROJECT_ROOT (even when empty), then the search upwards.
    projectDir: locateProjectRoot(
      cwd,
      values["project-root-override"] ?? values["project-dir"] ?? env.ICP_PROJECT_ROOT
    ),
    environment: values.environment ?? env.ICP_ENVIRONMENT ?? "local",
    canisters: names.flatMap(parseNameList),
    identityPem: values["identity-pem-file"] ? readSecretFile("--identity-pem-file", values["identity-pem-file"]) : void 0,
    identityPassword: values["identity-password-file"] ? readSecretFile("--identity-password-file", values["identity-password-file"]).replace(/\r?\n$/, "") : void 0,
    networkUrl: urlOption("--network-url", values["network-url"]),
    rootKey: values["root-key"],
    canisterIds: idsRaw ? canisterIdMap(
      idsRaw.startsWith("@") ? readSecretFile("--canister-ids", idsRaw.slice(1)) : idsRaw,
      "--canister-ids"
    ) : {},
    proxy: principalOption("--proxy", values.proxy),
    computeLimitSeconds,
    timeoutSeconds: boundedIntOption(
      "--timeout-seconds",
      values["timeout-seconds"],
      TIMEOUT_SECONDS,
      TIMEOUT_TEXT
    ),
    memoryLimitMb: boundedIntOption(
      "--memory-limit-mb",
      values["memory-limit-mb"],
      MEMORY_LIMIT_MB,
      MEMORY_LIMIT_TEXT
    ),
    parallel: int("parallel", 1, 64),
    scriptSteps,
    cache: true,
    summary: false,
    shard,
    // Untrusted mode (src/policy/untrusted.ts).
    untrusted: values.untrusted ?? false,
    trustedPlugins: trustedPluginsOption("--trusted-plugins", values["trusted-plugins"]),
    ...baselineOptions(values["baseline-dir"], values["plugin-changes"])
  };
  return { command: "sync", options, json: values.json ?? false, cacheDir, debug: debug2 };
}
function readSecretFile(flag, file) {
  try {
    return readFileSync(resolve2(file), "utf8");
  } catch (error) {
    throw new OptionError(
      flag,
      `cannot read '${file}': ${error.code ?? error.message}`
    );
  }
}
function baselineOptions(dir, changes) {
  const pluginChanges = changes ?? "allow";
  if (pluginChanges !== "allow" && pluginChanges !== "refuse")
    throw new OptionError("--plugin-changes", `expected allow or refuse, got '${pluginChanges}'`);
  if (pluginChanges === "refuse" && !dir)
    throw new OptionError("--plugin-changes", "'refuse' needs a baseline to compare with: set --baseline-dir");
  return { ...dir ? { baselineDir: resolve2(dir) } : {}, pluginChanges };
}

// src/report/terminal.ts
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
  const bytes = await readFile(resolve3(file));
  const plugin = await transpilePlugin(bytes, join2(cacheDir, "transpiled"));
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
    download: createFetchDownload({ githubToken: process.env[GITHUB_TOKEN_ENV] || void 0 }),
    githubToken: process.env[GITHUB_TOKEN_ENV] || void 0,
    processEnv: process.env,
    identitySource: "--identity-pem-file"
  });
  if (parsed.json)
    await new Promise(
      (resolve4) => process.stdout.write(JSON.stringify(result, null, 2) + "\n", () => resolve4())
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
