package client

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// parseRateLimits reads the x-codex-primary-* and x-codex-secondary-*
// headers. A window is present when its used-percent header is.
func parseRateLimits(h http.Header) *protocol.RateLimitSnapshot {
	return &protocol.RateLimitSnapshot{
		Primary:   parseWindow(h, "x-codex-primary"),
		Secondary: parseWindow(h, "x-codex-secondary"),
	}
}

func parseWindow(h http.Header, prefix string) *protocol.RateLimitWindow {
	used, err := strconv.ParseFloat(strings.TrimSpace(h.Get(prefix+"-used-percent")), 64)
	if err != nil || math.IsNaN(used) || math.IsInf(used, 0) {
		return nil
	}
	return &protocol.RateLimitWindow{
		UsedPercent:     used,
		WindowMinutes:   headerInt(h, prefix+"-window-minutes"),
		ResetsInSeconds: headerInt(h, prefix+"-reset-after-seconds"),
	}
}

func headerInt(h http.Header, name string) *int64 {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return &n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		n := int64(f)
		return &n
	}
	return nil
}
