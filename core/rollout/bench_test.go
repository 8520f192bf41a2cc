package rollout_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

// BenchmarkList10000 lists pages of a CODEX_HOME holding 10,000 small
// rollouts, either spread over 100 days or all started on one day.
func BenchmarkList10000(b *testing.B) {
	const total = 10000
	layouts := []struct {
		name string
		step time.Duration
	}{
		{"spread", 24 * time.Hour / 100},
		{"one_day", 5 * time.Second},
	}
	for _, layout := range layouts {
		home := b.TempDir()
		base := at(2024, 1, 1, 0, 0, 0)
		var middle string
		for i := range total {
			start := base.Add(time.Duration(i) * layout.step)
			id := testID(i)
			writeFile(b, sessionPath(home, start, id),
				metaLine(b, id)+itemLine(b, protocol.UserText(envContext))+
					itemLine(b, protocol.UserText("hello"))+
					eventLine(b, protocol.UserMessageEvent{Message: "hello", Kind: protocol.KindPlain}))
			if i == total/2 {
				middle = start.Format("2006-01-02T15-04-05") + "|" + id
			}
		}
		for _, page := range []struct{ name, cursor string }{{"first_page", ""}, {"middle_page", middle}} {
			b.Run(layout.name+"/"+page.name, func(b *testing.B) {
				for b.Loop() {
					p, err := rollout.List(home, rollout.DefaultPageSize, page.cursor)
					require.NoError(b, err)
					require.Len(b, p.Items, rollout.DefaultPageSize)
				}
			})
		}
	}
}
