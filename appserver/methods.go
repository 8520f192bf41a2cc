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
		rpcserver.Deferred(protocol.MethodInitialize, (*Server).initialize),
		rpcserver.Deferred(protocol.MethodNewConversation, (*Server).newConversation),
		rpcserver.Request(protocol.MethodListConversations, (*Server).listConversations),
		rpcserver.Deferred(protocol.MethodResumeConversation, (*Server).resumeConversation),
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
		rpcserver.Deferred(v2.MethodThreadCompactStart, (*Server).threadCompactStart),
		rpcserver.Deferred(v2.MethodReviewStart, (*Server).reviewStart),

		// v2: recorded threads and their history.
		rpcserver.Request(v2.MethodThreadList, (*Server).threadList),
		rpcserver.Request(v2.MethodThreadRead, (*Server).threadRead),
		rpcserver.Deferred(v2.MethodThreadResume, (*Server).threadResume),
		rpcserver.Deferred(v2.MethodThreadFork, (*Server).threadFork),
		rpcserver.Deferred(v2.MethodThreadArchive, (*Server).threadArchive),
		rpcserver.Deferred(v2.MethodThreadUnarchive, (*Server).threadUnarchive),
		rpcserver.Deferred(v2.MethodThreadDelete, (*Server).threadDelete),
		rpcserver.Deferred(v2.MethodThreadSetName, (*Server).threadSetName),
		rpcserver.Request(v2.MethodThreadUnsubscribe, (*Server).threadUnsubscribe),
		rpcserver.Request(v2.MethodThreadLoadedList, (*Server).threadLoadedList),
		rpcserver.Request(v2.MethodThreadTurnsList, (*Server).threadTurnsList),
		rpcserver.Request(v2.MethodThreadItemsList, (*Server).threadItemsList),

		// v2 settings: config.toml, requirements and feature switches.
		rpcserver.Request(v2.MethodConfigRead, (*Server).configRead),
		rpcserver.Request(v2.MethodConfigValueWrite, (*Server).configValueWrite),
		rpcserver.Request(v2.MethodConfigBatchWrite, (*Server).configBatchWrite),
		rpcserver.Request(v2.MethodConfigRequirementsRead, (*Server).configRequirementsRead),
		rpcserver.Request(v2.MethodExperimentalFeatureList, (*Server).experimentalFeatureList),
		rpcserver.Request(v2.MethodExperimentalFeatureEnablementSet, (*Server).experimentalFeatureEnablementSet),

		// v2: account, sign-in and rate limits; models and providers.
		rpcserver.Request(v2.MethodAccountRead, (*Server).accountRead),
		rpcserver.Deferred(v2.MethodAccountLoginStart, (*Server).accountLoginStart),
		rpcserver.Request(v2.MethodAccountLoginCancel, (*Server).accountLoginCancel),
		rpcserver.Deferred(v2.MethodAccountLogout, (*Server).accountLogout),
		rpcserver.Request(v2.MethodAccountRateLimitsRead, (*Server).accountRateLimitsRead),
		rpcserver.Request(v2.MethodModelList, (*Server).modelList),
		rpcserver.Request(v2.MethodModelProviderList, (*Server).modelProviderList),

		// v2: the file methods (v2fs.go).
		rpcserver.Deferred(v2.MethodFsReadFile, (*Server).fsReadFile),
		rpcserver.Deferred(v2.MethodFsWriteFile, (*Server).fsWriteFile),
		rpcserver.Request(v2.MethodFsCreateDirectory, (*Server).fsCreateDirectory),
		rpcserver.Request(v2.MethodFsGetMetadata, (*Server).fsGetMetadata),
		rpcserver.Deferred(v2.MethodFsReadDirectory, (*Server).fsReadDirectory),
		rpcserver.Deferred(v2.MethodFsRemove, (*Server).fsRemove),
		rpcserver.Deferred(v2.MethodFsCopy, (*Server).fsCopy),
		rpcserver.Request(v2.MethodFsWatch, (*Server).fsWatch),
		rpcserver.Request(v2.MethodFsUnwatch, (*Server).fsUnwatch),

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
