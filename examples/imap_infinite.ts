// imap over an infinite generator, stopped with `break`.
//
// Run:
//   deno run -A examples/imap_infinite.ts
//   bun examples/imap_infinite.ts
//   node examples/imap_infinite.ts        (Node >= 22.18)
//
// Prints the squares 0, 1, 4, ... up to 1024, how many numbers the generator
// produced (a few more than were used: imap reads ahead a bounded number of
// chunks, it does not drain the input as Python <= 3.14 does), then the
// result of a later apply, showing that the pool is still usable after the
// `break`.

import { Pool } from "../mod.ts";

let produced = 0;
function* naturals() {
  // Runs on the main side, so it may use outer variables.
  for (let n = 0;; n++) {
    produced++;
    yield n;
  }
}

function square(n: number) {
  return n * n;
}

const pool = new Pool(2);
const squares = [];
for await (const sq of pool.imap(square, naturals())) {
  if (sq > 1024) break; // stops reading the generator
  squares.push(sq);
}
console.log(squares.join(" "));
console.log(
  `used ${
    squares.length + 1
  } results; the generator produced ${produced} numbers`,
);

const before = produced;
await new Promise((r) => setTimeout(r, 100));
console.log(`after break the generator is left alone: ${produced === before}`);

console.log(
  "pool still usable:",
  await pool.apply((a: number, b: number) => a + b, [2, 3]),
);
pool.close();
await pool.join();
