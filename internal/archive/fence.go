package archive

import "context"

type fenceKey struct{}

// WithFence returns a context under which every write the archive commits
// (a batch of messages, a run, a folder, a verification, an export, a copy
// log) first calls check; an error from check refuses the write, nothing of
// it is committed, and the error is returned. Support-desk mode passes its
// claim on the account: a worker that lost the claim to another worker
// writes nothing more, whatever the archive's lock would allow.
func WithFence(ctx context.Context, check func(context.Context) error) context.Context {
	return context.WithValue(ctx, fenceKey{}, check)
}

// checkFence runs the fence of ctx, if any.
func checkFence(ctx context.Context) error {
	if check, ok := ctx.Value(fenceKey{}).(func(context.Context) error); ok {
		return check(ctx)
	}
	return nil
}
