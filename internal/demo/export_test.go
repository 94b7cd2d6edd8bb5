package demo

// Generate builds the account afresh, bypassing the cache, and returns the
// Subject each message should decode to.
var Generate = generate
