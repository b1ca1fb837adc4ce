// A timer for the floating keep-alive that fires only when a test says so: fire() runs the
// earliest scheduled callback and waits for what it returns (the keep-alive's check).
export function fakeTimer() {
  let next = 1;
  const scheduled = new Map(); // handle → {fn, ms}
  const log = [];
  return {
    setTimeout(fn, ms) {
      const handle = next++;
      scheduled.set(handle, { fn, ms });
      log.push(ms);
      return handle;
    },
    clearTimeout(handle) {
      scheduled.delete(handle);
    },
    /** The delays asked for so far, in order. */
    delays: () => [...log],
    /** How many callbacks wait to be fired. */
    pending: () => scheduled.size,
    async fire() {
      const [handle, entry] = scheduled.entries().next().value ?? [];
      if (entry === undefined) throw new Error("nothing is scheduled");
      scheduled.delete(handle);
      await entry.fn();
    },
  };
}
