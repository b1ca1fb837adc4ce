package catalog

import (
	"context"

	"github.com/licensor/licensor/internal/store"
)

// AuditEvents lists a page of the company's audit log matching f.
func (c *Catalog) AuditEvents(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []store.AuditEvent, error) {
	return c.store.Reader().AuditEventsPage(ctx, companyID, f, p)
}

// Credentials lists the company's License API credentials (never a
// shared key).
func (c *Catalog) Credentials(ctx context.Context, companyID int64) ([]store.Credential, error) {
	return c.store.Reader().Credentials(ctx, companyID)
}
