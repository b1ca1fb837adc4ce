package mgmtapi

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// handlerFunc serves one authenticated, authorized call: it writes the
// answer or returns an error for writeError.
type handlerFunc func(c *call) error

// route is one method on one path pattern: segments under /api/v1/, "{id}"
// standing for an object id.
type route struct {
	method  string
	pattern []string
	h       handlerFunc
}

func r(method, pattern string, h handlerFunc) route {
	return route{method: method, pattern: strings.Split(pattern, "/"), h: h}
}

// routeTable lists every endpoint the Management API serves.
func (a *API) routeTable() []route {
	return slices.Concat(a.licenseRoutes(), a.deviceRoutes(), a.userRoutes(), a.auditRoutes(), a.customerRoutes(), a.productRoutes(), a.bulkRoutes(), a.assignRoutes(), a.variableRoutes(), a.orderRoutes())
}

// match returns the routes whose pattern fits path (one trailing slash or
// none: management-api.md §1.2), and the path's ids. An id segment that is
// not a canonical decimal below 2^53 fits nothing.
func (a *API) match(path string) ([]*route, []int64) {
	rest, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return nil, nil
	}
	rest = strings.TrimSuffix(rest, "/")
	segs := strings.Split(rest, "/")
	var out []*route
	var ids []int64
	for i := range a.routes {
		rt := &a.routes[i]
		if got, ok := fit(rt.pattern, segs); ok {
			out, ids = append(out, rt), got
		}
	}
	return out, ids
}

func fit(pattern, segs []string) ([]int64, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var ids []int64
	for i, p := range pattern {
		if p != "{id}" {
			if p != segs[i] {
				return nil, false
			}
			continue
		}
		id, ok := parseID(segs[i])
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// parseID accepts decimal digits without sign or leading zeros, below 2^53.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 16 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n < 1<<53 && n <= math.MaxInt64
}

// allowed is the Allow header of a path's routes.
func allowed(rs []*route) string {
	var ms []string
	for _, rt := range rs {
		ms = append(ms, rt.method)
		if rt.method == http.MethodGet {
			ms = append(ms, http.MethodHead)
		}
	}
	slices.Sort(ms)
	return strings.Join(slices.Compact(ms), ", ")
}
