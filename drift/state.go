package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
)

// StateVersion is the version of the state file format.
const StateVersion = 1

// State is what one evaluation hands to the next: kept in memory by
// `vigil drift serve`, and in a JSON file (--state) by `vigil drift run`,
// whose process ends after each evaluation.
type State struct {
	// Version is StateVersion.
	Version int `json:"version"`
	// Model is the model the state belongs to.
	Model string `json:"model"`
	// Shard is the shard of a sharded evaluation the state belongs to
	// (its index); empty when unsharded.
	Shard string `json:"shard,omitempty"`
	// LastSuccess is the Unix time of the latest successful evaluation
	// (0: none yet).
	LastSuccess int64 `json:"last_success"`
	// Consecutive counts, per "feature/test", the latest successful
	// evaluations in a row that breached; absent means 0.
	Consecutive map[string]int `json:"consecutive"`
	// Errors are the errors counter's values by reason.
	Errors map[string]float64 `json:"errors"`
}

func newState(model string) State {
	return State{Version: StateVersion, Model: model, Consecutive: map[string]int{}, Errors: map[string]float64{}}
}

func (s State) clone() State {
	c := s
	c.Version = StateVersion
	c.Consecutive = maps.Clone(s.Consecutive)
	c.Errors = maps.Clone(s.Errors)
	if c.Consecutive == nil {
		c.Consecutive = map[string]int{}
	}
	if c.Errors == nil {
		c.Errors = map[string]float64{}
	}
	return c
}

func streakKey(feature, test string) string { return feature + "/" + test }

// LoadState reads a state file; a file that does not exist yet is an
// empty state for the model. A file written for another model is an
// error, so two CronJobs cannot share one file by mistake.
func LoadState(path, model string) (State, error) { return LoadShardState(path, model, "") }

// LoadShardState is LoadState for one shard of a sharded evaluation
// (shard: its index; empty when unsharded): a file written for another
// shard, or by an unsharded evaluation, is an error too.
func LoadShardState(path, model, shard string) (State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s := newState(model)
		s.Shard = shard
		return s, nil
	}
	if err != nil {
		return State{}, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("%s: %w", path, err)
	}
	if s.Version != StateVersion {
		return State{}, fmt.Errorf("%s: state version %d is not supported (want %d)", path, s.Version, StateVersion)
	}
	if s.Model != model {
		return State{}, fmt.Errorf("%s: state of model %q, not %q", path, s.Model, model)
	}
	if s.Shard != shard {
		return State{}, fmt.Errorf("%s: state of %s, not %s", path, shardName(s.Shard), shardName(shard))
	}
	return s.clone(), nil
}

// SaveState writes a state file atomically: to a temporary file in the
// same directory, then renamed over the old one.
func SaveState(path string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vigil-drift-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func shardName(s string) string {
	if s == "" {
		return "an unsharded evaluation"
	}
	return "shard " + s
}
