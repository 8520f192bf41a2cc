// Package filesearch finds files by fuzzy-matching their paths, for the
// app-server's fuzzyFileSearch request.
//
// Search walks one or more roots concurrently, skipping .git and whatever
// .gitignore files (at every level, including those of enclosing directories
// up to the repository top) and .git/info/exclude exclude, and ranks every
// remaining file's relative path against the query.
package filesearch

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// cancelCheckEvery is how many entries of one directory are examined
// between checks for cancellation.
const cancelCheckEvery = 4096

// DefaultLimit is the number of results returned when Search is given a
// limit of zero or less.
const DefaultLimit = 64

// Match is one file found by Search.
type Match struct {
	// Root is the search root the file was found under, as given.
	Root string `json:"root"`
	// Path is the file's path relative to Root, with "/" separators.
	Path string `json:"path"`
	// FileName is the last element of Path.
	FileName string `json:"file_name"`
	// Score ranks the match; higher is better.
	Score int `json:"score"`
	// MatchType says what Path names: MatchFile or MatchDirectory.
	MatchType string `json:"match_type"`
	// Indices are the byte offsets in Path of the matched characters,
	// ascending.
	Indices []int `json:"indices,omitempty"`
}

// The kinds of Match.MatchType.
const (
	// MatchFile is a match that is a file (or anything but a directory).
	MatchFile = "file"
	// MatchDirectory is a match that is a directory.
	MatchDirectory = "directory"
)

// Search returns the files and directories under roots whose relative
// paths match query,
// best first: by score, then by path, then by the order of the roots. query
// is split on white space and every term must match, case-insensitively, as
// a subsequence of the path. An empty query matches nothing. At most limit
// matches are returned (DefaultLimit when limit <= 0). A cancelled ctx stops
// the walk promptly and its error is returned.
func Search(ctx context.Context, query string, roots []string, limit int) ([]Match, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if _, ok := newScorer(query); !ok {
		return []Match{}, nil
	}
	w := &walker{ctx: ctx, query: query, limit: limit}
	w.cond.L = &w.mu
	for i, root := range roots {
		job, err := rootJob(i, root)
		if err != nil {
			return nil, err
		}
		w.roots = append(w.roots, root)
		w.prefixLen = append(w.prefixLen, job.prefixLen)
		w.queue = append(w.queue, job.dirJob)
	}
	w.pending = len(w.queue)

	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()

	workers := max(1, runtime.GOMAXPROCS(0))
	results := make([]*topK, workers)
	var wg sync.WaitGroup
	for i := range workers {
		results[i] = &topK{limit: limit}
		wg.Go(func() { w.work(results[i]) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var all []candidate
	for _, r := range results {
		all = append(all, r.items...)
	}
	slices.SortFunc(all, func(a, b candidate) int {
		switch {
		case worse(a, b):
			return 1
		case worse(b, a):
			return -1
		}
		return 0
	})
	if len(all) > limit {
		all = all[:limit]
	}

	sc, _ := newScorer(query)
	out := make([]Match, 0, len(all))
	for _, c := range all {
		m := Match{Root: w.roots[c.root], Path: c.path, FileName: path.Base(c.path), Score: c.score, MatchType: MatchFile}
		if c.dir {
			m.MatchType = MatchDirectory
		}
		if _, ok := sc.score(c.path); ok {
			m.Indices = sc.indices()
		}
		out = append(out, m)
	}
	return out, nil
}

// rootSetup is the first directory job of a root and the length of the
// prefix that turns origin-relative paths into root-relative ones.
type rootSetup struct {
	dirJob
	prefixLen int
}

// rootJob resolves root and the ignore files that apply above it. When root
// lies inside a git work tree, paths are matched against ignore patterns
// relative to the work tree's top, whose info/exclude and .gitignore files
// between the top and root apply.
func rootJob(index int, root string) (rootSetup, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return rootSetup{}, fmt.Errorf("search root %s: %w", root, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return rootSetup{}, fmt.Errorf("search root %s: %w", root, err)
	}
	if !info.IsDir() {
		return rootSetup{}, fmt.Errorf("search root %s: not a directory", root)
	}

	top, gitDir := findWorkTree(abs)
	if top == "" {
		return rootSetup{dirJob: dirJob{root: index, abs: abs}}, nil
	}
	var stack *ignoreStack
	if gitDir != "" {
		stack = stack.push(readIgnoreFile(filepath.Join(gitDir, "info", "exclude"), ""))
	}
	relRoot, err := filepath.Rel(top, abs)
	if err != nil || relRoot == "." {
		return rootSetup{dirJob: dirJob{root: index, abs: abs, ignore: stack}}, nil
	}
	relRoot = filepath.ToSlash(relRoot)
	// The .gitignore files of the directories from the top down to root's
	// parent; root's own is read by the walk.
	dir, rel := top, ""
	for elem := range strings.SplitSeq(relRoot, "/") {
		stack = stack.push(readIgnoreFile(filepath.Join(dir, ".gitignore"), rel))
		dir = filepath.Join(dir, elem)
		rel = path.Join(rel, elem)
	}
	return rootSetup{
		dirJob:    dirJob{root: index, abs: abs, rel: relRoot, ignore: stack},
		prefixLen: len(relRoot) + 1,
	}, nil
}

// findWorkTree looks for a ".git" entry in dir and its ancestors. It returns
// the directory holding it and the git directory ("" when .git is a file
// that cannot be resolved), or "" when dir is not inside a work tree.
func findWorkTree(dir string) (top, gitDir string) {
	for {
		dotGit := filepath.Join(dir, ".git")
		if info, err := os.Lstat(dotGit); err == nil {
			if info.IsDir() {
				return dir, dotGit
			}
			return dir, resolveGitFile(dir, dotGit)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ""
		}
		dir = parent
	}
}

// resolveGitFile reads a ".git" file of the form "gitdir: <path>", as left
// by worktrees and submodules, and returns the directory it names.
func resolveGitFile(dir, file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return ""
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target
}

// dirJob is one directory waiting to be read.
type dirJob struct {
	root   int          // index into the roots
	abs    string       // the directory's path on disk
	rel    string       // slash path relative to the walk origin; "" for the origin
	ignore *ignoreStack // ignore files in effect for the directory's entries
}

// walker runs a pool of workers over a shared stack of directories. Each
// worker scores the files it finds and keeps its own best results.
type walker struct {
	ctx       context.Context
	query     string
	limit     int
	roots     []string
	prefixLen []int // per root, see rootSetup

	mu      sync.Mutex
	cond    sync.Cond
	queue   []dirJob
	pending int // directories queued or being read
	stopped bool
}

// cancel wakes every waiting worker so that they return.
func (w *walker) cancel() {
	w.mu.Lock()
	w.stopped = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// next hands out a directory, waiting while other workers may still queue
// more. It returns false when the walk is over or cancelled.
func (w *walker) next() (dirJob, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.queue) == 0 && w.pending > 0 && !w.stopped {
		w.cond.Wait()
	}
	if w.stopped || len(w.queue) == 0 {
		return dirJob{}, false
	}
	job := w.queue[len(w.queue)-1]
	w.queue = w.queue[:len(w.queue)-1]
	return job, true
}

// done records that a directory has been read and queues its
// subdirectories.
func (w *walker) done(subdirs []dirJob) {
	w.mu.Lock()
	w.queue = append(w.queue, subdirs...)
	w.pending += len(subdirs) - 1
	switch {
	case w.pending == 0:
		w.cond.Broadcast()
	case len(subdirs) == 1:
		w.cond.Signal()
	case len(subdirs) > 1:
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

// work is the loop of one worker.
func (w *walker) work(best *topK) {
	sc, _ := newScorer(w.query)
	var subdirs []dirJob
	for {
		job, ok := w.next()
		if !ok {
			return
		}
		subdirs = w.readDir(job, sc, best, subdirs[:0])
		w.done(subdirs)
	}
}

// readDir lists one directory, scores its entries into best and returns its
// subdirectories (appended to subdirs) that are not ignored.
func (w *walker) readDir(job dirJob, sc *scorer, best *topK, subdirs []dirJob) []dirJob {
	if w.ctx.Err() != nil {
		w.cancel() // stop the other workers without waiting for AfterFunc
		return subdirs
	}
	f, err := os.Open(job.abs)
	if err != nil {
		return subdirs // unreadable directories are skipped
	}
	entries, _ := f.ReadDir(-1)
	f.Close()

	stack := job.ignore
	for _, e := range entries {
		if e.Name() == ".gitignore" && !e.IsDir() {
			stack = stack.push(readIgnoreFile(filepath.Join(job.abs, ".gitignore"), job.rel))
			break
		}
	}
	prefix := w.prefixLen[job.root]
	for i, e := range entries {
		// Huge directories check for cancellation as they go.
		if i%cancelCheckEvery == cancelCheckEvery-1 && w.ctx.Err() != nil {
			w.cancel()
			return subdirs
		}
		name := e.Name()
		if name == ".git" {
			continue
		}
		rel := name
		if job.rel != "" {
			rel = job.rel + "/" + name
		}
		isDir := e.IsDir()
		if stack.ignored(rel, name, isDir) {
			continue
		}
		if isDir {
			subdirs = append(subdirs, dirJob{
				root:   job.root,
				abs:    filepath.Join(job.abs, name),
				rel:    rel,
				ignore: stack,
			})
		}
		p := rel[prefix:]
		if score, ok := sc.score(p); ok {
			best.offer(candidate{score: score, root: job.root, path: p, dir: isDir})
		}
	}
	return subdirs
}

// candidate is a scored file or directory before its indices are
// computed.
type candidate struct {
	score int
	root  int
	path  string
	dir   bool
}

// worse reports whether a ranks below b: lower score, then later path, then
// later root.
func worse(a, b candidate) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	if a.path != b.path {
		return a.path > b.path
	}
	return a.root > b.root
}

// topK keeps the best limit candidates in a min-heap ordered by worse.
type topK struct {
	limit int
	items []candidate
}

// offer adds c if it ranks among the best limit seen so far.
func (t *topK) offer(c candidate) {
	if len(t.items) < t.limit {
		t.items = append(t.items, c)
		t.up(len(t.items) - 1)
		return
	}
	if !worse(t.items[0], c) {
		return
	}
	t.items[0] = c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !worse(t.items[i], t.items[parent]) {
			return
		}
		t.items[i], t.items[parent] = t.items[parent], t.items[i]
		i = parent
	}
}

func (t *topK) down(i int) {
	n := len(t.items)
	for {
		least := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n && worse(t.items[c], t.items[least]) {
				least = c
			}
		}
		if least == i {
			return
		}
		t.items[i], t.items[least] = t.items[least], t.items[i]
		i = least
	}
}
