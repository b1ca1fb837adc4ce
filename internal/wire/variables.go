package wire

import (
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// TrackedVariable is one entry of the track_device_variables answer
// (license-api.md §5.11): created_at in epoch milliseconds there.
type TrackedVariable struct {
	Variable  string `json:"variable"`
	Value     string `json:"value"`
	DeviceID  int64  `json:"device_id"`
	CreatedAt int64  `json:"created_at"`
}

// NewTrackedVariables renders track_device_variables.
func NewTrackedVariables(vs []store.DeviceVariable) []TrackedVariable {
	out := make([]TrackedVariable, 0, len(vs))
	for _, v := range vs {
		out = append(out, TrackedVariable{Variable: v.Variable, Value: v.Value, DeviceID: v.DeviceID, CreatedAt: v.CreatedAt.UnixMilli()})
	}
	return out
}

// DeviceVariable is one entry of the get_device_variables answer: created_at
// in ISO form there.
type DeviceVariable struct {
	ID        int64  `json:"id"`
	CreatedAt string `json:"created_at"`
	Variable  string `json:"variable"`
	Value     string `json:"value"`
	DeviceID  int64  `json:"device_id"`
}

// NewDeviceVariables renders get_device_variables.
func NewDeviceVariables(vs []store.DeviceVariable) []DeviceVariable {
	out := make([]DeviceVariable, 0, len(vs))
	for _, v := range vs {
		out = append(out, DeviceVariable{ID: v.ID, CreatedAt: signing.FormatTime(v.CreatedAt), Variable: v.Variable, Value: v.Value, DeviceID: v.DeviceID})
	}
	return out
}
