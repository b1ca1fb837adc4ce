package store

import (
	"context"
	"database/sql"
	"fmt"
)

// maxVersionsListed bounds one listing of a product's versions.
const maxVersionsListed = 1000

// ProductVersions lists the enabled versions of a product, filtered by
// environment and channel when they are not empty, newest release first
// (at most maxVersionsListed). Which one is "latest" is decided by the
// caller's ordering of versions; the query orders only roughly.
func (q *Queries) ProductVersions(ctx context.Context, productID int64, env, channel string) ([]ProductVersion, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM product_versions
		WHERE product_id = $1 AND enabled AND ($2 = '' OR environment = $2) AND ($3 = '' OR channel = $3)
		ORDER BY COALESCE(release_date, created_at) DESC, id DESC LIMIT $4`, productID, env, channel, maxVersionsListed)
	if err != nil {
		return nil, fmt.Errorf("product versions: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*ProductVersion, error) {
		var v ProductVersion
		var release sql.NullInt64
		var created, updated int64
		if err := r.Scan(&v.ID, &v.ProductID, &v.Version, &v.Environment, &v.Channel, &release, &v.FullLink, &v.Filename, &v.HashMD5,
			&v.EulaLink, &v.ReleaseNotesLink, &v.Size, &v.RequiresVersion, &v.Enabled, &created, &updated); err != nil {
			return nil, err
		}
		v.ReleaseDate, v.CreatedAt, v.UpdatedAt = timePtr(release), fromMS(created), fromMS(updated)
		return &v, nil
	})
}
