package schemagen

import (
	"path"
	"strings"

	"github.com/codex-go/codex/internal/schemagen/schemafiles"
)

// ParamsFile is the path of the document describing the row's params (the
// message itself for events and standalone types); "" when it has none.
func (r Row) ParamsFile() string {
	if r.Params == nil {
		return ""
	}
	switch r.Kind {
	case KindClientRequest, KindServerRequest:
		return path.Join(string(r.Kind), r.Name+".params.json")
	case KindEventNotification:
		return string(r.Kind) + ".json"
	}
	return path.Join(string(r.Kind), r.Name+".json")
}

// ResultFile is the path of the document describing a request's result; ""
// for rows that are not requests.
func (r Row) ResultFile() string {
	if r.Result == nil {
		return ""
	}
	return path.Join(string(r.Kind), r.Name+".response.json")
}

// title is the human-readable name of a row's params or result document.
func (r Row) title(result bool) string {
	switch r.Kind {
	case KindClientRequest, KindServerRequest:
		kind := strings.ReplaceAll(string(r.Kind), "_", " ")
		if result {
			return r.Name + " " + kind + " response"
		}
		return r.Name + " " + kind + " params"
	case KindNotification:
		return r.Name + " notification params"
	case KindEvent:
		return r.Name + " event message"
	case KindEventNotification:
		return r.Name + " notification params"
	}
	return r.Name
}

// buildIndex lists the documents of rows.
func buildIndex(rows []Row) schemafiles.Index {
	idx := schemafiles.Index{
		ClientRequests: []schemafiles.IndexRequest{},
		ServerRequests: []schemafiles.IndexRequest{},
		Notifications:  []schemafiles.IndexNotification{},
		Events:         []schemafiles.IndexEvent{},
		Types:          []schemafiles.IndexType{},
	}
	for _, r := range rows {
		var params, result *schemafiles.Document
		if r.Params != nil {
			params = &schemafiles.Document{File: r.ParamsFile(), Definition: r.Params.Name()}
		}
		if r.Result != nil {
			result = &schemafiles.Document{File: r.ResultFile(), Definition: r.Result.Name()}
		}
		switch r.Kind {
		case KindClientRequest:
			idx.ClientRequests = append(idx.ClientRequests, schemafiles.IndexRequest{Method: r.Name, Params: params, Response: *result})
		case KindServerRequest:
			idx.ServerRequests = append(idx.ServerRequests, schemafiles.IndexRequest{Method: r.Name, Params: params, Response: *result})
		case KindNotification, KindEventNotification:
			idx.Notifications = append(idx.Notifications, schemafiles.IndexNotification{Method: r.Name, Params: *params})
		case KindEvent:
			idx.Events = append(idx.Events, schemafiles.IndexEvent{Type: r.Name, Msg: *params})
		case KindType:
			idx.Types = append(idx.Types, schemafiles.IndexType{Name: r.Name, Schema: *params})
		}
	}
	return idx
}
