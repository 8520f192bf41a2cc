// Drives `codex mcp-server` with the official MCP TypeScript SDK, the way an
// MCP host built on it would: connect, list the tools, call `codex` (the
// model asks for a command, which the host approves through elicitation),
// then `codex-reply` with the threadId of the first result's
// structuredContent (which the SDK checks against the tool's outputSchema).
// Everything observed is printed as one JSON object on
// stdout for tests/mcpserver_ts_test.go to check.
//
// Environment: CODEX_BIN (the codex binary), CODEX_TEST_HOME (its
// CODEX_HOME, holding a config.toml for the fake model) and CODEX_TEST_WORK
// (the workspace the conversation runs in). With CODEX_URL set, the script
// connects to a running `codex mcp-server --listen` at that URL with the
// SDK's streamable HTTP transport instead (CODEX_TOKEN, when set, is sent
// as a bearer token), and ends its session with a DELETE.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const bin = process.env.CODEX_BIN;
const home = process.env.CODEX_TEST_HOME;
const work = process.env.CODEX_TEST_WORK;
const url = process.env.CODEX_URL;
if (!work || (!url && (!bin || !home))) {
  console.error("CODEX_TEST_WORK, and CODEX_URL or CODEX_BIN and CODEX_TEST_HOME, must be set");
  process.exit(2);
}

const transport = url
  ? new StreamableHTTPClientTransport(new URL(url), {
      requestInit: process.env.CODEX_TOKEN
        ? { headers: { Authorization: `Bearer ${process.env.CODEX_TOKEN}` } }
        : undefined,
    })
  : new StdioClientTransport({
      command: bin,
      args: ["mcp-server"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEX_HOME: home, HOME: home },
      cwd: work,
      stderr: "inherit",
    });
const client = new Client(
  { name: "ts-sdk-host", version: "2.0.0" },
  { capabilities: { elicitation: {} } },
);

const events = [];
client.fallbackNotificationHandler = async (notification) => {
  if (notification.method === "codex/event") {
    events.push(notification.params);
  }
};
const elicitations = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  elicitations.push(request.params);
  return { action: "accept", content: {} };
});

await client.connect(transport);
const serverVersion = client.getServerVersion();
const tools = await client.listTools();
const first = await client.callTool({
  name: "codex",
  arguments: {
    prompt: "write the file",
    cwd: work,
    "approval-policy": "untrusted",
    sandbox: "workspace-write",
  },
});
const reply = await client.callTool({
  name: "codex-reply",
  arguments: { threadId: first.structuredContent?.threadId, prompt: "and now?" },
});
let sessionId;
if (url) {
  sessionId = transport.sessionId;
  await transport.terminateSession();
}
await client.close();

process.stdout.write(
  JSON.stringify({
    serverVersion,
    tools: tools.tools,
    first,
    reply,
    elicitations,
    sessionId,
    events: events.map((e) => ({
      requestId: e._meta?.requestId,
      threadId: e._meta?.threadId,
      id: e.id,
      type: e.msg.type,
      sessionId: e.msg.session_id,
    })),
  }) + "\n",
);
