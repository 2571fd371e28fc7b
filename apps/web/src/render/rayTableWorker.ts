import "../zodJitless.ts";
import { buildRayTable, type RayTableAnswer, type RayTableRequest } from "./rayTableBuild.ts";

/* The ray-table worker: builds lens-distortion ray tables off the page (rayTableTexture.ts asks). */

interface WorkerScope {
  postMessage(message: RayTableAnswer, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<RayTableRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const answer = buildRayTable(event.data);
  scope.postMessage(answer, "table" in answer ? [answer.table.buffer] : []);
};
