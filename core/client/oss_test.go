package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/client"
)

func TestOSSBaseURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "http://localhost:11434/v1"},
		{"port", map[string]string{"CODEX_OSS_PORT": "8080"}, "http://localhost:8080/v1"},
		{"base url wins", map[string]string{"CODEX_OSS_BASE_URL": "http://gpu:9000/v1", "CODEX_OSS_PORT": "8080"}, "http://gpu:9000/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, client.OSSBaseURL(func(k string) string { return tt.env[k] }))
		})
	}
}

func TestCheckOSS(t *testing.T) {
	tests := []struct {
		name   string
		routes map[string]int // path -> status; others 404
		ok     bool
	}{
		{"ollama", map[string]int{"/api/tags": http.StatusOK}, true},
		{"openai compatible", map[string]int{"/v1/models": http.StatusOK}, true},
		{"nothing answers", map[string]int{"/api/tags": http.StatusInternalServerError}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Method+" "+r.URL.Path)
				mu.Unlock()
				status, ok := tt.routes[r.URL.Path]
				if !ok {
					status = http.StatusNotFound
				}
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"models":[]}`))
			}))
			defer srv.Close()
			err := client.CheckOSS(context.Background(), srv.URL+"/v1", srv.Client())
			if tt.ok {
				require.NoError(t, err)
				return
			}
			var ue *client.OSSUnavailableError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, srv.URL, ue.Host)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"GET /api/tags", "GET /v1/models"}, seen)
			assert.Contains(t, ue.Unwrap().Error(), "404")
		})
	}
}

func TestCheckOSSNoServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/v1/"
	srv.Close()
	err := client.CheckOSS(context.Background(), base, nil)
	require.Error(t, err)
	host := strings.TrimSuffix(base, "/v1/")
	assert.Equal(t, "No local model server answered at "+host+
		". Install Ollama (https://ollama.com) and run `ollama serve`, then `ollama pull <model>`.", err.Error())
	assert.ErrorContains(t, errors.Unwrap(err), "/v1/models")
}

func TestCheckOSSBadURL(t *testing.T) {
	err := client.CheckOSS(context.Background(), "localhost:11434", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an absolute URL")
}

func TestCheckOSSCancelled(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := client.CheckOSS(ctx, srv.URL+"/v1", nil)
	var ue *client.OSSUnavailableError
	require.ErrorAs(t, err, &ue)
	assert.ErrorIs(t, err, context.Canceled)
}
