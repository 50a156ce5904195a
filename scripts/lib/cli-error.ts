/** An error for the operator: printed without a stack trace, exits with `exitCode` (1: failed, 2: usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}
