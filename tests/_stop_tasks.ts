/**
 * Tasks the stopping tests share (each self-contained: it is sent to a
 * worker as source). Cells of a `SharedArrayBuffer` from `latch()` say
 * what a task has done and release it.
 */

/** Counts a call in cell 0 of `sab`, returns 1. */
export const count = (sab: SharedArrayBuffer): number => {
  Atomics.add(new Int32Array(sab), 0, 1);
  return 1;
};

/** Marks cell 0 of `sab` started, then waits (async) until cell 1 is set. */
export const waitFor = async (sab: SharedArrayBuffer): Promise<string> => {
  const cells = new Int32Array(sab);
  Atomics.store(cells, 0, 1);
  while (Atomics.load(cells, 1) === 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return "released";
};
