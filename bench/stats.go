package main

import (
	"math"
	"slices"
)

// summary condenses the samples of one benchmark for one binary.
type summary struct {
	// Median is the 50th percentile of Samples.
	Median float64 `json:"median"`
	// P90 is the 90th percentile of Samples.
	P90 float64 `json:"p90"`
	// Min is the smallest sample.
	Min float64 `json:"min"`
	// Max is the largest sample.
	Max float64 `json:"max"`
	// Samples are the measured values in the order they were taken
	// (warm-ups excluded).
	Samples []float64 `json:"samples"`
}

// summarize computes the summary of samples; it reports false when there
// are none.
func summarize(samples []float64) (summary, bool) {
	if len(samples) == 0 {
		return summary{}, false
	}
	sorted := slices.Sorted(slices.Values(samples))
	return summary{
		Median:  percentile(sorted, 50),
		P90:     percentile(sorted, 90),
		Min:     sorted[0],
		Max:     sorted[len(sorted)-1],
		Samples: slices.Clone(samples),
	}, true
}

// percentile returns the p-th percentile (0..100) of sorted, which must be
// in ascending order, interpolating linearly between the two nearest ranks.
// It returns NaN for an empty slice; p is clamped to [0, 100].
func percentile(sorted []float64, p float64) float64 {
	switch n := len(sorted); {
	case n == 0:
		return math.NaN()
	case n == 1:
		return sorted[0]
	}
	p = math.Max(0, math.Min(100, p))
	pos := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	frac := pos - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}
