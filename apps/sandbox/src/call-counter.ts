/** Requests received per `provider.operation`, counted before faults apply. */
export class CallCounter {
  private counts = new Map<string, number>();

  increment(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}
