package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditEvent records an action. Details is a JSON object and must never
// hold a password or key.
type AuditEvent struct {
	ID              int64
	CompanyID       *int64
	OccurredAt      time.Time
	Action          string // e.g. "license_user.password_changed"
	ActorType       string // "license_user", "api_credential", "cli"
	ActorID         *int64
	APICredentialID *int64
	OAuthClientID   *int64 // the OAuth client whose bearer token made the request
	ManagementKeyID *int64 // the management key of a Management API request
	ClientIP        string
	SubjectType     string
	SubjectID       *int64
	Details         string
}

// InsertAuditEvent records e.
func (q *Queries) InsertAuditEvent(ctx context.Context, e AuditEvent) error {
	if e.Details == "" {
		e.Details = "{}"
	}
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO audit_events (company_id, occurred_at, action, actor_type, actor_id, api_credential_id,
			client_ip, subject_type, subject_id, details, oauth_client_id, management_key_id)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		nullInt(e.CompanyID), ms(e.OccurredAt), e.Action, e.ActorType, nullInt(e.ActorID), nullInt(e.APICredentialID),
		e.ClientIP, e.SubjectType, nullInt(e.SubjectID), e.Details, nullInt(e.OAuthClientID), nullInt(e.ManagementKeyID))
	if err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return nil
}

// AuditEvents lists a company's events with action, newest first.
func (q *Queries) AuditEvents(ctx context.Context, companyID int64, action string) ([]AuditEvent, error) {
	return q.auditEvents(ctx, `company_id = $1 AND action = $2 ORDER BY id DESC`, companyID, action)
}

// AuditEventsPage lists one page of the company's events matching f.
func (q *Queries) AuditEventsPage(ctx context.Context, companyID int64, f Filter, p Page) (int64, []AuditEvent, error) {
	total, ids, err := q.listIDs(ctx, "audit_events", "t.company_id = ?", []any{companyID}, f, p)
	if err != nil || len(ids) == 0 {
		return total, nil, err
	}
	byID := map[int64]AuditEvent{}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	events, err := q.auditEvents(ctx, numbered("id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+")"), args...)
	if err != nil {
		return 0, nil, err
	}
	for _, e := range events {
		byID[e.ID] = e
	}
	out := make([]AuditEvent, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return total, out, nil
}

func (q *Queries) auditEvents(ctx context.Context, where string, args ...any) ([]AuditEvent, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT id, company_id, occurred_at, action, actor_type, actor_id, api_credential_id, client_ip,
			subject_type, subject_id, details, management_key_id
		 FROM audit_events WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var company, actor, cred, subject, key sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &company, &at, &e.Action, &e.ActorType, &actor, &cred, &e.ClientIP,
			&e.SubjectType, &subject, &e.Details, &key); err != nil {
			return nil, err
		}
		e.OccurredAt = fromMS(at)
		e.CompanyID, e.ActorID, e.APICredentialID, e.SubjectID, e.ManagementKeyID = ptr(company), ptr(actor), ptr(cred), ptr(subject), ptr(key)
		out = append(out, e)
	}
	return out, rows.Err()
}

func ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
