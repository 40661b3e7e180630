/** An operator mistake (bad option, unknown environment): printed as one line on stderr, exit code 1. */
export class CliError extends Error {}
