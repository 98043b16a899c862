"""On site (docs/standard.md §6): diagnosis with measured values, the quote from the fee standard, charge
lines, parts fitted under the accepted quote, the start of work and the workshop stages of a take-back."""
