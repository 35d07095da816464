/** A provider call that did not give an answer: timeout, HTTP error after retries, bad JSON. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: 'timeout' | 'http' | 'malformed' | 'network' | 'quota',
    message: string,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }
}
