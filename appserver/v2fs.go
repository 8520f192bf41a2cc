package appserver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/fsops"
	"github.com/codex-go/codex/internal/rpcserver"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// maxFsOps is how many file requests of a connection run at once. The
// next one waits, and the server reads no further request meanwhile, so
// that a client sending many large writes or reads holds a bounded amount
// of memory.
const maxFsOps = 4

// fsState is what the file methods keep per connection.
type fsState struct {
	// slots holds a token per file request that runs.
	slots chan struct{}

	mu sync.Mutex
	// watcher is started by the first fs/watch and stops with the
	// connection; nil before.
	watcher *fsops.Watcher
}

// newFSState returns the state of a connection without file requests yet.
func newFSState() fsState {
	return fsState{slots: make(chan struct{}, maxFsOps)}
}

// fsError turns an error of package fsops into the JSON-RPC error
// answering the request: invalid params (-32602) for a path that is not
// absolute or holds "..", invalid request (-32600) for a request refused as
// it stands (wrong kind of file, too large, recursive missing, watch id in
// use), internal error (-32603) for what the operating system refused
// (missing file, permissions, an existing path), as codex-cli 0.171 does.
func fsError(err error) *jsonrpc2.Error {
	switch {
	case errors.Is(err, fsops.ErrInvalidPath):
		return rpcserver.InvalidParamsf(nil, "", "%v", err)
	case errors.Is(err, fsops.ErrWrongKind), errors.Is(err, fsops.ErrTooLarge), errors.Is(err, fsops.ErrRefused):
		return invalidRequest(err.Error())
	}
	return internalError("%v", err)
}

// runFs answers r with what op returns, op running in a goroutine of its
// own once one of the connection's maxFsOps slots is free, so that a slow
// copy or a large directory does not hold up the other requests.
func runFs[R any](s *Server, ctx context.Context, r rpcserver.Reply[R], op func(ctx context.Context) (R, error)) {
	life := s.lifetime()
	select {
	case s.files.slots <- struct{}{}:
	case <-life.Done():
		r.Fail(ctx, shuttingDown())
		return
	}
	if !s.goTracked(func() {
		defer func() { <-s.files.slots }()
		result, err := op(life)
		if err != nil {
			r.Fail(life, fsError(err))
			return
		}
		r.Send(life, result)
	}) {
		<-s.files.slots
		r.Fail(ctx, shuttingDown())
	}
}

// fsReadFile answers with a file's contents in base64; files over
// fsops.MaxFileBytes are refused.
func (s *Server) fsReadFile(ctx context.Context, p v2.FsReadFileParams, r rpcserver.Reply[v2.FsReadFileResponse]) {
	runFs(s, ctx, r, func(context.Context) (v2.FsReadFileResponse, error) {
		data, err := fsops.ReadFile(p.Path)
		if err != nil {
			return v2.FsReadFileResponse{}, err
		}
		return v2.FsReadFileResponse{DataBase64: base64.StdEncoding.EncodeToString(data)}, nil
	})
}

// fsWriteFile writes a file from base64 data.
func (s *Server) fsWriteFile(ctx context.Context, p v2.FsWriteFileParams, r rpcserver.Reply[v2.FsWriteFileResponse]) {
	// Checked before decoding, so that a huge payload is not decoded.
	if n := base64.StdEncoding.DecodedLen(len(p.DataBase64)); n > fsops.MaxFileBytes+2 {
		r.Fail(ctx, invalidRequest(fmt.Sprintf("write %s: about %d bytes is more than the %d this method writes", p.Path, n, fsops.MaxFileBytes)))
		return
	}
	runFs(s, ctx, r, func(context.Context) (v2.FsWriteFileResponse, error) {
		data, err := base64.StdEncoding.DecodeString(p.DataBase64)
		if err != nil {
			return v2.FsWriteFileResponse{}, &fsops.PathError{Op: "write", Path: p.Path, Reason: "dataBase64 is not valid base64: " + err.Error(), Kind: fsops.ErrRefused}
		}
		return v2.FsWriteFileResponse{}, fsops.WriteFile(p.Path, data)
	})
}

// fsCreateDirectory creates a directory, with its parents unless recursive
// is false.
func (s *Server) fsCreateDirectory(_ context.Context, p v2.FsCreateDirectoryParams) (v2.FsCreateDirectoryResponse, error) {
	if err := fsops.CreateDirectory(p.Path, orTrue(p.Recursive)); err != nil {
		return v2.FsCreateDirectoryResponse{}, fsError(err)
	}
	return v2.FsCreateDirectoryResponse{}, nil
}

// fsGetMetadata describes a path.
func (s *Server) fsGetMetadata(_ context.Context, p v2.FsGetMetadataParams) (v2.FsGetMetadataResponse, error) {
	md, err := fsops.GetMetadata(p.Path)
	if err != nil {
		return v2.FsGetMetadataResponse{}, fsError(err)
	}
	resp := v2.FsGetMetadataResponse{
		IsDirectory: md.IsDirectory, IsFile: md.IsFile, IsSymlink: md.IsSymlink,
		ModifiedAtMs: md.Modified.UnixMilli(),
	}
	if !md.Created.IsZero() {
		resp.CreatedAtMs = md.Created.UnixMilli()
	}
	return resp, nil
}

// fsReadDirectory lists a directory's children.
func (s *Server) fsReadDirectory(ctx context.Context, p v2.FsReadDirectoryParams, r rpcserver.Reply[v2.FsReadDirectoryResponse]) {
	runFs(s, ctx, r, func(ctx context.Context) (v2.FsReadDirectoryResponse, error) {
		entries, err := fsops.ReadDirectory(ctx, p.Path)
		if err != nil {
			return v2.FsReadDirectoryResponse{}, err
		}
		resp := v2.FsReadDirectoryResponse{Entries: make([]v2.FsReadDirectoryEntry, len(entries))}
		for i, e := range entries {
			resp.Entries[i] = v2.FsReadDirectoryEntry{FileName: e.Name, IsDirectory: e.IsDirectory, IsFile: e.IsFile}
		}
		return resp, nil
	})
}

// fsRemove removes a file or a directory tree.
func (s *Server) fsRemove(ctx context.Context, p v2.FsRemoveParams, r rpcserver.Reply[v2.FsRemoveResponse]) {
	runFs(s, ctx, r, func(context.Context) (v2.FsRemoveResponse, error) {
		return v2.FsRemoveResponse{}, fsops.Remove(p.Path, orTrue(p.Recursive), orTrue(p.Force))
	})
}

// fsCopy copies a file or a directory tree.
func (s *Server) fsCopy(ctx context.Context, p v2.FsCopyParams, r rpcserver.Reply[v2.FsCopyResponse]) {
	runFs(s, ctx, r, func(ctx context.Context) (v2.FsCopyResponse, error) {
		return v2.FsCopyResponse{}, fsops.Copy(ctx, p.SourcePath, p.DestinationPath, p.Recursive)
	})
}

// fsWatch starts a watch; its changes are sent as fs/changed notifications
// until fs/unwatch or the end of the connection.
func (s *Server) fsWatch(_ context.Context, p v2.FsWatchParams) (v2.FsWatchResponse, error) {
	w, err := s.fsWatcher()
	if err != nil {
		return v2.FsWatchResponse{}, err
	}
	path, err := w.Add(p.WatchID, p.Path)
	if err != nil {
		return v2.FsWatchResponse{}, fsError(err)
	}
	return v2.FsWatchResponse{Path: path}, nil
}

// fsUnwatch stops a watch; an unknown id is no error, as with codex-cli
// 0.171. No fs/changed of the watch follows the answer.
func (s *Server) fsUnwatch(_ context.Context, p v2.FsUnwatchParams) (v2.FsUnwatchResponse, error) {
	s.files.mu.Lock()
	w := s.files.watcher
	s.files.mu.Unlock()
	if w != nil {
		w.Remove(p.WatchID)
	}
	return v2.FsUnwatchResponse{}, nil
}

// fsWatcher returns the connection's watcher, starting it on first use.
// It runs until the connection ends.
func (s *Server) fsWatcher() (*fsops.Watcher, error) {
	s.files.mu.Lock()
	defer s.files.mu.Unlock()
	if s.files.watcher != nil {
		return s.files.watcher, nil
	}
	life := s.lifetime()
	w, err := fsops.NewWatcher(func(id string, paths []string) {
		s.notifyV2(life, v2.NotificationFsChanged, v2.FsChangedNotification{WatchID: id, ChangedPaths: paths})
	})
	if err != nil {
		return nil, internalError("%v", err)
	}
	if !s.goTracked(func() { w.Run(life) }) {
		// Run was not started: start and stop it at once to release the
		// watcher's resources.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w.Run(ctx)
		return nil, shuttingDown()
	}
	s.files.watcher = w
	return w, nil
}

// orTrue returns *b, or true when b is nil.
func orTrue(b *bool) bool { return b == nil || *b }
