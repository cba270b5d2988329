package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// RewrapStats counts what Rewrap found and did, per ref.
type RewrapStats struct {
	// Rewrapped: data keys moved from the old KEK to the new one.
	Rewrapped int
	// AlreadyNew: data keys the new KEK wrapped already (created under it,
	// or rewrapped by an earlier run that was interrupted).
	AlreadyNew int
	// Shredded: tombstones, left as they are (also a ref shredded while
	// Rewrap ran).
	Shredded int
}

// rewrapAttempts bounds the retries on one ref whose wrapped key changed
// between Rewrap's read and its Replace.
const rewrapAttempts = 3

// ErrRewrapCheck: Rewrap's first pass found data keys that the old KEK
// cannot unwrap; it changed nothing.
var ErrRewrapCheck = errors.New("keys: rewrap check failed")

// Rewrap re-wraps every data key of store from the old KEK to next, in
// place: each data key stays the same (so every value sealed under it still
// opens), only its wrapping changes, and nothing but the Store is touched
// (no event is written). Tombstones are skipped and stay tombstones: each
// rewrite is a compare-and-swap (Store.Replace), so a ref shredded during
// the rotation stays shredded.
//
// Rewrap works in two passes. The first unwraps every key not yet under
// next with old and changes nothing: when any does not unwrap (a wrong old
// KEK, or keys under a third KEK), Rewrap returns ErrRewrapCheck before
// writing anything. The second rewraps key by key; each rewrapped key is
// checked to unwrap under next before it is stored.
//
// Rewrap can be interrupted and run again: keys already wrapped by next
// (by their KEK id) are skipped, so a second run over a finished rotation
// writes nothing. While keys are under either KEK, only a Keyring with
// KEK next and KeyringConfig.PreviousKEK old opens them all; a Keyring that
// still wraps new keys with old during the rotation leaves keys that a
// later run must rewrap.
func Rewrap(ctx context.Context, store Store, old, next KEK) (RewrapStats, error) {
	var stats RewrapStats
	var errs []error
	if store == nil {
		errs = append(errs, errors.New("keys: Rewrap: nil Store"))
	}
	if old == nil || next == nil {
		errs = append(errs, errors.New("keys: Rewrap: nil KEK"))
	} else if old.ID() == next.ID() {
		errs = append(errs, fmt.Errorf("keys: Rewrap: the old and the new KEK are the same (%s)", old.ID()))
	}
	if err := errors.Join(errs...); err != nil {
		return stats, err
	}
	refs, err := store.List(ctx)
	if err != nil {
		return stats, err
	}

	// Pass one: read only.
	var failed []error
	for _, ref := range refs {
		w, err := store.Get(ctx, ref)
		if errors.Is(err, ErrShredded) || errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return stats, err
		}
		if w.KEKID == next.ID() {
			continue
		}
		raw, err := old.Unwrap(ctx, w.Ciphertext, wrapAAD(ref, w.Version))
		clear(raw)
		if err != nil {
			if isContextErr(err) {
				return stats, err
			}
			failed = append(failed, fmt.Errorf("%s (wrapped by KEK %s): %w", ref, w.KEKID, err))
		}
	}
	if len(failed) > 0 {
		const show = 5
		n, more := len(failed), ""
		if n > show {
			more = fmt.Sprintf(" (the first %d follow)", show)
			failed = failed[:show]
		}
		return stats, fmt.Errorf("%w: %d data keys do not unwrap under the old KEK %s; nothing was changed%s: %w",
			ErrRewrapCheck, n, old.ID(), more, errors.Join(failed...))
	}

	// Pass two: rewrap.
	for _, ref := range refs {
		if err := rewrapOne(ctx, store, ref, old, next, &stats); err != nil {
			return stats, err
		}
	}
	return stats, nil
}

func rewrapOne(ctx context.Context, store Store, ref Ref, old, next KEK, stats *RewrapStats) error {
	for range rewrapAttempts {
		w, err := store.Get(ctx, ref)
		switch {
		case errors.Is(err, ErrShredded):
			stats.Shredded++
			return nil
		case errors.Is(err, ErrNotFound):
			return nil // listed, but not a key (a KV delete marker)
		case err != nil:
			return err
		}
		// A key on next already is replaced by itself: that writes
		// nothing, and a KV store finishes erasing the old wrapped key if
		// an earlier run stopped before.
		nw, counter := w, &stats.AlreadyNew
		if w.KEKID != next.ID() {
			if nw, err = rewrapKey(ctx, ref, w, old, next); err != nil {
				return err
			}
			counter = &stats.Rewrapped
		}
		err = store.Replace(ctx, ref, w, nw)
		switch {
		case err == nil:
			*counter++
			return nil
		case errors.Is(err, ErrShredded):
			stats.Shredded++
			return nil
		case errors.Is(err, ErrChanged):
			continue
		}
		return err
	}
	return fmt.Errorf("keys: rewrapping %s: still changing after %d attempts", ref, rewrapAttempts)
}

// rewrapKey unwraps w with old and wraps the same data key with next,
// checking that the result unwraps to it.
func rewrapKey(ctx context.Context, ref Ref, w Wrapped, old, next KEK) (Wrapped, error) {
	aad := wrapAAD(ref, w.Version)
	raw, err := old.Unwrap(ctx, w.Ciphertext, aad)
	if err != nil {
		if !errors.Is(err, ErrUnwrap) && !isContextErr(err) {
			err = fmt.Errorf("%w: %w", ErrUnwrap, err)
		}
		return Wrapped{}, fmt.Errorf("keys: rewrapping %s (wrapped by KEK %s) with old KEK %s: %w", ref, w.KEKID, old.ID(), err)
	}
	defer clear(raw)
	ct, err := next.Wrap(ctx, raw, aad)
	if err != nil {
		return Wrapped{}, fmt.Errorf("keys: wrapping data key of %s with KEK %s: %w", ref, next.ID(), err)
	}
	back, err := next.Unwrap(ctx, ct, aad)
	ok := err == nil && bytes.Equal(back, raw)
	clear(back)
	if !ok {
		return Wrapped{}, fmt.Errorf("keys: KEK %s does not unwrap the data key of %s it just wrapped: %v", next.ID(), ref, err)
	}
	return Wrapped{Version: w.Version, KEKID: next.ID(), Ciphertext: ct}, nil
}
