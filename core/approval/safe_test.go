package approval

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func bash(script string) []string { return []string{"bash", "-lc", script} }

func TestIsKnownSafe(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want bool
	}{
		// Plain read-only commands, direct and through a shell.
		{"echo via bash", bash("echo hi"), true},
		{"ls direct", []string{"ls", "-la"}, true},
		{"every plain command", bash("cat a; cd b; echo c; false; grep d e; head f; id; ls; nl g; pwd; tail h; true; wc i; which j; whoami; uname -a; printenv; printenv HOME; stat k; basename l; dirname m; realpath n; du -sh; df -h"), true},
		{"operators", bash("cd src && ls || pwd | wc -l"), true},
		{"sh -c", []string{"sh", "-c", "ls"}, true},
		{"zsh -lc", []string{"zsh", "-lc", "pwd"}, true},
		{"quoted words", bash(`grep -n "a b" 'c d'`), true},

		// Not parseable or not on the list.
		{"redirection", bash("echo hi > out.txt; cat out.txt"), false},
		{"variable", bash("echo $HOME"), false},
		{"substitution", bash("ls $(pwd)"), false},
		{"subshell", bash("(ls)"), false},
		{"background", bash("ls &"), false},
		{"one unsafe command", bash("ls && rm -rf x"), false},
		{"unsafe in pipeline", bash("cat a | sh"), false},
		{"rm", []string{"rm", "x"}, false},
		{"touch", bash("touch x"), false},
		{"python", []string{"python3", "-c", "print(1)"}, false},
		{"nested shell", bash("bash -lc ls"), false},
		{"empty argv", nil, false},
		{"empty script", bash(""), false},
		{"path to ls", []string{"/bin/ls"}, false},
		{"go vet", bash("go vet ./..."), false},
		{"go list", bash("go list ./..."), false},
		{"assignment", bash("PAGER=x git log"), false},

		// date
		{"date", bash("date"), true},
		{"date format", bash("date -u +%Y-%m-%d"), true},
		{"date -I value", bash("date -Iseconds"), true},
		{"date -d value", bash("date -d yesterday"), true},
		{"date -s", bash("date -s 2020-01-01"), false},
		{"date -us", bash("date -us 2020-01-01"), false},
		{"date --set", bash("date --set=2020-01-01"), false},

		// tree
		{"tree", bash("tree -L 2 src"), true},
		{"tree -o", bash("tree -o out.txt"), false},
		{"tree -ao", bash("tree -ao out.txt"), false},
		{"tree -R", bash("tree -R -H x"), false},
		{"tree pattern value", bash("tree -I foo"), true},
		{"tree letters after a value letter", bash("tree -Ifoo"), false},

		// file
		{"file", bash("file -b go.mod"), true},
		{"file -C", bash("file -C -m magic"), false},
		{"file --compile", bash("file --compile"), false},

		// sed
		{"sed line", bash("sed -n 10p a.go"), true},
		{"sed range", bash("sed -n '1,200p' a.go"), true},
		{"sed stdin in pipeline", bash("git log | sed -n 1,20p"), true},
		{"sed substitution", bash("sed s/a/b/ a.go"), false},
		{"sed -n with substitution", bash("sed -n s/a/b/p a.go"), false},
		{"sed in place", bash("sed -i 1d a.go"), false},
		{"sed in place after script", bash("sed -n 1p -i"), false},
		{"sed write command", bash("sed -n '1w out' a.go"), false},
		{"sed range to end", bash("sed -n '1,$p' a.go"), false},
		{"sed two files", bash("sed -n 1p a b"), false},
		{"sed -n alone", bash("sed -n"), false},

		// rg
		{"rg", bash("rg -n foo src"), true},
		{"rg files", bash("rg --files -g '*.go'"), true},
		{"rg glob containing z", bash("rg -g'*.gz' foo"), true},
		{"rg pattern -ez", bash("rg -ez"), true},
		{"rg literal -z after double dash", bash("rg -- -z"), true},
		{"rg --pre", bash("rg --pre cat foo"), false},
		{"rg --pre=", bash("rg --pre=./x foo"), false},
		{"rg --hostname-bin", bash("rg --hostname-bin=./x foo"), false},
		{"rg --search-zip", bash("rg --search-zip foo"), false},
		{"rg -z", bash("rg -z foo"), false},
		{"rg -iz", bash("rg -iz foo"), false},
		{"rg --pre-glob alone is harmless", bash("rg --pre-glob '*.pdf' foo"), true},

		// find
		{"find", bash("find . -name '*.go' -type f"), true},
		{"find print", bash("find . -print0"), true},
		{"find -exec", bash(`find . -exec rm '{}' \;`), false},
		{"find -execdir", bash(`find . -execdir ls \;`), false},
		{"find -ok", bash(`find . -ok rm \;`), false},
		{"find -okdir", bash(`find . -okdir rm \;`), false},
		{"find -delete", bash("find . -delete"), false},
		{"find -fls", bash("find . -fls out"), false},
		{"find -fprint", bash("find . -fprint out"), false},
		{"find -fprint0", bash("find . -fprint0 out"), false},
		{"find -fprintf", bash("find . -fprintf out %p"), false},

		// git
		{"git status", bash("git status --short"), true},
		{"git log", bash("git log --oneline -n 5"), true},
		{"git diff", bash("git diff HEAD~1 -- core"), true},
		{"git show", bash("git show HEAD:go.mod"), true},
		{"git rev-parse", bash("git rev-parse HEAD"), true},
		{"git ls-files", bash("git ls-files"), true},
		{"git blame", bash("git blame -L 1,10 a.go"), true},
		{"git grep", bash("git grep -n foo"), true},
		{"git alone", bash("git"), false},
		{"git commit", bash("git commit -m x"), false},
		{"git push", bash("git push"), false},
		{"git checkout", bash("git checkout main"), false},
		{"git global option", bash("git -c core.pager=x log"), false},
		{"git -C", bash("git -C /tmp status"), false},
		{"git diff --output", bash("git diff --output=patch.txt"), false},
		{"git log --output", bash("git log --output x"), false},
		{"git diff --ext-diff", bash("git diff --ext-diff"), false},
		{"git diff path named --output", bash("git diff -- --output"), true},
		{"git grep -O", bash("git grep -O foo"), false},
		{"git grep -Ovim", bash("git grep -Ovim foo"), false},
		{"git grep --open-files-in-pager", bash("git grep --open-files-in-pager=less foo"), false},
		{"git grep -e value", bash("git grep -eO foo"), true},

		// git branch
		{"git branch", bash("git branch"), true},
		{"git branch -a", bash("git branch -a"), true},
		{"git branch -vv", bash("git branch -vv"), true},
		{"git branch --show-current", bash("git branch --show-current"), true},
		{"git branch --list pattern", bash("git branch --list 'feat*'"), true},
		{"git branch -l pattern", bash("git branch -l 'feat*'"), true},
		{"git branch --contains commit", bash("git branch --contains HEAD"), true},
		{"git branch --merged main", bash("git branch --merged main"), true},
		{"git branch -v creates", bash("git branch -v x"), false},
		{"git branch create", bash("git branch newbranch"), false},
		{"git branch create from", bash("git branch newbranch main"), false},
		{"git branch -a with name", bash("git branch -a newbranch"), false},
		{"git branch -d", bash("git branch -d old"), false},
		{"git branch -D", bash("git branch -D old"), false},
		{"git branch -m", bash("git branch -m old new"), false},
		{"git branch -M", bash("git branch -M new"), false},
		{"git branch -c", bash("git branch -c old new"), false},
		{"git branch -C", bash("git branch -C old new"), false},
		{"git branch -f", bash("git branch -f x HEAD"), false},
		{"git branch -u", bash("git branch -u origin/main"), false},
		{"git branch -t", bash("git branch -t x origin/x"), false},
		{"git branch cluster with d", bash("git branch -vd old"), false},
		{"git branch --delete", bash("git branch --delete old"), false},
		{"git branch --move", bash("git branch --move old new"), false},
		{"git branch --copy", bash("git branch --copy old new"), false},
		{"git branch --force", bash("git branch --force x"), false},
		{"git branch --set-upstream-to", bash("git branch --set-upstream-to=origin/main"), false},
		{"git branch --unset-upstream", bash("git branch --unset-upstream"), false},
		{"git branch --edit-description", bash("git branch --edit-description"), false},
		{"git branch --list with delete", bash("git branch --list -d x"), false},

		// cargo
		{"cargo check runs build scripts", bash("cargo check --all-targets"), false},
		{"cargo build", bash("cargo build"), false},
		{"cargo alone", bash("cargo"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, IsKnownSafe(tc.argv), "argv %q", tc.argv)
		})
	}
}
