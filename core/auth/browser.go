package auth

import (
	"fmt"
	"os/exec"
	"runtime"
)

// openBrowser asks the desktop to open u in the default browser. The opener
// exits quickly after handing the URL over; a goroutine reaps it.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open browser: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// OpenBrowser asks the desktop to open u in the default browser; an error
// means no opener could be started (the caller should print u).
func OpenBrowser(u string) error {
	return openBrowser(u)
}
