package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
)

// ApplyArg is the hidden first argument that makes the codex binary act as
// the patch writer: it reads an encoded Plan on its standard input and
// applies it (see ApplyMain). The server runs it under the turn's sandbox
// so that an auto-approved patch is written with the same restrictions as
// the model's commands.
const ApplyArg = "__codex_apply_patch"

// Exit statuses of ApplyMain.
const (
	// ApplyExitFailed reports a plan that could not be applied (a file
	// changed since verification, a write the sandbox refused, ...).
	ApplyExitFailed = 1
	// ApplyExitBadPlan reports standard input that does not hold a plan.
	ApplyExitBadPlan = 2
)

// planFormat is the version of the encoding written by Encode.
const planFormat = 1

// maxPlanSize bounds the encoded plan ApplyMain accepts.
const maxPlanSize = 1 << 30

// wirePlan is the encoded form of a Plan.
type wirePlan struct {
	Format  int        `json:"format"`
	Files   []wireFile `json:"files"`
	Summary []string   `json:"summary"`
}

// wireFile is one path of an encoded plan.
type wireFile struct {
	Path string `json:"path"`
	// Original is the state the file must still have; always present.
	Original wireState `json:"original"`
	// Final is the state to give the file; absent for a path only read.
	Final  *wireState `json:"final,omitempty"`
	Target wirePlace  `json:"target"`
	Entry  wirePlace  `json:"entry"`
}

// wireState is a fileState. Content is bytes (base64 in JSON) so that
// files that are not UTF-8 survive the trip unchanged.
type wireState struct {
	Exists  bool        `json:"exists"`
	Content []byte      `json:"content,omitempty"`
	Perm    fs.FileMode `json:"perm,omitempty"`
}

// wirePlace is a place.
type wirePlace struct {
	Dir string `json:"dir"`
	ID  *dirID `json:"id,omitempty"`
	Rel string `json:"rel"`
}

func toWireState(s fileState) wireState {
	return wireState{Exists: s.exists, Content: []byte(s.content), Perm: s.perm}
}

func (w wireState) state() fileState {
	return fileState{exists: w.Exists, content: string(w.Content), perm: w.Perm}
}

func toWirePlace(p place) wirePlace { return wirePlace{Dir: p.dir, ID: p.id, Rel: p.rel} }

func (w wirePlace) place() place { return place{dir: w.Dir, id: w.ID, rel: w.Rel} }

// Encode serialises what applying the plan needs: for every path the
// content it must still have, the content, permission or absence to give
// it, and where it is reached (see Apply), plus the summary. Changes is not
// included: it describes the plan to people, and applying does not use it.
func (pl *Plan) Encode() ([]byte, error) {
	w := wirePlan{Format: planFormat, Summary: pl.summary}
	for _, p := range pl.Paths() {
		if _, ok := pl.original[p]; !ok {
			return nil, fmt.Errorf("encode plan: %s has no recorded original state", p)
		}
	}
	for _, p := range sortedKeys(pl.original) {
		pls, ok := pl.places[p]
		if !ok {
			return nil, fmt.Errorf("encode plan: %s has no recorded place", p)
		}
		f := wireFile{Path: p, Original: toWireState(pl.original[p]), Target: toWirePlace(pls.target), Entry: toWirePlace(pls.entry)}
		if s, ok := pl.final[p]; ok {
			ws := toWireState(s)
			f.Final = &ws
		}
		w.Files = append(w.Files, f)
	}
	data, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return data, nil
}

// DecodePlan is the inverse of Encode. It checks that the plan is well
// formed (absolute, clean and distinct paths; places below absolute
// directories) but not the files themselves: Apply does. The decoded plan
// has no Changes.
func DecodePlan(data []byte) (*Plan, error) {
	var w wirePlan
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	if w.Format != planFormat {
		return nil, fmt.Errorf("decode plan: format %d, want %d", w.Format, planFormat)
	}
	if len(w.Files) == 0 {
		return nil, errors.New("decode plan: no files")
	}
	pl := &Plan{
		original: make(map[string]fileState, len(w.Files)),
		final:    make(map[string]fileState, len(w.Files)),
		places:   make(map[string]places, len(w.Files)),
		summary:  w.Summary,
	}
	for _, f := range w.Files {
		if err := checkWireFile(f); err != nil {
			return nil, fmt.Errorf("decode plan: %w", err)
		}
		if _, dup := pl.original[f.Path]; dup {
			return nil, fmt.Errorf("decode plan: %s appears twice", f.Path)
		}
		pl.original[f.Path] = f.Original.state()
		if f.Final != nil {
			pl.final[f.Path] = f.Final.state()
		}
		pl.places[f.Path] = places{target: f.Target.place(), entry: f.Entry.place()}
	}
	return pl, nil
}

// checkWireFile checks the paths of one encoded file.
func checkWireFile(f wireFile) error {
	if !isCleanAbs(f.Path) {
		return fmt.Errorf("path %q is not absolute and clean", f.Path)
	}
	for _, s := range []*wireState{&f.Original, f.Final} {
		if s != nil && s.Perm&^fs.ModePerm != 0 {
			return fmt.Errorf("%s: permission %v has more than permission bits", f.Path, s.Perm)
		}
	}
	for _, p := range []wirePlace{f.Target, f.Entry} {
		if !isCleanAbs(p.Dir) {
			return fmt.Errorf("%s: directory %q is not absolute and clean", f.Path, p.Dir)
		}
		if !filepath.IsLocal(p.Rel) || filepath.Clean(p.Rel) != p.Rel {
			return fmt.Errorf("%s: %q is not a clean path below %s", f.Path, p.Rel, p.Dir)
		}
	}
	return nil
}

// isCleanAbs reports whether p is an absolute path in clean form.
func isCleanAbs(p string) bool {
	return filepath.IsAbs(p) && filepath.Clean(p) == p
}

// ApplyMain is the patch writer, run when the codex binary's first argument
// is ApplyArg: it reads an encoded Plan (see Encode) from stdin, applies it
// (which rechecks that the files still hold what was verified) and prints
// the summary on stdout. It returns the exit status: 0 on success,
// ApplyExitFailed with the error on stderr when applying failed, and
// ApplyExitBadPlan when stdin did not hold a plan.
func ApplyMain(stdin io.Reader, stdout, stderr io.Writer) int {
	data, err := io.ReadAll(io.LimitReader(stdin, maxPlanSize+1))
	if err == nil && len(data) > maxPlanSize {
		err = fmt.Errorf("the plan is larger than %d bytes", maxPlanSize)
	}
	if err != nil {
		fmt.Fprintf(stderr, "read plan: %v\n", err)
		return ApplyExitBadPlan
	}
	pl, err := DecodePlan(data)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ApplyExitBadPlan
	}
	summary, err := pl.Apply()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ApplyExitFailed
	}
	if _, err := io.WriteString(stdout, summary); err != nil {
		fmt.Fprintf(stderr, "write summary: %v\n", err)
		return ApplyExitFailed
	}
	return 0
}
