package semdiff

// compareKeyed compares two sets of items of one kind, keyed by name, in
// key order: an item only in head is Added, described by describe(v,
// false); one only in base is Removed, described by describe(v, true);
// one in both is Changed when diff reports a difference, with the fields
// diff returns. describe may be nil (no fields).
func compareKeyed[V any](kind Kind, base, head map[string]V, describe func(v V, old bool) []Field, diff func(o, n V) ([]Field, bool)) []Change {
	var out []Change
	for _, key := range unionKeys(base, head) {
		o, inOld := base[key]
		n, inNew := head[key]
		c := Change{Kind: kind, Name: key}
		switch {
		case !inOld:
			c.Action = Added
			if describe != nil {
				c.Fields = describe(n, false)
			}
		case !inNew:
			c.Action = Removed
			if describe != nil {
				c.Fields = describe(o, true)
			}
		default:
			f, changed := diff(o, n)
			if !changed {
				continue
			}
			c.Action, c.Fields = Changed, f
		}
		out = append(out, c)
	}
	return out
}

// fieldsDiff adapts a field comparison to compareKeyed: changed when it
// returns any field.
func fieldsDiff[V any](diff func(o, n V) []Field) func(o, n V) ([]Field, bool) {
	return func(o, n V) ([]Field, bool) {
		f := diff(o, n)
		return f, len(f) > 0
	}
}

// bytesDiff reports a change, without fields, when the contents differ.
func bytesDiff(o, n []byte) ([]Field, bool) { return nil, string(o) != string(n) }

// summary describes an added or removed item by the first few of its
// fields, as old values when it was removed.
func summary[V any](fields func(V) []Field, limit int) func(v V, old bool) []Field {
	return func(v V, old bool) []Field {
		f := firstN(fields(v), limit)
		if old {
			return asOld(f)
		}
		return f
	}
}
