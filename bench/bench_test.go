package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"single value", []float64{7}, 90, 7},
		{"median of odd count", []float64{1, 2, 3, 4, 5}, 50, 3},
		{"median of even count interpolates", []float64{1, 2, 3, 4}, 50, 2.5},
		{"p90 of ten values", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9.1},
		{"p0 is the minimum", []float64{3, 5, 8}, 0, 3},
		{"p100 is the maximum", []float64{3, 5, 8}, 100, 8},
		{"p above 100 is clamped", []float64{3, 5, 8}, 150, 8},
		{"p below 0 is clamped", []float64{3, 5, 8}, -5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, percentile(tt.sorted, tt.p), 1e-9)
		})
	}
	assert.True(t, math.IsNaN(percentile(nil, 50)))
}

func TestSummarizeSortsAndKeepsOrder(t *testing.T) {
	samples := []float64{9, 1, 5, 3, 7}
	s, ok := summarize(samples)
	require.True(t, ok)
	assert.InDelta(t, 5, s.Median, 1e-9)
	assert.InDelta(t, 8.2, s.P90, 1e-9)
	assert.InDelta(t, 1, s.Min, 1e-9)
	assert.InDelta(t, 9, s.Max, 1e-9)
	assert.Equal(t, []float64{9, 1, 5, 3, 7}, s.Samples)
	assert.Equal(t, []float64{9, 1, 5, 3, 7}, samples, "input must not be reordered")

	_, ok = summarize(nil)
	assert.False(t, ok)
}

func TestSelectBenchmarks(t *testing.T) {
	all := benchmarks()
	keys := func(bs []benchmark) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Key)
		}
		return out
	}
	tests := []struct {
		only    string
		want    []string
		wantErr string
	}{
		{"", []string{"cold", "turn", "stream10k", "rss", "rss-session", "list10k", "list10k-cursor", "fuzzy100k", "sandbox", "true", "mcp-cold",
			"v2-cold", "v2-turn", "v2-stream10k", "v2-rss", "v2-list10k", "v2-readdir100k", "ws-rtt", "ws-fanout", "ws-fanout-rss"}, ""},
		{"rss,cold", []string{"cold", "rss"}, ""},
		{" turn , ", []string{"turn"}, ""},
		{"cold,nope,zzz", nil, "unknown benchmark nope, zzz"},
	}
	for _, tt := range tests {
		t.Run(tt.only, func(t *testing.T) {
			got, err := selectBenchmarks(all, tt.only)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, keys(got))
		})
	}
}

func TestCPUModel(t *testing.T) {
	tests := []struct {
		name, cpuinfo, want string
	}{
		{"x86", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"arm without model name", "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n", "CPU part 0xd0c"},
		{"nothing known", "flags\t: fpu\n", "unknown CPU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cpuModel(strings.NewReader(tt.cpuinfo)))
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		wantErr      string
	}{
		{"present", "Name:\tcodex\nVmPeak:\t  900 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n", 12345 * 1024, ""},
		{"missing", "Name:\tcodex\n", 0, "no VmHWM"},
		{"bad unit", "VmHWM:\t 12 MB\n", 0, "unexpected VmHWM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmHWM(bufio.NewScanner(strings.NewReader(tt.status)))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestVmHWMOfARealChild(t *testing.T) {
	cmd := exec.CommandContext(context.Background(), "sleep", "30")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	hwm, err := vmHWM(cmd.Process.Pid)
	require.NoError(t, err)
	assert.Positive(t, hwm)

	_, err = vmHWM(-1)
	require.Error(t, err)
}

func TestReportWithoutReference(t *testing.T) {
	rep := &report{
		Machine:  machine{CPU: "Test CPU", Cores: 4, Kernel: "Linux 6.1", Arch: "linux/amd64"},
		Binaries: []binaryInfo{{Name: nameOurs, Path: "/tmp/codex", Version: "codex-cli 0.1.0"}},
	}
	rep.note("reference not benchmarked, ratios are n/a: %v", errors.New("npm is not installed"))
	cold := result{Key: "cold", Title: "cold start", Unit: unitMillis, Runs: 5, Warmups: 2}
	s, _ := summarize([]float64{4, 5, 6})
	cold.set(nameOurs, s)
	cold.computeRatio()
	rss := result{Key: "rss", Title: "peak RSS", Unit: unitMiB, Runs: 3, Warmups: 1}
	rss.setError(nameOurs, errors.New("boom"))
	rss.computeRatio()
	rep.Results = []result{cold, rss}

	var table strings.Builder
	require.NoError(t, writeTable(&table, rep))
	out := table.String()
	assert.Contains(t, out, "machine:   Test CPU, 4 cores, Linux 6.1 (linux/amd64)")
	assert.Contains(t, out, "runs:      per binary: cold 5 after 2 warm-ups; rss 3 after 1 warm-up; cells show median (p90)")
	assert.Contains(t, out, "benchmark  | ours               | reference | ours/reference")
	assert.Contains(t, out, "cold start | 5.00 ms (p90 5.80) | n/a       | n/a")
	assert.Contains(t, out, "peak RSS   | error              | n/a       | n/a")
	assert.Contains(t, out, "rss / ours: boom")
	assert.Contains(t, out, "npm is not installed")
	assert.True(t, rep.failed())

	var js strings.Builder
	require.NoError(t, writeJSON(&js, rep))
	var decoded map[string]any
	require.NoError(t, json.Unmarshal([]byte(js.String()), &decoded))
	results := decoded["results"].([]any)
	require.Len(t, results, 2)
	first := results[0].(map[string]any)
	assert.Nil(t, first["reference"])
	assert.Nil(t, first["ratio"])
	assert.InDelta(t, 5, first["ours"].(map[string]any)["median"], 1e-9)
	assert.InDelta(t, 5, first["runs"], 1e-9)
	assert.InDelta(t, 2, first["warmups"], 1e-9)
}

func TestRatioOfMedians(t *testing.T) {
	res := result{Unit: unitMillis}
	ours, _ := summarize([]float64{2, 3, 4})
	ref, _ := summarize([]float64{6, 6, 6})
	res.set(nameOurs, ours)
	res.set(nameReference, ref)
	res.computeRatio()
	require.NotNil(t, res.Ratio)
	assert.InDelta(t, 0.5, *res.Ratio, 1e-9)
}
