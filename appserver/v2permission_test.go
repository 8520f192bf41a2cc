package appserver

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codex-go/codex/protocol"
)

func TestPermissionProfile(t *testing.T) {
	tests := []struct {
		approval protocol.AskForApproval
		sandbox  protocol.SandboxMode
		want     string // "" for none
	}{
		{protocol.ApprovalOnRequest, protocol.SandboxReadOnly, ":read-only"},
		{protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite, ":workspace"},
		{protocol.ApprovalNever, protocol.SandboxDangerFullAccess, ":danger-full-access"},
		{protocol.ApprovalUntrusted, protocol.SandboxWorkspaceWrite, ""},
		{protocol.ApprovalNever, protocol.SandboxWorkspaceWrite, ""},
		{protocol.ApprovalOnRequest, protocol.SandboxDangerFullAccess, ""},
		{protocol.ApprovalOnFailure, protocol.SandboxReadOnly, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.approval)+"/"+string(tt.sandbox), func(t *testing.T) {
			got := permissionProfile(tt.approval, tt.sandbox)
			if tt.want == "" {
				assert.Nil(t, got)
				return
			}
			if assert.NotNil(t, got) {
				assert.Equal(t, tt.want, got.ID)
				assert.Nil(t, got.Extends)
			}
		})
	}
}
