package protocol

// ReviewRequest says what a review turn reviews.
type ReviewRequest struct {
	// Prompt is the reviewer's task, sent to the model.
	Prompt string `json:"prompt"`
	// UserFacingHint is a short description of what is reviewed, for the
	// user ("current changes", "commit 1a2b3c4").
	UserFacingHint string `json:"user_facing_hint"`
}

// ReviewOutput is what a reviewer found.
type ReviewOutput struct {
	// Findings are the problems found, most important first.
	Findings []ReviewFinding `json:"findings"`
	// OverallCorrectness is the verdict on the change as a whole.
	OverallCorrectness string `json:"overall_correctness"`
	// OverallExplanation explains the verdict.
	OverallExplanation string `json:"overall_explanation"`
	// OverallConfidenceScore is the reviewer's confidence in the verdict,
	// from 0 to 1.
	OverallConfidenceScore float64 `json:"overall_confidence_score"`
}

// ReviewFinding is one problem a reviewer found.
type ReviewFinding struct {
	// Title names the problem in a line.
	Title string `json:"title"`
	// Body explains it.
	Body string `json:"body"`
	// ConfidenceScore is the reviewer's confidence, from 0 to 1.
	ConfidenceScore float64 `json:"confidence_score"`
	// Priority is 0 (most urgent) to 3.
	Priority int `json:"priority"`
	// CodeLocation is where the problem is.
	CodeLocation ReviewCodeLocation `json:"code_location"`
}

// ReviewCodeLocation is a range of lines of a file.
type ReviewCodeLocation struct {
	// AbsoluteFilePath is the file.
	AbsoluteFilePath string `json:"absolute_file_path"`
	// LineRange is the lines, both ends included, counted from 1.
	LineRange ReviewLineRange `json:"line_range"`
}

// ReviewLineRange is a range of lines, both ends included.
type ReviewLineRange struct {
	// Start is the first line.
	Start int `json:"start"`
	// End is the last line.
	End int `json:"end"`
}
