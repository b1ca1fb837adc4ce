package e2e

// This file holds the crash test's write load: the License API calls safe to
// make from any goroutine, and the workers that send activations,
// deactivations, trials and password changes until the server is killed,
// each recording what was acknowledged.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
)

// crashAPI sends signed License API requests to one server process.
type crashAPI struct {
	client *http.Client
	in     *instance // credentials and public key
	base   string
}

// crashAnswer is one License API answer, or why it is not one.
type crashAnswer struct {
	result
	invalid error // an answer that breaks the protocol (bad signature, bad error body)
}

// call sends a request like instance.api, but is safe to call from any
// goroutine: a request that gets no complete answer returns an error, and an
// answer that breaks the protocol is reported in invalid, instead of failing
// the test.
func (c crashAPI) call(method, path string, params map[string]any) (crashAnswer, error) {
	r, invalid, err := send(c.client, c.in.apiKey, c.in.sharedKey, c.in.publicKey, c.base, method, path, params)
	if err != nil {
		return crashAnswer{}, err
	}
	return crashAnswer{result: r, invalid: invalid}, nil
}

// crashDevice is an activation of crashProduct.
type crashDevice struct{ key, hw string }

type crashUser struct {
	email   string
	current string // the password known to work
	pending string // a change whose outcome is unknown ("": none)
}

// crashCounts are one worker's figures for one round.
type crashCounts struct {
	activations, deactivations, trials, passwords int // acknowledged
	unanswered, refused                           int
	codes                                         map[string]int // non-2xx answers by code
}

func (c *crashCounts) add(o crashCounts) {
	c.activations += o.activations
	c.deactivations += o.deactivations
	c.trials += o.trials
	c.passwords += o.passwords
	c.unanswered += o.unanswered
	c.refused += o.refused
	for k, v := range o.codes {
		if c.codes == nil {
			c.codes = map[string]int{}
		}
		c.codes[k] += v
	}
}

// crashWorker is one load goroutine. It owns the devices it activated
// (across rounds) and at most one license user, so it alone knows their
// state.
type crashWorker struct {
	id       int
	keys     []string
	rng      *rand.Rand
	user     *crashUser
	mine     []crashDevice // acknowledged active, may be deactivated later
	round, n int
	api      crashAPI
	fails    *crashFailures

	// This round's outcome, in order of acknowledgement.
	activated   []crashDevice
	deactivated []crashDevice
	unsure      []crashDevice     // a deactivation without an answer, or refused
	trials      map[string]string // hardware id → trial license key
	counts      crashCounts
}

func (w *crashWorker) beginRound(round int, api crashAPI, fails *crashFailures) {
	w.round, w.api, w.fails = round, api, fails
	w.activated, w.deactivated, w.unsure = nil, nil, nil
	w.trials = map[string]string{}
	w.counts = crashCounts{}
}

func (w *crashWorker) hardwareID(kind string) string {
	w.n++
	return fmt.Sprintf("crash-%s-r%d-w%d-%d", kind, w.round, w.id, w.n)
}

// run sends writes until stop is closed or a request gets no answer (the
// server is gone; this worker's next state would be unknown).
func (w *crashWorker) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		var answered bool
		switch p := w.rng.IntN(100); {
		case w.user != nil && w.user.pending == "" && p < 25:
			answered = w.changePassword()
		case p >= 70 && p < 90 && len(w.mine) > 0:
			answered = w.deactivate()
		case p >= 90:
			answered = w.trial()
		default:
			answered = w.activate()
		}
		if !answered {
			return
		}
	}
}

// call sends a request and counts its answer; it reports false for no
// answer.
func (w *crashWorker) call(method, path string, params map[string]any) (crashAnswer, bool) {
	a, err := w.api.call(method, path, params)
	if err != nil {
		w.counts.unanswered++
		return a, false
	}
	if a.invalid != nil {
		w.fails.add("worker %d: %v", w.id, a.invalid)
	}
	if a.Status/100 != 2 {
		w.counts.refused++
		if w.counts.codes == nil {
			w.counts.codes = map[string]int{}
		}
		w.counts.codes[strconv.Itoa(a.Status)+" "+a.Error.Code]++
	}
	return a, true
}

func (w *crashWorker) activate() bool {
	d := crashDevice{key: w.keys[w.rng.IntN(len(w.keys))], hw: w.hardwareID("act")}
	a, ok := w.call(http.MethodPost, "activate_license", map[string]any{"product": crashProduct, "license_key": d.key, "hardware_id": d.hw})
	if !ok || a.Status/100 != 2 {
		return ok
	}
	var lic struct {
		Key string `json:"license_key"`
	}
	if err := json.Unmarshal(a.Body, &lic); err != nil || lic.Key != d.key {
		w.fails.add("activate_license %v answered %s", d, a.Body)
		return true
	}
	w.activated = append(w.activated, d)
	w.mine = append(w.mine, d)
	w.counts.activations++
	return true
}

func (w *crashWorker) deactivate() bool {
	i := w.rng.IntN(len(w.mine))
	d := w.mine[i]
	w.mine[i] = w.mine[len(w.mine)-1]
	w.mine = w.mine[:len(w.mine)-1]
	a, ok := w.call(http.MethodPost, "deactivate_license", map[string]any{"product": crashProduct, "license_key": d.key, "hardware_id": d.hw})
	if !ok || a.Status/100 != 2 {
		w.unsure = append(w.unsure, d) // left alone from now on
		return ok
	}
	var done string
	if err := json.Unmarshal(a.Body, &done); err != nil || done != "license_deactivated" {
		w.fails.add("deactivate_license %v answered %s", d, a.Body)
	}
	w.deactivated = append(w.deactivated, d)
	w.counts.deactivations++
	return true
}

func (w *crashWorker) trial() bool {
	hw := w.hardwareID("trial")
	a, ok := w.call(http.MethodGet, "trial_key", map[string]any{"product": crashProduct, "hardware_id": hw})
	if !ok || a.Status/100 != 2 {
		return ok
	}
	var got struct {
		Key     string `json:"license_key"`
		IsTrial bool   `json:"is_trial"`
	}
	if err := json.Unmarshal(a.Body, &got); err != nil || got.Key == "" || !got.IsTrial {
		w.fails.add("trial_key for %s answered %s", hw, a.Body)
		return true
	}
	w.trials[hw] = got.Key
	w.counts.trials++
	return true
}

// changePassword advances the user's password only on 200
// "password_changed"; any other outcome leaves the change pending (old or
// new) until the restart settles it.
func (w *crashWorker) changePassword() bool {
	u := w.user
	w.n++
	next := fmt.Sprintf("crash password r%d w%d n%d %08x", w.round, w.id, w.n, w.rng.Uint32())
	a, ok := w.call(http.MethodPost, "change_password", map[string]any{"username": u.email, "password": u.current, "new_password": next})
	var answer string
	if !ok || a.Status != http.StatusOK || json.Unmarshal(a.Body, &answer) != nil || answer != "password_changed" {
		if ok && a.Status/100 == 2 {
			w.fails.add("change_password answered %d %s", a.Status, a.Body)
		}
		u.pending = next
		return ok
	}
	u.current = next
	w.counts.passwords++
	return true
}
