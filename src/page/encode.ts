/**
 * Packs a binary pass for the trip to the host: deflated with the browser's native
 * CompressionStream, then base64 for the DevTools protocol. The protocol moves only a few
 * tens of MB/s on a small machine, and label passes (ids, depth with background) shrink
 * several-fold, so compressing in the page is the fastest route.
 */
export async function deflateBase64(view: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const deflated = await new Response(stream).blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("encoding a pass failed"));
    reader.readAsDataURL(deflated);
  });
}
