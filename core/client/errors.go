package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPError is a non-2xx answer of the provider to the request itself.
type HTTPError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the provider's error.message, or the start of the body when
	// the body is not a provider error object.
	Message string
	// Type is the provider's error.type, when given.
	Type string
	// Code is the provider's error.code, when given.
	Code string
	// RetryAfter is the delay the provider asked for (Retry-After or
	// retry-after-ms headers); zero when absent.
	RetryAfter time.Duration
	// Hint is extra advice for the user, e.g. which variable holds the key.
	Hint string
}

// Error implements error.
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model provider returned %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.StatusCode == http.StatusUnauthorized {
		b.WriteString(": the API key is missing or invalid")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Retryable reports whether sending the same request again may succeed:
// rate limits (429, unless the quota is exhausted) and server errors (5xx).
func (e *HTTPError) Retryable() bool {
	if e.StatusCode == http.StatusTooManyRequests {
		return !quotaExhausted(e.Code) && !quotaExhausted(e.Type)
	}
	return e.StatusCode >= 500 && e.StatusCode <= 599
}

// StreamError ends a response stream that did not complete.
type StreamError struct {
	// Message says what went wrong.
	Message string
	// Retryable reports whether the turn may be retried with a new request.
	Retryable bool
	// RetryAfter is the delay the provider suggested; zero when none.
	RetryAfter time.Duration
	// Code is the provider's error code from response.failed, when given.
	Code string
	// Err is the underlying transport error, when there is one.
	Err error
}

// Error implements error.
func (e *StreamError) Error() string {
	if e.Err != nil {
		return "stream disconnected before completion: " + e.Message + ": " + e.Err.Error()
	}
	return "stream disconnected before completion: " + e.Message
}

// Unwrap returns the underlying transport error.
func (e *StreamError) Unwrap() error { return e.Err }

// providerError is the error object of a provider response.
type providerError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// code returns the error code as text (providers send strings or numbers).
func (p providerError) code() string {
	var s string
	if json.Unmarshal(p.Code, &s) == nil {
		return s
	}
	if len(p.Code) == 0 || string(p.Code) == "null" {
		return ""
	}
	return string(p.Code)
}

// newHTTPError builds the error for a non-2xx response from its status,
// headers and (possibly truncated) body.
func newHTTPError(status int, h http.Header, body []byte) *HTTPError {
	e := &HTTPError{StatusCode: status, RetryAfter: retryAfter(h)}
	var wrapped struct {
		Error *providerError `json:"error"`
	}
	if json.Unmarshal(body, &wrapped) == nil && wrapped.Error != nil {
		e.Message = wrapped.Error.Message
		e.Type = wrapped.Error.Type
		e.Code = wrapped.Error.code()
		return e
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	e.Message = msg
	return e
}

// retryAfter reads the delay a provider asks for from retry-after-ms
// (milliseconds) or Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// quotaExhausted reports whether a provider error code or type means that
// waiting will not help.
func quotaExhausted(s string) bool {
	switch s {
	case "insufficient_quota", "usage_limit_reached", "usage_not_included", "billing_hard_limit_reached":
		return true
	}
	return false
}

// failureRetryable reports whether a response.failed with this code or type
// may succeed when the turn is sent again.
func failureRetryable(code, typ string) bool {
	for _, s := range []string{code, typ} {
		if quotaExhausted(s) {
			return false
		}
		switch s {
		case "context_length_exceeded", "invalid_prompt", "invalid_request_error", "invalid_request":
			return false
		}
	}
	return true
}

// suggestedDelay finds "try again in 1.5s" or "try again in 250ms" in a
// provider message.
func suggestedDelay(msg string) time.Duration {
	const marker = "try again in "
	i := strings.Index(strings.ToLower(msg), marker)
	if i < 0 {
		return 0
	}
	rest := msg[i+len(marker):]
	j := 0
	for j < len(rest) && (rest[j] == '.' || (rest[j] >= '0' && rest[j] <= '9')) {
		j++
	}
	n, err := strconv.ParseFloat(rest[:j], 64)
	if err != nil || n < 0 {
		return 0
	}
	unit := strings.ToLower(strings.TrimSpace(rest[j:]))
	switch {
	case strings.HasPrefix(unit, "ms"):
		return time.Duration(n * float64(time.Millisecond))
	case strings.HasPrefix(unit, "s"):
		return time.Duration(n * float64(time.Second))
	}
	return 0
}

// ErrorKind classifies the error of a model request in the vocabulary of
// the app-server's v2 protocol (codexErrorInfo): internalServerError,
// serverOverloaded, unauthorized, badRequest, modelNotFound,
// rateLimitExceeded, usageLimitExceeded, contextWindowExceeded, or other.
func ErrorKind(err error) string {
	var h *HTTPError
	if !errors.As(err, &h) {
		if strings.Contains(err.Error(), "context_length_exceeded") {
			return "contextWindowExceeded"
		}
		return "other"
	}
	switch {
	case h.Code == "context_length_exceeded":
		return "contextWindowExceeded"
	case h.StatusCode == http.StatusTooManyRequests && (quotaExhausted(h.Code) || quotaExhausted(h.Type)):
		return "usageLimitExceeded"
	case h.StatusCode == http.StatusTooManyRequests:
		return "rateLimitExceeded"
	case h.StatusCode == http.StatusServiceUnavailable:
		return "serverOverloaded"
	case h.StatusCode >= 500:
		return "internalServerError"
	case h.StatusCode == http.StatusUnauthorized || h.StatusCode == http.StatusForbidden:
		return "unauthorized"
	case h.StatusCode == http.StatusNotFound:
		return "modelNotFound"
	case h.StatusCode == http.StatusBadRequest:
		return "badRequest"
	}
	return "other"
}
