// Package schema holds the JSON Schema (draft 2020-12) of the app-server
// protocol, generated from the Go types of package protocol by `make schema`
// and committed. index.json lists every document: the params and responses
// of client requests (client_request/), of server requests
// (server_request/), the params of notifications (notification/ and
// codex_event_notification.json), every event message (event/) and
// standalone types (type/).
//
// The documents are embedded so that the binary can write them out
// (`codex app-server generate-json-schema`) without the source tree.
package schema

import (
	"embed"
	"io/fs"
)

//go:embed *.json client_request event notification server_request type
var files embed.FS

// FS returns the schema tree; paths are relative to its root, such as
// "index.json" or "client_request/newConversation.params.json".
func FS() fs.FS { return files }
