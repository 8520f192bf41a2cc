// Package models is the built-in catalog of model families: what each model
// is called, what it is good for, which reasoning efforts it accepts and
// which inputs it reads. The catalog is data, kept in catalog.json beside
// this file and embedded in the binary; this package only reads it and
// adds the models a configuration names that the catalog does not know.
package models

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed catalog.json
var catalogJSON []byte

// Effort is one reasoning effort a model accepts, with a sentence saying
// what it trades.
type Effort struct {
	// Name is the effort's wire value, e.g. "low" or "xhigh".
	Name string
	// Description tells a user what the effort does.
	Description string
}

// ServiceTier is a paid speed option of a model.
type ServiceTier struct {
	// ID is the tier's wire value, e.g. "priority".
	ID string `json:"id"`
	// Name is the tier's display name.
	Name string `json:"name"`
	// Description says what the tier changes.
	Description string `json:"description"`
}

// Upgrade names the model that replaces an older one.
type Upgrade struct {
	// Model is the id of the newer model.
	Model string `json:"model"`
	// MigrationMarkdown introduces the newer model to a user.
	MigrationMarkdown string `json:"migrationMarkdown"`
}

// Model is one entry of the catalog.
type Model struct {
	// ID is the model's id, as sent to the provider.
	ID string `json:"id"`
	// DisplayName is the name shown in a model picker.
	DisplayName string `json:"displayName"`
	// Description says in a sentence what the model is for.
	Description string `json:"description"`
	// EffortNames are the reasoning efforts the model accepts, lightest
	// first.
	EffortNames []string `json:"efforts"`
	// DefaultEffort is the effort used when none is chosen.
	DefaultEffort string `json:"defaultEffort"`
	// InputModalities are the kinds of input the model reads ("text",
	// "image", "audio"); text and images when the catalog says nothing.
	InputModalities []string `json:"inputModalities,omitempty"`
	// Hidden models are left out of a picker's default list.
	Hidden bool `json:"hidden,omitempty"`
	// IsDefault marks the model a picker preselects.
	IsDefault bool `json:"isDefault,omitempty"`
	// Specialty names the field a specialised model is for, "" for a
	// general model.
	Specialty string `json:"specialty,omitempty"`
	// MultiAgentVersion is the multi-agent runtime the model supports
	// ("v1", "v2"), "" when it declares none.
	MultiAgentVersion string `json:"multiAgentVersion,omitempty"`
	// SpeedTiers are the extra speed options by their old names.
	SpeedTiers []string `json:"speedTiers,omitempty"`
	// ServiceTiers are the paid speed options.
	ServiceTiers []ServiceTier `json:"serviceTiers,omitempty"`
	// DefaultServiceTier is the id of the tier used when none is chosen.
	DefaultServiceTier string `json:"defaultServiceTier,omitempty"`
	// AvailabilityNux is a note shown when the model becomes available.
	AvailabilityNux string `json:"availabilityNux,omitempty"`
	// Upgrade names the model that replaces this one, nil for none.
	Upgrade *Upgrade `json:"upgrade,omitempty"`
	// Configured marks a model that is not in the catalog but named by the
	// configuration.
	Configured bool `json:"-"`

	// Efforts are EffortNames with their descriptions, filled by Catalog.
	Efforts []Effort `json:"-"`
}

// catalogFile is the shape of catalog.json.
type catalogFile struct {
	ReasoningEfforts map[string]string `json:"reasoningEfforts"`
	Models           []Model           `json:"models"`
}

// defaultModalities are the inputs of a model whose entry names none.
func defaultModalities() []string { return []string{"text", "image"} }

// configuredEfforts are the efforts offered for a model the catalog does
// not know.
func configuredEfforts() []string { return []string{"low", "medium", "high"} }

// Catalog returns the built-in models in picker order, hidden ones
// included. Every call returns a fresh copy.
func Catalog() ([]Model, error) {
	f, err := readCatalog()
	if err != nil {
		return nil, err
	}
	return f.Models, nil
}

// readCatalog decodes and checks catalog.json.
func readCatalog() (*catalogFile, error) {
	var f catalogFile
	if err := json.Unmarshal(catalogJSON, &f); err != nil {
		return nil, fmt.Errorf("model catalog: %w", err)
	}
	for i := range f.Models {
		m := &f.Models[i]
		if len(m.InputModalities) == 0 {
			m.InputModalities = defaultModalities()
		}
		for _, name := range m.EffortNames {
			desc, ok := f.ReasoningEfforts[name]
			if !ok {
				return nil, fmt.Errorf("model catalog: %s: unknown reasoning effort %q", m.ID, name)
			}
			m.Efforts = append(m.Efforts, Effort{Name: name, Description: desc})
		}
		if !slices.Contains(m.EffortNames, m.DefaultEffort) {
			return nil, fmt.Errorf("model catalog: %s: default effort %q is not one it accepts", m.ID, m.DefaultEffort)
		}
	}
	return &f, nil
}

// Available returns the catalog followed by the configured model when the
// catalog does not know it (configured "" adds nothing). A configured
// model gets its id as display name, the efforts low, medium and high, and
// defaultEffort as its default when that is one of them (else medium).
// Hidden models are left out unless includeHidden is set; a configured
// model is never hidden.
func Available(configured, defaultEffort string, includeHidden bool) ([]Model, error) {
	f, err := readCatalog()
	if err != nil {
		return nil, err
	}
	all := f.Models
	known := slices.ContainsFunc(all, func(m Model) bool { return m.ID == configured })
	if configured != "" && !known {
		all = append(all, configuredModel(configured, defaultEffort, f.ReasoningEfforts))
	}
	if !includeHidden {
		all = slices.DeleteFunc(all, func(m Model) bool { return m.Hidden })
	}
	return all, nil
}

// configuredModel describes a model the catalog does not know; texts
// holds the descriptions of the efforts.
func configuredModel(id, defaultEffort string, texts map[string]string) Model {
	names := configuredEfforts()
	efforts := make([]Effort, 0, len(names))
	for _, name := range names {
		efforts = append(efforts, Effort{Name: name, Description: texts[name]})
	}
	if !slices.Contains(names, defaultEffort) {
		defaultEffort = "medium"
	}
	return Model{
		ID:              id,
		DisplayName:     id,
		Description:     "The model named in config.toml.",
		EffortNames:     names,
		DefaultEffort:   defaultEffort,
		InputModalities: defaultModalities(),
		Configured:      true,
		Efforts:         efforts,
	}
}
