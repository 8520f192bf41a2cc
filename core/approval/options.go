package approval

import "strings"

// optionTable describes, as far as the safety check needs, how one program
// reads its options. Most programs on the safe list parse options with GNU
// getopt_long or git's parse-options, which both accept any unique prefix
// of a long option ("--dele" for "--delete"), bundled short options
// ("-vd"), short values attached or in the next word ("-Ocmd", "-O cmd"),
// long values after "=" or in the next word, and options after operands,
// and both end options at "--". tree and ripgrep take no abbreviations;
// refusing them anyway costs nothing.
type optionTable struct {
	// dangerLong are the long options (without "--") that write, run
	// programs or change state. A word is refused when its name is equal to
	// or a prefix of one of them, unless it is exactly one of long.
	dangerLong []string
	// dangerShort are the short option letters refused.
	dangerShort string
	// long are other long options; "name=" marks one whose value may be the
	// next word. An exact match always selects the option itself, so a
	// harmless option that is a prefix of a dangerous one (git grep's
	// "--text" and "--textconv") is listed here.
	long []string
	// complete says that long and valueShort name every option the program
	// has, so that an abbreviation can be resolved to the option it
	// selects. Without it, only exact names are known.
	complete bool
	// valueShort are the short letters that take a value: the rest of the
	// word, or the next word when nothing follows the letter.
	valueShort string
	// optShort are the short letters whose optional value can only be
	// attached: the rest of the word is the value.
	optShort string
	// endOfOptions is another word that ends the options as "--" does
	// ("--end-of-options" for git), or "".
	endOfOptions string
	// valueAfter means the value of each letter of valueShort is the next
	// unused word, and the letters after it in the word are options too
	// (tree reads its options this way).
	valueAfter bool
}

// scanResult is what a scan of a command's arguments found.
type scanResult struct {
	// danger is set when some word could select a dangerous option.
	danger bool
	// operands are the words that are, or might be, operands.
	operands []string
	// options are the option words that are certainly options, as given:
	// long ones as "--name" (without any "=value"), short ones letter by
	// letter as "-x".
	options []string
}

// scan reads args as the program would, and errs towards finding danger
// and operands whenever how a word is read depends on something the table
// does not know. In particular "--" (or endOfOptions) ends the options
// only when the word before it cannot have taken it as its value;
// otherwise the words after it are checked both as options and as
// operands.
func (t *optionTable) scan(args []string) scanResult {
	var res scanResult
	pending := false // the previous word may have taken the next one as its value
	doubt := false   // a "--" was met that may have been a value
	for i := 0; i < len(args); i++ {
		a := args[i]
		if doubt {
			res.operands = append(res.operands, a)
		}
		if a == "--" || (t.endOfOptions != "" && a == t.endOfOptions) {
			if !pending && !doubt {
				res.operands = append(res.operands, args[i+1:]...)
				return res
			}
			doubt, pending = true, false
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			if !doubt {
				res.operands = append(res.operands, a)
			}
			pending = false
			continue
		}
		var danger bool
		var take int
		if name, ok := strings.CutPrefix(a, "--"); ok {
			danger, take, pending = t.longWord(name)
			if !doubt {
				name, _, _ = strings.Cut(name, "=")
				res.options = append(res.options, "--"+name)
			}
		} else {
			var letters string
			danger, take, pending, letters = t.shortWord(a[1:])
			if !doubt {
				for k := range len(letters) {
					res.options = append(res.options, "-"+letters[k:k+1])
				}
			}
		}
		if danger {
			res.danger = true
			return res
		}
		for ; take > 0 && i+1 < len(args); take-- {
			i++
			if doubt {
				res.operands = append(res.operands, args[i])
			}
		}
	}
	return res
}

// longWord examines one long option word, given without its leading
// "--". It reports whether the word could select a dangerous option, how
// many following words it takes as its value, and whether it might take
// the next word without the table knowing.
func (t *optionTable) longWord(word string) (danger bool, take int, pending bool) {
	name, _, hasValue := strings.Cut(word, "=")
	exact, valued := t.lookup(name)
	if !exact {
		for _, d := range t.dangerLong {
			if strings.HasPrefix(d, name) {
				return true, 0, false
			}
		}
	}
	switch {
	case hasValue:
		return false, 0, false
	case exact && valued:
		return false, 1, false
	case exact:
		return false, 0, false
	case !t.complete:
		return false, 0, true
	}
	cands := t.candidates(name)
	if len(cands) == 0 {
		return false, 0, true
	}
	for _, c := range cands {
		if strings.HasSuffix(c, "=") {
			if len(cands) == 1 {
				return false, 1, false
			}
			return false, 0, true
		}
	}
	return false, 0, false
}

// shortWord examines one cluster of short options, given without its
// leading "-". It reports whether a letter is dangerous, how many
// following words the cluster takes as values, whether it might take the
// next word without the table knowing, and the letters read as options.
// Option letters are ASCII, so the cluster is read byte by byte.
func (t *optionTable) shortWord(cluster string) (danger bool, take int, pending bool, letters string) {
	for j := 0; j < len(cluster); j++ {
		c, read := cluster[j], cluster[:j+1]
		switch {
		case strings.IndexByte(t.dangerShort, c) >= 0:
			return true, 0, false, read
		case strings.IndexByte(t.valueShort, c) >= 0 && t.valueAfter:
			take++
		case strings.IndexByte(t.valueShort, c) >= 0:
			if j+1 < len(cluster) {
				return false, 0, false, read
			}
			return false, 1, false, read
		case strings.IndexByte(t.optShort, c) >= 0:
			return false, 0, false, read
		}
	}
	return false, take, take == 0 && !t.complete, cluster
}

// lookup reports whether name is exactly one of the table's harmless
// long options, and whether that option takes a value.
func (t *optionTable) lookup(name string) (exact, valued bool) {
	for _, l := range t.long {
		if n, v := strings.CutSuffix(l, "="); n == name {
			return true, v
		}
	}
	return false, false
}

// candidates returns the long options, as listed in the table (valued
// ones with their "="), that the name can select: the one it equals, or
// else every one it is a prefix of.
func (t *optionTable) candidates(name string) []string {
	var all []string
	all = append(all, t.long...)
	all = append(all, t.dangerLong...)
	var cands []string
	for _, l := range all {
		n := strings.TrimSuffix(l, "=")
		if n == name {
			return []string{l}
		}
		if strings.HasPrefix(n, name) {
			cands = append(cands, l)
		}
	}
	return cands
}
