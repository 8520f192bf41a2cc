// Package mcpauth signs codex in to remote (streamable HTTP) MCP servers
// that are protected with OAuth 2.1, as the MCP authorization specification
// describes, and hands the resulting access tokens to the MCP client.
//
// A login (StartLogin, then Login.Wait) sends an unauthenticated request to
// the server to read its WWW-Authenticate challenge, discovers the protected
// resource metadata (RFC 9728) and the authorization server metadata
// (RFC 8414 or OpenID Connect discovery), registers a client dynamically
// (RFC 7591) when none is configured, and runs the authorization code flow
// with PKCE (S256) through a callback server on the loopback interface,
// naming the server in the resource parameter (RFC 8707). The protocol steps
// themselves are done by the OAuth handler of github.com/mark3labs/mcp-go,
// the MCP library codex already uses.
//
// Tokens are kept in $CODEX_HOME/.credentials.json (mode 0600), one entry
// per server keyed by the server's name and a hash of its URL, in the
// layout the reference CLI uses for its file store. Store.Authorization
// returns the "Bearer ..." header value for a server, refreshing the access
// token shortly before it expires.
package mcpauth
