package mgmtapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/licensor/licensor/internal/problem"
)

// query reads query parameters strictly (management-api.md §1.8): a
// parameter given twice, an empty one, or one the endpoint does not read
// is validation_error — a filter that silently filters nothing is how a
// script disables every license instead of one.
type query struct {
	v    url.Values
	read map[string]bool
}

func newQuery(r *http.Request) (*query, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, problem.New(problem.CodeValidationError, "the query string cannot be parsed")
	}
	for name, vals := range v {
		if len(vals) > 1 {
			return nil, problem.Newf(problem.CodeValidationError, "%s: given more than once", clip(name))
		}
		if vals[0] == "" {
			return nil, problem.Newf(problem.CodeValidationError, "%s: empty value", clip(name))
		}
	}
	return &query{v: v, read: map[string]bool{}}, nil
}

// get returns a parameter and whether it was given.
func (q *query) get(name string) (string, bool) {
	q.read[name] = true
	v, ok := q.v[name]
	if !ok {
		return "", false
	}
	return v[0], true
}

// done refuses the parameters no one read.
func (q *query) done() error {
	var unknown []string
	for name := range q.v {
		if !q.read[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return problem.Newf(problem.CodeValidationError, "%s: unknown query parameter", clip(unknown[0]))
	}
	return nil
}

const (
	defaultLimit = 20
	maxLimit     = 100
	maxJSInt     = 1<<53 - 1
)

// page is the window and order of a list.
type page struct {
	limit, offset int64
	orderBy       string // a field of the endpoint's list
	desc          bool
}

// page reads limit, offset and order_by; orders are the fields order_by
// may name, def the default ("-id" for logs).
func (q *query) page(orders []string, def string) (page, error) {
	p := page{limit: defaultLimit}
	if s, ok := q.get("limit"); ok {
		n, ok := digits(s)
		if !ok || n < 1 {
			return p, problem.New(problem.CodeValidationError, "limit: must be an integer from 1")
		}
		p.limit = min(n, maxLimit)
	}
	if s, ok := q.get("offset"); ok {
		n, ok := digits(s)
		if !ok {
			return p, problem.New(problem.CodeValidationError, "offset: must be an integer from 0")
		}
		p.offset = n
	}
	order, ok := q.get("order_by")
	if !ok {
		order = def
	}
	p.orderBy, p.desc = strings.CutPrefix(order, "-")
	if !slices.Contains(orders, p.orderBy) {
		return p, problem.Newf(problem.CodeValidationError, "order_by: must be one of %s (or -field)", strings.Join(orders, ", "))
	}
	return p, nil
}

// digits parses decimal digits only, up to 2^53-1.
func digits(s string) (int64, bool) {
	if len(s) > 16 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n <= maxJSInt
}

// pageOf is a list answer (management-api.md §1.8).
type pageOf[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// newPage answers results, with absolute links to the neighbouring pages:
// the same query with offset moved and the effective limit, on the
// trailing-slash form of the path.
func (a *API) newPage(r *http.Request, p page, count int64, results []any) pageOf[any] {
	link := func(offset int64) *string {
		v := r.URL.Query()
		v.Set("limit", strconv.FormatInt(p.limit, 10))
		v.Set("offset", strconv.FormatInt(offset, 10))
		s := a.cfg.TrustedProxies.Base(r, a.cfg.PublicURL) + strings.TrimSuffix(r.URL.Path, "/") + "/?" + v.Encode()
		return &s
	}
	out := pageOf[any]{Count: count, Results: results}
	if out.Results == nil {
		out.Results = []any{}
	}
	if p.offset+p.limit < count {
		out.Next = link(p.offset + p.limit)
	}
	if p.offset > 0 {
		out.Previous = link(max(0, p.offset-p.limit))
	}
	return out
}
