// Package reconcile shows that what was owed, what was paid and what the
// provider and the bank report agree, and sends only the real exceptions to
// people.
//
// It works on generic records (Record: id, references, Money amount, date,
// counterparty, status, metadata) from two or three sides — payout items,
// a provider's settlement report, a bank statement; or sales orders and
// commission lines — and does not know the ledger: the host (or the
// examples) turns ledger transactions and payout items into records.
//
// # Basics
//
// Read external files with ReadCSV or a CSVReader and a Mapping (columns by
// name or position, date layouts, decimal comma and thousands separators,
// sign conventions: signed amounts, debit/credit columns or a D/C flag,
// preamble rows to skip). Rows are streamed from an io.Reader; malformed
// rows (including rows whose field count differs from the header's, the
// sign of an unquoted decimal comma) come back as *RowError with file, line
// and reason and do not stop the read unless Mapping.StopOnError is set.
//
// Build a Reconciler with New(Config{Rules: DefaultRules()}) and call Run
// with the sides. Rules run in order, each on what earlier rules left open:
//
//  1. RuleReference: records sharing a reference in one currency;
//  2. RuleAmount: equal amount and counterparty within ± Days;
//  3. RuleSubset: one record against a group of up to MaxGroup on the
//     other side (a bank line paying several payout items, several payments
//     settling one invoice), by a bounded subset-sum search within ± Days;
//  4. RuleTolerance: amount within an absolute or percent tolerance, the
//     difference reported on the match.
//
// (DefaultRules, in that order: exact before approximate.)
//
// Records are never matched across currencies and each record is used at
// most once per leg. Every match records its rule, a confidence and its
// difference; a non-zero difference of at most Config.WriteOffUnits is
// written off automatically (Match.WrittenOff).
//
// The Report lists matches (Leg.Match, Leg.Matches), unmatched records per
// side, and a Break for every unmatched record with a Reason (missing
// internal, missing external, amount, currency, date, duplicate, status), an
// age and suggested candidates; AmountMismatches, Duplicates and Aged pick
// out those sections, and Leg.Latency summarises event-to-payment time. Totals per side and currency tie out: input = matched +
// unmatched. WriteCSV exports one row per record; Metrics computes payout
// accuracy, cycle time and variance by partner tier.
//
// Incremental runs pass Report.Carry (or CarryForward) into the next run,
// so each day's files reconcile against what is still open. With a Queue
// (MemoryQueue or the host's) every break is raised by its deterministic
// ID: re-running raises nothing new, resolved breaks (accept a difference,
// adjust, write off, match manually; recorded with who and when) are not
// raised again nor carried forward, and new data raises only new breaks.
// An open break of an earlier run whose records a later run matches (the
// bank line arrived a day later) is closed by Run itself: resolved as
// MatchedLater by Config.By at Config.AsOf, naming the counterparts, and
// listed in Report.Closed, so the queue holds only real open exceptions.
// One whose records the later run holds in breaks of its own (the bank
// line arrived with another amount: an amount break replaces the missing
// one), the rest matched, is closed likewise as Superseded, naming the
// breaks that replace it. Should a later run raise a break Run closed
// again (the record that matched it went away, or new records changed a
// greedy choice), it is raised open under the next generation of its id
// (the id with ".2", ".3", … appended), so it is neither lost nor hidden
// behind the old resolution. A break a person resolved stays resolved.
// Run lists the leg's open breaks when the queue implements the optional
// OpenLister (MemoryQueue does) and otherwise derives candidate ids and
// calls Get. A host's Queue runs reconciletest.RunQueueConformance from its
// own tests; MemoryQueue does.
//
// # Caveats
//
//   - Amounts must be whole minor units within ±MaxUnits (2^53): Run
//     refuses finer or larger amounts with a *RecordError.
//   - Duplicates are records of one side repeating another: the same
//     reference and amount, or, without a reference, the same currency,
//     amount, counterparty and calendar day. Only records left unmatched
//     are flagged, so a genuine second payment of the same amount to the
//     same payee on the same day without a reference, left without a
//     counterpart, is reported as a duplicate (of the matched one, else of
//     the first in canonical order) rather than as missing.
//   - Matching is greedy in canonical order, not globally optimal: a record
//     takes the best counterpart still open when its turn comes.
//   - Subset searches are bounded (MaxGroup, MaxCandidates, a node budget,
//     a scan limit per date window), so an existing group may be missed in
//     very dense buckets (IgnoreCounterparty on a busy account).
//   - With three sides, the middle side is matched in both legs; a record
//     open in either leg is carried forward.
//   - Run closes an earlier break only when it accounts for every one of
//     its records (matched, or held by a break of this run); a break with
//     a record the run did not see (left out of its input) stays open.
//   - Without OpenLister, Run finds earlier breaks by id: single-record
//     breaks of matched records and of records held by its breaks, and
//     pair breaks of one-to-one matches only.
//   - Confidence is a heuristic (the rule's figure less a point per day
//     apart), not a calibrated probability.
//
// # Design
//
// Amounts are compared as exact int64 minor units (converted once, without
// allocation for ordinary amounts); Money stays on the public Record and is
// rebuilt only for reports. Each side is sorted once into a canonical order
// (currency, day, amount, id, then every other field) and every pass visits
// records and candidates in that order, so the result depends on the
// records only — not on their input order, map iteration or GOMAXPROCS.
// Tolerance and subset passes bucket the records left open by (currency,
// counterparty) and binary-search amount or date within a bucket.
//
// Both large sorts (the canonical order, the reference entries) are stable
// radix sorts over 64-bit keys (internal/radix), with ties broken by
// comparison, so they run in linear time.
//
// The exact pass sorts (hash of currency and reference, side, position)
// entries instead of growing a map: sorting is cache-friendly and splits
// into two hash shards that sort and settle concurrently, each writing only
// its own groups' records and its own result lists, merged in shard order —
// the same result as running them in turn. When a record quotes several
// references (which can link groups) the shards run in turn. Preparing the
// sides runs one goroutine per side. Nothing else is concurrent, so the
// output is the same for any GOMAXPROCS (a test renders it under 1, 2, 4
// and 8).
//
// Matches are stored compactly (a few integers each, record indexes in one
// shared slice) in the order the rules made them, with a permutation into
// report order, and expanded into Match values on demand, which keeps a run
// over millions of records to a few hundred bytes of working memory per
// record. Working data holds no pointers where it can (reference entries
// are two integers; the counterparty is read from the few records the
// reference pass leaves open), lists are sized once from exact bounds, and
// a leg's scratch is released as soon as its report is built.
//
// Break ids hash the leg's side names, the reason and the sorted record ids,
// so the same exception has the same id on every run; that is what makes a
// Queue idempotent without storing run state. A generation suffix is the
// only state kept, and it is kept in the queue: Run finds the current
// generation by raising the base id and following its own closures
// (MatchedLater, Superseded). MemoryQueue lives in this
// package (not a sub-package) so the package's own tests can use it.
package reconcile
