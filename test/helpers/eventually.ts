/** Polls `check` until it stops throwing (or returns true), for effects that land after a response. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== false) return v;
      if (Date.now() > deadline) throw new Error('condition still false at the deadline');
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
