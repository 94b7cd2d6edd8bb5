package backup

// Describe fills an archive entry's index fields from a message, as a
// backup stores them: for the decoding test, which reads them from outside.
var Describe = describe
