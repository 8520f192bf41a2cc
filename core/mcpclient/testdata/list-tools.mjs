// Prints the tools/list answer of a stdio MCP server as JSON: node list-tools.mjs COMMAND ARGS...
// Run by refresh.sh from a directory where @modelcontextprotocol/sdk is installed.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
const client = new Client({ name: "codex-go-testdata", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
const { tools } = await client.listTools();
process.stdout.write(JSON.stringify(tools, null, 2) + "\n");
await client.close();
