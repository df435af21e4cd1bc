module github.com/accruehq/accrue

go 1.24

require (
	github.com/expr-lang/expr v1.17.8 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/shopspring/decimal v1.4.0 // indirect
	pgregory.net/rapid v1.2.0 // indirect
)
