// A small client of `codex app-server`: it starts the server, sends one
// message to the model, prints what happens until the turn ends, and
// approves the commands the server asks about. It speaks either of the
// server's protocols:
//
//   - 0.45 (the default): newConversation, addConversationListener and
//     sendUserMessage, then codex/event/* notifications and the
//     execCommandApproval and applyPatchApproval requests;
//   - v2 (--v2): thread/start and turn/start, then thread, turn and item
//     notifications and the item/commandExecution/requestApproval request;
//     Ctrl-C sends turn/interrupt.
//
//   npm ci && npm run generate && npm run build
//   CODEX_BIN=/path/to/codex npm start -- "List the files here."
//   CODEX_BIN=/path/to/codex npm run start:v2 -- "List the files here."
//
// Every message is typed with the declarations that
// `codex app-server generate-ts` writes to ./generated: the requests,
// notifications and server requests of both protocols.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

import type { ClientRequests, EventMsg, Notifications, ServerRequests } from "./generated/index.js";

/** A JSON-RPC id. */
type Id = number | string;

/** One line read from the server. */
interface Incoming {
  id?: Id;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** The key under which every codex/event/<type> notification is listed. */
const codexEvents = "codex/event/{type}";

/** A request waiting for its response. */
interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** A JSON-RPC connection to a `codex app-server` child process. */
class AppServerClient {
  private nextId = 1;
  private readonly pending = new Map<Id, Pending>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  private readonly listeners = new Map<string, (params: unknown) => void>();

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => this.receive(line));
    child.on("exit", (code) => {
      for (const p of this.pending.values()) {
        p.reject(new Error(`codex app-server exited with status ${code}`));
      }
      this.pending.clear();
    });
  }

  /** Sends a request and resolves with the result of its response. */
  request<M extends keyof ClientRequests>(
    method: M,
    params: ClientRequests[M]["params"],
  ): Promise<ClientRequests[M]["response"]> {
    const id = this.nextId++;
    this.send(params === undefined ? { id, method } : { id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (result) => resolve(result as ClientRequests[M]["response"]),
        reject,
      });
    });
  }

  /** Sends a notification. */
  notify(method: string): void {
    this.send({ method });
  }

  /** Answers the server's requests of a method with what handler returns. */
  answer<M extends keyof ServerRequests>(
    method: M,
    handler: (params: ServerRequests[M]["params"]) => ServerRequests[M]["response"],
  ): void {
    this.answerUntyped(method, (params) => handler(params as ServerRequests[M]["params"]));
  }

  /** Like answer, for a request the generated declarations do not describe. */
  answerUntyped(method: string, handler: (params: unknown) => unknown): void {
    this.requestHandlers.set(method, handler);
  }

  /**
   * Calls listener with the params of every notification of a method;
   * "codex/event/{type}" stands for all codex/event/<type> notifications.
   */
  on<M extends keyof Notifications>(method: M, listener: (params: Notifications[M]) => void): void {
    this.onUntyped(method, (params) => listener(params as Notifications[M]));
  }

  /** Like on, for a notification the generated declarations do not describe. */
  onUntyped(method: string, listener: (params: unknown) => void): void {
    this.listeners.set(method, listener);
  }

  /** Closes the server's stdin, which ends it. */
  close(): void {
    this.child.stdin.end();
  }

  private send(message: object): void {
    this.child.stdin.write(JSON.stringify(message) + "\n");
  }

  private receive(line: string): void {
    const msg = JSON.parse(line) as Incoming;
    if (msg.method !== undefined && msg.id !== undefined) {
      const handler = this.requestHandlers.get(msg.method);
      if (handler === undefined) {
        this.send({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
      } else {
        this.send({ id: msg.id, result: handler(msg.params) });
      }
    } else if (msg.method !== undefined) {
      const key = msg.method.startsWith("codex/event/") ? codexEvents : msg.method;
      this.listeners.get(key)?.(msg.params);
    } else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error !== undefined) {
        p?.reject(new Error(`${msg.error.message} (code ${msg.error.code})`));
      } else {
        p?.resolve(msg.result);
      }
    }
  }
}

/** Opens the connection and performs the handshake. */
async function connect(bin: string, v2: boolean): Promise<AppServerClient> {
  const child = spawn(bin, ["app-server"], { stdio: ["pipe", "pipe", "inherit"] });
  const client = new AppServerClient(child);
  const clientInfo = { name: "codex-ts-example", version: "0.1.0" };
  // A v2 client may list notifications it does not want in its capabilities.
  const { userAgent, platformOs } = await client.request(
    "initialize",
    v2 ? { clientInfo, capabilities: { optOutNotificationMethods: [] } } : { clientInfo },
  );
  client.notify("initialized");
  console.error(`[server ${userAgent}${platformOs === undefined ? "" : ` on ${platformOs}`}]`);
  return client;
}

/** Prints one event; returns true when the turn is over. */
function printEvent(msg: EventMsg): boolean {
  switch (msg.type) {
    case "agent_message_delta":
      process.stdout.write(msg.delta);
      return false;
    case "agent_message":
      process.stdout.write("\n");
      return false;
    case "exec_command_begin":
      console.log(`$ ${msg.command.join(" ")}`);
      return false;
    case "exec_command_end":
      console.log(`[exit ${msg.exit_code}]`);
      return false;
    case "error":
      console.error(`error: ${msg.message}`);
      return true;
    case "turn_aborted":
      console.error(`turn aborted: ${msg.reason}`);
      return true;
    case "task_complete":
      return true;
    default:
      return false;
  }
}

/** Runs one turn with the 0.45 protocol. */
async function run045(bin: string, prompt: string): Promise<void> {
  const client = await connect(bin, false);
  client.answer("execCommandApproval", (params) => {
    console.log(`[approving: ${params.command.join(" ")} in ${params.cwd}]`);
    return { decision: "approved" };
  });
  client.answer("applyPatchApproval", (params) => {
    console.log(`[approving changes to ${Object.keys(params.fileChanges).join(", ")}]`);
    return { decision: "approved" };
  });
  client.on("sessionConfigured", (configured) => {
    console.error(`[session ${configured.sessionId} uses ${configured.model}]`);
  });

  const { conversationId } = await client.request("newConversation", {
    approvalPolicy: "untrusted",
    sandbox: "workspace-write",
    cwd: process.cwd(),
  });
  const finished = new Promise<void>((resolve) => {
    client.on(codexEvents, (event) => {
      if (event.conversationId === conversationId && printEvent(event.msg)) {
        resolve();
      }
    });
  });
  await client.request("addConversationListener", { conversationId });
  await client.request("sendUserMessage", {
    conversationId,
    items: [{ type: "text", data: { text: prompt } }],
  });
  await finished;
  client.close();
}

/** Runs one turn with the v2 protocol. */
async function runV2(bin: string, prompt: string): Promise<void> {
  const client = await connect(bin, true);
  client.answer("item/commandExecution/requestApproval", (params) => {
    console.log(`[approving: ${params.command} in ${params.cwd}]`);
    return { decision: "accept" };
  });

  const { thread, model } = await client.request("thread/start", {
    approvalPolicy: "untrusted",
    sandbox: "workspace-write",
    cwd: process.cwd(),
  });
  console.error(`[thread ${thread.id} uses ${model}]`);

  // Notifications name their thread; those of other threads are ignored.
  client.on("item/started", ({ threadId, item }) => {
    if (threadId === thread.id && item.type === "commandExecution") {
      console.log(`$ ${item.command}`);
    }
  });
  client.on("item/agentMessage/delta", ({ threadId, delta }) => {
    if (threadId === thread.id) {
      process.stdout.write(delta);
    }
  });
  client.on("item/commandExecution/outputDelta", ({ threadId, delta }) => {
    if (threadId === thread.id) {
      process.stdout.write(delta);
    }
  });
  client.on("item/completed", ({ threadId, item }) => {
    if (threadId !== thread.id) {
      return;
    }
    switch (item.type) {
      case "agentMessage":
        process.stdout.write("\n");
        break;
      case "commandExecution":
        console.log(item.exitCode !== null ? `[exit ${item.exitCode}]` : `[${item.status}]`);
        break;
    }
  });
  client.on("error", ({ threadId, error }) => {
    if (threadId === thread.id) {
      console.error(`error: ${error.message}`);
    }
  });
  const finished = new Promise<void>((resolve) => {
    client.on("turn/completed", ({ threadId, turn }) => {
      if (threadId !== thread.id) {
        return;
      }
      if (turn.status !== "completed") {
        console.error(`turn ${turn.status}`);
      }
      resolve();
    });
  });

  const { turn } = await client.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: prompt }],
  });
  // Ctrl-C stops the turn; turn/completed (interrupted) then ends the run.
  process.once("SIGINT", () => {
    void client.request("turn/interrupt", { threadId: thread.id, turnId: turn.id });
  });
  await finished;
  client.close();
}

async function main(): Promise<void> {
  const bin = process.env["CODEX_BIN"] ?? "codex";
  const args = process.argv.slice(2);
  const v2 = args.includes("--v2");
  const prompt = args.find((arg) => arg !== "--v2") ?? "Say hello.";
  await (v2 ? runV2(bin, prompt) : run045(bin, prompt));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
