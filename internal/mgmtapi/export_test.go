package mgmtapi

import "strings"

// RoutePatterns lists "METHOD /pattern/" of every route, for the test that
// the OpenAPI document covers them all.
func (a *API) RoutePatterns() []string {
	var out []string
	for _, r := range a.routes {
		out = append(out, r.method+" /"+strings.Join(r.pattern, "/")+"/")
	}
	return out
}
