/**
 * Makes `WebAssembly.Module` (synchronous compilation) refuse more than 4 KB, as older Chromium did on
 * a page's main thread, so a Node test takes the path where up-zstd's 54 KB decoder must load
 * asynchronously (Node compiles any size at once, and so does Debian's Chromium 156). Returns the undo.
 */
export function refuseLargeSynchronousCompile(): () => void {
  const NodeModule = WebAssembly.Module;
  function MainThreadModule(bytes: BufferSource): WebAssembly.Module {
    if (bytes.byteLength > 4096) throw new RangeError("WebAssembly.Module(): Buffer size is larger than 4KB");
    return new NodeModule(bytes);
  }
  WebAssembly.Module = MainThreadModule as unknown as typeof WebAssembly.Module;
  return () => {
    WebAssembly.Module = NodeModule;
  };
}
