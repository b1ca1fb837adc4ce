package mgmtapi

import (
	"net/http"
	"strconv"

	"github.com/licensor/licensor/internal/problem"
)

// bulkRoutes are management-api.md §5.6's bulk actions.
func (a *API) bulkRoutes() []route {
	return []route{
		r(http.MethodPost, "licenses/disable_bulk", func(c *call) error { return a.bulkEnabled(c, false) }),
		r(http.MethodPost, "licenses/enable_bulk", func(c *call) error { return a.bulkEnabled(c, true) }),
	}
}

// bulkEnabled serves disable_bulk and enable_bulk: a JSON array of 1-1,000
// license ids, all or nothing, answered in the order sent without
// duplicates.
func (a *API) bulkEnabled(c *call, enabled bool) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	items, err := array(c.r)
	if err != nil {
		return err
	}
	if len(items) < 1 || len(items) > 1000 {
		return problem.New(problem.CodeValidationError, "the body must list 1 to 1,000 license ids")
	}
	seen := map[int64]bool{}
	ids := []int64{}
	for i, raw := range items {
		id, ok := parseID(string(raw))
		if !ok {
			return problem.Newf(problem.CodeValidationError, "[%s]: must be a license id", strconv.Itoa(i))
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := a.cat.SetLicensesEnabled(c.r.Context(), a.actor(c), ids, enabled); err != nil {
		return err
	}
	return a.writeJSON(c.w, struct {
		Message string  `json:"message"`
		IDs     []int64 `json:"ids"`
	}{map[bool]string{true: "Licenses enabled.", false: "Licenses disabled."}[enabled], ids})
}
