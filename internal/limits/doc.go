// Package limits is the one table of what mail providers allow: per host
// (or domain pattern) the most connections at once, the bytes an account
// may download and upload per day (Gmail: 2,500 MB down over IMAP, 500 MB
// up by APPEND), and the words a server uses to say "slow down" with the
// time it suggests (Microsoft 365: "Request is throttled. Suggested Backoff
// Time: N milliseconds"). Built-in defaults can be extended or overridden
// by a JSON file (limits.json in the settings folder, or --limits FILE).
//
// A daily budget is kept in a Ledger that separate runs share (the
// archive's, or a desk's queue database), by account and UTC day; a Meter
// takes bytes from it before they are sent. When the day's budget is used
// up, the engines either wait for the next day or stop with an
// *ExhaustedError, whose Text says so in English or Japanese.
package limits
