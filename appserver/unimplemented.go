package appserver

import (
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/protocol"
)

// isUnimplemented reports whether method belongs to the protocol but is not
// offered by this server yet.
func isUnimplemented(method string) bool {
	switch method {
	case protocol.MethodListConversations,
		protocol.MethodResumeConversation,
		protocol.MethodArchiveConversation,
		protocol.MethodGitDiffToRemote,
		protocol.MethodLoginAPIKey,
		protocol.MethodLoginChatGpt,
		protocol.MethodCancelLoginChatGpt,
		protocol.MethodLogoutChatGpt,
		protocol.MethodGetAuthStatus,
		protocol.MethodGetUserSavedConfig,
		protocol.MethodSetDefaultModel,
		protocol.MethodUserInfo,
		protocol.MethodFuzzyFileSearch:
		return true
	}
	return false
}

// notImplemented is the error answered to an unimplemented method.
func notImplemented(method string) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: method + " is not implemented yet"}
}
