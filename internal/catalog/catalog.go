// Package catalog holds the vendor's operations on licensor's data
// (management keys, licenses, devices, license users, orders …), the one
// layer that the CLI, the Management API (/api/v1) and the admin UI change
// vendor data through. Every failure a caller may show is a *problem.Error
// with a stable code (management-api.md §3), so each front end maps it the
// same way; every write records an audit event in its own transaction.
package catalog

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
)

// Catalog runs vendor operations. It is safe for concurrent use.
type Catalog struct {
	store *store.Store
	svc   *licensing.Service // password hashing and its policy, shared with the License API
	now   func() time.Time

	lastPrune atomic.Int64 // Unix seconds of the last idempotency prune
}

// New returns a Catalog; now may be nil (time.Now).
func New(st *store.Store, svc *licensing.Service, now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{store: st, svc: svc, now: now}
}

// Actor is who runs an operation: a management key (Management API) or the
// CLI, for the audit log.
type Actor struct {
	CompanyID       int64
	ManagementKeyID int64 // 0: the CLI
	ClientIP        string
}

// audit records action on subject in transaction q. details holds ids,
// codes and the names of changed fields, never secrets.
func (c *Catalog) audit(ctx context.Context, q *store.Queries, a Actor, action, subjectType string, subjectID int64, details map[string]any) error {
	d, _ := json.Marshal(details)
	e := store.AuditEvent{CompanyID: &a.CompanyID, OccurredAt: c.now(), Action: action, ActorType: "cli", ClientIP: a.ClientIP,
		SubjectType: subjectType, SubjectID: &subjectID, Details: string(d)}
	if a.ManagementKeyID != 0 {
		e.ActorType, e.ActorID, e.ManagementKeyID = "management_key", &a.ManagementKeyID, &a.ManagementKeyID
	}
	return q.InsertAuditEvent(ctx, e)
}
