package srv

import "context"

type server struct{}

type params struct{}

func (s *server) listed(context.Context, params) (int, error) { return 0, nil }

func (s *server) forgotten(context.Context, params) (int, error) { return 0, nil }

func (s *server) helper(context.Context, *params) {}
