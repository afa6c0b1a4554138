// Package table reads data files — CSV and Parquet, from regular files or
// from streams read once — into Tables, for the data checks and for drift.
//
// A Table is a data set read column-wise: Rows data rows, and Columns in
// file order, each with one cell a row. A cell is a number, missing, or
// text; Cell says how a raw cell is classified, and Column.At reads one
// back without a second parse.
//
// A Column holds its cells in the smallest exact form: plain decimals as
// int32 integers at one scale (4 bytes a cell, see Column.Decimals), a
// column of only texts and missing cells as int32 codes into its distinct
// texts (4 bytes), and anything else as one float64 a cell (8 bytes), a
// text or missing cell as a NaN whose payload says which.
//
// The memory budget bounds the parsed cells a reader holds at once: CSVShape
// estimates, from the start of a CSV file, the rows and the bytes a cell of
// each column will take, so that a caller can read a wide file in groups of
// columns (ReadOptions.Columns) that each fit. DefaultMemoryBudget is the
// budget ctgit uses unless told otherwise.
package table
