// One error type for every input a caller can get wrong, so callers can tell "bad input" (report it, do not
// retry) from a bug; `input` names the offending parameter for logs and API error messages.
export class CryptoInputError extends Error {
  readonly input: string;

  constructor(input: string, message: string) {
    super(message);
    this.name = "CryptoInputError";
    this.input = input;
  }
}
