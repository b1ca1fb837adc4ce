package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// maxOrderLicenses bounds the licenses one create_order issues.
const maxOrderLicenses = 1000

func bad(path, rule string) error {
	return problem.New(problem.CodeValidationError, path+": "+rule)
}

// planOrder resolves and checks everything an order names before any
// write: products, keys (also repeated within the body), settings,
// feature overrides, custom fields, users and their passwords.
func (c *Catalog) planOrder(ctx context.Context, a Actor, in OrderInput) ([]*issued, error) {
	r := c.store.Reader()
	var plan []*issued
	keys := map[string]bool{}
	for _, it := range in.Items {
		p, err := r.ProductByCode(ctx, a.CompanyID, it.ProductCode)
		if errors.Is(err, store.ErrNotFound) {
			return nil, problem.Newf(problem.CodeUnknownProduct, "%s.product_code: no product %q", it.Path, it.ProductCode)
		}
		if err != nil {
			return nil, err
		}
		if p.IsBundle {
			return nil, notSupported(it.Path + ".product_code: bundle products are not issued through orders yet")
		}
		features, err := r.ProductFeatures(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		fields, err := r.ProductCustomFields(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		byName := map[string]int64{}
		for _, f := range fields {
			byName[f.Name] = f.ID
		}
		for i := range it.Licenses {
			l := &it.Licenses[i]
			is := &issued{spec: l, product: p, features: features, fields: byName, overs: map[string][]store.Column{}}
			if err := c.planLicense(ctx, a, is, keys); err != nil {
				return nil, err
			}
			plan = append(plan, is)
		}
	}
	if len(plan) > maxOrderLicenses {
		return nil, problem.Newf(problem.CodeValidationError, "items: at most %d licenses per order", maxOrderLicenses)
	}
	return plan, nil
}

func (c *Catalog) planLicense(ctx context.Context, a Actor, is *issued, keys map[string]bool) error {
	l, p := is.spec, is.product
	userBased := p.AuthorizationMethod == store.AuthUser
	switch {
	case userBased && l.Key != "":
		return problem.New(problem.CodeInvalidAuthMethod, l.Path+".key: the product is user-based: its licenses have no key")
	case !userBased && len(l.Users) > 0:
		return problem.New(problem.CodeInvalidAuthMethod, l.Path+".users: the product is key-based: its licenses have no users")
	case userBased && len(l.Users) == 0:
		return problem.New(problem.CodeMissingParameters, l.Path+".users: required for a user-based product")
	case l.Key != "" && !licensing.ValidLicenseKey(l.Key):
		return bad(l.Path+".key", "4-128 letters, digits, '-' or '_'")
	case l.Key != "" && keys[strings.ToUpper(l.Key)]:
		return problem.Newf(problem.CodeLicenseKeyExists, "%s.key: %q is given twice", l.Path, l.Key)
	}
	keys[strings.ToUpper(l.Key)] = l.Key != ""
	var err error
	if is.cols, err = licensing.LicenseColumns(l.Settings); err != nil {
		return bad(l.Path, err.Error())
	}
	if typ := settingValue(l.Settings, "license_type"); typ == store.LicenseTimeLimited &&
		settingValue(l.Settings, "validity_period") == "" && settingValue(l.Settings, "valid_duration") == "" {
		return bad(l.Path+".license_type", "a time-limited license needs validity_period or valid_duration")
	}
	for _, o := range l.Features {
		if !slices.ContainsFunc(is.features, func(f store.ProductFeature) bool { return f.Code == o.Code }) {
			return problem.Newf(problem.CodeUnsupportedProductFeature, "%s.product_features: the product has no feature %q", l.Path, o.Code)
		}
		if is.overs[o.Code], err = licensing.FeatureColumns(o.Settings); err != nil {
			return bad(l.Path+".product_features", err.Error())
		}
	}
	for name := range l.CustomFields {
		if _, ok := is.fields[name]; !ok {
			return bad(l.Path+".custom_fields", "the product has no custom field "+name)
		}
	}
	for i := range l.Users {
		u := &l.Users[i]
		if u.hash, u.initial, u.sealed, err = c.svc.NewUserPassword(ctx, a.CompanyID, u.Email, u.Password); err != nil {
			if pe, ok := problem.As(err); ok && pe.Code == problem.CodeValidationError {
				return bad(l.Path+".users", pe.Message)
			}
			return err
		}
	}
	return nil
}

// settingValue is the value of key in key=value settings ("": absent).
func settingValue(settings []string, key string) string {
	for _, s := range settings {
		if k, v, _ := strings.Cut(s, "="); k == key && v != "null" {
			return v
		}
	}
	return ""
}

// issue stores one planned license of order orderID in q.
func (c *Catalog) issue(ctx context.Context, q *store.Queries, a Actor, orderID int64, o store.Order, customerID *int64, is *issued) error {
	now := c.now()
	l := licensing.LicenseDraft(a.CompanyID, is.product, now)
	l.CustomerID, l.OrderStoreID = customerID, o.StoreID
	l.PreventVM = l.PreventVM || o.PreventVM
	if is.product.AuthorizationMethod == store.AuthLicenseKey {
		key := is.spec.Key
		if key == "" {
			key = licensing.NewLicenseKey()
		}
		l.LicenseKey = &key
	}
	id, err := licensing.InsertLicense(ctx, q, l, is.features, is.cols, now)
	if errors.Is(err, store.ErrConflict) {
		return problem.Newf(problem.CodeLicenseKeyExists, "%s.key: %q is in use", is.spec.Path, *l.LicenseKey)
	}
	if err != nil {
		return err
	}
	if err := q.SetLicenseOrder(ctx, id, orderID, o.StoreID); err != nil {
		return err
	}
	if len(is.overs) > 0 {
		lfs, err := q.LicenseFeatures(ctx, id)
		if err != nil {
			return err
		}
		for _, lf := range lfs {
			if cols, ok := is.overs[lf.Code]; ok {
				if err := q.UpdateLicenseFeature(ctx, lf.ID, cols); err != nil {
					return err
				}
			}
		}
	}
	for name, v := range is.spec.CustomFields {
		if err := q.SetLicenseCustomField(ctx, id, is.fields[name], v); err != nil {
			return err
		}
	}
	for _, u := range is.spec.Users {
		if err := c.orderUser(ctx, q, a, id, u, now); err != nil {
			return err
		}
	}
	return c.audit(ctx, q, a, "license.created", "license", id, map[string]any{"order_id": orderID})
}

// orderUser finds or creates a user and puts it on license id.
func (c *Catalog) orderUser(ctx context.Context, q *store.Queries, a Actor, id int64, u OrderUser, now time.Time) error {
	existing, err := q.LicenseUserByEmail(ctx, a.CompanyID, store.NormalizeEmail(u.Email))
	var userID int64
	switch {
	case err == nil:
		userID = existing.ID
		if u.Password != "" {
			if err := q.SetLicenseUserPassword(ctx, a.CompanyID, userID, u.hash, now); err != nil {
				return err
			}
		}
	case errors.Is(err, store.ErrNotFound):
		nid, created, err := q.CreateLicenseUserIfAbsent(ctx, store.LicenseUser{CompanyID: a.CompanyID, Email: u.Email, FirstName: u.FirstName,
			LastName: u.LastName, PhoneNumber: u.Phone, PasswordHash: u.hash, IsActive: true, IsInitialPassword: u.Password == "",
			InitialPasswordSealed: u.sealed, CreatedAt: now})
		if err != nil {
			return err
		}
		if !created {
			return problem.New(problem.CodeServerBusy, "a user of the order was created by another request meanwhile; retry")
		}
		userID = nid
		if err := c.audit(ctx, q, a, "license_user.created", "license_user", userID, map[string]any{"license_id": id}); err != nil {
			return err
		}
	default:
		return err
	}
	max := int64(0)
	if u.MaxActivations != nil {
		max = *u.MaxActivations
	}
	if attached, err := q.AttachLicenseUserIfAbsent(ctx, id, userID, max, now); err != nil || !attached {
		return err
	}
	if ok, err := q.ClaimLicenseUserSlot(ctx, id, now); err != nil {
		return err
	} else if !ok {
		return problem.New(problem.CodeMaxLicenseUsers, "users: more users than the license's max_license_users")
	}
	return c.audit(ctx, q, a, "license_user.assigned", "license", id, map[string]any{"license_user_id": userID})
}
