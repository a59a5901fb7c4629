/** The anchor grid of MediaPipe's BlazeFace detector; the code is shared with the browser page. */
export { blazeFaceAnchors } from "./portable/blazeface.js";
