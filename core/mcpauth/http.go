package mcpauth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// maxResponseBody bounds every response body read from an
	// authorization server or MCP server.
	maxResponseBody = 1 << 20
	// requestTimeout bounds one HTTP exchange of the default client.
	requestTimeout = 30 * time.Second
)

// errTooLarge is returned by reads past the limit of a limitReader.
var errTooLarge = errors.New("response too large")

// limitReader reads at most n bytes from r and fails, rather than
// truncating silently, when r has more.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte to tell "exactly n" from "more than n".
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// limitedBody caps a response body and closes the original.
type limitedBody struct {
	limitReader
	c io.Closer
}

func (b *limitedBody) Close() error { return b.c.Close() }

// limitingTransport wraps every response body in a limitedBody.
type limitingTransport struct {
	base http.RoundTripper
}

func (t limitingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{limitReader: limitReader{r: resp.Body, n: maxResponseBody}, c: resp.Body}
	return resp, nil
}

// limitedClient returns a copy of c (or of a default client with a timeout
// when c is nil) whose response bodies are bounded.
func limitedClient(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: requestTimeout}
	}
	out := *c
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = limitingTransport{base: base}
	return &out
}

// resourceTransport replaces the resource parameter (RFC 8707) of token
// requests with a configured one, for servers whose oauth_resource differs
// from what discovery finds.
type resourceTransport struct {
	base     http.RoundTripper
	resource string
}

func (t resourceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil {
		return t.base.RoundTrip(req)
	}
	media, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if media != "application/x-www-form-urlencoded" {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(&limitReader{r: req.Body, n: maxResponseBody})
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read token request: %w", err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("read token request: %w", err)
	}
	form.Set("resource", t.resource)
	encoded := form.Encode()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(strings.NewReader(encoded))
	out.ContentLength = int64(len(encoded))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(encoded))), nil }
	return t.base.RoundTrip(out)
}

// withResource returns c, or a copy of c whose token requests name
// resource when it is not empty.
func withResource(c *http.Client, resource string) *http.Client {
	if resource == "" {
		return c
	}
	out := *c
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = resourceTransport{base: base, resource: resource}
	return &out
}

// setQuery returns u with the query parameter key set to value.
func setQuery(u, key, value string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	q := parsed.Query()
	q.Set(key, value)
	parsed.RawQuery = q.Encode()
	return parsed.String(), nil
}
