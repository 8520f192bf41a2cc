package appserver

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/models"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// Settings types and gateway authentication modes of modelProvider/list.
const (
	providerOpenAI        = "openai"
	providerCustomGateway = "customGateway"
	gatewayAuthNone       = "none"
	gatewayAuthEnvVar     = "environmentVariable"
	gatewayAuthExternal   = "externallyConfigured"
	// defaultOpenAIBaseURL is the OpenAI provider's base URL unless
	// OPENAI_BASE_URL names another; it is shown as null.
	defaultOpenAIBaseURL = "https://api.openai.com/v1"
)

// modelList answers one page of the built-in catalog followed by the
// configured model when the catalog does not know it. The cursor is the
// position of the page's first model; without a limit the page runs to
// the end, and a limit of 0 counts as 1.
func (s *Server) modelList(_ context.Context, p v2.ModelListParams) (v2.ModelListResponse, error) {
	cfg, err := s.eng.LoadConfig(config.Request{Config: withProvider(nil, p.ModelProvider)})
	if err != nil {
		return v2.ModelListResponse{}, invalidParams("error deriving config: %v", err)
	}
	all, err := models.Available(cfg.Model, string(cfg.ModelReasoningEffort), p.IncludeHidden != nil && *p.IncludeHidden)
	if err != nil {
		return v2.ModelListResponse{}, internalError("%v", err)
	}
	start := 0
	if p.Cursor != nil {
		n, err := strconv.Atoi(*p.Cursor)
		if err != nil || n < 0 {
			return v2.ModelListResponse{}, invalidRequest("invalid cursor: " + *p.Cursor)
		}
		if n > len(all) {
			return v2.ModelListResponse{}, invalidRequest(fmt.Sprintf("cursor %d exceeds total models %d", n, len(all)))
		}
		start = n
	}
	end := len(all)
	if p.Limit != nil {
		end = start + max(int(*p.Limit), 1)
		end = min(end, len(all))
	}
	resp := v2.ModelListResponse{Data: make([]v2.Model, 0, end-start)}
	for _, m := range all[start:end] {
		resp.Data = append(resp.Data, wireModel(m))
	}
	if end < len(all) {
		next := strconv.Itoa(end)
		resp.NextCursor = &next
	}
	return resp, nil
}

// wireModel converts a catalog entry.
func wireModel(m models.Model) v2.Model {
	out := v2.Model{
		ID: m.ID, Model: m.ID, DisplayName: m.DisplayName, Description: m.Description, Hidden: m.Hidden,
		DefaultReasoningEffort: m.DefaultEffort, InputModalities: slices.Clone(m.InputModalities),
		AdditionalSpeedTiers: []string{}, ServiceTiers: []v2.ModelServiceTier{}, IsDefault: m.IsDefault,
		SupportedReasoningEfforts: make([]v2.ReasoningEffortOption, 0, len(m.Efforts)),
	}
	for _, e := range m.Efforts {
		out.SupportedReasoningEfforts = append(out.SupportedReasoningEfforts, v2.ReasoningEffortOption{ReasoningEffort: e.Name, Description: e.Description})
	}
	if m.Upgrade != nil {
		out.Upgrade = &m.Upgrade.Model
		out.UpgradeInfo = &v2.ModelUpgradeInfo{Model: m.Upgrade.Model, MigrationMarkdown: nonEmpty(m.Upgrade.MigrationMarkdown)}
	}
	if m.AvailabilityNux != "" {
		out.AvailabilityNux = &v2.ModelAvailabilityNux{Message: m.AvailabilityNux}
	}
	out.ModelSpecialty = nonEmpty(m.Specialty)
	out.MultiAgentVersion = nonEmpty(m.MultiAgentVersion)
	out.DefaultServiceTier = nonEmpty(m.DefaultServiceTier)
	out.AdditionalSpeedTiers = append(out.AdditionalSpeedTiers, m.SpeedTiers...)
	for _, t := range m.ServiceTiers {
		out.ServiceTiers = append(out.ServiceTiers, v2.ModelServiceTier{ID: t.ID, Name: t.Name, Description: t.Description})
	}
	return out
}

// nonEmpty returns a pointer to s, nil for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// modelProviderList lists the built-in OpenAI provider, the providers of
// config.toml's [model_providers] and the selected provider, by id. Other
// built-in providers are listed only when selected.
func (s *Server) modelProviderList(context.Context, v2.ModelProviderListParams) (v2.ModelProviderListResponse, error) {
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		return v2.ModelProviderListResponse{}, internalError("error loading config: %v", err)
	}
	builtins := config.BuiltinProviders(s.eng.Getenv)
	resp := v2.ModelProviderListResponse{Data: []v2.ModelProviderSummary{}, DefaultProviderID: cfg.ModelProviderID, CanChangeDefault: true}
	ids := make([]string, 0, len(cfg.ModelProviders))
	for id := range cfg.ModelProviders {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := cfg.ModelProviders[id]
		builtin, isBuiltin := builtins[id]
		// A built-in entry config.toml redefines is the user's.
		configured := !isBuiltin || !sameProvider(builtin, p)
		if !configured && id != config.ProviderOpenAI && id != cfg.ModelProviderID {
			continue
		}
		resp.Data = append(resp.Data, providerSummary(id, p, configured))
	}
	return resp, nil
}

// sameProvider reports whether two provider descriptions are alike in what
// modelProvider/list shows and uses.
func sameProvider(a, b config.ModelProviderInfo) bool {
	return a.Name == b.Name && a.BaseURL == b.BaseURL && a.EnvKey == b.EnvKey && a.WireAPI == b.WireAPI &&
		a.RequiresOpenAIAuth == b.RequiresOpenAIAuth
}

// providerSummary describes one provider; configured ones come from
// config.toml and can be edited.
func providerSummary(id string, p config.ModelProviderInfo, configured bool) v2.ModelProviderSummary {
	out := v2.ModelProviderSummary{ID: id, Name: p.Name, CanEdit: configured, BaseURL: displayURL(p.BaseURL)}
	if out.Name == "" {
		out.Name = id
	}
	if id == config.ProviderOpenAI && !configured {
		out.Settings = v2.ProviderSettings{Type: providerOpenAI}
		if strings.TrimRight(p.BaseURL, "/") == defaultOpenAIBaseURL {
			out.BaseURL = nil
		}
		return out
	}
	auth := v2.GatewayAuth{Mode: gatewayAuthNone}
	switch {
	case p.EnvKey != "":
		key := p.EnvKey
		auth = v2.GatewayAuth{Mode: gatewayAuthEnvVar, EnvKey: &key}
	case p.RequiresOpenAIAuth || len(p.HTTPHeaders) > 0 || len(p.EnvHTTPHeaders) > 0:
		auth = v2.GatewayAuth{Mode: gatewayAuthExternal}
	}
	out.Settings = v2.ProviderSettings{Type: providerCustomGateway, Auth: &auth}
	return out
}

// displayURL returns the base URL to show: nil when it is empty, cannot
// be parsed or carries credentials.
func displayURL(raw string) *string {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return nil
	}
	return &raw
}
