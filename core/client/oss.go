package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/codex-go/codex/core/config"
)

// ossCheckTimeout bounds how long CheckOSS waits for the local server.
const ossCheckTimeout = 5 * time.Second

// OSSBaseURL returns the base URL of the built-in oss provider:
// CODEX_OSS_BASE_URL, else http://localhost:<CODEX_OSS_PORT or 11434>/v1,
// read through getenv (nil means os.Getenv).
func OSSBaseURL(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	return config.BuiltinProviders(getenv)[config.ProviderOSS].BaseURL
}

// OSSUnavailableError reports that no local model server answered.
type OSSUnavailableError struct {
	// Host is the server address that was tried, e.g. http://localhost:11434.
	Host string
	// Err is the failure of the last probe.
	Err error
}

// Error implements error with advice on starting a server.
func (e *OSSUnavailableError) Error() string {
	return "No local model server answered at " + e.Host +
		". Install Ollama (https://ollama.com) and run `ollama serve`, then `ollama pull <model>`."
}

// Unwrap returns the failure of the last probe.
func (e *OSSUnavailableError) Unwrap() error { return e.Err }

// CheckOSS verifies that a local model server answers at baseURL: an
// Ollama server at GET {host}/api/tags, or any OpenAI-compatible server at
// GET {baseURL}/models. It gives up after a few seconds and returns an
// *OSSUnavailableError that says how to start one. A nil hc uses
// http.DefaultClient.
func CheckOSS(ctx context.Context, baseURL string, hc *http.Client) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("oss base URL %q is not an absolute URL", baseURL)
	}
	host := u.Scheme + "://" + u.Host
	ctx, cancel := context.WithTimeout(ctx, ossCheckTimeout)
	defer cancel()
	var last error
	for _, probe := range []string{host + "/api/tags", strings.TrimRight(baseURL, "/") + "/models"} {
		if last = probeOK(ctx, hc, probe); last == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return &OSSUnavailableError{Host: host, Err: last}
}

// probeOK sends GET target and reports an error unless it answers 2xx.
func probeOK(ctx context.Context, hc *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", target, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	return nil
}
