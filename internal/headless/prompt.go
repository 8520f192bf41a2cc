package headless

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// ErrNoPrompt is returned when there is no prompt to run.
var ErrNoPrompt = errors.New("no prompt given: pass it as an argument, or pipe it on stdin (or pass - to read stdin)")

// StdinArg is the prompt argument that asks for the prompt to be read from
// standard input.
const StdinArg = "-"

// ResolvePrompt returns the prompt of a run. args holds the positional
// prompt argument, if any. The prompt is read from stdin when the argument
// is "-", or when there is no argument and stdin is not a terminal. A prompt
// that is empty or only white space is refused with ErrNoPrompt.
func ResolvePrompt(args []string, stdin io.Reader, stdinIsTerminal bool) (string, error) {
	if len(args) > 1 {
		return "", fmt.Errorf("expected at most one prompt argument, got %d", len(args))
	}
	var prompt string
	switch {
	case len(args) == 1 && args[0] != StdinArg:
		prompt = args[0]
	case len(args) == 1 || !stdinIsTerminal:
		if stdin == nil {
			return "", ErrNoPrompt
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read prompt from stdin: %w", err)
		}
		prompt = string(b)
	}
	if strings.TrimSpace(prompt) == "" {
		return "", ErrNoPrompt
	}
	return prompt, nil
}

// inputItems builds the user input of a run: the images first, then the
// prompt. Every image must be a readable regular file.
func inputItems(prompt string, images []string) ([]protocol.InputItem, error) {
	items := make([]protocol.InputItem, 0, len(images)+1)
	for _, name := range images {
		path, err := filepath.Abs(name)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", name, err)
		}
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("image %s: not a regular file", path)
		}
		items = append(items, protocol.InputItem{Type: protocol.InputLocalImage, Data: protocol.InputItemData{Path: path}})
	}
	return append(items, protocol.TextInput(prompt)), nil
}
