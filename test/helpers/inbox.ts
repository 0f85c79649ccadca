/**
 * What a subscription or a watched query has delivered, for a test to wait on
 * in arrival order, with whatever went wrong beside it (errors sent with a
 * result, a failed or completed subscription). A result that never comes fails
 * the wait after its time rather than hanging the test.
 */
export class Inbox<T> {
  readonly #values: T[] = [];
  /** Errors sent beside results, a failed subscription's error, or why it ended. */
  readonly problems: unknown[] = [];
  #wake: (() => void) | undefined;

  readonly push = (value: T): void => {
    this.#values.push(value);
    this.#wake?.();
  };

  /** Records what went wrong; every wait after it fails with it. */
  readonly fail = (problem: unknown): void => {
    this.problems.push(problem ?? 'failed');
    this.#wake?.();
  };

  get failed(): boolean {
    return this.problems.length > 0;
  }

  throwIfFailed(): void {
    if (this.failed) throw new Error(`the subscription failed: ${this.problems.map(describe).join('; ')}`);
  }

  /** Everything received so far, forgotten once taken. */
  take(): T[] {
    return this.#values.splice(0);
  }

  /** Everything received once at least `count` values are here, something failed, or `ms` have passed. */
  async takeAtLeast(count: number, ms = 5000): Promise<T[]> {
    const deadline = Date.now() + ms;
    while (this.#values.length < count && !this.failed && Date.now() < deadline)
      await this.#sleep(deadline - Date.now());
    return this.take();
  }

  /**
   * Waits until a value `is` accepts arrives; returns (and forgets) the values
   * before it, and it. Rejects after `ms`, leaving the values in place.
   */
  async through(is: (value: T) => boolean, ms = 5000): Promise<T[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.#values.findIndex(is);
      if (index >= 0) return this.#values.splice(0, index + 1);
      this.throwIfFailed();
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing such within ${ms} ms; received ${JSON.stringify(this.#values)}`);
      await this.#sleep(left);
    }
  }

  /** Waits for a value `is` accepts; returns it, and forgets it and every value before it. */
  async next(is: (value: T) => boolean = () => true, ms = 10_000): Promise<T> {
    return (await this.through(is, ms)).at(-1) as T;
  }

  /** Resolves after `ms`, or as soon as something arrives. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

function describe(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : JSON.stringify(problem);
}
