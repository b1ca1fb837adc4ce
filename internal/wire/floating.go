package wire

import "github.com/licensor/licensor/internal/licensing"

// Borrowed is the floating/borrow answer (license-api.md §5.12).
type Borrowed struct {
	BorrowedUntil *string `json:"borrowed_until"`
	MaxBorrowTime int64   `json:"max_borrow_time"`
	DeviceID      int64   `json:"device_id"`
	LicenseID     int64   `json:"license_id"`
	Company       Company `json:"company"`
}

// NewBorrowed renders floating/borrow.
func NewBorrowed(b *licensing.Borrowed) *Borrowed {
	return &Borrowed{BorrowedUntil: Time(&b.Until), MaxBorrowTime: b.MaxBorrowTime, DeviceID: b.DeviceID, LicenseID: b.LicenseID, Company: Company{b.CompanyID}}
}
