package appserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/codex-go/codex/appserver"
)

// Serve the app-server on in-memory pipes, as an editor extension would on
// the standard streams of `codex app-server`, and read what config.toml
// says through the protocol.
func Example() {
	home, _ := os.MkdirTemp("", "codex-home")
	defer os.RemoveAll(home)
	_ = os.WriteFile(filepath.Join(home, "config.toml"), []byte("model = \"gpt-5\"\n"), 0o600)

	clientOut, serverIn := io.Pipe()
	serverOut, clientIn := io.Pipe()
	srv := appserver.New(appserver.Options{CodexHome: home})
	done := make(chan error, 1)
	go func() {
		done <- srv.Run(context.Background(), clientOut, clientIn)
		_ = clientIn.Close()
	}()

	// One JSON object per line each way. The answer to initialize holds
	// the user agent, which names this machine's system, so only the
	// second answer is printed.
	lines := bufio.NewScanner(serverOut)
	fmt.Fprintln(serverIn, `{"method":"initialize","id":1,"params":{"clientInfo":{"name":"example","version":"1.0"}}}`)
	lines.Scan()
	fmt.Fprintln(serverIn, `{"method":"getUserSavedConfig","id":2}`)
	lines.Scan()
	fmt.Println(lines.Text())
	_ = serverIn.Close() // the end of the input stops the server
	fmt.Println("stopped:", <-done)
	// Output:
	// {"id":2,"result":{"config":{"model":"gpt-5","profiles":{}}}}
	// stopped: <nil>
}
