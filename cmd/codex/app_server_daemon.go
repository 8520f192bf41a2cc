package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/daemon"
	"github.com/codex-go/codex/internal/stdioproxy"
)

// daemonStopGrace is how long `daemon stop` waits after SIGTERM before it
// kills the server.
const daemonStopGrace = 10 * time.Second

// addDaemonCommands adds `app-server daemon start|stop|status` and
// `app-server proxy` to the app-server command.
func addDaemonCommands(appServer *cobra.Command, flags *globalFlags, std stdio) {
	d := &cobra.Command{
		Use:   "daemon",
		Short: "Manage the background app-server on the unix socket under CODEX_HOME",
		Long: "daemon runs `codex app-server --listen unix://CODEX_HOME/app-server-control/app-server-control.sock` " +
			"in the background, in a session of its own, with a pid file and a log in CODEX_HOME/app-server-daemon. " +
			"Each command prints one JSON line describing the daemon.",
		Args: cobra.NoArgs,
	}
	var timeout time.Duration
	start := &cobra.Command{
		Use:   "start",
		Short: "Start the daemon unless it already runs, and wait until its socket answers",
		Long: "start launches the daemon and waits until its socket accepts a connection; it prints status \"started\", " +
			"or \"alreadyRunning\" when one runs already (a second one is never started). A pid file left by a " +
			"server that is gone is removed first. The global flags (-c, -p, -m, ...) are passed on to the server.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			args, err := flags.passOn()
			if err != nil {
				return err
			}
			env := append(os.Environ(), "CODEX_HOME="+home)
			st, err := daemon.Start(cmd.Context(), daemon.PathsFor(home), daemon.StartOptions{Args: args, Env: env, Timeout: timeout})
			if err != nil {
				return failed(err)
			}
			return printStatus(std.out, st)
		},
	}
	start.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the daemon's socket to answer")
	stop := &cobra.Command{
		Use:   "stop",
		Short: "Stop the daemon (SIGTERM, then SIGKILL after 10s) and remove its pid file and socket",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			st, err := daemon.Stop(cmd.Context(), daemon.PathsFor(home), daemonStopGrace)
			if err != nil {
				return failed(err)
			}
			return printStatus(std.out, st)
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Print whether the daemon runs, its pid and socket; exit status 1 when it does not run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			st, err := daemon.Query(cmd.Context(), daemon.PathsFor(home))
			if err != nil {
				return failed(err)
			}
			if err := printStatus(std.out, st); err != nil {
				return err
			}
			if st.Status != daemon.StatusRunning {
				return &exitError{code: exitFailure}
			}
			return nil
		},
	}
	d.AddCommand(start, stop, status)

	var sock string
	var maxBytes int
	proxy := &cobra.Command{
		Use:   "proxy",
		Short: "Bridge stdio to the daemon: JSON-RPC, one message per line, as `codex app-server` speaks it",
		Long: "proxy connects to the app-server's unix socket (the daemon's unless --sock names another) and carries " +
			"each line of stdin to it as one WebSocket text frame, and each frame back as one line on stdout, so " +
			"that an editor that spawns `codex app-server` can use the daemon instead. It ends when stdin ends or " +
			"the server closes the connection.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := sock
			if path == "" {
				home, err := config.FindCodexHome()
				if err != nil {
					return failed(err)
				}
				path = daemon.DefaultSocket(home)
			}
			conn, err := stdioproxy.DialUnix(cmd.Context(), path)
			if err != nil {
				return failed(fmt.Errorf("%w (is the daemon running? `codex app-server daemon start`)", err))
			}
			return failed(stdioproxy.Run(cmd.Context(), conn, std.in, std.out, stdioproxy.Options{MaxMessageBytes: maxBytes, Log: std.err}))
		},
	}
	proxy.Flags().StringVar(&sock, "sock", "", "`path` of the app-server unix socket (default: the daemon's, under CODEX_HOME)")
	proxy.Flags().IntVar(&maxBytes, "max-message-bytes", stdioproxy.DefaultMaxMessageBytes, "longest message carried either way; a longer stdin line is skipped and answered with an error")
	appServer.AddCommand(d, proxy)
}

// printStatus writes st as one JSON line.
func printStatus(w io.Writer, st daemon.Status) error {
	b, err := json.Marshal(st)
	if err != nil {
		return failed(err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return failed(err)
}

// passOn returns the global flags as arguments for another codex process,
// directories made absolute (it runs elsewhere).
func (f *globalFlags) passOn() ([]string, error) {
	var args []string
	for _, o := range f.configOverrides {
		args = append(args, "-c", o)
	}
	for _, kv := range []struct{ flag, value string }{
		{"--profile", f.profile}, {"--model", f.model}, {"--sandbox", f.sandbox}, {"--ask-for-approval", f.approval},
	} {
		if kv.value != "" {
			args = append(args, kv.flag, kv.value)
		}
	}
	abs := func(dir string) (string, error) {
		d, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("directory %s: %w", dir, err)
		}
		return d, nil
	}
	if f.cd != "" {
		d, err := abs(f.cd)
		if err != nil {
			return nil, err
		}
		args = append(args, "--cd", d)
	}
	for _, dir := range f.addDirs {
		d, err := abs(dir)
		if err != nil {
			return nil, err
		}
		args = append(args, "--add-dir", d)
	}
	if f.oss {
		args = append(args, "--oss")
	}
	return args, nil
}
