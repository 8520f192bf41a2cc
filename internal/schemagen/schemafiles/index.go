package schemafiles

// Draft is the JSON Schema dialect of every document.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// BaseID prefixes the "$id" of every document; the rest is its path.
const BaseID = "https://github.com/codex-go/codex/schema/"

// IndexFile is the name of the index document at the root of a schema tree.
const IndexFile = "index.json"

// Index is the content of index.json: every document of a schema tree,
// grouped by message family, in table order.
type Index struct {
	// ClientRequests are the requests the client sends.
	ClientRequests []IndexRequest `json:"clientRequests"`
	// ServerRequests are the requests the server sends.
	ServerRequests []IndexRequest `json:"serverRequests"`
	// Notifications are the notifications the server sends.
	Notifications []IndexNotification `json:"notifications"`
	// Events are the event messages of codex/event/<type> notifications.
	Events []IndexEvent `json:"events"`
	// Types are protocol types with a document of their own.
	Types []IndexType `json:"types"`
}

// Document locates a schema document and names the definition it describes.
type Document struct {
	// File is the document's path, relative to the tree's root, with slashes.
	File string `json:"file"`
	// Definition is the name of the document's root type under "$defs".
	Definition string `json:"definition"`
}

// IndexRequest is a request and its documents.
type IndexRequest struct {
	// Method is the JSON-RPC method.
	Method string `json:"method"`
	// Params describes the params; nil when the request takes none.
	Params *Document `json:"params,omitempty"`
	// Response describes the result of a successful response.
	Response Document `json:"response"`
}

// IndexNotification is a notification and the document of its params.
type IndexNotification struct {
	// Method is the JSON-RPC method; "{type}" stands for an event type.
	Method string `json:"method"`
	// Params describes the params.
	Params Document `json:"params"`
}

// IndexEvent is an event message and its document.
type IndexEvent struct {
	// Type is the event's "type" tag.
	Type string `json:"type"`
	// Msg describes the event message.
	Msg Document `json:"msg"`
}

// IndexType is a standalone protocol type and its document.
type IndexType struct {
	// Name is the type's name.
	Name string `json:"name"`
	// Schema describes the type.
	Schema Document `json:"schema"`
}
