package patch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromShellArgv(t *testing.T) {
	const body = "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch\n"
	tests := []struct {
		name        string
		argv        []string
		wantPatch   string
		wantWorkdir string
		wantOK      bool
	}{
		{"direct", []string{"apply_patch", body}, body, "", true},
		{"direct alias", []string{"applypatch", body}, body, "", true},
		{"bash quoted heredoc", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body + "EOF\n"}, body, "", true},
		{"sh bare heredoc", []string{"sh", "-c", "apply_patch <<EOF\n" + body + "EOF"}, body, "", true},
		{"zsh double quoted", []string{"zsh", "-lc", "applypatch <<\"PATCH\"\n" + body + "PATCH\n"}, body, "", true},
		{"shell by path", []string{"/bin/bash", "-lc", "apply_patch<<'EOF'\n" + body + "EOF\n"}, body, "", true},
		{"cd prefix", []string{"bash", "-lc", "cd sub/dir && apply_patch <<'EOF'\n" + body + "EOF\n"}, body, "sub/dir", true},
		{"cd quoted dir", []string{"bash", "-lc", "cd '/tmp/my dir' && apply_patch <<'EOF'\n" + body + "EOF\n"}, body, "/tmp/my dir", true},
		{"leading and trailing space", []string{"bash", "-lc", "\n  apply_patch <<'EOF'\n" + body + "EOF\n\n"}, body, "", true},
		{"dash heredoc strips tabs", []string{"bash", "-lc", "apply_patch <<-'EOF'\n\t*** Begin Patch\n\t*** Delete File: a\n\t*** End Patch\n\tEOF\n"},
			"*** Begin Patch\n*** Delete File: a\n*** End Patch\n", "", true},
		{"not a patch command", []string{"bash", "-lc", "ls -la"}, "", "", false},
		{"other command with heredoc", []string{"bash", "-lc", "cat <<'EOF'\n" + body + "EOF\n"}, "", "", false},
		{"command after heredoc", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body + "EOF\necho done\n"}, "", "", false},
		{"unterminated heredoc", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body}, "", "", false},
		{"text after delimiter word", []string{"bash", "-lc", "apply_patch <<'EOF' && rm -rf x\n" + body + "EOF\n"}, "", "", false},
		{"cd without &&", []string{"bash", "-lc", "cd dir; apply_patch <<'EOF'\n" + body + "EOF\n"}, "", "", false},
		{"wrong flag", []string{"bash", "-x", "apply_patch <<'EOF'\n" + body + "EOF\n"}, "", "", false},
		{"unknown shell", []string{"fish", "-c", "apply_patch <<'EOF'\n" + body + "EOF\n"}, "", "", false},
		{"direct with extra args", []string{"apply_patch", body, "more"}, "", "", false},
		{"empty", nil, "", "", false},
		{"prefix of command name", []string{"bash", "-lc", "apply_patcher <<'EOF'\n" + body + "EOF\n"}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, workdir, ok := FromShellArgv(tt.argv)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantPatch, patch)
			assert.Equal(t, tt.wantWorkdir, workdir)
		})
	}
}
