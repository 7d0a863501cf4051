package emulator

// Counts is the request accounting: requests executed by the handlers (including those
// answered with a 4xx), told apart as reads (GET) and writes (everything else), plus calls to
// GET /metadata, injected faults that were not executed, and requests refused by the rate
// limit.
type Counts struct {
	Reads    int `json:"reads"`
	Writes   int `json:"writes"`
	Metadata int `json:"metadata"`
	Faults   int `json:"faults"`
	// RateLimited counts the 429s of Options.RateLimit (not executed, not in Faults).
	RateLimited int `json:"rate_limited"`
	// ByRoute is keyed "METHOD /path/template", e.g. "GET /iam/v1alpha1/applications/{id}".
	ByRoute map[string]RouteCount `json:"by_route"`
}

// RouteCount is one route's share of Counts.
type RouteCount struct {
	Reads  int `json:"reads"`
	Writes int `json:"writes"`
}

// Counts returns a copy of the request accounting (also served at GET /_emulator/stats).
func (s *Server) Counts() Counts {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	c := s.counts
	c.ByRoute = make(map[string]RouteCount, len(s.counts.ByRoute))
	for k, v := range s.counts.ByRoute {
		c.ByRoute[k] = v
	}
	return c
}

// ResetCounts zeroes the accounting.
func (s *Server) ResetCounts() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.counts = Counts{ByRoute: map[string]RouteCount{}}
}

func (s *Server) countRoute(route string, write bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	rc := s.counts.ByRoute[route]
	if write {
		s.counts.Writes++
		rc.Writes++
	} else {
		s.counts.Reads++
		rc.Reads++
	}
	s.counts.ByRoute[route] = rc
}

func (s *Server) countMetadata() {
	s.statsMu.Lock()
	s.counts.Metadata++
	s.statsMu.Unlock()
}

func (s *Server) countRateLimited() {
	s.statsMu.Lock()
	s.counts.RateLimited++
	s.statsMu.Unlock()
}

func (s *Server) countFault() {
	s.statsMu.Lock()
	s.counts.Faults++
	s.statsMu.Unlock()
}
