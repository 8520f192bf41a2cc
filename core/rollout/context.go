package rollout

import "strings"

// The opening tags of the generated user-role messages that carry context
// rather than text typed by the user.
const (
	// EnvironmentContextTag opens the environment context message.
	EnvironmentContextTag = "<environment_context>"
	// UserInstructionsTag opens the message carrying AGENTS.md instructions.
	UserInstructionsTag = "<user_instructions>"
	// UserShellCommandTag opens the record of a shell command the user ran
	// in the conversation, with its output.
	UserShellCommandTag = "<user_shell_command>"
)

// IsContextMessage reports whether the text of a user-role message is
// generated context (environment context, user instructions or the summary
// of a compacted history) rather than
// something the user typed.
func IsContextMessage(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, EnvironmentContextTag) || strings.HasPrefix(t, UserInstructionsTag) ||
		strings.HasPrefix(t, SummaryTag) || strings.HasPrefix(t, UserShellCommandTag)
}
