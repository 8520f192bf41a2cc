// Package client streams model responses from a provider over HTTP. It sends
// a conversation prompt, retries failed requests with backoff, and turns the
// provider's server-sent events into a stream of normalised Events.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
)

// Prompt is what the model is asked.
type Prompt struct {
	// Instructions is the system-level text.
	Instructions string
	// Input is the conversation so far.
	Input []protocol.ResponseItem
	// Tools are the tool specs in Responses API form.
	Tools []json.RawMessage
	// ParallelToolCalls lets the model ask for several tools at once.
	ParallelToolCalls bool
	// OutputSchema, when set, asks for a final answer matching this JSON
	// schema (sent as text.format).
	OutputSchema json.RawMessage
}

// Request is one model call.
type Request struct {
	// Model is the model name.
	Model string
	// Effort is the reasoning effort; "" means the default (medium) for
	// models that reason.
	Effort protocol.ReasoningEffort
	// Summary is the reasoning summary setting; "" means auto. Sent with the
	// effort for models that reason.
	Summary protocol.ReasoningSummary
	// Verbosity is sent as text.verbosity for models that support it; ""
	// sends nothing.
	Verbosity protocol.Verbosity
	// ConversationID is sent in the conversation_id and session_id headers
	// and as prompt_cache_key.
	ConversationID string
	// Prompt is the model input.
	Prompt Prompt
	// OnRetry, when set, is called before each wait between attempts with
	// the 1-based retry number, the retry limit, the wait and the error that
	// caused it.
	OnRetry func(attempt, max int, delay time.Duration, err error)
}

// Options configure a Client.
type Options struct {
	// Provider says where and how to send requests.
	Provider config.ModelProviderInfo
	// APIKey returns the bearer token; "" sends no Authorization header. Nil
	// means no key.
	APIKey func() (string, error)
	// UserAgent is the full User-Agent header value.
	UserAgent string
	// Originator is the originator header value.
	Originator string
	// HTTPClient sends the requests; nil uses a client with connection
	// timeouts but no overall timeout, since streams are long.
	HTTPClient *http.Client
	// Getenv reads environment variables for env_http_headers; nil means
	// os.Getenv.
	Getenv func(string) string
	// Sleep waits between retries; nil sleeps for real, honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client sends model requests to one provider. It is safe for concurrent use.
type Client struct {
	o Options
}

// Retry backoff parameters.
const (
	backoffBase   = 200 * time.Millisecond
	backoffFactor = 2
	backoffJitter = 0.1
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 64 << 10
)

// New returns a client for o.Provider.
func New(o Options) *Client {
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient()
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	return &Client{o: o}
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ExpectContinueTimeout = time.Second
	return &http.Client{Transport: t}
}

// Sleep waits for d, or returns ctx's error as soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stream sends r and returns the response stream once the provider answered
// with a success status. Rate limits (429), server errors (5xx) and
// connection failures are retried up to the provider's request_max_retries
// with exponential backoff, or after the delay the provider asked for.
// Other failures return at once; provider refusals are *HTTPError.
func (c *Client) Stream(ctx context.Context, r Request) (*Stream, error) {
	w, err := wireFor(c.o.Provider)
	if err != nil {
		return nil, err
	}
	body, err := w.encode(r)
	if err != nil {
		return nil, err
	}
	url := c.o.Provider.URL(w.path())
	maxRetries := c.o.Provider.RequestMaxRetriesOrDefault()
	for attempt := 0; ; attempt++ {
		s, err := c.attempt(ctx, w, url, body, r)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		delay, retry := retryDelay(err, attempt+1)
		if !retry {
			return nil, err
		}
		if attempt >= maxRetries {
			if maxRetries == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("model request failed after %d attempts: %w", attempt+1, err)
		}
		if r.OnRetry != nil {
			r.OnRetry(attempt+1, maxRetries, delay, err)
		}
		if err := c.o.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// retryDelay says whether err is worth another attempt and how long to wait
// before retry number n (1-based).
func retryDelay(err error, n int) (time.Duration, bool) {
	var he *HTTPError
	if errors.As(err, &he) {
		if !he.Retryable() {
			return 0, false
		}
		if he.RetryAfter > 0 {
			return he.RetryAfter, true
		}
		return Backoff(n), true
	}
	var te *transportError
	if errors.As(err, &te) {
		return Backoff(n), true
	}
	return 0, false
}

// Backoff is the wait before retry n (1-based): 200ms doubling each time, ±10%.
func Backoff(n int) time.Duration {
	d := float64(backoffBase)
	for i := 1; i < n && d < float64(time.Hour); i++ {
		d *= backoffFactor
	}
	d *= 1 - backoffJitter + 2*backoffJitter*rand.Float64()
	return time.Duration(d)
}

// transportError is a failure to get any answer from the provider.
type transportError struct {
	err error
}

// Error implements error.
func (e *transportError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *transportError) Unwrap() error { return e.err }

// attempt sends the request once.
func (c *Client) attempt(ctx context.Context, w wire, url string, body []byte, r Request) (*Stream, error) {
	streamCtx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(streamCtx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("build model request: %w", err)
	}
	if err := c.setHeaders(req.Header, w, r); err != nil {
		cancel()
		return nil, err
	}
	resp, err := c.o.HTTPClient.Do(req)
	if err != nil {
		cancel()
		return nil, &transportError{fmt.Errorf("send model request to %s: %w", url, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		cancel()
		he := newHTTPError(resp.StatusCode, resp.Header, data)
		if resp.StatusCode == http.StatusUnauthorized && c.o.Provider.EnvKey != "" {
			he.Hint = "check the " + c.o.Provider.EnvKey + " environment variable"
		}
		return nil, he
	}
	return newStream(ctx, cancel, resp, w.decoder(resp.Body), c.o.Provider.StreamIdleTimeout()), nil
}

func (c *Client) setHeaders(h http.Header, w wire, r Request) error {
	for k, v := range c.o.Provider.Headers(c.o.Getenv) {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "text/event-stream")
	if _, chat := w.(chatWire); !chat {
		h.Set("OpenAI-Beta", "responses=experimental")
	}
	if c.o.Originator != "" {
		h["originator"] = []string{c.o.Originator}
	}
	if c.o.UserAgent != "" {
		h.Set("User-Agent", c.o.UserAgent)
	}
	if r.ConversationID != "" {
		// Lower-case names as the reference client sends them.
		h["conversation_id"] = []string{r.ConversationID}
		h["session_id"] = []string{r.ConversationID}
	}
	if c.o.APIKey != nil {
		key, err := c.o.APIKey()
		if err != nil {
			return fmt.Errorf("model provider %s API key: %w", c.o.Provider.Name, err)
		}
		if key != "" {
			h.Set("Authorization", "Bearer "+key)
		}
	}
	return nil
}
