// Calls the `codex` tool of `codex mcp-server` through the official MCP
// TypeScript SDK with a request timeout shorter than the turn, twice:
// first without progress (the SDK gives up with a timeout error), then
// with `onprogress` and `resetTimeoutOnProgress`, which keeps the request
// alive as long as progress notifications arrive. What happened is printed
// as one JSON object on stdout for tests/mcpserver_ts_test.go to check.
//
// Environment: as client.mjs, plus CODEX_TEST_TIMEOUT_MS (the per-request
// timeout).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const bin = process.env.CODEX_BIN;
const home = process.env.CODEX_TEST_HOME;
const work = process.env.CODEX_TEST_WORK;
const timeout = Number(process.env.CODEX_TEST_TIMEOUT_MS);
if (!bin || !home || !work || !timeout) {
  console.error("CODEX_BIN, CODEX_TEST_HOME, CODEX_TEST_WORK and CODEX_TEST_TIMEOUT_MS must be set");
  process.exit(2);
}

const transport = new StdioClientTransport({
  command: bin,
  args: ["mcp-server"],
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEX_HOME: home, HOME: home },
  cwd: work,
  stderr: "inherit",
});
const client = new Client({ name: "ts-sdk-progress", version: "1.0.0" });
await client.connect(transport);
await client.listTools();

const args = { prompt: "a long task", cwd: work };

// Without progress: the timeout ends the request.
let withoutProgress;
const started = Date.now();
try {
  await client.callTool({ name: "codex", arguments: args }, undefined, { timeout });
  withoutProgress = { ok: true };
} catch (err) {
  withoutProgress = { ok: false, code: err.code, message: String(err.message) };
}
withoutProgress.elapsedMs = Date.now() - started;

// With progress: every notification restarts the timeout.
const progress = [];
let withProgress;
const started2 = Date.now();
try {
  const result = await client.callTool({ name: "codex", arguments: args }, undefined, {
    timeout,
    resetTimeoutOnProgress: true,
    onprogress: (p) => progress.push(p),
  });
  withProgress = { ok: true, result };
} catch (err) {
  withProgress = { ok: false, code: err.code, message: String(err.message) };
}
withProgress.elapsedMs = Date.now() - started2;
await client.close();

process.stdout.write(JSON.stringify({ withoutProgress, withProgress, progress }) + "\n");
