package fsops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// MaxWatches is the most watches one Watcher holds at once.
const MaxWatches = 1024

// MaxPendingPaths is the most changed paths a watch keeps between two of
// its notifications. Past it, the watch forgets them and reports its own
// path alone, meaning "something under here changed".
const MaxPendingPaths = 1024

// coalesceDelay is how long a Watcher waits after the first change of a
// burst before notifying, so that the events of one save or checkout go
// out together.
const coalesceDelay = 20 * time.Millisecond

// Watcher watches files and directories and reports their changes,
// coalesced: each watch keeps a set of changed paths (at most
// MaxPendingPaths) until its next notification, so that a flood of events,
// or a client that reads slowly, costs bounded memory and yields few
// notifications. A directory watch reports changes of the directory and
// of its direct children; a file watch reports changes of the file,
// including its replacement by a new file of the same name. Create one
// with NewWatcher and start it with Run.
type Watcher struct {
	fw     *fsnotify.Watcher
	notify func(id string, paths []string)
	delay  time.Duration

	// sendMu is held while notifications are sent; Remove takes it, so
	// that no notification of a watch is sent once Remove has returned.
	sendMu  sync.Mutex
	mu      sync.Mutex
	watches map[string]*watch   // by id
	dirs    map[string][]*watch // by the directory the OS watches for them
	wake    chan struct{}       // holds a token while changes wait
}

// watch is one watch of a Watcher.
type watch struct {
	id       string
	path     string // the watched path, links resolved
	dir      string // the directory the OS watches: path, or its parent
	file     bool   // path is not a directory: only its own events count
	pending  map[string]struct{}
	overflow bool // more than MaxPendingPaths changed: report path alone
}

// NewWatcher returns a Watcher that calls notify with a watch's id and
// its changed paths (absolute, sorted). notify is called from Run's
// goroutines, one call at a time.
func NewWatcher(notify func(id string, paths []string)) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start watching files: %w", err)
	}
	return &Watcher{
		fw:      fw,
		notify:  notify,
		delay:   coalesceDelay,
		watches: map[string]*watch{},
		dirs:    map[string][]*watch{},
		wake:    make(chan struct{}, 1),
	}, nil
}

// Run reads the changes and sends the notifications until ctx is done. It
// then stops every watch and returns; the Watcher is of no further use.
func (w *Watcher) Run(ctx context.Context) {
	defer w.fw.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { w.sendLoop(ctx) })
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			w.record(ev.Name)
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			// The kernel dropped events: every watch may have missed some.
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.overflowAll()
			}
		}
	}
}

// Add starts watch id of path, a file or directory, and returns the path
// watched: path with symbolic links resolved. A path that does not exist
// yet is watched when its directory exists, and reported once it appears.
func (w *Watcher) Add(id, path string) (string, error) {
	const op = "watch"
	path, err := CheckPath(path)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", pathErr(op, path, ErrInvalidPath, "the watch id is empty")
	}
	wt, err := newWatch(id, path)
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.watches[id]; ok {
		return "", pathErr(op, path, ErrRefused, fmt.Sprintf("the watch id %q is already in use", id))
	}
	if len(w.watches) >= MaxWatches {
		return "", pathErr(op, path, ErrTooLarge, fmt.Sprintf("this connection already has %d watches", MaxWatches))
	}
	if len(w.dirs[wt.dir]) == 0 {
		if err := w.fw.Add(wt.dir); err != nil {
			return "", osErr(op, wt.dir, err)
		}
	}
	w.watches[id] = wt
	w.dirs[wt.dir] = append(w.dirs[wt.dir], wt)
	return wt.path, nil
}

// newWatch returns watch id of path. A path that does not exist yet is
// watched through its directory, which must exist, and reported when it
// appears.
func newWatch(id, path string) (*watch, error) {
	const op = "watch"
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir, derr := filepath.EvalSymlinks(filepath.Dir(path))
		if derr != nil {
			return nil, osErr(op, path, err)
		}
		// A missing path or a dangling link: its name in the directory is
		// watched.
		real = filepath.Join(dir, filepath.Base(path))
		return &watch{id: id, path: real, dir: dir, file: true, pending: map[string]struct{}{}}, nil
	}
	if err != nil {
		return nil, osErr(op, path, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return nil, osErr(op, path, err)
	}
	wt := &watch{id: id, path: real, dir: real, file: !info.IsDir(), pending: map[string]struct{}{}}
	if wt.file {
		// Editors save by writing a new file and renaming it over the old
		// one, which ends a watch of the old file: the directory is
		// watched instead and its other entries ignored.
		wt.dir = filepath.Dir(real)
	}
	return wt, nil
}

// Remove stops watch id and reports whether there was one. No
// notification of it is sent once Remove has returned.
func (w *Watcher) Remove(id string) bool {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	wt, ok := w.watches[id]
	if !ok {
		return false
	}
	delete(w.watches, id)
	rest := slices.DeleteFunc(w.dirs[wt.dir], func(o *watch) bool { return o == wt })
	if len(rest) > 0 {
		w.dirs[wt.dir] = rest
		return true
	}
	delete(w.dirs, wt.dir)
	// The OS may have ended the watch already (the directory is gone).
	_ = w.fw.Remove(wt.dir)
	return true
}

// record notes a change of path for the watches it concerns.
func (w *Watcher) record(path string) {
	w.mu.Lock()
	changed := false
	for _, wt := range w.dirs[filepath.Dir(path)] {
		if !wt.file || wt.path == path {
			wt.add(path)
			changed = true
		}
	}
	// The watched directory itself was removed or renamed.
	for _, wt := range w.dirs[path] {
		if !wt.file {
			wt.add(path)
			changed = true
		}
	}
	w.mu.Unlock()
	if changed {
		w.signal()
	}
}

// overflowAll makes every watch report its own path.
func (w *Watcher) overflowAll() {
	w.mu.Lock()
	for _, wt := range w.watches {
		wt.overflow, wt.pending = true, map[string]struct{}{}
	}
	w.mu.Unlock()
	w.signal()
}

// signal wakes the sending loop.
func (w *Watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// add notes a changed path, or the overflow.
func (wt *watch) add(path string) {
	if wt.overflow {
		return
	}
	if len(wt.pending) >= MaxPendingPaths {
		wt.overflow, wt.pending = true, map[string]struct{}{}
		return
	}
	wt.pending[path] = struct{}{}
}

// take returns and forgets the changed paths, nil when there are none.
func (wt *watch) take() []string {
	if wt.overflow {
		wt.overflow = false
		return []string{wt.path}
	}
	if len(wt.pending) == 0 {
		return nil
	}
	paths := make([]string, 0, len(wt.pending))
	for p := range wt.pending {
		paths = append(paths, p)
	}
	clear(wt.pending)
	slices.Sort(paths)
	return paths
}

// sendLoop sends the notifications of the watches that changed, a short
// while after the first change of a burst, until ctx is done.
func (w *Watcher) sendLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		timer.Reset(w.delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		w.send()
	}
}

// send notifies every watch that has changes.
func (w *Watcher) send() {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	type batch struct {
		id    string
		paths []string
	}
	var batches []batch
	w.mu.Lock()
	for id, wt := range w.watches {
		if paths := wt.take(); paths != nil {
			batches = append(batches, batch{id, paths})
		}
	}
	w.mu.Unlock()
	slices.SortFunc(batches, func(a, b batch) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	for _, b := range batches {
		w.notify(b.id, b.paths)
	}
}
