package v2

// NotificationMcpServerStartupStatusUpdated reports a change in the start-up
// of one MCP server of a thread.
const NotificationMcpServerStartupStatusUpdated = "mcpServer/startupStatus/updated"

// The states of McpServerStatusUpdatedNotification.Status.
const (
	// McpServerStarting: the server is being launched or connected to.
	McpServerStarting = "starting"
	// McpServerReady: the server's tools are available.
	McpServerReady = "ready"
	// McpServerFailed: the server could not be started; Error says why.
	McpServerFailed = "failed"
	// McpServerCancelled: the start-up was abandoned.
	McpServerCancelled = "cancelled"
)

// McpServerStatusUpdatedNotification is the params of
// mcpServer/startupStatus/updated.
type McpServerStatusUpdatedNotification struct {
	// ThreadID is the thread the server was started for.
	ThreadID *string `json:"threadId"`
	// Name is the configured server name.
	Name string `json:"name"`
	// EnvironmentID is the registration scope of the server; null for the
	// servers of config.toml.
	EnvironmentID *string `json:"environmentId"`
	// Status is McpServerStarting, McpServerReady, McpServerFailed or
	// McpServerCancelled.
	Status string `json:"status"`
	// Error says why the start-up failed; null otherwise.
	Error *string `json:"error"`
	// FailureReason classifies a failure ("reauthenticationRequired");
	// null when there is no class to give.
	FailureReason *string `json:"failureReason"`
}
