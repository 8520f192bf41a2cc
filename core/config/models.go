package config

import "strings"

// ModelLimits returns the context window and maximum output tokens of a
// known model family, or nils for a model it does not know.
func ModelLimits(model string) (contextWindow, maxOutputTokens *int64) {
	m := strings.ToLower(model)
	var window, output int64
	switch {
	case strings.HasPrefix(m, "gpt-5"), strings.Contains(m, "codex"):
		window, output = 272_000, 128_000
	case strings.HasPrefix(m, "o3"), strings.HasPrefix(m, "o4-mini"):
		window, output = 200_000, 100_000
	case strings.HasPrefix(m, "gpt-4.1"):
		window, output = 1_047_576, 32_768
	case strings.HasPrefix(m, "gpt-4o"):
		window, output = 128_000, 16_384
	default:
		return nil, nil
	}
	return &window, &output
}
