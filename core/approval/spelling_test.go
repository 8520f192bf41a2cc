package approval

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// forbiddenOption is one dangerous option of a command on the safe list.
type forbiddenOption struct {
	cmd      string   // the command and any subcommand, e.g. "git grep"
	long     string   // the long option's name without "--", or ""
	short    string   // the short option's letter, or ""
	harmless string   // a harmless short flag of cmd, bundled before short
	operand  string   // a harmless operand of cmd, placed before the option
	exact    []string // harmless long options of cmd that are prefixes of long
}

// gitReadOnlySubcommands are the git subcommands on the safe list.
var gitReadOnlySubcommands = []string{
	"status", "log", "diff", "show", "rev-parse", "ls-files", "blame", "grep", "branch",
}

// forbiddenOptions lists every dangerous option of every command on the
// safe list.
func forbiddenOptions() []forbiddenOption {
	opts := []forbiddenOption{
		{cmd: "date", long: "set", short: "s", harmless: "u", operand: "+%s"},

		{cmd: "tree", long: "output", short: "o", harmless: "a", operand: "src"},
		{cmd: "tree", short: "R", harmless: "a", operand: "src"},

		{cmd: "file", long: "compile", short: "C", harmless: "b", operand: "go.mod"},
		{cmd: "file", long: "uncompress", short: "z", harmless: "b", operand: "go.mod"},
		{cmd: "file", long: "uncompress-noreport", short: "Z", harmless: "b", operand: "go.mod"},
		{cmd: "file", long: "preserve-date", short: "p", harmless: "b", operand: "go.mod"},

		{cmd: "rg", long: "pre", operand: "foo"},
		{cmd: "rg", long: "hostname-bin", operand: "foo"},
		{cmd: "rg", long: "search-zip", short: "z", harmless: "i", operand: "foo"},

		{cmd: "git grep", long: "open-files-in-pager", short: "O", harmless: "i", operand: "foo"},
		{cmd: "git grep", long: "textconv", operand: "foo", exact: []string{"text"}},
	}
	for _, sub := range gitReadOnlySubcommands {
		for _, long := range []string{"output", "ext-diff"} {
			opts = append(opts, forbiddenOption{cmd: "git " + sub, long: long, operand: "HEAD"})
		}
	}
	branch := func(long, short string) forbiddenOption {
		return forbiddenOption{cmd: "git branch", long: long, short: short, harmless: "v", operand: "x"}
	}
	opts = append(opts,
		branch("delete", "d"), branch("", "D"), branch("move", "m"), branch("", "M"),
		branch("copy", "c"), branch("", "C"), branch("force", "f"),
		branch("set-upstream-to", "u"), branch("set-upstream", ""), branch("unset-upstream", ""),
		branch("edit-description", ""), branch("track", "t"), branch("no-track", ""),
		branch("create-reflog", ""), branch("recurse-submodules", ""),
	)
	return opts
}

// spellings returns every way of writing o on a command line: the long
// option and each of its prefixes, alone, with "=value" and with the value
// in the next word, and the short option alone, bundled, with an attached
// value and with the value in the next word; each also after an operand.
func (o forbiddenOption) spellings() []string {
	var words []string
	if o.long != "" {
		for n := len(o.long); n >= 1; n-- {
			p := "--" + o.long[:n]
			if slices.Contains(o.exact, o.long[:n]) {
				continue
			}
			words = append(words, p, p+"=v", p+" v")
		}
	}
	if o.short != "" {
		s := "-" + o.short
		words = append(words, s, s+"v", s+" v")
		if o.harmless != "" {
			words = append(words, "-"+o.harmless+o.short, "-"+o.harmless+o.short+"v")
		}
	}
	var out []string
	for _, w := range words {
		out = append(out, o.cmd+" "+w)
		if o.operand != "" {
			out = append(out, o.cmd+" "+o.operand+" "+w)
		}
	}
	return out
}

func TestForbiddenOptionsAreNeverSafe(t *testing.T) {
	for _, o := range forbiddenOptions() {
		for _, line := range o.spellings() {
			t.Run(line, func(t *testing.T) {
				assert.False(t, IsKnownSafe(strings.Fields(line)), "direct %q", line)
				assert.False(t, IsKnownSafe(bash(line)), "alone in a script: %q", line)
				assert.False(t, IsKnownSafe(bash("pwd && "+line)), "after &&: %q", line)
				assert.False(t, IsKnownSafe(bash(line+" && pwd")), "before &&: %q", line)
			})
		}
	}
}

func TestIsKnownSafeOptionSpellings(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		// Harmless options that start with a dangerous option's name.
		{"git log --oneline", true},
		{"git diff --no-ext-diff", true},
		{"git show --no-ext-diff HEAD", true},
		{"git log --output-indicator-new=+ -p", true},
		{"git grep --text foo", true},
		{"git grep --no-textconv foo", true},
		{"git grep --no-open-files-in-pager foo", true},
		{"rg --pre-glob '*.gz' foo", true},
		{"rg --pretty foo", true},
		{"file --exclude soft go.mod", true},

		// Values that look like options.
		{"rg -e -z foo", true},
		{"rg -e --pre foo", true},
		{"git grep -e -O foo", true},
		{"git grep -C 3 -e -O", true},
		{"file -m -C go.mod", true},
		{"file -F -z go.mod", true},
		{"tree -I -o src", true},
		{"tree -L 2 -P '*.go' src", true},

		// A "--" that is a value does not end the options.
		{"rg -e -- --pre=cat foo", false},
		{"rg -e -- --pre cat foo", false},
		{"rg -g -- -z foo", false},
		{"git grep -e -- -O foo", false},
		{"git log -S -- --output=x", false},
		{"git log --grep -- --ext-diff", false},
		{"tree -I -- -o out", false},
		{"tree -IL -- 2 -o out", false},
		{"date -d -- 0101000030", false},
		{"git branch --sort -- -d x", false},
		{"file -m -- -C", false},

		// A "--" that ends the options.
		{"rg -- --pre", true},
		{"rg foo -- -z", true},
		{"tree -L 2 -- -o", true},
		{"tree -- -R", true},
		{"git log -- --output", true},
		{"git grep -e foo -- -O", true},
		{"file -- -C", true},
		{"git branch --list -- -d", true},
		{"git log --end-of-options --output", true},
		{"git branch --end-of-options x --list", false},
		{"git grep -e foo --end-of-options -O", true},
		{"git grep -e --end-of-options -O foo", false},
		{"rg '' --pre=cat foo", false},
		{"git log '' --output=x", false},

		// tree reads values from the following words, not from the rest of
		// the word.
		{"tree -I foo", true},
		{"tree -Ifo pat out.txt", false},
		{"tree -LR 1", false},

		// date: only "+FORMAT" operands; any other operand sets the clock.
		{"date", true},
		{"date +%s", true},
		{"date -u +%Y-%m-%d", true},
		{"date -- +%s", true},
		{"date -d yesterday +%s", true},
		{"date -dyesterday", true},
		{"date --date yesterday", true},
		{"date --date=yesterday", true},
		{"date --da yesterday", true},
		{"date -r go.mod", true},
		{"date --ref go.mod", true},
		{"date -f dates.txt", true},
		{"date -Iseconds", true},
		{"date -I", true},
		{"date --iso-8601=seconds", true},
		{"date --rfc-3339 seconds", true},
		{"date --ut +%s", true},
		{"date --debug -R", true},
		{"date -ds", true},
		{"date 0101000030", false},
		{"date -- 0101000030", false},
		{"date -u 0101000030", false},
		{"date 0101000030 -u", false},
		{"date --utc 0101000030", false},
		{"date --u 0101000030", false},
		{"date +%s 0101000030", false},
		{"date -I 0101000030", false},
		{"date -Iseconds 0101000030", false},
		{"date --iso-8601 0101000030", false},
		{"date --d yesterday", false},
		{"date -- -0101", false},
		{"date -- -s", false},

		// git branch: operands are patterns only in list mode.
		{"git branch", true},
		{"git branch -v", true},
		{"git branch -vv", true},
		{"git branch -a", true},
		{"git branch -r -v", true},
		{"git branch --show-current", true},
		{"git branch --list 'feat*'", true},
		{"git branch -l 'feat*'", true},
		{"git branch -al 'feat*'", true},
		{"git branch 'feat*' --list", true},
		{"git branch --lis 'feat*'", true},
		{"git branch --l 'feat*'", true},
		{"git branch --contains HEAD", true},
		{"git branch --contains", true},
		{"git branch --con HEAD", true},
		{"git branch --contains HEAD x", true},
		{"git branch --no-contains HEAD x", true},
		{"git branch --merged main", true},
		{"git branch --no-merged main x", true},
		{"git branch --points-at HEAD x", true},
		{"git branch --with HEAD x", true},
		{"git branch --without HEAD x", true},
		{"git branch --sort=-committerdate '--format=%(refname)' --list x", true},
		{"git branch --no-color --list x", true},
		{"git branch x", false},
		{"git branch x main", false},
		{"git branch -v x", false},
		{"git branch --verbose x", false},
		{"git branch --verb x", false},
		{"git branch -a x", false},
		{"git branch -r x", false},
		{"git branch --sort=refname x", false},
		{"git branch '--format=%(refname)' x", false},
		{"git branch --show-current x", false},
		{"git branch -- x", false},
		{"git branch -- --list", false},
		{"git branch --list --no-list x", false},
		{"git branch --list --no-l x", false},
		{"git branch --points-at HEAD --no-points-at x", false},
		{"git branch --points-at HEAD --no-p x", false},
		{"git branch --no-list --list x", false},
		{"git branch --sort --list x", false},
		{"git branch --w HEAD x", false},
		{"git branch --wi HEAD x", false},
		{"git branch --co HEAD x", false},
		{"git branch -v --dele x", false},
		{"git branch --list -vd x", false},
		{"git branch --no- x", false},
		{"git branch --no-t x", false},

		// The bypasses this check was written against.
		{"git grep --open-files-in-pag=touch x", false},
		{"date --s=2020-01-01", false},
		{"file --comp", false},
		{"cargo check", false},

		// find matches its primaries exactly, wherever they stand.
		{"find . -name x -exec rm {} +", false},
		{"find -delete", false},
		{"find src -type f -fprint0 out", false},
		{"find . -name -exec", false},
		{"find . -name '*.go' -print", true},
		{"find . -newer go.mod -ls", true},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			assert.Equal(t, tc.want, IsKnownSafe(bash(tc.line)), "script %q", tc.line)
			assert.Equal(t, tc.want, IsKnownSafe(bash("pwd && "+tc.line)), "script %q after &&", tc.line)
		})
	}
}

func TestIsKnownSafeOddWords(t *testing.T) {
	assert.False(t, IsKnownSafe([]string{"rg", "-\xff\xfez", "foo"}))
	assert.True(t, IsKnownSafe([]string{"rg", "-\xff", "foo"}))
	assert.False(t, IsKnownSafe([]string{"date", "-\xe9s"}))
	assert.False(t, IsKnownSafe([]string{"rg", "--=x", "foo"}))
	assert.True(t, IsKnownSafe([]string{"git", "grep", "--", "foo", "--", "-O"}))
	assert.True(t, IsKnownSafe([]string{"git", "log", "", "-p"}))
	assert.False(t, IsKnownSafe([]string{"date", "-", "+%s"}))
}
