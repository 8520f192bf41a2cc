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

func TestBuildEnvDefaultExcludes(t *testing.T) {
	tests := []struct {
		entry string
		// want is the entry the command gets; "" when it is dropped.
		want string
	}{
		// Dropped by name.
		{"SSH_AUTH_SOCK=/tmp/ssh-x/agent.1", ""},
		{"GPG_AGENT_INFO=/run/user/1000/gnupg/S.gpg-agent:0:1", ""},
		{"DB_PASSWORD=p", ""},
		{"PGPASSWORD=p", ""},
		{"MYSQL_PWD=p", ""},
		{"DB_PWD_FILE=/run/secrets/db", ""},
		{"HTPASSWD=user:hash", ""},
		{"GPG_PASSPHRASE=p", ""},
		{"DB_PASS=p", ""},
		{"SMTP_PASS_FILE=/run/secrets/smtp", ""},
		{"GOOGLE_APPLICATION_CREDENTIALS=/home/u/sa.json", ""},
		{"AWS_SHARED_CREDENTIALS_FILE=/home/u/.aws/credentials", ""},
		{"AWS_ACCESS_KEY_ID=AKIA", ""},
		{"AWS_SECRET_ACCESS_KEY=s", ""},
		{"AWS_SESSION_TOKEN=t", ""},
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials", ""},
		{"AZURE_CLIENT_SECRET=s", ""},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD=p", ""},
		{"AZURE_STORAGE_CONNECTION_STRING=AccountName=a;AccountKey=k", ""},
		{"ConnectionStrings__Default=Server=db;Database=app", ""},
		{"NPM_CONFIG__AUTH=dXNlcjpwYXNz", ""},
		{"npm_config__auth=dXNlcjpwYXNz", ""},
		{"NPM_CONFIG__AUTHTOKEN=t", ""},
		{"npm_config_//registry.npmjs.org/:_authToken=t", ""},
		{"NODE_AUTH_TOKEN=t", ""},
		{"DOCKER_AUTH_CONFIG={}", ""},
		{"GITHUB_TOKEN=ghp_x", ""},
		{"GH_TOKEN=ghp_x", ""},
		{"GITHUB_PAT=ghp_x", ""},
		{"AZURE_DEVOPS_EXT_PAT=p", ""},
		{"OPENAI_API_KEY=sk", ""},
		{"SSH_PRIVATE_KEY=k", ""},
		{"PRIVATE_PEM=k", ""},
		{"SESSION_COOKIE=c", ""},
		{"ERLANG_COOKIE=c", ""},
		{"SLACK_WEBHOOK_URL=https://hooks.slack.example/services/x", ""},
		{"HTTP_AUTHORIZATION=Bearer x", ""},
		{"AUTH=x", ""},
		{"SUPABASE_JWT=x", ""},
		{"VAULT_TOKEN=t", ""},
		// Dropped for a password field in the value.
		{"DATABASE_DSN=host=db user=app password=p dbname=app", ""},
		{"JDBC_URL=jdbc:postgresql://db/app?user=app&password=p", ""},
		{"SQL=Server=db;User Id=app;Pwd = p;", ""},
		{"ODBC=Driver=x;PASSWORD=p", ""},
		// Kept with the credentials of their URLs removed.
		{"DATABASE_URL=postgres://app:p@db:5432/app?sslmode=require", "DATABASE_URL=postgres://db:5432/app?sslmode=require"},
		{"REDIS_URL=redis://:p@cache:6379/0", "REDIS_URL=redis://cache:6379/0"},
		{"HTTP_PROXY=http://user:pass@proxy:3128", "HTTP_PROXY=http://proxy:3128"},
		{"https_proxy=http://dom%5Cuser:p%40ss@proxy:3128/", "https_proxy=http://proxy:3128/"},
		{"ALL_PROXY=socks5h://u:p@proxy:1080", "ALL_PROXY=socks5h://proxy:1080"},
		{"http_proxy=user:pass@proxy:3128", "http_proxy=proxy:3128"},
		{"GOPROXY=https://u:p@goproxy.corp.example,direct", "GOPROXY=https://goproxy.corp.example,direct"},
		{"PIP_EXTRA_INDEX_URL=https://u:p@a.example/simple https://b.example/simple https://u2:p2@c.example/simple",
			"PIP_EXTRA_INDEX_URL=https://a.example/simple https://b.example/simple https://c.example/simple"},
		{"MONGODB_URI=mongodb+srv://app:p@ss@cluster0.example/app?retryWrites=true",
			"MONGODB_URI=mongodb+srv://cluster0.example/app?retryWrites=true"},
		{"MYSQL_URL=jdbc:mysql://app:p@db/app", "MYSQL_URL=jdbc:mysql://db/app"},
		// Kept as they are.
		{"PATH=/usr/local/bin:/usr/bin", "PATH=/usr/local/bin:/usr/bin"},
		{"HOME=/home/u", "HOME=/home/u"},
		{"TERM=xterm-256color", "TERM=xterm-256color"},
		{"LANG=C.UTF-8", "LANG=C.UTF-8"},
		{"TMPDIR=/tmp/u", "TMPDIR=/tmp/u"},
		{"PWD=/home/u/src", "PWD=/home/u/src"},
		{"OLDPWD=/home/u", "OLDPWD=/home/u"},
		{"SHELL=/bin/bash", "SHELL=/bin/bash"},
		{"EDITOR=vi", "EDITOR=vi"},
		{"GOPATH=/home/u/go", "GOPATH=/home/u/go"},
		{"GOFLAGS=-mod=mod -tags=integration", "GOFLAGS=-mod=mod -tags=integration"},
		{"GOPRIVATE=github.com/corp/*", "GOPRIVATE=github.com/corp/*"},
		{"GOAUTH=netrc", "GOAUTH=netrc"},
		{"GOPROXY=https://proxy.golang.org,direct", "GOPROXY=https://proxy.golang.org,direct"},
		{"CARGO_HOME=/home/u/.cargo", "CARGO_HOME=/home/u/.cargo"},
		{"NODE_OPTIONS=--max-old-space-size=4096", "NODE_OPTIONS=--max-old-space-size=4096"},
		{"PYTHONPATH=/home/u/lib", "PYTHONPATH=/home/u/lib"},
		{"CLASSPATH=/opt/lib/*", "CLASSPATH=/opt/lib/*"},
		{"XDG_RUNTIME_DIR=/run/user/1000", "XDG_RUNTIME_DIR=/run/user/1000"},
		{"XDG_SESSION_TYPE=wayland", "XDG_SESSION_TYPE=wayland"},
		{"DESKTOP_SESSION=gnome", "DESKTOP_SESSION=gnome"},
		{"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus"},
		{"SSH_CONNECTION=10.0.0.1 50000 10.0.0.2 22", "SSH_CONNECTION=10.0.0.1 50000 10.0.0.2 22"},
		{"SSH_CLIENT=10.0.0.1 50000 22", "SSH_CLIENT=10.0.0.1 50000 22"},
		{"SSH_TTY=/dev/pts/1", "SSH_TTY=/dev/pts/1"},
		{"SSH_ASKPASS=/usr/bin/ksshaskpass", "SSH_ASKPASS=/usr/bin/ksshaskpass"},
		{"GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_NAME=A U Thor"},
		{"GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_EMAIL=a@example.com"},
		{"KUBECONFIG=/home/u/.kube/staging", "KUBECONFIG=/home/u/.kube/staging"},
		{"DOCKER_CONFIG=/home/u/.docker", "DOCKER_CONFIG=/home/u/.docker"},
		{"DOCKER_HOST=unix:///run/user/1000/docker.sock", "DOCKER_HOST=unix:///run/user/1000/docker.sock"},
		{"AWS_PROFILE=dev", "AWS_PROFILE=dev"},
		{"AWS_REGION=eu-west-1", "AWS_REGION=eu-west-1"},
		{"SSL_CERT_FILE=/etc/ssl/certs/ca.pem", "SSL_CERT_FILE=/etc/ssl/certs/ca.pem"},
		{"HTTP_PROXY=http://proxy:3128", "HTTP_PROXY=http://proxy:3128"},
		{"https_proxy=proxy.corp.example:8080", "https_proxy=proxy.corp.example:8080"},
		{"NO_PROXY=localhost,127.0.0.1,.corp.example", "NO_PROXY=localhost,127.0.0.1,.corp.example"},
		{"PASSENGER_APP_ENV=production", "PASSENGER_APP_ENV=production"},
		{"BYPASS_CACHE=1", "BYPASS_CACHE=1"},
		{"DISPLAY=:0", "DISPLAY=:0"},
		{"XAUTHORITY=/run/user/1000/xauth", "XAUTHORITY=/run/user/1000/xauth"},
		{"GPG_TTY=/dev/pts/1", "GPG_TTY=/dev/pts/1"},
		{"DATABASE_URL=postgres://app@db/app", "DATABASE_URL=postgres://app@db/app"},
		{"SITE=https://example.com/@user:1/x", "SITE=https://example.com/@user:1/x"},
		{"REPO=git@github.com:org/repo.git", "REPO=git@github.com:org/repo.git"},
		{"PS1=\\u@\\h:\\w$ ", "PS1=\\u@\\h:\\w$ "},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			want := []string{}
			if tt.want != "" {
				want = []string{tt.want}
			}
			assert.Equal(t, want, BuildEnv(config.ShellEnvironmentPolicy{}, []string{tt.entry}))
			// ignore_default_excludes keeps the entry as it is.
			assert.Equal(t, []string{tt.entry},
				BuildEnv(config.ShellEnvironmentPolicy{IgnoreDefaultExcludes: true}, []string{tt.entry}))
		})
	}
}

func TestBuildEnvDefaultExcludesLeaveSetAlone(t *testing.T) {
	p := config.ShellEnvironmentPolicy{Inherit: config.InheritAll, Set: map[string]string{
		"DB_PASSWORD":  "p",
		"DATABASE_URL": "postgres://app:p@db/app",
		"HTTP_PROXY":   "http://u:p@proxy:3128",
	}}
	got := BuildEnv(p, []string{"DATABASE_URL=postgres://x:y@other/x", "SSH_AUTH_SOCK=/tmp/a", "PATH=/bin"})
	assert.Equal(t, []string{
		"DATABASE_URL=postgres://app:p@db/app", "DB_PASSWORD=p", "HTTP_PROXY=http://u:p@proxy:3128", "PATH=/bin",
	}, got)

	// include_only still selects among what is left.
	p = config.ShellEnvironmentPolicy{Inherit: config.InheritAll, IncludeOnly: []string{"*_URL", "SSH_*"}}
	got = BuildEnv(p, []string{"DATABASE_URL=postgres://x:y@db/x", "SSH_AUTH_SOCK=/tmp/a", "SSH_TTY=/dev/pts/0", "PATH=/bin"})
	assert.Equal(t, []string{"DATABASE_URL=postgres://db/x", "SSH_TTY=/dev/pts/0"}, got)
}
