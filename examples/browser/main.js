// Renders the Mandelbrot set with a pool of Web Workers: one task per row,
// mapped with imap_unordered, drawn as rows finish; each row reports the
// pixels it has done with reportProgress (a finer bar), and pool.stats()
// shows the pool's state every frame. Serve the repository
// root and open /examples/browser/ (see README.md next to this file):
//   node scripts/build.mjs && node examples/browser/serve.mjs
import { cpuCount, Pool } from "@x/pool";

/**
 * Renders one row. It is sent to the workers by source, so it must be
 * self-contained: everything it needs arrives in `job`, and `currentProcess`
 * and `reportProgress` are bound by the pool. Returns RGBA pixels and who
 * rendered the row.
 */
function renderRow(job) {
  const { y, width, height, cx, cy, span, maxIter, ss } = job;
  const t0 = performance.now();
  const pixels = new Uint8ClampedArray(width * 4);
  const scale = span / width;
  const LOG2 = Math.log(2);
  // ss x ss samples per pixel (anti-aliasing), averaged
  for (let x = 0; x < width; x++) {
    let r = 0, g = 0, b = 0;
    for (let sy = 0; sy < ss; sy++) {
      const ci = cy + (y + (sy + 0.5) / ss - height / 2) * scale;
      for (let sx = 0; sx < ss; sx++) {
        const cr = cx + (x + (sx + 0.5) / ss - width / 2) * scale;
        let zr = 0, zi = 0, zr2 = 0, zi2 = 0, n = 0;
        while (n < maxIter && zr2 + zi2 < 256) {
          zi = 2 * zr * zi + ci;
          zr = zr2 - zi2 + cr;
          zr2 = zr * zr;
          zi2 = zi * zi;
          n++;
        }
        if (n === maxIter) continue; // inside the set: black
        // smooth iteration count -> cosine palette
        const nu = n + 1 - Math.log(Math.log(zr2 + zi2) / 2 / LOG2) / LOG2;
        const t = Math.sqrt(nu / 64);
        r += 0.5 + 0.5 * Math.cos(6.2832 * t);
        g += 0.5 + 0.5 * Math.cos(6.2832 * (t + 0.12));
        b += 0.5 + 0.5 * Math.cos(6.2832 * (t + 0.28));
      }
    }
    const o = x * 4;
    const k = 255 / (ss * ss);
    pixels[o] = r * k;
    pixels[o + 1] = g * k;
    pixels[o + 2] = b * k;
    pixels[o + 3] = 255;
    if ((x & 63) === 63) reportProgress(64); // pixels done since the last
  }
  if ((width & 63) !== 0) reportProgress(width & 63);
  return {
    y,
    pixels,
    worker: currentProcess().name,
    ms: performance.now() - t0,
  };
}

const COLORS = [
  "#f0b429",
  "#2f81f7",
  "#3fb950",
  "#f85149",
  "#a371f7",
  "#39c5cf",
  "#db61a2",
  "#e3b341",
];
const $ = (id) => document.getElementById(id);
const view = $("view").getContext("2d");
const owner = $("owner").getContext("2d");
const params = new URLSearchParams(location.search);

const workersSelect = $("workers");
const maxWorkers = Math.max(cpuCount(), 4);
for (let n = 1; n <= maxWorkers; n++) {
  workersSelect.add(new Option(String(n), String(n)));
}
workersSelect.value = params.get("workers") ?? String(cpuCount());

async function render() {
  const processes = Number(workersSelect.value);
  const maxIter = Number($("iters").value);
  const { width, height } = view.canvas;
  // The seahorse valley, between the main cardioid and the period-2 bulb.
  const ss = Number(params.get("ss") ?? 3);
  const frame = {
    width,
    height,
    cx: -0.7453,
    cy: 0.1127,
    span: 0.0065,
    maxIter,
    ss,
  };
  const jobs = Array.from({ length: height }, (_, y) => ({ ...frame, y }));

  document.body.dataset.state = "running";
  $("render").disabled = true;
  view.fillStyle = "#000";
  view.fillRect(0, 0, width, height);
  owner.clearRect(0, 0, owner.canvas.width, owner.canvas.height);
  $("split").replaceChildren();
  $("pixel-bar").style.width = "0%";
  $("status").textContent = `Starting ${processes} workers…`;

  const rows = new Map(); // worker name -> { rows, ms, li }
  const line = new ImageData(width, 1);
  const start = performance.now();
  let done = 0;
  let busy = 0;
  let pixelsDone = 0;
  const pool = new Pool(processes);
  // Once a frame: the pixel bar (reportProgress) and pool.stats().
  let raf = 0;
  let drawing = true;
  const drawFrame = () => {
    const s = pool.stats();
    $("pixel-bar").style.width = `${(100 * pixelsDone) / (width * height)}%`;
    $("pixel-text").textContent = `${pixelsDone} px`;
    $("stats").textContent =
      `${s.busy} busy · ${s.idle} idle · ${s.queued} queued · ${s.running} running · ${s.completed} done`;
    if (drawing) raf = requestAnimationFrame(drawFrame);
  };
  const stopDrawing = () => {
    drawing = false;
    cancelAnimationFrame(raf);
  };
  raf = requestAnimationFrame(drawFrame);
  const onProgress = (pixels) => {
    pixelsDone += pixels;
  };
  try {
    for await (
      const row of pool.imap_unordered(renderRow, jobs, { onProgress })
    ) {
      line.data.set(row.pixels);
      view.putImageData(line, 0, row.y);
      let w = rows.get(row.worker);
      if (!w) {
        const color = COLORS[rows.size % COLORS.length];
        const li = document.createElement("li");
        li.innerHTML =
          `<div class="name"><span><i></i>${row.worker}</span><b></b></div>` +
          `<div class="track"><div class="fill"></div></div>`;
        li.querySelector("i").style.background = color;
        li.querySelector(".fill").style.background = color;
        $("split").append(li);
        w = { rows: 0, ms: 0, li, color };
        rows.set(row.worker, w);
      }
      w.rows++;
      w.ms += row.ms;
      busy += row.ms;
      owner.fillStyle = w.color;
      owner.fillRect(0, row.y, owner.canvas.width, 1);
      done++;
      const pct = (100 * done) / height;
      $("bar").style.width = `${pct}%`;
      $("progress-text").textContent = `${done} / ${height} rows · ${
        pct.toFixed(0)
      }%`;
      for (const v of rows.values()) {
        v.li.querySelector("b").textContent = `${v.rows} rows · ${
          ((100 * v.rows) / done).toFixed(0)
        }%`;
        v.li.querySelector(".fill").style.width = `${(100 * v.rows) / height}%`;
      }
    }
    const wall = (performance.now() - start) / 1000;
    $("status").textContent =
      `Done: ${height} rows × ${width} px, ${
        ss * ss
      } samples/px, ≤ ${maxIter} iterations\n` +
      `${wall.toFixed(2)} s wall · ${(busy / 1000).toFixed(2)} s of work\n` +
      `${
        (busy / 1000 / wall).toFixed(2)
      }× parallel on ${processes} workers (${cpuCount()} CPUs)`;
    stopDrawing();
    drawFrame();
    document.body.dataset.rows = String(done);
    document.body.dataset.pixels = String(pixelsDone);
    document.body.dataset.expectedPixels = String(width * height);
    document.body.dataset.workers = String(rows.size);
    document.body.dataset.state = "done";
  } catch (error) {
    $("status").textContent = `Failed: ${error}`;
    document.body.dataset.state = "error";
    throw error;
  } finally {
    stopDrawing();
    await pool.terminate();
    $("render").disabled = false;
  }
}

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  void render();
});
void render();
