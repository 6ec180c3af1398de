/** A mistake in the command line or the environment: reported with the usage, exit code 2. */
export class UsageError extends Error {}
