// Package schemagen generates the JSON Schema of the app-server protocol from
// the Go types of package protocol (with invopop/jsonschema).
//
// Table is the single list of messages: one row per method, notification,
// event or standalone type. Generate reflects every row into one document per
// message, each carrying the definitions it needs under "$defs", plus an
// index (index.json) that maps methods and event types to their documents.
// Package schemafiles reads and writes the result, package tsgen turns it
// into TypeScript and package schemacheck validates messages against it.
package schemagen

import (
	"reflect"
	"slices"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// Kind is the family of a table row; it is also the directory of the row's
// schema documents.
type Kind string

// The row kinds.
const (
	// KindClientRequest is a request the client sends; it has params (unless
	// Params is nil) and a response.
	KindClientRequest Kind = "client_request"
	// KindServerRequest is a request the server sends; it has params and a response.
	KindServerRequest Kind = "server_request"
	// KindNotification is a notification the server sends; it has params.
	KindNotification Kind = "notification"
	// KindEvent is one event message ("msg" of a codex/event notification),
	// tagged by "type".
	KindEvent Kind = "event"
	// KindEventNotification is the codex/event/<type> notification carrying
	// any event message.
	KindEventNotification Kind = "codex_event_notification"
	// KindType is a protocol type that appears outside the JSON-RPC
	// messages, such as the items of rollout files.
	KindType Kind = "type"
)

// Row is one message (or standalone type) of the protocol.
type Row struct {
	// Kind is the family of the message.
	Kind Kind
	// Name is the method name, the event type or the type name.
	Name string
	// Params is the type of the params (the message itself for events and
	// standalone types); nil when the message takes no params.
	Params reflect.Type
	// Result is the type of the response of requests; nil otherwise.
	Result reflect.Type
}

// Table lists every message of the protocol: the client requests of the
// app-server's method table (appserver.Methods), the server requests and
// notifications listed here, the events of protocol.EventMessages and the
// standalone types. Adding a method is adding its row to the method table,
// adding an event one line in protocol.EventMessages; `make schema` then
// writes their documents.
func Table() []Row {
	return slices.Concat(clientRequests(), []Row{
		serverRequest[protocol.ExecCommandApprovalParams, protocol.ApprovalResponse](protocol.MethodExecCommandApproval),
		serverRequest[protocol.ApplyPatchApprovalParams, protocol.ApprovalResponse](protocol.MethodApplyPatchApproval),
		serverRequest[protocol.McpElicitationRequestParams, protocol.McpElicitationResponse](protocol.MethodMcpElicitationRequest),

		notification[protocol.SessionConfiguredNotification](protocol.NotificationSessionConfigured),
		notification[protocol.AuthStatusChangeNotification](protocol.NotificationAuthStatusChange),
		notification[protocol.LoginChatGptCompleteNotification](protocol.NotificationLoginChatGptComplete),

		serverRequest[v2.CommandExecutionRequestApprovalParams, v2.ApprovalAnswer](v2.MethodCommandExecutionRequestApproval),
		serverRequest[v2.FileChangeRequestApprovalParams, v2.ApprovalAnswer](v2.MethodFileChangeRequestApproval),
		serverRequest[v2.McpServerElicitationRequestParams, v2.McpServerElicitationRequestResponse](v2.MethodMcpServerElicitationRequest),
		notification[v2.ThreadStartedNotification](v2.NotificationThreadStarted),
		notification[v2.ThreadStatusChangedNotification](v2.NotificationThreadStatusChanged),
		notification[v2.TokenUsageUpdatedNotification](v2.NotificationTokenUsageUpdated),
		notification[v2.TurnNotification](v2.NotificationTurnStarted),
		notification[v2.TurnNotification](v2.NotificationTurnCompleted),
		notification[v2.TurnDiffNotification](v2.NotificationTurnDiffUpdated),
		notification[v2.TurnPlanNotification](v2.NotificationTurnPlanUpdated),
		notification[v2.ItemStartedNotification](v2.NotificationItemStarted),
		notification[v2.ItemCompletedNotification](v2.NotificationItemCompleted),
		notification[v2.DeltaNotification](v2.NotificationAgentMessageDelta),
		notification[v2.DeltaNotification](v2.NotificationCommandOutputDelta),
		notification[v2.SummaryPartNotification](v2.NotificationReasoningSummaryPartAdded),
		notification[v2.SummaryDeltaNotification](v2.NotificationReasoningSummaryDelta),
		notification[v2.ReasoningTextDeltaNotification](v2.NotificationReasoningTextDelta),
		notification[v2.ServerRequestResolvedNotification](v2.NotificationServerRequestResolved),
		notification[v2.ErrorNotification](v2.NotificationError),
		notification[v2.ThreadIDNotification](v2.NotificationThreadArchived),
		notification[v2.ThreadIDNotification](v2.NotificationThreadUnarchived),
		notification[v2.ThreadIDNotification](v2.NotificationThreadDeleted),
		notification[v2.ThreadNameUpdatedNotification](v2.NotificationThreadNameUpdated),
		notification[v2.ConfigWarningNotification](v2.NotificationConfigWarning),
		notification[v2.AccountLoginCompletedNotification](v2.NotificationAccountLoginCompleted),
		notification[v2.AccountUpdatedNotification](v2.NotificationAccountUpdated),
		notification[v2.AccountRateLimitsUpdatedNotification](v2.NotificationAccountRateLimitsUpdated),
		notification[v2.FsChangedNotification](v2.NotificationFsChanged),
		notification[v2.CommandExecOutputDeltaNotification](v2.NotificationCommandExecOutputDelta),
		// Remote MCP servers: start-up progress of a thread's servers.
		notification[v2.McpServerStatusUpdatedNotification](v2.NotificationMcpServerStartupStatusUpdated),
		{Kind: KindEventNotification, Name: protocol.NotificationCodexEventPrefix + "{type}", Params: reflect.TypeFor[protocol.ConversationEventParams]()},
	}, eventRows(), []Row{
		standalone[protocol.ResponseItem](),
	})
}

// clientRequests are the rows of the app-server's method table, in its
// order: the methods the server dispatches are the ones the schema
// describes.
func clientRequests() []Row {
	var rows []Row
	for _, m := range appserver.Methods() {
		if m.IsNotification() {
			continue
		}
		rows = append(rows, Row{Kind: KindClientRequest, Name: m.Name, Params: m.Params, Result: m.Result})
	}
	return rows
}

// supportTypes are types that hand-written schemas (wire.go)
// refer to by name but that no table type reaches through its fields.
func supportTypes() []reflect.Type {
	return []reflect.Type{
		reflect.TypeFor[protocol.FileAdd](),
		reflect.TypeFor[protocol.FileDelete](),
		reflect.TypeFor[protocol.FileUpdate](),
		reflect.TypeFor[protocol.ContentItem](),
		reflect.TypeFor[protocol.ReasoningSummaryPart](),
		reflect.TypeFor[protocol.ReasoningContentPart](),
		reflect.TypeFor[protocol.LocalShellAction](),
		reflect.TypeFor[v2.ApprovalDecision](),
		reflect.TypeFor[v2.UserMessageItem](),
		reflect.TypeFor[v2.AgentMessageItem](),
		reflect.TypeFor[v2.ReasoningItem](),
		reflect.TypeFor[v2.CommandExecutionItem](),
		reflect.TypeFor[v2.FileChangeItem](),
		reflect.TypeFor[v2.McpToolCallItem](),
		reflect.TypeFor[v2.WebSearchItem](),
		reflect.TypeFor[v2.ImageViewItem](),
		reflect.TypeFor[v2.ContextCompactionItem](),
		reflect.TypeFor[v2.EnteredReviewModeItem](),
		reflect.TypeFor[v2.ExitedReviewModeItem](),
	}
}

// serverRequest is the row of a server request with params P and response R.
func serverRequest[P, R any](method string) Row {
	return Row{Kind: KindServerRequest, Name: method, Params: reflect.TypeFor[P](), Result: reflect.TypeFor[R]()}
}

// notification is the row of a server notification with params P.
func notification[P any](method string) Row {
	return Row{Kind: KindNotification, Name: method, Params: reflect.TypeFor[P]()}
}

// eventRows are the rows of the event messages of protocol.EventMessages,
// in its order, each named by its wire tag.
func eventRows() []Row {
	msgs := protocol.EventMessages()
	rows := make([]Row, len(msgs))
	for i, m := range msgs {
		rows[i] = Row{Kind: KindEvent, Name: m.EventType(), Params: reflect.TypeOf(m)}
	}
	return rows
}

// standalone is the row of a protocol type T that has a document of its own.
func standalone[T any]() Row {
	t := reflect.TypeFor[T]()
	return Row{Kind: KindType, Name: t.Name(), Params: t}
}
