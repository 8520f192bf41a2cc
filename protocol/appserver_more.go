package protocol

// LoginAPIKeyParams are the params of loginApiKey.
type LoginAPIKeyParams struct {
	// APIKey is the OpenAI API key to store.
	APIKey string `json:"apiKey"`
}

// LoginAPIKeyResponse answers loginApiKey.
type LoginAPIKeyResponse struct{}

// LogoutChatGptResponse answers logoutChatGpt.
type LogoutChatGptResponse struct{}

// GetAuthStatusParams are the params of getAuthStatus.
type GetAuthStatusParams struct {
	// IncludeToken asks for the bearer token in the answer.
	IncludeToken *bool `json:"includeToken,omitempty"`
	// RefreshToken asks for stored ChatGPT tokens to be renewed first. It is
	// accepted and ignored: tokens are not renewed by this server.
	RefreshToken *bool `json:"refreshToken,omitempty"`
}

// GetAuthStatusResponse answers getAuthStatus.
type GetAuthStatusResponse struct {
	// AuthMethod is "apikey" or "chatgpt"; absent when not signed in or when
	// the configured provider does not use OpenAI credentials.
	AuthMethod *string `json:"authMethod,omitempty"`
	// AuthToken is the bearer token, when asked for and available.
	AuthToken *string `json:"authToken,omitempty"`
	// RequiresOpenaiAuth tells whether the configured provider uses OpenAI
	// credentials.
	RequiresOpenaiAuth bool `json:"requiresOpenaiAuth"`
}

// AuthStatusChangeNotification is sent when the stored credentials change.
type AuthStatusChangeNotification struct {
	// AuthMethod is the new method; absent after a logout.
	AuthMethod *string `json:"authMethod,omitempty"`
}

// LoginChatGptResponse answers loginChatGpt.
type LoginChatGptResponse struct {
	// LoginID identifies the sign-in, e.g. for cancelLoginChatGpt.
	LoginID string `json:"loginId"`
	// AuthURL is the page the user signs in on.
	AuthURL string `json:"authUrl"`
}

// LoginChatGptCompleteNotification reports the end of a sign-in.
type LoginChatGptCompleteNotification struct {
	// LoginID identifies the sign-in.
	LoginID string `json:"loginId"`
	// Success tells whether tokens were stored.
	Success bool `json:"success"`
	// Error describes a failure.
	Error *string `json:"error,omitempty"`
}

// CancelLoginChatGptParams are the params of cancelLoginChatGpt.
type CancelLoginChatGptParams struct {
	// LoginID identifies the sign-in to cancel.
	LoginID string `json:"loginId"`
}

// CancelLoginChatGptResponse answers cancelLoginChatGpt.
type CancelLoginChatGptResponse struct{}

// UserInfoResponse answers userInfo.
type UserInfoResponse struct {
	// AllegedUserEmail is the email claim of the stored id token, null when
	// there is none. It is not verified.
	AllegedUserEmail *string `json:"allegedUserEmail"`
}

// GetUserSavedConfigResponse answers getUserSavedConfig.
type GetUserSavedConfigResponse struct {
	// Config holds the settings as written in config.toml.
	Config UserSavedConfig `json:"config"`
}

// UserSavedConfig is the part of config.toml shown to the client, as
// written in the file: settings the file does not set are absent.
type UserSavedConfig struct {
	ApprovalPolicy        *AskForApproval            `json:"approvalPolicy,omitempty"`
	SandboxMode           *SandboxMode               `json:"sandboxMode,omitempty"`
	SandboxSettings       *SandboxSettings           `json:"sandboxSettings,omitempty"`
	Model                 *string                    `json:"model,omitempty"`
	ModelReasoningEffort  *ReasoningEffort           `json:"modelReasoningEffort,omitempty"`
	ModelReasoningSummary *ReasoningSummary          `json:"modelReasoningSummary,omitempty"`
	ModelVerbosity        *Verbosity                 `json:"modelVerbosity,omitempty"`
	Tools                 *ToolsSettings             `json:"tools,omitempty"`
	Profile               *string                    `json:"profile,omitempty"`
	Profiles              map[string]ProfileSettings `json:"profiles"`
}

// SandboxSettings is the [sandbox_workspace_write] table, with its
// defaults filled in.
type SandboxSettings struct {
	WritableRoots       []string `json:"writableRoots"`
	NetworkAccess       bool     `json:"networkAccess"`
	ExcludeTmpdirEnvVar bool     `json:"excludeTmpdirEnvVar"`
	ExcludeSlashTmp     bool     `json:"excludeSlashTmp"`
}

// ToolsSettings is the [tools] table; unset switches are absent.
type ToolsSettings struct {
	WebSearch *bool `json:"webSearch,omitempty"`
	ViewImage *bool `json:"viewImage,omitempty"`
}

// ProfileSettings is one [profiles.NAME] table; unset settings are null.
type ProfileSettings struct {
	Model                 *string           `json:"model"`
	ModelProvider         *string           `json:"modelProvider"`
	ApprovalPolicy        *AskForApproval   `json:"approvalPolicy"`
	ModelReasoningEffort  *ReasoningEffort  `json:"modelReasoningEffort"`
	ModelReasoningSummary *ReasoningSummary `json:"modelReasoningSummary"`
	ModelVerbosity        *Verbosity        `json:"modelVerbosity"`
	ChatGPTBaseURL        *string           `json:"chatgptBaseUrl"`
}

// SetDefaultModelParams are the params of setDefaultModel.
type SetDefaultModelParams struct {
	// Model is the new default model; null or absent removes the setting.
	Model *string `json:"model,omitempty"`
	// ReasoningEffort is the new default effort; null or absent removes the
	// setting.
	ReasoningEffort *ReasoningEffort `json:"reasoningEffort,omitempty"`
}

// SetDefaultModelResponse answers setDefaultModel.
type SetDefaultModelResponse struct{}

// FuzzyFileSearchParams are the params of fuzzyFileSearch.
type FuzzyFileSearchParams struct {
	// Query is matched against the files' paths.
	Query string `json:"query"`
	// Roots are the directories searched.
	Roots []string `json:"roots"`
	// CancellationToken, when set, makes this search cancel a running one
	// with the same token.
	CancellationToken *string `json:"cancellationToken,omitempty"`
}

// FuzzyFileSearchResponse answers fuzzyFileSearch.
type FuzzyFileSearchResponse struct {
	// Files are the matches, best first.
	Files []FuzzyFileSearchResult `json:"files"`
}

// FuzzyFileSearchResult is one match of fuzzyFileSearch. Note the
// snake_case file_name, as on the reference wire.
type FuzzyFileSearchResult struct {
	// Root is the search root the file was found under.
	Root string `json:"root"`
	// Path is the file's path relative to Root.
	Path string `json:"path"`
	// FileName is the last element of Path.
	FileName string `json:"file_name"`
	// Score ranks the match; higher is better.
	Score int `json:"score"`
	// MatchType is "file" or "directory", as codex-cli 0.171 sends it. It
	// follows score so that the members 0.45 sent keep their order.
	MatchType string `json:"match_type"`
	// Indices are the byte offsets in Path of the matched characters.
	Indices []int `json:"indices,omitempty"`
}

// GitDiffToRemoteParams are the params of gitDiffToRemote.
type GitDiffToRemoteParams struct {
	// Cwd is a directory inside the work tree.
	Cwd string `json:"cwd"`
}

// GitDiffToRemoteResponse answers gitDiffToRemote.
type GitDiffToRemoteResponse struct {
	// Sha is the commit the work tree is compared against.
	Sha string `json:"sha"`
	// Diff is the diff of the work tree, untracked files included, against
	// that commit.
	Diff string `json:"diff"`
}
