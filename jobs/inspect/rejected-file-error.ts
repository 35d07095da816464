/** The file is not a usable eBook (wrong type, damaged). Retrying cannot help. */
export class RejectedFileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RejectedFileError';
  }
}
