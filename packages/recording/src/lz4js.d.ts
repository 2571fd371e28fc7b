declare module "lz4js" {
  /** LZ4 frame format. `maxSize`: the decompressed size if known (the output is sliced to the real size). */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  const lz4: { decompress: typeof decompress; compress: typeof compress };
  export default lz4;
}
