// A small client of `codex app-server`: it starts the server, opens a
// conversation, sends one message, prints the events of the turn until it
// completes, and approves the commands the server asks about.
//
//   npm ci && npm run generate && npm run build
//   CODEX_BIN=/path/to/codex npm start -- "List the files here."
//
// Every message is typed with the declarations that
// `codex app-server generate-ts` writes to ./generated.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

import type {
  ClientRequests,
  ConversationEventParams,
  EventMsg,
  Notifications,
  ServerRequests,
} from "./generated/index.js";

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

/** Answers to the requests the server sends, by method. */
type ServerRequestHandlers = {
  [M in keyof ServerRequests]: (params: ServerRequests[M]["params"]) => ServerRequests[M]["response"];
};

/** A request waiting for its response. */
interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** A JSON-RPC connection to a `codex app-server` child process. */
class AppServerClient {
  private nextId = 1;
  private readonly pending = new Map<Id, Pending>();
  private readonly eventListeners = new Map<string, (event: ConversationEventParams) => void>();

  constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly handlers: ServerRequestHandlers,
  ) {
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

  /** Calls listener with every event of a conversation. */
  onEvents(conversationId: string, listener: (event: ConversationEventParams) => void): void {
    this.eventListeners.set(conversationId, listener);
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
      this.answer(msg.id, msg.method, msg.params);
    } else if (msg.method !== undefined) {
      this.notification(msg.method, msg.params);
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

  private answer(id: Id, method: string, params: unknown): void {
    let result: unknown;
    switch (method) {
      case "execCommandApproval":
        result = this.handlers.execCommandApproval(params as ServerRequests["execCommandApproval"]["params"]);
        break;
      case "applyPatchApproval":
        result = this.handlers.applyPatchApproval(params as ServerRequests["applyPatchApproval"]["params"]);
        break;
      default:
        this.send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
        return;
    }
    this.send({ id, result });
  }

  private notification(method: string, params: unknown): void {
    if (method.startsWith("codex/event/")) {
      const event = params as Notifications["codex/event/{type}"];
      this.eventListeners.get(event.conversationId)?.(event);
    } else if (method === "sessionConfigured") {
      const configured = params as Notifications["sessionConfigured"];
      console.error(`[session ${configured.sessionId} uses ${configured.model}]`);
    }
  }
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

async function main(): Promise<void> {
  const bin = process.env["CODEX_BIN"] ?? "codex";
  const prompt = process.argv[2] ?? "Say hello.";
  const child = spawn(bin, ["app-server"], { stdio: ["pipe", "pipe", "inherit"] });
  const client = new AppServerClient(child, {
    execCommandApproval: (params) => {
      console.log(`[approving: ${params.command.join(" ")} in ${params.cwd}]`);
      return { decision: "approved" };
    },
    applyPatchApproval: (params) => {
      console.log(`[approving changes to ${Object.keys(params.fileChanges).join(", ")}]`);
      return { decision: "approved" };
    },
  });

  const { userAgent } = await client.request("initialize", {
    clientInfo: { name: "codex-ts-example", version: "0.1.0" },
  });
  client.notify("initialized");
  console.error(`[server ${userAgent}]`);

  const { conversationId } = await client.request("newConversation", {
    approvalPolicy: "untrusted",
    sandbox: "workspace-write",
    cwd: process.cwd(),
  });
  const finished = new Promise<void>((resolve) => {
    client.onEvents(conversationId, (event) => {
      if (printEvent(event.msg)) {
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
