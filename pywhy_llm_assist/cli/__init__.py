"""The command line: parsing arguments and printing results; each command calls the public API."""
