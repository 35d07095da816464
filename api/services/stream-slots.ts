/**
 * A cap on how many long-lived connections (event streams) one user holds open at once. The count
 * is this process's own: with several API processes a user may hold the cap in each.
 */
export class StreamSlots {
  private readonly open = new Map<number, number>();

  constructor(readonly perUser: number) {}

  /** Takes one of the user's slots; the returned function frees it (once). Undefined when all are taken. */
  take(userId: number): (() => void) | undefined {
    const held = this.open.get(userId) ?? 0;
    if (held >= this.perUser) return undefined;
    this.open.set(userId, held + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}
