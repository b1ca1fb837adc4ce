package mgmtapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/store"
)

// variableRoutes are management-api.md §5.18: what devices reported
// through activate_license and track_device_variables (reads only).
func (a *API) variableRoutes() []route {
	return []route{
		r(http.MethodGet, "device-variables", a.listVariables),
		r(http.MethodGet, "device-variables/{id}", a.getVariable),
	}
}

// variableJSON is the Device variable of §4.10.
type variableJSON struct {
	ID        int64  `json:"id"`
	Device    int64  `json:"device"`
	Variable  string `json:"variable"`
	Value     string `json:"value"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func newVariable(v store.VariableRow) variableJSON {
	return variableJSON{ID: v.ID, Device: v.DeviceID, Variable: v.Variable, Value: v.Value, CreatedAt: ts(v.CreatedAt), UpdatedAt: ts(v.UpdatedAt)}
}

var variableFilters = []filterSpec{
	{"device", id("t.device_id = ?")},
	{"license", id("t.device_id IN (SELECT id FROM devices WHERE license_id = ?)")},
	{"variable", text("t.variable = ?")},
}

func (a *API) listVariables(c *call) error {
	return a.list(c, []string{"id", "variable"}, "id", nil, variableFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, vs, err := a.cat.DeviceVariables(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = newVariable(v)
		}
		return total, out, err
	})
}

func (a *API) getVariable(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	var f store.Filter
	f.Where("t.id = ?", c.ids[0])
	_, vs, err := a.cat.DeviceVariables(c.r.Context(), c.principal.CompanyID, f, store.Page{Limit: 1, OrderBy: "id"})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return notFound("device variable")
	}
	return a.writeJSON(c.w, newVariable(vs[0]))
}
