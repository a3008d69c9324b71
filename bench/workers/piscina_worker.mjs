// Worker file for Piscina and Tinypool: named exports picked with `{ name }`.
export { double, mapChunk, spin, tiny } from "./tasks.mjs";
export { tiny as default } from "./tasks.mjs";
