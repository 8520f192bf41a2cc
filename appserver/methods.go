package appserver

import (
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// methods is the table of the client requests the server answers: the one
// list of the protocol's methods. Dispatch, the JSON Schema (make schema),
// the TypeScript bindings and the method index of docs/app-server-protocol.md
// are all made from it. Adding a method is adding its row here, with its
// typed handler and its params and result types in package protocol.
//
// Request rows are answered with what their handler returns; Deferred rows
// answer through their Reply, exactly once, when the answer must be ordered
// against notifications or waits for slow work.
func methods() []rpcserver.Method[*Server] {
	return []rpcserver.Method[*Server]{
		rpcserver.Request(protocol.MethodInitialize, (*Server).initialize),
		rpcserver.Deferred(protocol.MethodNewConversation, (*Server).newConversation),
		rpcserver.Request(protocol.MethodListConversations, (*Server).listConversations),
		rpcserver.Request(protocol.MethodResumeConversation, (*Server).resumeConversation),
		rpcserver.Request(protocol.MethodArchiveConversation, (*Server).archiveConversation),
		rpcserver.Deferred(protocol.MethodSendUserMessage, (*Server).sendUserMessage),
		rpcserver.Deferred(protocol.MethodSendUserTurn, (*Server).sendUserTurn),
		rpcserver.Deferred(protocol.MethodInterruptConversation, (*Server).interruptConversation),
		rpcserver.Deferred(protocol.MethodAddConversationListener, (*Server).addConversationListener),
		rpcserver.Request(protocol.MethodRemoveConversationListener, (*Server).removeConversationListener),
		rpcserver.Request(protocol.MethodGetUserAgent, (*Server).getUserAgent),
		rpcserver.Deferred(protocol.MethodExecOneOffCommand, (*Server).execOneOffCommand),
		rpcserver.Deferred(protocol.MethodGitDiffToRemote, (*Server).gitDiffToRemote),
		rpcserver.Deferred(protocol.MethodLoginAPIKey, (*Server).loginAPIKey),
		rpcserver.Request(protocol.MethodLoginChatGpt, (*Server).loginChatGpt),
		rpcserver.Request(protocol.MethodCancelLoginChatGpt, (*Server).cancelLoginChatGpt),
		rpcserver.Deferred(protocol.MethodLogoutChatGpt, (*Server).logoutChatGpt),
		rpcserver.Request(protocol.MethodGetAuthStatus, (*Server).getAuthStatus),
		rpcserver.Request(protocol.MethodGetUserSavedConfig, (*Server).getUserSavedConfig),
		rpcserver.Request(protocol.MethodSetDefaultModel, (*Server).setDefaultModel),
		rpcserver.Request(protocol.MethodUserInfo, (*Server).userInfo),
		rpcserver.Deferred(protocol.MethodFuzzyFileSearch, (*Server).fuzzyFileSearch),

		// v2: threads, turns and items.
		rpcserver.Notification(v2.NotificationInitialized, (*Server).initializedNote),
		rpcserver.Deferred(v2.MethodThreadStart, (*Server).threadStart),
		rpcserver.Deferred(v2.MethodTurnStart, (*Server).turnStart),
		rpcserver.Deferred(v2.MethodTurnInterrupt, (*Server).turnInterrupt),
		rpcserver.Deferred(v2.MethodTurnSteer, (*Server).turnSteer),

		// v2 commands: standalone commands (command/exec and its follow-up
		// requests) and a user's shell command in a thread.
		rpcserver.Deferred(v2.MethodCommandExec, (*Server).commandExec),
		rpcserver.Deferred(v2.MethodCommandExecWrite, (*Server).commandExecWrite),
		rpcserver.Request(v2.MethodCommandExecTerminate, (*Server).commandExecTerminate),
		rpcserver.Request(v2.MethodCommandExecResize, (*Server).commandExecResize),
		rpcserver.Deferred(v2.MethodThreadShellCommand, (*Server).threadShellCommand),
	}
}

// Methods returns the method table, in protocol order, for the generators
// of the schema and the documentation.
func Methods() []rpcserver.Method[*Server] { return methods() }
