package table

// What the external tests (package table_test) read of the package's
// inside.

// CountMissing counts the missing cells of c one by one, as Missing does
// when the reader did not count them.
func CountMissing(c *Column) int { return c.countMissing(0) }

// SameAsEncodingCSV is sameAsEncodingCSV, for FuzzReadCSV.
var SameAsEncodingCSV = sameAsEncodingCSV

// CSVSeeds are the seeds of FuzzReadCSV.
var CSVSeeds = csvSeeds
