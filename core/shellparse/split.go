// Package shellparse reads the argv sent to the shell tool: it splits simple
// shell scripts into their commands and describes what those commands do.
//
// The accepted shell language is deliberately small. A script is split only
// when it consists of words (unquoted, single-quoted, double-quoted without
// expansions, backslash-escaped) and the operators &&, ||, ; and | (newlines
// act as ;). Everything whose meaning depends on the shell at run time —
// redirections, subshells, groups, command substitution, variable and tilde
// expansion, brace expansion, background jobs, comments, variable
// assignments and compound commands — makes the split fail, so callers never
// mistake a script for the words they see. Glob characters (* ? [ ]) are kept
// literally inside words.
package shellparse

import (
	"path"
	"strings"
)

// Operators joining simple commands in a split script.
const (
	opAnd  = "&&"
	opOr   = "||"
	opSeq  = ";"
	opPipe = "|"
)

// segment is one simple command and the operator that follows it ("" for
// the last command).
type segment struct {
	words []string
	op    string
}

// reservedWords are the words bash treats specially in command position.
// A script using them unquoted there is a compound command and is not split.
var reservedWords = map[string]bool{
	"!": true, "[[": true, "]]": true, "{": true, "}": true,
	"case": true, "coproc": true, "do": true, "done": true, "elif": true,
	"else": true, "esac": true, "fi": true, "for": true, "function": true,
	"if": true, "in": true, "select": true, "then": true, "time": true,
	"until": true, "while": true,
}

// shells are the interpreters whose "-c"/"-lc" script Commands splits.
var shells = map[string]bool{"bash": true, "sh": true, "zsh": true}

// Split returns the simple commands of script when it uses only words,
// quotes and the operators &&, ||, ; and |. ok is false for anything else,
// including an empty script.
func Split(script string) (cmds [][]string, ok bool) {
	segs, ok := splitScript(script)
	if !ok {
		return nil, false
	}
	cmds = make([][]string, len(segs))
	for i, s := range segs {
		cmds[i] = s.words
	}
	return cmds, true
}

// Commands returns the simple commands of argv. For a shell invocation
// ["bash"|"sh"|"zsh", "-lc"|"-c", script] (the shell also as /bin/NAME or
// /usr/bin/NAME) it is the Split of the script; otherwise argv itself is the
// only command. ok is false for an empty argv or a script that cannot be split.
func Commands(argv []string) (cmds [][]string, ok bool) {
	if script, isShell := shellScript(argv); isShell {
		return Split(script)
	}
	if len(argv) == 0 {
		return nil, false
	}
	return [][]string{append([]string(nil), argv...)}, true
}

// shellScript returns the script of a ["bash", "-lc", script]-style argv.
func shellScript(argv []string) (string, bool) {
	if len(argv) != 3 || (argv[1] != "-c" && argv[1] != "-lc") {
		return "", false
	}
	name := argv[0]
	if dir := path.Dir(name); dir == "/bin" || dir == "/usr/bin" {
		name = path.Base(name)
	}
	if !shells[name] {
		return "", false
	}
	return argv[2], true
}

// wordBuilder accumulates one shell word and what is known about its quoting.
type wordBuilder struct {
	b strings.Builder
	// started is true once any character or quote of the word was read, so
	// that '' yields an empty word.
	started bool
	// quoted is true when any part of the word was quoted or escaped.
	quoted bool
	// bareName is true while every character so far is unquoted and forms
	// a shell variable name, i.e. while an "=" would start an assignment.
	bareName bool
}

func (w *wordBuilder) reset() {
	w.b.Reset()
	w.started, w.quoted, w.bareName = false, false, true
}

func (w *wordBuilder) add(c byte, quoted bool) {
	if quoted {
		w.bareName = false
	} else if w.bareName {
		isLetter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		isDigit := c >= '0' && c <= '9'
		w.bareName = isLetter || (isDigit && w.b.Len() > 0)
	}
	w.b.WriteByte(c)
	w.started = true
}

// scanner holds the state of splitScript.
type scanner struct {
	segs []segment
	cur  []string
	word wordBuilder
}

// endWord finishes the current word, rejecting reserved words in command
// position.
func (s *scanner) endWord() bool {
	if !s.word.started {
		return true
	}
	w := s.word.b.String()
	if len(s.cur) == 0 && !s.word.quoted && reservedWords[w] {
		return false
	}
	s.cur = append(s.cur, w)
	s.word.reset()
	return true
}

// endCommand finishes the current command with op. An operator without a
// command before it is a syntax error.
func (s *scanner) endCommand(op string) bool {
	if !s.endWord() || len(s.cur) == 0 {
		return false
	}
	s.segs = append(s.segs, segment{words: s.cur, op: op})
	s.cur = nil
	return true
}

// newline ends the current command like ";", or continues the list after an
// operator or an empty line.
func (s *scanner) newline() bool {
	if !s.endWord() {
		return false
	}
	if len(s.cur) > 0 {
		return s.endCommand(opSeq)
	}
	return true
}

// splitScript tokenises script into segments; see the package comment for
// the accepted language.
func splitScript(script string) ([]segment, bool) {
	var s scanner
	s.word.reset()
	for i := 0; i < len(script); i++ {
		c := script[i]
		var next byte
		if i+1 < len(script) {
			next = script[i+1]
		}
		switch c {
		case ' ', '\t':
			if !s.endWord() {
				return nil, false
			}
		case '\n':
			if !s.newline() {
				return nil, false
			}
		case ';':
			if !s.endCommand(opSeq) {
				return nil, false
			}
		case '&':
			if next != '&' {
				return nil, false // background job or &> redirection
			}
			if !s.endCommand(opAnd) {
				return nil, false
			}
			i++
		case '|':
			switch next {
			case '|':
				if !s.endCommand(opOr) {
					return nil, false
				}
				i++
			case '&':
				return nil, false // |& also pipes stderr
			default:
				if !s.endCommand(opPipe) {
					return nil, false
				}
			}
		case '\'':
			end := strings.IndexByte(script[i+1:], '\'')
			if end < 0 {
				return nil, false
			}
			for _, q := range []byte(script[i+1 : i+1+end]) {
				s.word.add(q, true)
			}
			s.word.started, s.word.quoted = true, true
			i += end + 1
		case '"':
			n, ok := s.doubleQuoted(script[i+1:])
			if !ok {
				return nil, false
			}
			i += n
		case '\\':
			switch {
			case i+1 >= len(script):
				return nil, false // a trailing backslash
			case next == '\n':
				// A line continuation joins the lines without a separator.
			default:
				s.word.add(next, true)
				s.word.quoted = true
			}
			i++
		case '<', '>', '(', ')', '$', '`', '{', '}':
			return nil, false
		case '#', '~':
			if !s.word.started {
				return nil, false // a comment or a tilde expansion
			}
			s.word.add(c, false)
		case '=':
			if len(s.cur) == 0 && s.word.bareName && s.word.b.Len() > 0 {
				return nil, false // a variable assignment
			}
			s.word.add(c, false)
		default:
			s.word.add(c, false)
		}
	}
	if !s.endWord() {
		return nil, false
	}
	if len(s.cur) > 0 {
		if !s.endCommand("") {
			return nil, false
		}
		return s.segs, true
	}
	if len(s.segs) == 0 {
		return nil, false
	}
	last := &s.segs[len(s.segs)-1]
	if last.op != opSeq {
		return nil, false // a dangling &&, || or |
	}
	last.op = ""
	return s.segs, true
}

// doubleQuoted reads the body of a double-quoted string starting right after
// the opening quote. It returns the number of bytes consumed including the
// closing quote; ok is false for expansions and unterminated strings.
func (s *scanner) doubleQuoted(rest string) (int, bool) {
	s.word.started, s.word.quoted = true, true
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch c {
		case '"':
			return i + 1, true
		case '$', '`':
			return 0, false
		case '\\':
			if i+1 >= len(rest) {
				return 0, false
			}
			switch rest[i+1] {
			case '$', '`', '"', '\\':
				s.word.add(rest[i+1], true)
				i++
			case '\n':
				i++
			default:
				s.word.add(c, true)
			}
		default:
			s.word.add(c, true)
		}
	}
	return 0, false
}

// isSafeWordByte reports whether c never needs quoting in a shell word.
func isSafeWordByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("_-.,:/@%+=^", c) >= 0
}

// Quote returns word written so that a shell (and Split) reads it back as
// one word with the same text: unchanged when it has only safe characters,
// otherwise in single quotes.
func Quote(word string) string {
	if word != "" && strings.IndexFunc(word, func(r rune) bool {
		return r >= 0x80 || !isSafeWordByte(byte(r))
	}) < 0 {
		return word
	}
	return "'" + strings.ReplaceAll(word, "'", `'\''`) + "'"
}

// Join renders a simple command as shell text: the words quoted where
// needed and separated by spaces. The command name is also quoted when a
// shell would read it as a reserved word or a variable assignment.
func Join(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		q := Quote(w)
		if i == 0 && q == w && (reservedWords[w] || strings.Contains(w, "=")) {
			q = "'" + w + "'"
		}
		parts[i] = q
	}
	return strings.Join(parts, " ")
}
