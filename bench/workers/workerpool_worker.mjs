import workerpool from "workerpool";
import { double, mapChunk, spin, tiny } from "./tasks.mjs";

workerpool.worker({ tiny, double, spin, mapChunk });
