/** Polls `done` every `intervalMs` until it holds, failing after `ms` rather than hanging. */
export async function until(
  done: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
