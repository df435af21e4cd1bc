// Package payout pays partners what they earned, exactly once: it builds
// batches from payable ledger balances, enforces maker-checker approvals,
// drives a Provider (Stripe, PayPal, Wise, a bank file, …) through a
// resumable Executor, applies status updates, and writes statements,
// batch exports and receipts. Its money state lives in the ledger.
//
// # Basics
//
// A Service wraps a *ledger.Ledger, a Store for documents and a Config
// (partner directory, methods and fees, thresholds, rates, approval
// policy):
//
//	svc, _ := payout.New(l, payout.NewMemoryStore(), payout.Config{Partners: dir, Clock: clock})
//	run, _ := svc.Build(ctx, payout.BuildRequest{Run: "2026-11", Period: "2026-11", Creator: "maker"})
//	_, _ = svc.Approve(ctx, run.Batches[0].ID, "checker", run.Batches[0].Hash)
//	x, _ := svc.Executor("paypal", myProvider)
//	report, _ := x.Execute(ctx, run.Batches[0].ID) // call again after any error or crash
//	_, _ = x.Apply(ctx, webhookUpdate)
//
// Build reads the payable accounts (liabilities:partners:<id>:payable, and
// …:payable:<x> for further currencies), leaves out partners on hold and
// balances below the currency's threshold or negative (Run.Held,
// Run.Carried, with reasons), deducts fees and withholding, converts to
// the partner's currency (the rate is recorded), groups items by provider,
// method and currency, splits at Config.ItemLimit and reserves every item
// with a ledger Hold. A partner's balances are paid with its Method,
// Details and Currency, or, for a balance currency it has a Route for,
// with the route's (USD by bank transfer, EUR by PayPal). A partner with
// an unknown method, missing details, conflicting routes or no exchange
// rate fails the build with a *PartnerError before anything is written.
//
// Each item is a sequence of ledger transactions carrying batch_id,
// item_id, partner_id, payout_run, payout_step and payout_key metadata:
//
//	reserve   Hold   payable → clearing (net), withholding, fees
//	submit    Hold   clearing → cash, written before the provider is called
//	paid      PostPending of submit, then of reserve
//	failed    VoidPending of submit, then of reserve (money back to payable)
//	returned  Post   payable re-credited (gross), withholding and fees undone, cash back
//
// The Executor rebuilds every item's state from these (no state of its
// own), so it can be dropped at any point and a new one resumes. An item
// whose submission is recorded but whose outcome is unknown is looked up
// before it is resubmitted with the same idempotency key; once the
// provider's DedupWindow has passed it goes to Report.Exceptions and is
// never resubmitted; a person decides with Resolve.
//
// Approvals are bound to the batch's content hash: the creator cannot
// approve, each approver counts once, ApprovalPolicy rules raise the
// number of approvers for large batches or items, and Execute refuses an
// unapproved batch (*ApprovalError) or one whose content no longer matches
// its hash or reservations (ErrBatchChanged), writing nothing.
//
// # Caveats
//
// Ledger accounts have one currency, so the program-side accounts carry a
// currency suffix: assets:clearing:<provider>:usd,
// liabilities:tax:withholding:usd, income:payout-fees:usd, assets:cash:usd.
// Build reserves all its items in one atomic ledger commit, so a build
// that fails leaves no reservations; one that fails after reserving
// (saving the run) leaves all of them, and building the same Run again
// finds and reuses them. A returned item is re-credited in full (gross):
// withholding and fees are undone with it. With NegativeNet a negative
// balance is carried in its currency and the partner's other currencies
// are paid; NegativeCarry pays such a partner nothing. Rate limits are
// honoured only when the Executor is given WithSleep. Statements list
// posted movements; reservations in flight are not lines. Execute and
// Status read a batch's transactions with one metadata query (batch_id):
// a ledger.Store adapter should index that key. A single item (a webhook,
// Resolve, Receipt) is read by its deterministic ledger keys, without a
// scan. Payout's transactions must be written by payout only: a host that
// voids a reservation itself under another key confuses the state.
//
// # Design
//
// Money is only in the ledger; batch documents (with the index from
// provider key to item), approvals and seen webhook events are not money
// and live behind the small Store interface
// (MemoryStore in memory), which a host backs with its database. The
// submission record is a pending transaction rather than a Store entry so
// that "handed to the provider" and the money it concerns are recorded, and
// recovered, together. The submit transaction decides between paid and
// failed: the ledger lets exactly one of a post and a void of it win, so
// racing webhooks and executors cannot split an item.
//
// Build reserves with one ledger.HoldBatch per build rather than one per
// batch chunk: a run is approved and paid batch by batch, but it is built
// as a whole, and a build cut short must not leave a subset of partners'
// money reserved (a rebuild would then depend on what the first attempt
// got through). The cost is one large ledger commit (one pending
// transaction per item); a ledger.Store adapter receives it as one
// Commit. A conflicting write to any of the accounts retries the whole
// commit inside the ledger; the inputs are deterministic, so a retried or
// repeated build writes each reservation once.
//
// Build is written for runs of 100,000 partners and more, where copies
// and small allocations, not arithmetic, are the cost (BenchmarkBuild):
// balances arrive in account order, so items are planned straight into
// one slice in that order and grouped by a counting pass instead of a
// sort; when every item goes to one provider, method and currency (the
// common case) the batches are capacity-limited runs of that slice rather
// than copies; zero fees and withholding share one zero amount; an item's
// id is the tail of its reservation key (one string); ItemKey hashes from
// a stack buffer; the reservations' postings share one allocation; and
// MemoryStore keeps the items' details flattened per batch, so saving a
// run copies no map (reads rebuild the maps).
package payout
