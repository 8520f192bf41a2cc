package exec

import (
	"testing"

	"github.com/codex-go/codex/core/config"
	"github.com/stretchr/testify/assert"
)

func TestBuildEnv(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin:/bin",
		"HOME=/home/u",
		"LANG=C.UTF-8",
		"EDITOR=vi",
		"OPENAI_API_KEY=sk-1",
		"github_token=gh",
		"MY_SECRET_THING=s",
		"KEYBOARD=us",
		"FOO_BAR=1",
		"FOO_BAZ=2",
		"malformed",
		"EDITOR=nano",
	}
	tests := []struct {
		name   string
		policy config.ShellEnvironmentPolicy
		want   []string
	}{
		{"inherit all drops secrets by default", config.ShellEnvironmentPolicy{Inherit: config.InheritAll},
			[]string{"EDITOR=nano", "FOO_BAR=1", "FOO_BAZ=2", "HOME=/home/u", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"empty inherit means all", config.ShellEnvironmentPolicy{},
			[]string{"EDITOR=nano", "FOO_BAR=1", "FOO_BAZ=2", "HOME=/home/u", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"inherit core", config.ShellEnvironmentPolicy{Inherit: config.InheritCore},
			[]string{"HOME=/home/u", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"inherit none", config.ShellEnvironmentPolicy{Inherit: config.InheritNone},
			[]string{}},
		{"ignore default excludes", config.ShellEnvironmentPolicy{Inherit: config.InheritAll, IgnoreDefaultExcludes: true},
			[]string{"EDITOR=nano", "FOO_BAR=1", "FOO_BAZ=2", "HOME=/home/u", "KEYBOARD=us", "LANG=C.UTF-8",
				"MY_SECRET_THING=s", "OPENAI_API_KEY=sk-1", "PATH=/usr/bin:/bin", "github_token=gh"}},
		{"exclude globs ignore case", config.ShellEnvironmentPolicy{Inherit: config.InheritAll, Exclude: []string{"foo_*", "editor"}},
			[]string{"HOME=/home/u", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"invalid pattern matches nothing", config.ShellEnvironmentPolicy{Inherit: config.InheritCore, Exclude: []string{"[", "H?ME"}},
			[]string{"LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"set adds and replaces, even secret-looking names", config.ShellEnvironmentPolicy{Inherit: config.InheritNone,
			Set: map[string]string{"A_TOKEN": "t", "PATH": "/x"}},
			[]string{"A_TOKEN=t", "PATH=/x"}},
		{"set replaces inherited", config.ShellEnvironmentPolicy{Inherit: config.InheritCore, Set: map[string]string{"HOME": "/tmp/h"}},
			[]string{"HOME=/tmp/h", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"}},
		{"include only applies last", config.ShellEnvironmentPolicy{Inherit: config.InheritAll,
			Set: map[string]string{"EXTRA": "e", "FOO_NEW": "n"}, IncludeOnly: []string{"foo_*", "PATH"}},
			[]string{"FOO_BAR=1", "FOO_BAZ=2", "FOO_NEW=n", "PATH=/usr/bin:/bin"}},
		{"include only cannot bring back excluded", config.ShellEnvironmentPolicy{Inherit: config.InheritAll,
			IncludeOnly: []string{"*KEY*"}},
			[]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, BuildEnv(tt.policy, environ))
		})
	}
}

func TestBuildEnvKeepsValuesWithEquals(t *testing.T) {
	got := BuildEnv(config.ShellEnvironmentPolicy{Inherit: config.InheritAll}, []string{"OPTS=a=b=c", "=C:=C:\\dir"})
	assert.Equal(t, []string{"=C:=C:\\dir", "OPTS=a=b=c"}, got)
}

func TestEnvValue(t *testing.T) {
	env := []string{"PATH=/a", "X=1", "PATH=/b"}
	v, ok := envValue(env, "PATH")
	assert.True(t, ok)
	assert.Equal(t, "/b", v)
	_, ok = envValue(env, "NOPE")
	assert.False(t, ok)
}
