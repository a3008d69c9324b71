// Helpers shared by the contestant adapters.

/** Python's default map chunksize: ceil(len / (processes * 4)). */
export function defaultChunksize(length, processes) {
  return Math.max(1, Math.ceil(length / (processes * 4)));
}

/**
 * A map for pools that have none: split `arr` into Python-default chunks,
 * run `runChunk(chunk)` for each (all in flight at once), concatenate.
 */
export async function chunkedMap(runChunk, arr, processes, chunksize) {
  const cs = chunksize ?? defaultChunksize(arr.length, processes);
  const parts = [];
  for (let i = 0; i < arr.length; i += cs) {
    parts.push(runChunk(arr.slice(i, i + cs)));
  }
  return (await Promise.all(parts)).flat();
}

/** `file:` URL of a worker file in ../workers/. */
export function workerUrl(name) {
  return new URL(`../workers/${name}`, import.meta.url);
}
