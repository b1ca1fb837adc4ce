package mgmtapi

import (
	"encoding/json"
	"net/http"

	"github.com/licensor/licensor/internal/store"
)

// auditRoutes are management-api.md §5.20.
func (a *API) auditRoutes() []route {
	return []route{
		r(http.MethodGet, "audit-events", a.listAudit),
		r(http.MethodGet, "audit-events/{id}", a.getAudit),
	}
}

// auditJSON is the Audit event of §4.12.
type auditJSON struct {
	ID            int64           `json:"id"`
	OccurredAt    string          `json:"occurred_at"`
	Action        string          `json:"action"`
	Actor         map[string]any  `json:"actor"`
	APICredential *int64          `json:"api_credential"`
	ClientIP      string          `json:"client_ip"`
	Subject       map[string]any  `json:"subject"`
	Details       json.RawMessage `json:"details"`
}

// AuditObject renders an audit event as the API shows it (for the CLI).
func AuditObject(e store.AuditEvent) any { return newAudit(e) }

func newAudit(e store.AuditEvent) auditJSON {
	actor := map[string]any{"type": e.ActorType, "id": e.ActorID}
	return auditJSON{ID: e.ID, OccurredAt: ts(e.OccurredAt), Action: e.Action, Actor: actor, APICredential: e.APICredentialID,
		ClientIP: e.ClientIP, Subject: map[string]any{"type": e.SubjectType, "id": e.SubjectID}, Details: meta(e.Details)}
}

var auditFilters = []filterSpec{
	{"action", text("t.action = ?")},
	{"action__startswith", prefix("t.action")},
	{"actor_type", text("t.actor_type = ?")},
	{"actor_id", id("t.actor_id = ?")},
	{"subject_type", text("t.subject_type = ?")},
	{"subject_id", id("t.subject_id = ?")},
	{"occurred_at__gte", date("t.occurred_at >= ?")},
	{"occurred_at__lt", date("t.occurred_at < ?")},
}

func (a *API) listAudit(c *call) error {
	return a.list(c, []string{"id", "occurred_at"}, "-id", nil, auditFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, es, err := a.cat.AuditEvents(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(es))
		for i, e := range es {
			out[i] = newAudit(e)
		}
		return total, out, err
	})
}

func (a *API) getAudit(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	var f store.Filter
	f.Where("t.id = ?", c.ids[0])
	_, es, err := a.cat.AuditEvents(c.r.Context(), c.principal.CompanyID, f, store.Page{Limit: 1, OrderBy: "id"})
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return notFound("audit event")
	}
	return a.writeJSON(c.w, newAudit(es[0]))
}
