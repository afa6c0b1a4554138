package main

// Flag names shared by several subcommands.
const (
	flagRoot         = "root"
	flagFormat       = "format"
	flagDir          = "dir"
	flagChangedSince = "changed-since"
	flagForceTrain   = "force-train"
	flagOutput       = "output"
)
