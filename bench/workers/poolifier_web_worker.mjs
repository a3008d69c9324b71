import { ThreadWorker } from "poolifier-web-worker";
import { double, mapChunk, spin, tiny } from "./tasks.mjs";

export default new ThreadWorker({ tiny, double, spin, mapChunk });
