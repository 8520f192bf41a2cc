package client

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&HTTPError{StatusCode: 500}, "internalServerError"},
		{&HTTPError{StatusCode: 502}, "internalServerError"},
		{&HTTPError{StatusCode: 503}, "serverOverloaded"},
		{&HTTPError{StatusCode: 401}, "unauthorized"},
		{&HTTPError{StatusCode: 400}, "badRequest"},
		{&HTTPError{StatusCode: 400, Code: "context_length_exceeded"}, "contextWindowExceeded"},
		{&HTTPError{StatusCode: 404}, "modelNotFound"},
		{&HTTPError{StatusCode: 429}, "rateLimitExceeded"},
		{&HTTPError{StatusCode: 429, Code: "insufficient_quota"}, "usageLimitExceeded"},
		{fmt.Errorf("request: %w", &HTTPError{StatusCode: 500}), "internalServerError"},
		{errors.New("stream ended"), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			assert.Equal(t, tt.want, ErrorKind(tt.err))
		})
	}
}
