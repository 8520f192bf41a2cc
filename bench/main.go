// Command bench compares the start-up time, turn latency, streaming
// throughput, memory, conversation listing and file search of this module's
// codex with the reference codex-cli 0.45.0, and the same for the v2
// app-server protocol with codex-cli 0.171.0 (v2.go). The binaries run
// `codex app-server` against the same local fake model provider, each with a
// fresh CODEX_HOME, on the same inputs. A last section feeds both stdio
// servers of ours and 0.45 hostile input (hostile.go). See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/codex-go/codex/tests/fakemodel"
)

// Target names, also the JSON keys of a result.
const (
	nameOurs      = "ours"
	nameReference = "reference"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// runner holds the settings shared by every benchmark.
type runner struct {
	// runs, when positive, overrides every benchmark's default number of
	// measured samples per binary.
	runs int
	// timeout bounds one sample.
	timeout time.Duration
	// log receives progress lines.
	log io.Writer
	// model is the fake provider both binaries talk to; nil until started.
	model *fakemodel.Server
	// tmp is the run's scratch directory, removed at the end.
	tmp string
	// fixtures holds the inputs built lazily and shared between benchmarks.
	fixtures fixtures
	// hostile, when set, sizes the hostile-input section, which runs after
	// the benchmarks; nil skips it.
	hostile *hostileConfig
}

// fixtures are inputs built on first use and shared between benchmarks.
type fixtures struct {
	// sessionsDir is the shared tree of recorded sessions; "" until built.
	sessionsDir string
	// sessions are the sessions in it, newest first.
	sessions []recordedSession
	// fuzzyRoot is the file tree fuzzyFileSearch searches; "" until built.
	fuzzyRoot string
}

// runsOf returns how many measured samples b takes per binary.
func (r *runner) runsOf(b benchmark) int {
	if r.runs > 0 {
		return r.runs
	}
	return b.Runs
}

// modelCalls counts the Responses API requests the fake provider received.
func (r *runner) modelCalls() int {
	n := 0
	for _, req := range r.model.Requests() {
		if req.Method == http.MethodPost && strings.HasSuffix(req.Path, "/responses") {
			n++
		}
	}
	return n
}

// run executes the harness and returns the process exit status: 0 when
// everything selected was measured, 1 when our binary could not be built or
// a measurement failed, 2 for bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 0, "measured runs per benchmark and binary, after its warm-ups (default: each benchmark's own, see README)")
	only := fs.String("only", "", "comma-separated benchmark keys to run (default all): "+strings.Join(benchmarkKeys(benchmarks()), ",")+
		", and "+hostileKey+" for the hostile-input section")
	hostile := fs.Bool("hostile", true, "run the hostile-input section (with -only, only when it names "+hostileKey+")")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of a table")
	timeout := fs.Duration("timeout", 2*time.Minute, "time limit for one sample")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *n < 0 {
		fmt.Fprintln(stderr, "bench: -n must not be negative")
		return 2
	}
	benchOnly, noBenchmarks, runHostile := splitOnly(*only, *hostile)
	selected, err := selectBenchmarks(benchmarks(), benchOnly)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if noBenchmarks {
		selected = nil
	}
	r := &runner{runs: *n, timeout: *timeout, log: stderr}
	if runHostile {
		cfg := defaultHostileConfig()
		r.hostile = &cfg
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := execute(ctx, r, selected)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if *asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = writeTable(stdout, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if rep.failed() {
		return 1
	}
	return 0
}

// execute prepares both binaries and the fake provider, then runs the
// selected benchmarks. Only set-up failures that leave nothing to measure
// are returned as errors; the rest end up in the report.
func execute(ctx context.Context, r *runner, selected []benchmark) (*report, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "codex-bench-")
	if err != nil {
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	r.tmp = tmp
	rep := &report{Machine: describeMachine()}

	fmt.Fprintln(r.log, "building ./cmd/codex ...")
	ours, err := buildOurs(ctx, root, tmp)
	if err != nil {
		rep.OursMissing = true
		rep.note("our binary was not benchmarked: %v", err)
	}
	// Each reference is installed only when a selected row needs it; the
	// hostile-input section runs against 0.45.
	needed := map[string]bool{}
	for _, b := range selected {
		needed[b.reference()] = true
	}
	if r.hostile != nil {
		needed[nameReference] = true
	}
	srv := fakemodel.Start(modelHandler())
	defer srv.Close()
	r.model = srv
	// targets maps a reference's name to the binaries of its rows: ours and
	// that reference, each with a home of its own.
	targets := map[string][]*target{}
	if ours != "" {
		version := binaryVersion(ctx, ours)
		rep.Binaries = append(rep.Binaries, binaryInfo{Name: nameOurs, Path: ours, Version: version})
		for _, ref := range []string{nameReference, nameReferenceV2} {
			targets[ref] = append(targets[ref], &target{Name: nameOurs, Bin: ours, Version: version})
		}
	}
	for _, ref := range []struct {
		name string
		rel  release
	}{{nameReference, reference045()}, {nameReferenceV2, referenceV2()}} {
		if !needed[ref.name] {
			continue
		}
		bin, err := ensureReference(ctx, ref.rel, filepath.Join(root, "bench", ref.rel.Dir), r.log)
		if err != nil {
			rep.note("%s (codex-cli %s) not benchmarked, its ratios are n/a: %v", ref.name, ref.rel.Version, err)
			continue
		}
		t := &target{Name: ref.name, Bin: bin, Version: binaryVersion(ctx, bin)}
		rep.Binaries = append(rep.Binaries, binaryInfo{Name: t.Name, Path: t.Bin, Version: t.Version})
		targets[ref.name] = append(targets[ref.name], t)
	}
	if len(rep.Binaries) == 0 {
		return nil, errors.New("neither binary is available:\n  " + joinNotes(rep.Notes))
	}
	for ref, ts := range targets {
		for _, t := range ts {
			prepare := t.prepareHome
			if ref == nameReferenceV2 {
				prepare = t.prepareV2Home
			}
			if err := prepare(tmp, srv.ConfigTOML()); err != nil {
				return nil, err
			}
		}
	}

	for _, b := range selected {
		ts := targets[b.reference()]
		res := result{Key: b.Key, Title: b.Title, Unit: b.Unit, Runs: r.runsOf(b), Warmups: b.Warmups, Against: b.reference()}
		if b.Setup != nil {
			if err := b.Setup(ctx, r); err != nil {
				for _, t := range ts {
					res.setError(t.Name, fmt.Errorf("set up: %w", err))
				}
				rep.Results = append(rep.Results, res)
				continue
			}
		}
		for _, t := range ts {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("interrupted: %w", ctx.Err())
			}
			fmt.Fprintf(r.log, "%s: %s ... ", b.Key, t.Name)
			samples, err := r.measure(ctx, b, t)
			if err != nil {
				fmt.Fprintln(r.log, "failed")
				res.setError(t.Name, err)
				continue
			}
			s, _ := summarize(samples)
			fmt.Fprintf(r.log, "median %s %s\n", formatValue(s.Median), b.Unit)
			res.set(t.Name, s)
		}
		res.computeRatio()
		if b.Items > 0 {
			if n := rateNote(res, b.Items, b.ItemName); n != "" {
				rep.note("%s", n)
			}
		}
		rep.Results = append(rep.Results, res)
	}
	if r.hostile != nil {
		rep.Hostile = r.runHostile(ctx, targets[nameReference], *r.hostile)
	}
	return rep, nil
}

// measure takes warm-up and measured samples of b for t and returns the
// measured ones.
func (r *runner) measure(ctx context.Context, b benchmark, t *target) (samples []float64, err error) {
	sample, cleanup, err := b.Prepare(ctx, r, t)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	defer func() {
		if cerr := cleanup(); cerr != nil && err == nil {
			err = fmt.Errorf("clean up: %w", cerr)
		}
	}()
	for i := range b.Warmups + r.runsOf(b) {
		v, err := sample(ctx)
		if err != nil {
			if i < b.Warmups {
				return nil, fmt.Errorf("warm-up %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("run %d: %w", i-b.Warmups+1, err)
		}
		if i >= b.Warmups {
			samples = append(samples, v)
		}
	}
	return samples, nil
}
