package mcpserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/codex-go/codex/mcpserver"
)

// Serve the MCP server on in-memory pipes, as an MCP host would on the
// standard streams of `codex mcp-server`, and list its tools.
func Example() {
	home, _ := os.MkdirTemp("", "codex-home")
	defer os.RemoveAll(home)

	hostOut, serverIn := io.Pipe()
	serverOut, hostIn := io.Pipe()
	srv := mcpserver.New(mcpserver.Options{CodexHome: home})
	done := make(chan error, 1)
	go func() {
		done <- srv.Run(context.Background(), hostOut, hostIn)
		_ = hostIn.Close()
	}()

	lines := bufio.NewScanner(serverOut)
	call := func(request string) json.RawMessage {
		fmt.Fprintln(serverIn, request)
		lines.Scan()
		var answer struct {
			Result json.RawMessage `json:"result"`
		}
		_ = json.Unmarshal(lines.Bytes(), &answer)
		return answer.Result
	}
	var initialized struct {
		ProtocolVersion string `json:"protocolVersion"`
		ServerInfo      struct {
			Name string `json:"name"`
		} `json:"serverInfo"`
	}
	_ = json.Unmarshal(call(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}},"clientInfo":{"name":"example","version":"1.0"}}}`), &initialized)
	fmt.Println(initialized.ServerInfo.Name, initialized.ProtocolVersion)

	var tools struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	_ = json.Unmarshal(call(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`), &tools)
	for _, t := range tools.Tools {
		fmt.Println("tool:", t.Name)
	}
	_ = serverIn.Close() // the end of the input stops the server
	fmt.Println("stopped:", <-done)
	// Output:
	// codex-mcp-server 2025-06-18
	// tool: codex
	// tool: codex-reply
	// stopped: <nil>
}
