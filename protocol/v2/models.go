package v2

import "encoding/json"

// Model and model provider methods.
const (
	// MethodModelList lists the models a client may pick from.
	MethodModelList = "model/list"
	// MethodModelProviderList lists the model providers.
	MethodModelProviderList = "modelProvider/list"
)

// ModelListParams are the params of model/list; every member is optional.
type ModelListParams struct {
	// Cursor is the nextCursor of a previous page.
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the page size; all remaining models when absent.
	Limit *uint32 `json:"limit,omitempty"`
	// IncludeHidden also lists models hidden from the default picker.
	IncludeHidden *bool `json:"includeHidden,omitempty"`
	// ModelProvider names a configured provider; the list is the same for
	// every provider.
	ModelProvider *string `json:"modelProvider,omitempty"`
}

// ReasoningEffortOption is a reasoning effort a model accepts.
type ReasoningEffortOption struct {
	// ReasoningEffort is the effort's wire value.
	ReasoningEffort string `json:"reasoningEffort"`
	// Description says what the effort trades.
	Description string `json:"description"`
}

// ModelUpgradeInfo describes the model that replaces an older one.
type ModelUpgradeInfo struct {
	// Model is the newer model's id.
	Model string `json:"model"`
	// UpgradeCopy is a short call to switch; always null here.
	UpgradeCopy *string `json:"upgradeCopy"`
	// ModelLink is a page about the newer model; always null here.
	ModelLink *string `json:"modelLink"`
	// MigrationMarkdown introduces the newer model.
	MigrationMarkdown *string `json:"migrationMarkdown"`
	// RetirementAt is when the older model retires; always null here.
	RetirementAt *int64 `json:"retirementAt"`
}

// ModelAvailabilityNux is a note shown when a model becomes available.
type ModelAvailabilityNux struct {
	// Message is the note.
	Message string `json:"message"`
}

// ModelServiceTier is a paid speed option of a model.
type ModelServiceTier struct {
	// ID is the tier's wire value.
	ID string `json:"id"`
	// Name is the tier's display name.
	Name string `json:"name"`
	// Description says what the tier changes.
	Description string `json:"description"`
}

// Model is one entry of model/list.
type Model struct {
	// ID identifies the model in the list.
	ID string `json:"id"`
	// Model is the model name to use in thread/start.
	Model string `json:"model"`
	// Upgrade is the id of the model that replaces this one.
	Upgrade *string `json:"upgrade"`
	// UpgradeInfo describes that model.
	UpgradeInfo *ModelUpgradeInfo `json:"upgradeInfo"`
	// AvailabilityNux is a note about the model's availability.
	AvailabilityNux *ModelAvailabilityNux `json:"availabilityNux"`
	// DisplayName is the name to show.
	DisplayName string `json:"displayName"`
	// Description says what the model is for.
	Description string `json:"description"`
	// ModelSpecialty names a specialised model's field.
	ModelSpecialty *string `json:"modelSpecialty"`
	// Hidden models are left out of the default list.
	Hidden bool `json:"hidden"`
	// SupportedReasoningEfforts are the efforts the model accepts.
	SupportedReasoningEfforts []ReasoningEffortOption `json:"supportedReasoningEfforts"`
	// DefaultReasoningEffort is used when no effort is chosen.
	DefaultReasoningEffort string `json:"defaultReasoningEffort"`
	// InputModalities are the kinds of input the model reads.
	InputModalities []string `json:"inputModalities"`
	// SupportsPersonality is always false.
	SupportsPersonality bool `json:"supportsPersonality"`
	// MultiAgentVersion is the multi-agent runtime the model supports.
	MultiAgentVersion *string `json:"multiAgentVersion"`
	// AdditionalSpeedTiers are the speed options by their old names.
	AdditionalSpeedTiers []string `json:"additionalSpeedTiers"`
	// ServiceTiers are the paid speed options.
	ServiceTiers []ModelServiceTier `json:"serviceTiers"`
	// DefaultServiceTier is the tier used when none is chosen.
	DefaultServiceTier *string `json:"defaultServiceTier"`
	// AvailableAccessPrograms is always null.
	AvailableAccessPrograms json.RawMessage `json:"availableAccessPrograms"`
	// IsDefault marks the model a picker preselects.
	IsDefault bool `json:"isDefault"`
}

// ModelListResponse answers model/list with one page.
type ModelListResponse struct {
	// Data are the models of the page.
	Data []Model `json:"data"`
	// NextCursor continues after the page, null after the last one.
	NextCursor *string `json:"nextCursor"`
}

// ModelProviderListParams are the params of modelProvider/list; it has no
// members.
type ModelProviderListParams struct{}

// GatewayAuth says how a custom provider authenticates:
// {"mode":"none"}, {"mode":"environmentVariable","envKey":...} or
// {"mode":"externallyConfigured","envKey":null}.
type GatewayAuth struct {
	// Mode is "none", "environmentVariable" or "externallyConfigured".
	Mode string `json:"mode"`
	// EnvKey is the environment variable holding the API key.
	EnvKey *string `json:"envKey,omitempty"`
}

// MarshalJSON writes envKey for the modes that have it (null when unset
// for externallyConfigured) and leaves it out for none.
func (a GatewayAuth) MarshalJSON() ([]byte, error) {
	if a.Mode == "none" {
		return json.Marshal(struct {
			Mode string `json:"mode"`
		}{a.Mode})
	}
	return json.Marshal(struct {
		Mode   string  `json:"mode"`
		EnvKey *string `json:"envKey"`
	}{a.Mode, a.EnvKey})
}

// ProviderSettings describe a provider by kind: {"type":"openai"} or
// {"type":"customGateway","auth":...}.
type ProviderSettings struct {
	// Type is "openai" or "customGateway".
	Type string `json:"type"`
	// Auth is how a custom gateway authenticates.
	Auth *GatewayAuth `json:"auth,omitempty"`
}

// ModelProviderSummary is one entry of modelProvider/list.
type ModelProviderSummary struct {
	// ID is the provider's key in config.toml.
	ID string `json:"id"`
	// Name is its display name.
	Name string `json:"name"`
	// CanEdit reports whether config.toml defines it (built-in ones
	// cannot be edited).
	CanEdit bool `json:"canEdit"`
	// BaseURL is its API root, null for the built-in default.
	BaseURL *string `json:"baseUrl"`
	// Settings describe its kind and authentication.
	Settings ProviderSettings `json:"settings"`
}

// ModelProviderListResponse answers modelProvider/list.
type ModelProviderListResponse struct {
	// Data are the providers, by id.
	Data []ModelProviderSummary `json:"data"`
	// DefaultProviderID is the provider new threads use.
	DefaultProviderID string `json:"defaultProviderId"`
	// CanChangeDefault is always true.
	CanChangeDefault bool `json:"canChangeDefault"`
}
