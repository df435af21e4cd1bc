package postgres_test

import (
	"fmt"

	"github.com/accruehq/accrue/ledger/postgres"
)

// The migrations Migrate applies, in order, and the schema they go to by
// default.
func ExampleMigrations() {
	migs, err := postgres.Migrations()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range migs {
		fmt.Println(m.Version, m.Name)
	}
	fmt.Println(postgres.DefaultSchema)
	// Output:
	// 1 0001_ledger.sql
	// 2 0002_set_based_references.sql
	// 3 0003_commuting_deltas.sql
	// 4 0004_single_pass_posting_checks.sql
	// 5 0005_partial_metadata_index.sql
	// accrue_ledger
}

// A Commit after Close fails with ErrClosed.
func ExampleErrClosed() {
	fmt.Println(postgres.ErrClosed)
	// Output:
	// postgres: store closed
}
