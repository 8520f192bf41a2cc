package main

import (
	"context"
	"fmt"
	"time"
)

// methodThreadList is the v2 method listing recorded threads.
const methodThreadList = "thread/list"

// prepareV2ListFirstPage measures thread/list for the newest page of 25
// of the 10,000 recorded sessions (the tree the listConversations rows
// list). One app-server serves every sample.
func prepareV2ListFirstPage(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	fx, err := r.listHome(t)
	if err != nil {
		return nil, nil, err
	}
	lt := *t
	lt.Home = fx.home
	s, err := startV2Server(ctx, r, &lt)
	if err != nil {
		return nil, nil, err
	}
	want := fx.sessions[:listPageSize]
	params := map[string]any{"limit": listPageSize, "sortKey": "created_at"}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			NextCursor *string `json:"nextCursor"`
		}
		start := time.Now()
		if err := s.client.Call(ctx, methodThreadList, params, &page); err != nil {
			return 0, fmt.Errorf("thread/list: %w", err)
		}
		elapsed := millisSince(start)
		if len(page.Data) != len(want) {
			return 0, fmt.Errorf("thread/list: %d threads, want %d", len(page.Data), len(want))
		}
		for i, th := range page.Data {
			if th.ID != want[i].ID {
				return 0, fmt.Errorf("thread/list: thread %d is %s, want %s", i, th.ID, want[i].ID)
			}
		}
		if page.NextCursor == nil {
			return 0, fmt.Errorf("thread/list: no cursor to the next page")
		}
		return elapsed, nil
	}
	return sample, s.close, nil
}
