package cli

import (
	"github.com/ctdb-go/ctdb/internal/tdb"
)

// tdbStore and tdbFetch are tstore and tfetch on a TDB file: the file
// must exist (TDB's locks make it safe while ctdbd has it open).
func tdbStore(path string, key, value []byte) error {
	db, err := tdb.Open(path, tdb.OpenOptions{})
	if err != nil {
		return failf("Failed to open TDB file %s", path)
	}
	defer db.Close()
	if err := db.Store(key, value); err != nil {
		return failf("Failed to store record: %v", err)
	}
	return nil
}

func tdbFetch(path string, key []byte) ([]byte, bool, error) {
	db, err := tdb.Open(path, tdb.OpenOptions{ReadOnly: true})
	if err != nil {
		return nil, false, failf("Failed to open TDB file %s", path)
	}
	defer db.Close()
	v, ok, err := db.Fetch(key)
	if err != nil {
		return nil, false, failf("Failed to fetch record: %v", err)
	}
	return v, ok, nil
}
