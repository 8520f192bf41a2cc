package v2

// The file methods: reading, writing and watching the host's file system
// by absolute path, for clients that cannot reach it themselves (a remote
// editor, a web view). Every path is an absolute path; file contents
// travel as standard base64 with padding.

// Client requests of the file methods.
const (
	// MethodFsReadFile reads a whole file.
	MethodFsReadFile = "fs/readFile"
	// MethodFsWriteFile writes a whole file, creating it when needed.
	MethodFsWriteFile = "fs/writeFile"
	// MethodFsCreateDirectory creates a directory.
	MethodFsCreateDirectory = "fs/createDirectory"
	// MethodFsGetMetadata describes a path: its kind and times.
	MethodFsGetMetadata = "fs/getMetadata"
	// MethodFsReadDirectory lists a directory's direct children.
	MethodFsReadDirectory = "fs/readDirectory"
	// MethodFsRemove removes a file or a directory tree.
	MethodFsRemove = "fs/remove"
	// MethodFsCopy copies a file or a directory tree.
	MethodFsCopy = "fs/copy"
	// MethodFsWatch starts reporting changes of a path as fs/changed
	// notifications.
	MethodFsWatch = "fs/watch"
	// MethodFsUnwatch stops a watch started by fs/watch.
	MethodFsUnwatch = "fs/unwatch"
)

// NotificationFsChanged reports paths of a watch that changed.
const NotificationFsChanged = "fs/changed"

// FsReadFileParams are the params of fs/readFile.
type FsReadFileParams struct {
	// Path is the absolute path of the file to read.
	Path string `json:"path"`
}

// FsReadFileResponse answers fs/readFile with the file's contents.
type FsReadFileResponse struct {
	// DataBase64 is the whole file, base64-encoded.
	DataBase64 string `json:"dataBase64"`
}

// FsWriteFileParams are the params of fs/writeFile.
type FsWriteFileParams struct {
	// Path is the absolute path of the file to write.
	Path string `json:"path"`
	// DataBase64 is the file's new contents, base64-encoded.
	DataBase64 string `json:"dataBase64"`
}

// FsWriteFileResponse answers fs/writeFile once the file is written.
type FsWriteFileResponse struct{}

// FsCreateDirectoryParams are the params of fs/createDirectory.
type FsCreateDirectoryParams struct {
	// Path is the absolute path of the directory to create.
	Path string `json:"path"`
	// Recursive creates missing parent directories too, and accepts a
	// directory that already exists; absent or null means true.
	Recursive *bool `json:"recursive,omitempty"`
}

// FsCreateDirectoryResponse answers fs/createDirectory once the directory
// exists.
type FsCreateDirectoryResponse struct{}

// FsGetMetadataParams are the params of fs/getMetadata.
type FsGetMetadataParams struct {
	// Path is the absolute path to describe.
	Path string `json:"path"`
}

// FsGetMetadataResponse describes a path.
type FsGetMetadataResponse struct {
	// IsDirectory says whether the path resolves to a directory.
	IsDirectory bool `json:"isDirectory"`
	// IsFile says whether the path resolves to a regular file.
	IsFile bool `json:"isFile"`
	// IsSymlink says whether the path itself is a symbolic link.
	IsSymlink bool `json:"isSymlink"`
	// CreatedAtMs is the creation time in Unix milliseconds, or 0 where the
	// file system does not record it.
	CreatedAtMs int64 `json:"createdAtMs"`
	// ModifiedAtMs is the modification time in Unix milliseconds.
	ModifiedAtMs int64 `json:"modifiedAtMs"`
}

// FsReadDirectoryParams are the params of fs/readDirectory.
type FsReadDirectoryParams struct {
	// Path is the absolute path of the directory to list.
	Path string `json:"path"`
}

// FsReadDirectoryResponse lists a directory's direct children.
type FsReadDirectoryResponse struct {
	// Entries are the children, sorted by name.
	Entries []FsReadDirectoryEntry `json:"entries"`
}

// FsReadDirectoryEntry is one child of a listed directory.
type FsReadDirectoryEntry struct {
	// FileName is the child's name, not a path.
	FileName string `json:"fileName"`
	// IsDirectory says whether the child resolves to a directory.
	IsDirectory bool `json:"isDirectory"`
	// IsFile says whether the child resolves to a regular file.
	IsFile bool `json:"isFile"`
}

// FsRemoveParams are the params of fs/remove.
type FsRemoveParams struct {
	// Path is the absolute path to remove.
	Path string `json:"path"`
	// Recursive removes a directory with everything in it; absent or null
	// means true.
	Recursive *bool `json:"recursive,omitempty"`
	// Force makes a missing path a success; absent or null means true.
	Force *bool `json:"force,omitempty"`
}

// FsRemoveResponse answers fs/remove once the path is gone.
type FsRemoveResponse struct{}

// FsCopyParams are the params of fs/copy.
type FsCopyParams struct {
	// SourcePath is the absolute path of the file or directory to copy.
	SourcePath string `json:"sourcePath"`
	// DestinationPath is the absolute path of the copy.
	DestinationPath string `json:"destinationPath"`
	// Recursive must be true to copy a directory; files ignore it.
	Recursive bool `json:"recursive,omitempty"`
}

// FsCopyResponse answers fs/copy once the copy is complete.
type FsCopyResponse struct{}

// FsWatchParams are the params of fs/watch.
type FsWatchParams struct {
	// Path is the absolute path of the file or directory to watch.
	Path string `json:"path"`
	// WatchID is the client's name for the watch, unique on the
	// connection; fs/changed and fs/unwatch use it.
	WatchID string `json:"watchId"`
}

// FsWatchResponse answers fs/watch with the path actually watched.
type FsWatchResponse struct {
	// Path is the watched path with symbolic links resolved.
	Path string `json:"path"`
}

// FsUnwatchParams are the params of fs/unwatch.
type FsUnwatchParams struct {
	// WatchID names the watch to stop.
	WatchID string `json:"watchId"`
}

// FsUnwatchResponse answers fs/unwatch; no fs/changed of the watch follows
// it.
type FsUnwatchResponse struct{}

// FsChangedNotification reports paths of a watch that changed since the
// watch's previous notification.
type FsChangedNotification struct {
	// WatchID names the watch, as fs/watch gave it.
	WatchID string `json:"watchId"`
	// ChangedPaths are the absolute paths created, written, renamed,
	// removed or whose attributes changed, sorted. When too many changed
	// at once to list, it holds the watched path alone.
	ChangedPaths []string `json:"changedPaths"`
}
