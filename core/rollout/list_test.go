package rollout_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

// listAll pages through every conversation and checks each page's shape.
func listAll(t *testing.T, home string, pageSize int) []rollout.Summary {
	t.Helper()
	var all []rollout.Summary
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "listing does not end")
		page, err := rollout.List(home, pageSize, cursor)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), pageSize)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		require.NotEmpty(t, page.Items, "a cursor comes with items")
		cursor = *page.NextCursor
	}
}

func ids(items []rollout.Summary) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.ConversationID)
	}
	return out
}

func TestListOrderAndPagination(t *testing.T) {
	home := t.TempDir()
	// Chronological: across years, months and days, two in the same second.
	starts := []time.Time{
		at(2023, 12, 31, 23, 59, 58),
		at(2024, 1, 1, 0, 0, 1),
		at(2024, 1, 31, 12, 0, 0),
		at(2024, 2, 1, 9, 0, 0),
		at(2024, 2, 1, 9, 0, 0),
		at(2024, 2, 1, 17, 30, 0),
		at(2024, 11, 2, 8, 0, 0),
		at(2025, 6, 15, 10, 0, 0),
	}
	var want []rollout.Summary
	for i, s := range starts {
		id := testID(i + 1)
		path := conversation(t, home, s, id, fmt.Sprintf("task %d", i+1))
		ts := s.UTC().Format(rollout.TimestampFormat)
		want = append([]rollout.Summary{{ConversationID: id, Path: path, Preview: fmt.Sprintf("task %d", i+1), Timestamp: &ts}}, want...)
	}
	// Things that are not listed.
	record(t, home, at(2024, 3, 3, 3, 3, 3), testID(100), protocol.UserText(envContext))
	writeFile(t, sessionPath(home, at(2024, 3, 4, 0, 0, 0), testID(101)), "")
	writeFile(t, filepath.Join(home, "sessions", "2024", "02", "01", "notes.jsonl"), metaLine(t, testID(102)))
	writeFile(t, filepath.Join(home, "sessions", "2024", "xx", "01", "rollout-2024-02-01T00-00-00-"+testID(103)+".jsonl"), "")
	writeFile(t, filepath.Join(home, "sessions", "README"), "not a directory")

	for _, size := range []int{1, 2, 3, 7, 8, 25, 100} {
		t.Run(fmt.Sprintf("page size %d", size), func(t *testing.T) {
			assert.Equal(t, want, listAll(t, home, size))
		})
	}

	t.Run("cursor names the last item", func(t *testing.T) {
		page, err := rollout.List(home, 2, "")
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		require.NotNil(t, page.NextCursor)
		assert.Equal(t, "2024-11-02T08-00-00|"+testID(7), *page.NextCursor)
	})
	t.Run("last page has a cursor, the page after it none", func(t *testing.T) {
		// codex-cli 0.45.0 sets nextCursor whenever a page has items.
		page, err := rollout.List(home, 100, "")
		require.NoError(t, err)
		assert.Len(t, page.Items, len(starts))
		require.NotNil(t, page.NextCursor)
		page, err = rollout.List(home, 100, *page.NextCursor)
		require.NoError(t, err)
		assert.Empty(t, page.Items)
		assert.Nil(t, page.NextCursor)
	})
	t.Run("default page size", func(t *testing.T) {
		page, err := rollout.List(home, 0, "")
		require.NoError(t, err)
		assert.Equal(t, want, page.Items)
	})
	t.Run("cursor before everything", func(t *testing.T) {
		page, err := rollout.List(home, 10, "2000-01-01T00-00-00|"+testID(1))
		require.NoError(t, err)
		assert.Empty(t, page.Items)
		assert.Nil(t, page.NextCursor)
	})
	t.Run("cursor of a file that no longer exists", func(t *testing.T) {
		page, err := rollout.List(home, 2, "2024-02-01T12-00-00|"+testID(999))
		require.NoError(t, err)
		assert.Equal(t, []string{testID(5), testID(4)}, ids(page.Items))
	})
}

func TestListInvalidCursor(t *testing.T) {
	home := t.TempDir()
	conversation(t, home, at(2025, 1, 1, 0, 0, 0), testID(1), "hi")
	for _, cursor := range []string{
		"garbage",
		"2025-01-01T00-00-00",
		"2025-01-01|" + testID(1),
		"2025-01-01T00:00:00|" + testID(1),
		"2025-01-01T00-00-00|not-a-uuid",
		"|",
	} {
		t.Run(cursor, func(t *testing.T) {
			_, err := rollout.List(home, 10, cursor)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid cursor")
		})
	}
}

func TestListEmpty(t *testing.T) {
	for name, setup := range map[string]func(home string){
		"no sessions directory": func(string) {},
		"empty sessions directory": func(home string) {
			require.NoError(t, os.MkdirAll(filepath.Join(home, "sessions"), 0o755))
		},
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			setup(home)
			page, err := rollout.List(home, 10, "")
			require.NoError(t, err)
			assert.NotNil(t, page.Items)
			assert.Empty(t, page.Items)
			assert.Nil(t, page.NextCursor)
		})
	}
}

func TestListPageSizeCap(t *testing.T) {
	home := t.TempDir()
	base := at(2025, 3, 1, 0, 0, 0)
	for i := range rollout.MaxPageSize + 1 {
		s := base.Add(time.Duration(i) * time.Second)
		writeFile(t, sessionPath(home, s, testID(i)),
			metaLine(t, testID(i))+itemLine(t, protocol.UserText("hello")))
	}
	page, err := rollout.List(home, 1000, "")
	require.NoError(t, err)
	assert.Len(t, page.Items, rollout.MaxPageSize)
	require.NotNil(t, page.NextCursor)
	page, err = rollout.List(home, 1000, *page.NextCursor)
	require.NoError(t, err)
	assert.Equal(t, []string{testID(0)}, ids(page.Items))
	require.NotNil(t, page.NextCursor)
	page, err = rollout.List(home, 1000, *page.NextCursor)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Nil(t, page.NextCursor)
}

func TestListPreview(t *testing.T) {
	tests := []struct {
		name    string
		content func(t *testing.T, id string) string
		// preview is the expected preview; listed false means skipped.
		preview string
		listed  bool
	}{
		{
			name: "after environment context",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText(envContext)) + itemLine(t, protocol.UserText("fix the bug"))
			},
			preview: "fix the bug", listed: true,
		},
		{
			name: "after AGENTS.md instructions and environment context",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText(agentsMD)) +
					itemLine(t, protocol.UserText(envContext)) + itemLine(t, protocol.UserText("write docs"))
			},
			preview: "write docs", listed: true,
		},
		{
			name: "context with leading whitespace is still context",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("  \n"+envContext)) + itemLine(t, protocol.UserText("real"))
			},
			preview: "real", listed: true,
		},
		{
			name: "text mentioning a tag later is typed text",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText("what is <environment_context>?"))
			},
			preview: "what is <environment_context>?", listed: true,
		},
		{
			name: "user_message event without an item",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText(envContext)) +
					eventLine(t, protocol.UserMessageEvent{Message: "from event", Kind: protocol.KindPlain})
			},
			preview: "from event", listed: true,
		},
		{
			name: "assistant text is not a preview",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.AssistantText("hello")) + itemLine(t, protocol.UserText("mine"))
			},
			preview: "mine", listed: true,
		},
		{
			name: "context events are not typed",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + eventLine(t, protocol.UserMessageEvent{Message: "x", Kind: protocol.KindEnvironmentContext})
			},
		},
		{
			name: "only context",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + itemLine(t, protocol.UserText(agentsMD)) + itemLine(t, protocol.UserText(envContext))
			},
		},
		{
			name:    "only session meta",
			content: func(t *testing.T, id string) string { return metaLine(t, id) },
		},
		{
			name:    "empty file",
			content: func(*testing.T, string) string { return "" },
		},
		{
			name: "first line is not session meta",
			content: func(t *testing.T, id string) string {
				return itemLine(t, protocol.UserText("hi")) + metaLine(t, id)
			},
		},
		{
			name: "user message still being written",
			content: func(t *testing.T, id string) string {
				full := itemLine(t, protocol.UserText("half"))
				return metaLine(t, id) + full[:len(full)/2]
			},
		},
		{
			name: "user message beyond the head",
			content: func(t *testing.T, id string) string {
				return metaLine(t, id) + strings.Repeat(itemLine(t, protocol.AssistantText("x")), 300) + itemLine(t, protocol.UserText("late"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			start := at(2025, 5, 5, 5, 5, 5)
			id := testID(1)
			path := sessionPath(home, start, id)
			writeFile(t, path, tt.content(t, id))
			page, err := rollout.List(home, 10, "")
			require.NoError(t, err)
			if !tt.listed {
				assert.Empty(t, page.Items)
				return
			}
			require.Len(t, page.Items, 1)
			assert.Equal(t, tt.preview, page.Items[0].Preview)
			assert.Equal(t, id, page.Items[0].ConversationID)
			assert.Equal(t, path, page.Items[0].Path)
			require.NotNil(t, page.Items[0].Timestamp)
			assert.Equal(t, "2025-01-01T00:00:00.000Z", *page.Items[0].Timestamp)
		})
	}
}

func TestListReferenceRollout(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "protocol", "testdata", "reference", "rollout-example.jsonl"))
	require.NoError(t, err)
	home := t.TempDir()
	id := "01a20e36-5070-7241-a419-f89a08aa24d3"
	path := filepath.Join(home, "sessions", "2026", "11", "24", "rollout-2026-11-24T15-39-30-"+id+".jsonl")
	writeFile(t, path, string(data))
	page, err := rollout.List(home, 10, "")
	require.NoError(t, err)
	ts := "2026-11-24T15:39:30.288Z"
	assert.Equal(t, []rollout.Summary{{ConversationID: id, Path: path, Preview: "run it", Timestamp: &ts}}, page.Items)
	require.NotNil(t, page.NextCursor)
	assert.Equal(t, "2026-11-24T15-39-30|"+id, *page.NextCursor)
}

func TestListWhileRecording(t *testing.T) {
	t.Run("new sessions between pages", func(t *testing.T) {
		home := t.TempDir()
		var want []string
		for i := range 5 {
			conversation(t, home, at(2025, 1, 1+i, 10, 0, 0), testID(i), "old")
			want = append([]string{testID(i)}, want...)
		}
		page, err := rollout.List(home, 2, "")
		require.NoError(t, err)
		require.NotNil(t, page.NextCursor)
		got := ids(page.Items)
		for i := range 3 {
			conversation(t, home, at(2025, 2, 1, 10, 0, i), testID(50+i), "new")
		}
		cursor := *page.NextCursor
		for pages := 0; cursor != ""; pages++ {
			require.Less(t, pages, 100, "listing does not end")
			page, err = rollout.List(home, 2, cursor)
			require.NoError(t, err)
			got = append(got, ids(page.Items)...)
			cursor = ""
			if page.NextCursor != nil {
				cursor = *page.NextCursor
			}
		}
		assert.Equal(t, want, got)
	})

	t.Run("concurrent writer", func(t *testing.T) {
		home := t.TempDir()
		var want []string
		for i := range 20 {
			conversation(t, home, at(2024, 6, 1, 0, 0, 0).Add(time.Duration(i)*time.Hour), testID(i), "old")
			want = append([]string{testID(i)}, want...)
		}
		first, err := rollout.List(home, 1, "")
		require.NoError(t, err)
		require.NotNil(t, first.NextCursor)

		var wg sync.WaitGroup
		wg.Add(1)
		errs := make(chan error, 1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				start := at(2024, 7, 1, 0, 0, 0).Add(time.Duration(i) * time.Minute)
				meta := rollout.SessionMeta{ID: testID(500 + i), Cwd: "/w", Source: "vscode"}
				w, err := rollout.Create(home, meta, start, nil)
				if err == nil {
					err = w.ResponseItems(protocol.UserText(envContext), protocol.UserText("new"))
				}
				if err == nil {
					err = w.Close()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		got := ids(first.Items)
		cursor := *first.NextCursor
		for pages := 0; cursor != ""; pages++ {
			require.Less(t, pages, 100, "listing does not end")
			page, err := rollout.List(home, 1, cursor)
			require.NoError(t, err)
			got = append(got, ids(page.Items)...)
			cursor = ""
			if page.NextCursor != nil {
				cursor = *page.NextCursor
			}
		}
		wg.Wait()
		close(errs)
		require.NoError(t, <-errs)
		assert.Equal(t, want, got)
		assert.Len(t, listAll(t, home, 7), 50)
	})
}

func TestFindByID(t *testing.T) {
	home := t.TempDir()
	p1 := conversation(t, home, at(2024, 1, 1, 0, 0, 0), testID(1), "a")
	p2 := conversation(t, home, at(2025, 1, 1, 0, 0, 0), testID(2), "b")
	// A session without a user message can still be resumed by id.
	p3 := record(t, home, at(2025, 2, 1, 0, 0, 0), testID(3))

	tests := []struct {
		id      string
		want    string
		errText string
	}{
		{id: testID(1), want: p1},
		{id: testID(2), want: p2},
		{id: testID(3), want: p3},
		{id: strings.ToUpper(testID(2)), want: p2},
		{id: testID(9), errText: "no rollout for conversation"},
		{id: "not-an-id", errText: "invalid conversation id"},
		{id: "", errText: "invalid conversation id"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := rollout.FindByID(home, tt.id)
			if tt.errText != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := rollout.FindByID(home, testID(9))
	assert.ErrorIs(t, err, rollout.ErrNotFound)
}

func TestLatest(t *testing.T) {
	home := t.TempDir()
	_, err := rollout.Latest(home)
	require.ErrorIs(t, err, rollout.ErrNotFound)

	conversation(t, home, at(2024, 1, 1, 0, 0, 0), testID(1), "a")
	newest := conversation(t, home, at(2025, 1, 1, 0, 0, 0), testID(2), "b")
	// Newer, but nothing typed yet: not a conversation to resume.
	record(t, home, at(2025, 2, 1, 0, 0, 0), testID(3), protocol.UserText(envContext))

	got, err := rollout.Latest(home)
	require.NoError(t, err)
	assert.Equal(t, newest, got)
}
