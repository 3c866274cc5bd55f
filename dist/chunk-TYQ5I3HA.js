import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import "./chunk-NV5WPINZ.js";

// src/run/script.ts
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
var WITHHELD = [
  /^INPUT_/,
  /^ACTIONS_RUNTIME_TOKEN$/,
  /^ACTIONS_ID_TOKEN_REQUEST_/,
  /^ACTIONS_CACHE_URL$/,
  /^ACTIONS_RESULTS_URL$/
];
function scriptEnvironment(context) {
  const env = {};
  for (const [name, value] of Object.entries(context.baseEnv)) {
    if (!WITHHELD.some((pattern) => pattern.test(name))) env[name] = value;
  }
  env.ICP_CLI_ENVIRONMENT = context.environment;
  env.ICP_CLI_NETWORK = context.network;
  env.ICP_CLI_CID = context.canisterId;
  for (const [name, id] of Object.entries(context.canisterIds)) env[`ICP_CLI_CID_${envName(name)}`] = id;
  return env;
}
function envName(canister) {
  return canister.toUpperCase().replace(/[^A-Za-z0-9]/g, "_");
}
async function runScript(commands, context) {
  const env = scriptEnvironment(context);
  for (const command of commands) {
    if (!command.trim()) throw new Error(`command must not be empty: '${command}'`);
    const code = await runOne(command, context.canisterDir, env, context.onLine);
    if (code !== 0) throw new Error(`command '${command}' failed with status code ${code ?? "N/A"}`);
  }
}
function runOne(command, cwd, env, onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const streams = [
      ["stdout", child.stdout],
      ["stderr", child.stderr]
    ];
    const closed = streams.map(
      ([name, stream]) => new Promise((done) => {
        createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => onLine(name, line)).on("close", done);
      })
    );
    child.on(
      "error",
      (error) => reject(new Error(`failed to execute command '${command}'`, { cause: error }))
    );
    child.on("close", (code) => void Promise.all(closed).then(() => resolve(code)));
  });
}
export {
  envName,
  runScript,
  scriptEnvironment
};
